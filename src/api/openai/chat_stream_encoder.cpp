// ChatStreamEncoder: ir::Event → chat.completion.chunk SSE frames, written by hand straight into
// the output buffer (one frame per event that carries output).
#include "api/json_text.hpp"
#include "api/openai/chat_ir.hpp"
#include "api/openai/json_write.hpp"

namespace tollgate::api::openai {

ChatStreamEncoder::ChatStreamEncoder(std::string& out, ir::EncodeOptions options)
    : out_(out), options_(std::move(options)) {}

void ChatStreamEncoder::on_event(const ir::Event& event) {
  using EventKind = ir::Event::Kind;
  if (closed_) return;
  if (event.kind == EventKind::error) {
    write_error(event.error);
    return;
  }
  if (!started_) start(event);
  switch (event.kind) {
    case EventKind::message_start:
      break;  // written by start()
    case EventKind::block_start:
      start_block(event);
      break;
    case EventKind::text_delta:
      write_text_delta(event);
      break;
    case EventKind::arguments_delta:
      write_arguments_delta(event);
      break;
    case EventKind::signature_delta:
      break;  // chat has no signatures
    case EventKind::block_stop:
      open_block_ = BlockKind::none;
      break;
    case EventKind::usage:
      usage_ = event.usage;
      break;
    case EventKind::stop:
      stop_reason_ = event.stop_reason;
      write_finish();
      break;
    case EventKind::end:
      write_end();
      break;
    case EventKind::error:
      break;  // handled above
  }
}

// The first chunk announces the assistant role, as OpenAI's does. `event` is the message_start
// (or, from a decoder that skipped it, the first event, which has no id).
void ChatStreamEncoder::start(const ir::Event& event) {
  started_ = true;
  const std::string_view upstream_id =
      event.kind == ir::Event::Kind::message_start ? std::string_view(event.id) : "";
  id_ = chat_completion_id(upstream_id, options_.id);
  begin_chunk();
  out_.append(R"({"role":"assistant","content":""})");
  end_chunk();
}

void ChatStreamEncoder::start_block(const ir::Event& event) {
  switch (event.block) {
    case ir::Part::Kind::text:
      open_block_ = BlockKind::text;
      return;
    case ir::Part::Kind::thinking:
      open_block_ = BlockKind::thinking;
      return;
    case ir::Part::Kind::tool_call:
      break;
    default:
      open_block_ = BlockKind::none;
      return;  // redacted thinking: nothing to show
  }
  open_block_ = BlockKind::tool_call;
  begin_chunk();
  out_.append(R"({"tool_calls":[{"index":)");
  append_int(out_, tool_calls_++);
  out_.append(R"(,"id":)");
  append_json_string(out_, event.id);
  out_.append(R"(,"type":"function","function":{"name":)");
  append_json_string(out_, event.name);
  out_.append(R"(,"arguments":""}}]})");
  end_chunk();
}

void ChatStreamEncoder::write_text_delta(const ir::Event& event) {
  if (event.text.empty()) return;
  std::string_view field;
  if (open_block_ == BlockKind::text) {
    field = R"({"content":)";
  } else if (open_block_ == BlockKind::thinking) {
    field = R"({"reasoning_content":)";
  } else {
    return;
  }
  begin_chunk();
  out_.append(field);
  append_json_string(out_, event.text);
  out_ += '}';
  end_chunk();
}

void ChatStreamEncoder::write_arguments_delta(const ir::Event& event) {
  if (open_block_ != BlockKind::tool_call || event.text.empty()) return;
  begin_chunk();
  out_.append(R"({"tool_calls":[{"index":)");
  append_int(out_, tool_calls_ - 1);
  out_.append(R"(,"function":{"arguments":)");
  append_json_string(out_, event.text);
  out_.append("}}]}");
  end_chunk();
}

void ChatStreamEncoder::write_finish() {
  if (finished_) return;
  finished_ = true;
  begin_chunk();
  out_.append("{}");
  end_chunk(finish_reason(stop_reason_, tool_calls_ > 0));
}

// A stream that ends without a stop event still gets its finish_reason: the SDKs insist on one.
void ChatStreamEncoder::write_end() {
  write_finish();
  if (options_.include_usage) {
    append_chunk_head();
    out_.append(R"([],"usage":)");
    append_chat_usage(out_, usage_);
    out_.append("}\n\n");
  }
  out_.append("data: [DONE]\n\n");
  closed_ = true;
}

void ChatStreamEncoder::write_error(const ir::Error& error) {
  out_.append("data: ");
  out_.append(error_body(error));
  out_.append("\n\n");
  closed_ = true;
}

void ChatStreamEncoder::append_chunk_head() {
  out_.append(R"(data: {"id":)");
  append_json_string(out_, id_);
  out_.append(R"(,"object":"chat.completion.chunk","created":)");
  append_int(out_, options_.created);
  out_.append(R"(,"model":)");
  append_json_string(out_, options_.model);
  out_.append(R"(,"choices":)");
}

void ChatStreamEncoder::begin_chunk() {
  append_chunk_head();
  out_.append(R"([{"index":0,"delta":)");
}

void ChatStreamEncoder::end_chunk(std::string_view finish_reason) {
  out_.append(R"(,"logprobs":null,"finish_reason":)");
  if (finish_reason.empty()) {
    out_.append("null");
  } else {
    append_json_string(out_, finish_reason);
  }
  out_.append("}]}\n\n");
}

}  // namespace tollgate::api::openai
