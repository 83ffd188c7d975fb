// The OpenAI Responses surface, inbound: a `POST /v1/responses` body decoded into the IR.
// Every field is mapped, converted, kept as an ir::Extra or rejected with an OpenAI-shaped 400;
// docs/translation/responses.md lists the decision for each.
#pragma once

#include <optional>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::api::responses {

// Fills `out` (from = Format::openai_responses) from a Responses request body. Returns the
// client error (status 400, `code` and `param` as OpenAI reports them) when the body is not a
// valid request or asks for something the gateway cannot serve, such as server-side state
// (previous_response_id, conversation, background) or built-in tools. Never throws, whatever
// the bytes; on error `out` holds whatever was decoded so far.
//
// Error codes: invalid_json, invalid_encoding, invalid_type, invalid_value,
// missing_required_parameter, empty_array, integer_below_min_value, integer_above_max_value,
// unknown_parameter, unsupported_parameter.
std::optional<ir::Error> decode_request(std::string_view body, ir::Request& out);

}  // namespace tollgate::api::responses
