// Reading request bodies with simdjson's DOM: the three request parsers share these small
// accessors. The DOM parse validates the whole document (UTF-8 included), so a gateway that
// corrupts bytes while patching a request is caught even in fields the mock does not use.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace tollgate::mock::json_read {

namespace dom = simdjson::dom;

// Parses `body` (padded in place, so that simdjson need not copy it) with this thread's parser.
// The elements stay valid until the next parse on this thread: read what you need at once.
// nullopt when it is not JSON.
std::optional<dom::element> parse_body(std::string& body);

// The member `key` of `object`, if present (null counts as present).
inline std::optional<dom::element> member(dom::object object, std::string_view key) {
  dom::element value;
  if (object[key].get(value)) return std::nullopt;
  return value;
}

// The first of two spellings that is present (Gemini accepts camelCase and snake_case).
inline std::optional<dom::element> member(dom::object object, std::string_view key,
                                          std::string_view other_key) {
  auto value = member(object, key);
  return value ? value : member(object, other_key);
}

// The same on an element that may not be an object (then: absent).
inline std::optional<dom::element> member(dom::element value, std::string_view key) {
  dom::object object;
  if (value.get(object)) return std::nullopt;
  return member(object, key);
}
inline std::optional<dom::element> member(dom::element value, std::string_view key,
                                          std::string_view other_key) {
  dom::object object;
  if (value.get(object)) return std::nullopt;
  return member(object, key, other_key);
}

// A string member, or empty.
inline std::string_view string_member(std::optional<dom::element> value) {
  std::string_view text;
  if (!value || value->get(text)) return {};
  return text;
}

// A string looked up with operator[] (e.g. block["source"]["type"]), or `fallback`.
inline std::string_view string_or(simdjson::simdjson_result<dom::element> value,
                                  std::string_view fallback = {}) {
  std::string_view text;
  return value.get(text) ? fallback : text;
}

// A member that is absent or null.
inline bool absent(const std::optional<dom::element>& value) {
  return !value || value->is_null();
}

inline std::string minified(dom::element value) {
  return simdjson::minify(value);
}

}  // namespace tollgate::mock::json_read
