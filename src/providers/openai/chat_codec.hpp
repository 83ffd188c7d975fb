// The OpenAI-compatible provider family translated through the IR: an ir::Request encoded as a
// chat completions body, and the upstream's chat.completion, chunk stream and error bodies decoded
// back into the IR. Used when the client speaks another format (Anthropic, Gemini, Responses);
// OpenAI chat clients take the byte-level passthrough instead (passthrough.hpp).
// docs/translation/openai.md lists how each field maps.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/ir.hpp"

namespace tollgate::providers::openai {

// Where OpenAI-compatible servers differ in what they accept.
struct ChatDialect {
  // The token limit's name: OpenAI's current "max_completion_tokens" (its reasoning models
  // refuse "max_tokens"), or "max_tokens" for servers that only know the older name.
  std::string_view max_tokens_field = "max_completion_tokens";
};

// `request` as a chat completions body for `upstream_model`. A streaming request always asks for
// the usage chunk (the gateway meters every stream). Returns a 400 for what chat cannot carry
// (extras of another family that are not droppable, audio other than wav/mp3, files by URL...).
std::optional<ir::Error> encode_chat_request(const ir::Request& request,
                                             std::string_view upstream_model, std::string& body,
                                             const ChatDialect& dialect = {});

// A 2xx chat.completion body → `out` (the first choice). A body that is not a chat.completion is
// a 502 "upstream_invalid_response"; a 2xx body holding an error object is a 502 carrying it.
std::optional<ir::Error> decode_chat_response(std::string_view body, ir::Response& out);

// A non-2xx body → ir::Error with the upstream's status, message, code (or type) and param.
ir::Error decode_chat_error(int status, std::string_view body);

// Chat chunks → ir::Event, as a state machine: message_start on the first chunk; text, reasoning
// (reasoning_content / reasoning) and each tool call (by its `index`) become blocks, a new block
// closing the open one; finish_reason closes the open block; usage chunks become usage events;
// stop and end follow at [DONE] (or finish()), so that usage that arrives after finish_reason
// still precedes the stop, as the IR's order requires.
class ChatStreamDecoder {
 public:
  ChatStreamDecoder();
  ~ChatStreamDecoder();
  ChatStreamDecoder(ChatStreamDecoder&&) noexcept;
  ChatStreamDecoder& operator=(ChatStreamDecoder&&) noexcept;

  // One SSE event: `type` is its event field (normally empty), `data` its data.
  void feed(std::string_view type, std::string_view data, ir::EventSink& sink);

  // The upstream closed the stream. Returns true when it had completed ([DONE], or a
  // finish_reason from an upstream that sends no [DONE]); then stop and end have been emitted.
  // On false (cut short, or failed()) nothing is emitted: the caller reports the failure.
  bool finish(ir::EventSink& sink);

  // An error chunk or an unreadable chunk was seen; an error event has been emitted.
  bool failed() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tollgate::providers::openai
