// The fields of an OpenAI Chat Completions request that the mock reads, parsed with simdjson
// On-Demand straight from the request body.
#pragma once

#include "mock_upstream/api_error.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace tollgate::mock {

struct ChatRequest {
  std::string model;  // verbatim, echoed in the reply
  bool stream = false;
  bool include_usage = false;         // stream_options.include_usage
  std::optional<int64_t> max_tokens;  // max_completion_tokens, else max_tokens
  uint64_t last_content_hash = 0;     // FNV-1a of the last message's text: the reply's seed
  uint32_t prompt_tokens = 0;         // see content.hpp
};

// Pads `body` in place (simdjson reads a few bytes past the end). Errors are OpenAI-shaped 400s.
// Validation covers the fields read here and the document's structure; values of other fields
// are skipped, not checked.
boost::system::result<ChatRequest, ApiError> parse_chat_request(std::string& body);

}  // namespace tollgate::mock
