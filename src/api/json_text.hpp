// Writing JSON strings by hand, for the places that splice bytes instead of building a DOM (error
// bodies, the passthrough patcher). The output is always valid JSON: control characters, quotes
// and backslashes are escaped and invalid UTF-8 becomes U+FFFD, so text from outside (upstream
// error messages, model names, client input echoed back) can never break a response body.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::api {

// Appends `text` escaped for use inside a JSON string, without the surrounding quotes. Each
// maximal ill-formed UTF-8 subsequence becomes one U+FFFD (the Unicode "best practice", as in
// WHATWG's decoder). Non-ASCII characters are written as UTF-8, not as \u escapes.
void append_json_escaped(std::string& out, std::string_view text);

// Appends `text` as a complete JSON string: `"` + escaped text + `"`.
void append_json_string(std::string& out, std::string_view text);

// The escaped form of `text`, without quotes.
std::string json_escape(std::string_view text);

// `text` as a complete quoted JSON string.
std::string json_string(std::string_view text);

}  // namespace tollgate::api
