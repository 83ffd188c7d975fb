// Parses an OpenAI Chat Completions request into a Conversation, validating it the way OpenAI
// does (errors are OpenAI-shaped 400s): types of the fields read, token limits, and tool
// messages, which must answer the tool_calls of the assistant message before them.
#pragma once

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/conversation.hpp"

#include <boost/system/result.hpp>

#include <string>

namespace tollgate::mock {

// Pads `body` in place (simdjson reads a few bytes past the end).
boost::system::result<Conversation, ApiError> parse_openai_chat(std::string& body);

}  // namespace tollgate::mock
