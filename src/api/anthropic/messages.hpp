// The Anthropic Messages surface (`POST /v1/messages`): a client's request body into the IR, and
// the IR's response, errors and event stream back out in the shapes the official Anthropic SDKs
// parse (`message` objects, `{"type":"error"}` bodies, `event: message_start` ... SSE frames).
// docs/translation/anthropic.md lists how every field is mapped.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::api::anthropic {

// The body of `POST /v1/messages` into `out` (request.from = ir::Format::anthropic). A client
// error comes back as a 400 invalid_request ir::Error whose message reads like Anthropic's
// ("max_tokens: Field required", "messages.0.content: Input should be a valid list"), with
// `param` the path of the field and `code` one of:
//   invalid_json                the body is not one JSON value (or not UTF-8, or too deep)
//   invalid_type                the body or a field has the wrong JSON type
//   missing_required_parameter  model, max_tokens, messages, or a required field of a block
//   invalid_value               a value outside the allowed set (a role, a block type, ...)
//   integer_below_min_value     max_tokens < 0, top_k < 0, budget_tokens < 0
//   unsupported_content_block   a content block the IR cannot carry (server tool results, ...)
std::optional<ir::Error> decode_request(std::string_view body, ir::Request& out);

// An Anthropic `message` object for a complete response. The id is the response's when it is an
// Anthropic one ("msg_..."), else options.id; the model is options.model (the public id).
std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options);

// `{"type":"error","error":{"type":...,"message":...},"request_id":...}`; request_id is null when
// empty (the SDK's ErrorResponse allows null; the SDK reads the request-id header for its own).
std::string error_body(const ir::Error& error, std::string_view request_id = {});

// The Anthropic `error.type` for an IR error kind, e.g. "overloaded_error".
std::string_view error_type(ir::Error::Kind kind);

// Turns an ir::Event stream into Anthropic SSE frames appended to `out`:
//   message_start, ping, then per block content_block_start / content_block_delta* /
//   content_block_stop, then message_delta (stop_reason, stop_sequence, usage) and message_stop.
// message_delta is written only at the `end` event, because usage may follow the stop (an
// OpenAI upstream sends it after finish_reason); its usage carries every count, so the SDK's
// accumulated finalMessage().usage equals the true totals. An error event becomes an
// `event: error` frame and ends the stream; later events are ignored.
class StreamEncoder final : public ir::EventSink {
 public:
  StreamEncoder(std::string& out, ir::EncodeOptions options);
  void on_event(const ir::Event& event) override;

 private:
  void start_message(const ir::Event& event);
  void start_block(const ir::Event& event);
  void write_text_delta(const ir::Event& event);
  void write_arguments_delta(const ir::Event& event);
  void write_signature_delta(const ir::Event& event);
  void stop_block();
  void finish_message();
  void write_error(const ir::Error& error);
  void begin_delta_frame(std::string& data) const;

  std::string& out_;
  ir::EncodeOptions options_;
  bool started_ = false;  // message_start was written
  bool ended_ = false;    // message_stop or an error was written: nothing more goes out
  bool block_open_ = false;
  ir::Part::Kind open_kind_ = ir::Part::Kind::text;
  int next_index_ = 0;  // the Anthropic index of the next block (IR indices are not trusted)
  bool saw_tool_call_ = false;
  ir::StopReason stop_reason_ = ir::StopReason::unset;
  std::string stop_sequence_;
  ir::Usage usage_;
  std::string data_;  // reused buffer for one frame's data
};

}  // namespace tollgate::api::anthropic
