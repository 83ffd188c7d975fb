// The OpenAI Responses surface, outbound: an IR response written as the `response` object of
// `POST /v1/responses`, and errors in OpenAI's shape.
#pragma once

#include <string>

#include "ir/ir.hpp"

namespace tollgate::api::responses {

// The response object: id ("resp_…", see response_id in response_object.hpp), object,
// created_at, status ("completed"; "incomplete" with incomplete_details.reason when the output
// was cut by max_tokens or a content filter; "failed" when the upstream stopped with an error),
// model = options.model, the output items in order (thinking → reasoning item, text → message
// item, tool call → function_call item), usage, and the fields that echo `request` (the decoded
// request of this call; null gives OpenAI's defaults).
std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options,
                            const ir::Request* request = nullptr);

// `{"error":{"message","type","param","code"}}`, as the openai SDK parses it into an APIError.
// `type` follows the error kind (invalid_request_error, authentication_error, permission_error,
// insufficient_quota, rate_limit_error, server_error); param and code are null when empty.
std::string error_body(const ir::Error& error);

}  // namespace tollgate::api::responses
