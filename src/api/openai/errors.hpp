// The OpenAI error body, `{"error":{"message","type","param","code"}}`, which the official SDKs
// parse into their APIError classes.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::api::openai {

// `param` and `code` are written as JSON null when empty, as OpenAI does. The body is valid JSON
// whatever the inputs hold (see api/json_text.hpp), so upstream text can be echoed safely.
std::string error_body(std::string_view message, std::string_view type, std::string_view code,
                       std::string_view param = {});

}  // namespace tollgate::api::openai
