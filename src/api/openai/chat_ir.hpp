// The OpenAI Chat Completions surface translated through the IR: a client's chat body decoded into
// an ir::Request, and the IR's response, stream and errors encoded back as chat.completion,
// chat.completion.chunk frames and OpenAI error bodies. Used when the upstream is not
// OpenAI-compatible (same-family traffic takes the byte-level passthrough instead).
// docs/translation/openai.md lists how each field maps.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::api::openai {

// A chat completions body → `out` (out.from = ir::Format::openai_chat). The gateway runs
// ChatRequestParser first, but this never crashes or throws on any input either. Client errors
// are 400s with the codes of chat_request.hpp and `param` paths like "messages[2].content[0].type".
std::optional<ir::Error> decode_request(std::string_view body, ir::Request& out);

// The ir::Response as a chat.completion object: model = options.model; id from the response (or
// options.id), prefixed "chatcmpl-" when it is not already.
std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options);

// The OpenAI error body for an IR error, with the type OpenAI uses for its status.
std::string error_body(const ir::Error& error);

// Building blocks shared by the response and stream encoders.
// The id the client sees: the upstream's id (else `fallback`), prefixed "chatcmpl-" when it is
// not already.
std::string chat_completion_id(std::string_view upstream_id, std::string_view fallback);
// `{"prompt_tokens":...,"completion_tokens":...,"total_tokens":...,"prompt_tokens_details":
// {"cached_tokens":...},"completion_tokens_details":{"reasoning_tokens":...}}`
void append_chat_usage(std::string& out, const ir::Usage& usage);
// The finish_reason for a stop reason; `has_tool_calls` turns a plain stop into "tool_calls",
// since some upstreams end a turn that called tools with their ordinary stop reason.
std::string_view finish_reason(ir::StopReason reason, bool has_tool_calls);

// An ir::Event stream as chat.completion.chunk SSE frames appended to `out`: a role chunk, content
// / reasoning_content / tool_calls deltas, a chunk with the finish_reason, the usage chunk (only
// when options.include_usage) and `data: [DONE]`. An error event writes `data: {"error":...}`
// and ends the stream (no [DONE]); later events are ignored.
class ChatStreamEncoder final : public ir::EventSink {
 public:
  ChatStreamEncoder(std::string& out, ir::EncodeOptions options);

  void on_event(const ir::Event& event) override;

 private:
  enum class BlockKind { none, text, thinking, tool_call };

  void start(const ir::Event& event);
  void start_block(const ir::Event& event);
  void write_text_delta(const ir::Event& event);
  void write_arguments_delta(const ir::Event& event);
  void write_finish();
  void write_end();
  void write_error(const ir::Error& error);

  void append_chunk_head();                             // `data: {"id":...,"model":...,"choices":`
  void begin_chunk();                                   // the head, then `[{"index":0,"delta":`
  void end_chunk(std::string_view finish_reason = {});  // `,"logprobs":null,...}]}\n\n`

  std::string& out_;
  ir::EncodeOptions options_;
  std::string id_;
  BlockKind open_block_ = BlockKind::none;
  int tool_calls_ = 0;  // tool calls started so far: the next tool call's index
  ir::StopReason stop_reason_ = ir::StopReason::unset;
  ir::Usage usage_;
  bool started_ = false;
  bool finished_ = false;  // the finish_reason chunk was written
  bool closed_ = false;    // [DONE] or an error was written: nothing more may follow
};

}  // namespace tollgate::api::openai
