// Appending JSON text to a std::string: the mock builds every hot-path response with appends
// instead of a DOM, so that it is never the bottleneck of a benchmark.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace tollgate::mock {

// Appends `text` as a quoted JSON string. `text` must be UTF-8 (simdjson has validated it, or it
// is our own text); only the characters JSON requires are escaped.
void append_json_string(std::string& out, std::string_view text);

inline void append_uint(std::string& out, uint64_t value) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  (void)ec;  // 20 digits hold any uint64_t
  out.append(digits, end);
}

inline void append_int(std::string& out, int64_t value) {
  char digits[21];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  (void)ec;
  out.append(digits, end);
}

}  // namespace tollgate::mock
