// A hash map keyed by std::string whose find() also takes a std::string_view, so that a lookup
// builds no std::string (std::hash<std::string_view> alone is not transparent). Header-only; used
// by every layer that looks names up on the request path.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tollgate::net {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

template <class Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

}  // namespace tollgate::net
