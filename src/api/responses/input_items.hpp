// The `input` of a Responses request (a string, or a list of items) decoded into IR messages.
// Internal to the request decoder; includes simdjson.h, so include it from .cpp files only.
#pragma once

#include "api/responses/json_read.hpp"

namespace tollgate::api::responses {

// Appends the messages of `input` to out.messages. A string is one user message. Items become
// messages in order, except that the items of one assistant turn (reasoning, output text,
// function calls) are merged into one assistant message, as every other format keeps them.
Failure decode_input(element input, ir::Request& out);

}  // namespace tollgate::api::responses
