// Anthropic Messages response text for a Reply: the `message` JSON body and the SSE event
// sequence (message_start, ping, content_block_start / _delta / _stop per block, message_delta
// with stop_reason and usage, message_stop). Usage follows Anthropic's convention: input_tokens
// excludes the cache reads and writes, which are reported apart.
#pragma once

#include "mock_upstream/model_handler.hpp"

#include <memory>
#include <string>

namespace tollgate::mock {

std::string anthropic_json_body(const ReplyIdentity& identity, const Conversation& conversation,
                                const Reply& reply);

std::unique_ptr<StreamEncoder> anthropic_stream_encoder(const ReplyIdentity& identity,
                                                        const Conversation& conversation,
                                                        const Reply& reply);

// "end_turn" | "max_tokens" | "tool_use".
std::string_view anthropic_stop_reason(StopReason stop);

}  // namespace tollgate::mock
