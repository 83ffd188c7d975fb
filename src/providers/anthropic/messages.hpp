// The Anthropic provider family: the gateway calling an upstream that speaks Anthropic Messages
// (`POST /v1/messages`). An ir::Request becomes the upstream body; the upstream's `message`,
// error bodies and SSE stream come back as IR. docs/translation/anthropic.md lists every field.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::providers::anthropic {

// Anthropic requires max_tokens; this is what is sent when the client gave none.
inline constexpr std::int64_t kDefaultMaxTokens = 4096;
// Anthropic's smallest thinking budget; a smaller one (effort "minimal") is raised to it.
inline constexpr std::int64_t kMinThinkingBudget = 1024;

// The upstream body for `request`, with "model" = upstream_model. A request this family cannot
// express (audio, json_object output, a nonzero penalty, another family's non-droppable extra)
// gives a 400 ir::Error naming the field and leaves `body` unspecified.
std::optional<ir::Error> encode_request(const ir::Request& request, std::string_view upstream_model,
                                        std::string& body);

// A 2xx `message` body into `out`, usage as IR totals (input = input_tokens + cache creation +
// cache read). A body that is not a message gives a 502 "upstream_invalid_response".
std::optional<ir::Error> decode_response(std::string_view body, ir::Response& out);

// An upstream error response: its error.type and message are kept (code = the type, e.g.
// "overloaded_error"); the kind follows the HTTP status (529 = overloaded). A body that is not
// Anthropic's error JSON still gives an error that says what the upstream returned.
ir::Error decode_error(int status, std::string_view body);

// Anthropic SSE events → ir::Event, as an explicit state machine:
//   awaiting_message → (message_start) → between_blocks ⇄ (content_block_start/stop) in_block
//   → (message_delta) → between_blocks → (message_stop) → done
// ping and unknown event types are ignored. Blocks the IR cannot carry (server_tool_use,
// web_search_tool_result, ...) are skipped and the remaining ones renumbered 0, 1, ...
// message_start carries the initial usage; each message_delta whose counts change emits a usage
// event with IR totals, then its stop.
class StreamDecoder {
 public:
  StreamDecoder();
  ~StreamDecoder();
  StreamDecoder(StreamDecoder&&) noexcept;
  StreamDecoder& operator=(StreamDecoder&&) noexcept;

  // One SSE event: its `event:` field (may be empty: the data's "type" then decides) and data.
  void feed(std::string_view type, std::string_view data, ir::EventSink& sink);
  // The upstream body ended. True if message_stop had been seen. Otherwise false, and unless an
  // error was already emitted, an ir error event (502 "upstream_stream_truncated") is emitted.
  bool finish(ir::EventSink& sink);
  // A malformed event was seen (an ir error event was emitted; stop feeding).
  bool failed() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tollgate::providers::anthropic
