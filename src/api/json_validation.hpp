// Helpers for simdjson On-Demand readers. On-Demand only checks the parts of a document that are
// read, so a reader that must reject any invalid JSON (a request to be validated, a response to
// be patched) walks the values it does not interpret with validate_json_value.
//
// This header includes simdjson.h: include it from .cpp files only.
#pragma once

#include <simdjson.h>

#include <string_view>

namespace tollgate::api {

// Real documents nest a few levels (JSON schemas in tools perhaps 20). The walk is recursive, so
// the bound also keeps hostile input from exhausting the stack.
inline constexpr int kMaxJsonNesting = 128;
// What a chat request's readers answer a body nested deeper (with code invalid_json).
inline constexpr std::string_view kTooDeepMessage =
    "The request body nests arrays and objects more than 128 levels deep.";

// Checks that `value`, at nesting level `depth` (the root value is level 1), is well-formed JSON:
// every string, number and literal, every key, every separator. Returns DEPTH_ERROR for arrays or
// objects nested deeper than kMaxJsonNesting.
simdjson::error_code validate_json_value(simdjson::ondemand::value value, int depth);

// The outcome of reading one field of an object in a loop over it.
struct JsonField {
  std::string_view key;  // unescaped, so "mod\u0065l" reads as "model"
  simdjson::ondemand::value value;
};

// Unpacks one element of `for (auto field : object)`.
simdjson::error_code read_json_field(
    simdjson::simdjson_result<simdjson::ondemand::field>&& field_result, JsonField& out);

// simdjson's raw tokens run up to the next structural character, so they may end in whitespace.
std::string_view trim_json_whitespace_end(std::string_view token);

}  // namespace tollgate::api
