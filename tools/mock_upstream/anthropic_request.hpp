// Parses an Anthropic Messages request into a Conversation, validating it the way Anthropic does
// (errors are 400 invalid_request_error): max_tokens is required, user and assistant turns
// alternate, every tool_use is answered by a tool_result in the next message (and every
// tool_result answers a tool_use of the previous one), base64 images have a supported media type,
// and an enabled thinking budget is at least 1024 and below max_tokens.
#pragma once

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/conversation.hpp"

#include <boost/system/result.hpp>

#include <string>

namespace tollgate::mock {

// Pads `body` in place (simdjson reads a few bytes past the end).
boost::system::result<Conversation, ApiError> parse_anthropic_messages(std::string& body);

}  // namespace tollgate::mock
