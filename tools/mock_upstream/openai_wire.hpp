// OpenAI Chat Completions response text for a Reply: the chat.completion JSON body and the
// chat.completion.chunk SSE frames, built by appending to strings (no DOM on the hot path).
// Reasoning is sent the way OpenAI-compatible reasoning models send it: `reasoning_content`.
#pragma once

#include "mock_upstream/model_handler.hpp"

#include <memory>
#include <string>

namespace tollgate::mock {

std::string openai_json_body(const ReplyIdentity& identity, const Conversation& conversation,
                             const Reply& reply);

std::unique_ptr<StreamEncoder> openai_stream_encoder(const ReplyIdentity& identity,
                                                     const Conversation& conversation,
                                                     const Reply& reply);

// "stop" | "length" | "tool_calls".
std::string_view openai_finish_reason(StopReason stop);

}  // namespace tollgate::mock
