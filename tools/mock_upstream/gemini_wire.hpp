// Gemini GenerateContentResponse text for a Reply: the JSON body, and the chunks of
// streamGenerateContent, either as SSE (`?alt=sse`: "data: <chunk>\r\n\r\n") or as Gemini's
// streamed JSON array ("[<chunk>,\r\n<chunk>]"). Usage follows Gemini's convention:
// candidatesTokenCount excludes thoughts (thoughtsTokenCount), promptTokenCount includes the
// cached part (cachedContentTokenCount).
#pragma once

#include "mock_upstream/model_handler.hpp"

#include <memory>
#include <string>

namespace tollgate::mock {

std::string gemini_json_body(const ReplyIdentity& identity, const Conversation& conversation,
                             const Reply& reply);

std::unique_ptr<StreamEncoder> gemini_stream_encoder(const ReplyIdentity& identity,
                                                     const Conversation& conversation,
                                                     const Reply& reply);

// "STOP" | "MAX_TOKENS" (tool calls end with STOP).
std::string_view gemini_finish_reason(StopReason stop);

}  // namespace tollgate::mock
