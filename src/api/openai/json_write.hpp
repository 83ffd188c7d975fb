// Small helpers for writing JSON numbers by hand, shared by the OpenAI chat translators (the
// surface in api/openai and the provider family in providers/openai). Strings go through
// api/json_text.hpp.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace tollgate::api::openai {

inline void append_int(std::string& out, std::int64_t value) {
  char digits[20];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

// The shortest text that reads back as the same double. JSON has no NaN or infinity: those are
// written as null (they cannot come from parsed JSON, but a bug must not produce invalid JSON).
inline void append_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out.append("null");
    return;
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

inline void append_bool(std::string& out, bool value) {
  out.append(value ? "true" : "false");
}

}  // namespace tollgate::api::openai
