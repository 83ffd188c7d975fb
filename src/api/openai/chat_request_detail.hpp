// Internals of the chat request's reading (chat_request.hpp), declared here so that tests can
// compare its two ways of reading a body: by hand for the common shape, by simdjson for
// everything else (and every error).
//
// This header includes simdjson.h: include it from .cpp files only.
#pragma once

#include <simdjson.h>

#include <string_view>

#include "api/openai/chat_request.hpp"

namespace tollgate::api::openai::detail {

// Reads `body` by hand, in one pass (api/json_scanner.hpp), when it is a valid request of the
// common shape: one JSON object, nothing before it (no byte order mark) but whitespace; a
// non-empty string "model" and a non-empty "messages" array of objects, each with a "role" among
// the supported ones and a "content" that is a string, null or an array of objects; "stream" a
// boolean or null; "stream_options" null or an object whose "include_usage" is a boolean or null;
// "max_tokens", "max_completion_tokens" and "n" null or an integer from 1 to 18 digits;
// "temperature" null or a number; "tools" null or an array; none of these twice, nor
// "include_usage"; no escape in any key, in the model or in a role; no lone surrogate escape, no
// number that might reach 10^308 or whose exponent has more than three digits, nesting at most
// 16 deep. Validated on the way (grammar, escapes, control characters, UTF-8), so what this
// accepts is a valid request, and `view` is what ChatRequestParser's simdjson reading gives for
// it. Any other body returns false, leaving `view` in no particular state.
bool scan_common_request(std::string_view body, ChatRequestView& view);

// The error for a body simdjson could not parse, in the light read's words; the IR's decoder
// (chat_ir_request.cpp) uses them too, so that a broken body reads the same whichever reads it.
RequestError json_error(simdjson::error_code code);

// Declared in chat_request.hpp (ChatRequestParser names it a friend):
//   ChatRequestResult parse_with_simdjson_only(std::string_view body);

}  // namespace tollgate::api::openai::detail
