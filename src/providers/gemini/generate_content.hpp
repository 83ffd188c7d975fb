// The Gemini provider family: Tollgate calls an upstream that speaks Google's generateContent
// API. The request is written from an ir::Request (the gateway puts the model in the URL), and
// the upstream's GenerateContentResponse, error body or alt=sse stream is read back into the IR.
// docs/translation/gemini.md lists what happens to every field.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::providers::gemini {

// IR → GenerateContentRequest body. Returns a 400 for what Gemini cannot express: an extra of
// another family that is not droppable, an image or audio URL whose media type cannot be told
// from the URL, another provider's file id, a tool result whose call is unknown, tool call
// arguments that are not a JSON object, an image inside a tool result.
std::optional<ir::Error> encode_request(const ir::Request& request, std::string& body);

// GenerateContentResponse → IR. A body that is not a JSON object → 502.
std::optional<ir::Error> decode_response(std::string_view body, ir::Response& out);

// An upstream error body ({"error":{code,message,status}}, possibly inside an array) → ir::Error
// with the upstream's HTTP status, its message and the lower-cased status as the code.
ir::Error decode_error(int status, std::string_view body);

// Gemini SSE chunks → ir::Event. Synthesises message_start (model from modelVersion, id from
// responseId) and content blocks: consecutive text parts share a block, thought parts form a
// thinking block, each functionCall is a block of its own. The usage and stop events are sent
// when the stream ends after a finishReason; a stream that ends without one sends nothing more
// and finish() returns false (the caller reports the truncation).
class StreamDecoder {
 public:
  StreamDecoder();
  ~StreamDecoder();
  StreamDecoder(StreamDecoder&&) noexcept;
  StreamDecoder& operator=(StreamDecoder&&) noexcept;

  // One SSE event (`type` is the event field, unused by Gemini; `data` one chunk's JSON).
  void feed(std::string_view type, std::string_view data, ir::EventSink& sink);
  // The upstream body ended. Sends usage, stop and end after a finishReason; true if one had
  // been seen.
  bool finish(ir::EventSink& sink);
  // A chunk was not JSON, or was an error object; an error event has been sent.
  bool failed() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tollgate::providers::gemini
