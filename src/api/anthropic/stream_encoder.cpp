// ir::Event stream → Anthropic Messages SSE frames (`event: <type>` + `data: <json>`), in the
// order Anthropic sends them: message_start, ping, content blocks, message_delta, message_stop.
#include "api/anthropic/messages.hpp"
#include "api/anthropic/wire.hpp"
#include "api/json_text.hpp"
#include "net/sse/sse.hpp"

namespace tollgate::api::anthropic {

StreamEncoder::StreamEncoder(std::string& out, ir::EncodeOptions options)
    : out_(out), options_(std::move(options)) {}

void StreamEncoder::on_event(const ir::Event& event) {
  if (ended_) return;
  using Kind = ir::Event::Kind;
  if (event.kind == Kind::error) {
    write_error(event.error);
    return;
  }
  if (!started_) start_message(event);  // a stream that skipped message_start still gets one
  switch (event.kind) {
    case Kind::message_start:
      break;
    case Kind::block_start:
      start_block(event);
      break;
    case Kind::text_delta:
      write_text_delta(event);
      break;
    case Kind::arguments_delta:
      write_arguments_delta(event);
      break;
    case Kind::signature_delta:
      write_signature_delta(event);
      break;
    case Kind::block_stop:
      stop_block();
      break;
    case Kind::usage:
      usage_ = event.usage;
      break;
    case Kind::stop:
      stop_reason_ = event.stop_reason;
      stop_sequence_ = event.stop_sequence;
      break;
    case Kind::end:
      finish_message();
      break;
    case Kind::error:
      break;
  }
}

void StreamEncoder::start_message(const ir::Event& event) {
  started_ = true;
  if (event.kind == ir::Event::Kind::message_start) usage_ = event.usage;
  data_.assign(R"({"type":"message_start","message":{"id":)");
  append_json_string(data_, wire::message_id(event.id, options_.id));
  data_ += R"(,"type":"message","role":"assistant","model":)";
  append_json_string(data_, options_.model);
  data_ += R"(,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{)";
  // Anthropic reports a token or so of output up front; the final count comes in message_delta.
  wire::append_usage_members(data_, usage_, usage_.present ? usage_.output : 1);
  data_ += "}}}";
  net::sse::append_event(out_, data_, "message_start");
  net::sse::append_event(out_, R"({"type":"ping"})", "ping");
}

void StreamEncoder::start_block(const ir::Event& event) {
  if (block_open_) stop_block();
  using Kind = ir::Part::Kind;
  data_.assign(R"({"type":"content_block_start","index":)");
  data_ += std::to_string(next_index_);
  switch (event.block) {
    case Kind::thinking:
      data_ += R"(,"content_block":{"type":"thinking","thinking":"","signature":""}})";
      break;
    case Kind::redacted_thinking:
      data_ += R"(,"content_block":{"type":"redacted_thinking","data":)";
      append_json_string(data_, event.text);
      data_ += "}}";
      break;
    case Kind::tool_call:
      saw_tool_call_ = true;
      data_ += R"(,"content_block":{"type":"tool_use","id":)";
      append_json_string(data_, event.id);
      data_ += R"(,"name":)";
      append_json_string(data_, event.name);
      data_ += R"(,"input":{}}})";
      break;
    default:
      data_ += R"(,"content_block":{"type":"text","text":""}})";
      break;
  }
  block_open_ = true;
  open_kind_ = event.block == Kind::thinking || event.block == Kind::redacted_thinking ||
                       event.block == Kind::tool_call
                   ? event.block
                   : Kind::text;
  net::sse::append_event(out_, data_, "content_block_start");
}

void StreamEncoder::begin_delta_frame(std::string& data) const {
  data.assign(R"({"type":"content_block_delta","index":)");
  data += std::to_string(next_index_);
  data += R"(,"delta":{"type":)";
}

void StreamEncoder::write_text_delta(const ir::Event& event) {
  const bool thinking = open_kind_ == ir::Part::Kind::thinking;
  if (!block_open_ || (!thinking && open_kind_ != ir::Part::Kind::text)) return;
  begin_delta_frame(data_);
  data_ += thinking ? R"("thinking_delta","thinking":)" : R"("text_delta","text":)";
  append_json_string(data_, event.text);
  data_ += "}}";
  net::sse::append_event(out_, data_, "content_block_delta");
}

void StreamEncoder::write_arguments_delta(const ir::Event& event) {
  if (!block_open_ || open_kind_ != ir::Part::Kind::tool_call) return;
  begin_delta_frame(data_);
  data_ += R"("input_json_delta","partial_json":)";
  append_json_string(data_, event.text);
  data_ += "}}";
  net::sse::append_event(out_, data_, "content_block_delta");
}

// Only thinking blocks carry a signature in Anthropic's format; a tool call's (Gemini's
// thoughtSignature) has nowhere to go and is dropped.
void StreamEncoder::write_signature_delta(const ir::Event& event) {
  if (!block_open_ || open_kind_ != ir::Part::Kind::thinking) return;
  begin_delta_frame(data_);
  data_ += R"("signature_delta","signature":)";
  append_json_string(data_, event.text);
  data_ += "}}";
  net::sse::append_event(out_, data_, "content_block_delta");
}

void StreamEncoder::stop_block() {
  if (!block_open_) return;
  data_.assign(R"({"type":"content_block_stop","index":)");
  data_ += std::to_string(next_index_);
  data_ += '}';
  net::sse::append_event(out_, data_, "content_block_stop");
  block_open_ = false;
  ++next_index_;
}

// message_delta carries every usage count: the SDK's MessageStream takes output_tokens from it
// and replaces input and cache counts when they are non-null, so its final message is exact.
void StreamEncoder::finish_message() {
  stop_block();
  data_.assign(R"({"type":"message_delta","delta":{"stop_reason":")");
  data_ += wire::stop_reason_name(stop_reason_, saw_tool_call_);
  data_ += '"';
  wire::append_stop_sequence(data_, stop_sequence_);
  data_ += R"(},"usage":{)";
  wire::append_usage_members(data_, usage_, usage_.output);
  data_ += "}}";
  net::sse::append_event(out_, data_, "message_delta");
  net::sse::append_event(out_, R"({"type":"message_stop"})", "message_stop");
  ended_ = true;
}

void StreamEncoder::write_error(const ir::Error& error) {
  net::sse::append_event(out_, error_body(error), "error");
  ended_ = true;
}

}  // namespace tollgate::api::anthropic
