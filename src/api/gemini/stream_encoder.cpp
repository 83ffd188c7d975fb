// StreamEncoder: ir::Event → streamGenerateContent?alt=sse frames. Gemini's stream is a series of
// whole GenerateContentResponse objects, each one `data: {...}\r\n\r\n` (the framing
// @google/genai splits on); each chunk carries the new parts only. Every chunk has at least one
// non-empty part object, because @google/genai's chat history drops a turn with an empty chunk.
#include "api/gemini/generate_content.hpp"
#include "api/gemini/response_writing.hpp"
#include "api/json_text.hpp"

namespace tollgate::api::gemini {

StreamEncoder::StreamEncoder(std::string& out, ir::EncodeOptions options)
    : out_(out), options_(std::move(options)), response_id_(options_.id) {}

void StreamEncoder::on_event(const ir::Event& event) {
  if (finished_) return;
  switch (event.kind) {
    case ir::Event::Kind::message_start: on_message_start(event); break;
    case ir::Event::Kind::block_start: on_block_start(event); break;
    case ir::Event::Kind::text_delta: on_text_delta(event); break;
    case ir::Event::Kind::arguments_delta:
      if (in_block_ && block_ == ir::Part::Kind::tool_call) call_arguments_ += event.text;
      break;
    case ir::Event::Kind::signature_delta: on_signature_delta(event); break;
    case ir::Event::Kind::block_stop: on_block_stop(); break;
    case ir::Event::Kind::usage: usage_ = event.usage; break;
    case ir::Event::Kind::stop: stop_reason_ = event.stop_reason; break;
    case ir::Event::Kind::end: write_final_chunk(); break;
    case ir::Event::Kind::error: write_error(event.error); break;
  }
}

void StreamEncoder::on_message_start(const ir::Event& event) {
  if (!event.id.empty()) response_id_ = event.id;
  if (event.usage.present) usage_ = event.usage;
}

void StreamEncoder::on_block_start(const ir::Event& event) {
  block_ = event.block;
  in_block_ = true;
  if (block_ != ir::Part::Kind::tool_call) return;
  call_id_ = event.id;
  call_name_ = event.name;
  call_arguments_.clear();
  call_signature_.clear();
}

void StreamEncoder::on_text_delta(const ir::Event& event) {
  if (!in_block_ || event.text.empty()) return;
  if (block_ != ir::Part::Kind::text && block_ != ir::Part::Kind::thinking) return;
  open_chunk();
  out_ += "{\"text\":";
  append_json_string(out_, event.text);
  if (block_ == ir::Part::Kind::thinking) out_ += ",\"thought\":true";
  out_ += '}';
  close_chunk();
}

void StreamEncoder::on_signature_delta(const ir::Event& event) {
  if (!in_block_ || event.text.empty()) return;
  if (block_ == ir::Part::Kind::tool_call) {
    call_signature_ += event.text;
    return;
  }
  if (block_ != ir::Part::Kind::text && block_ != ir::Part::Kind::thinking) return;
  // A signature has no text of its own: it goes out as a part with empty text, as Gemini sends.
  open_chunk();
  out_ += "{\"text\":\"\"";
  if (block_ == ir::Part::Kind::thinking) out_ += ",\"thought\":true";
  out_ += ",\"thoughtSignature\":";
  append_json_string(out_, event.text);
  out_ += '}';
  close_chunk();
}

void StreamEncoder::on_block_stop() {
  if (in_block_ && block_ == ir::Part::Kind::tool_call) {
    open_chunk();
    detail::append_function_call_part(out_, call_id_, call_name_, call_arguments_,
                                      call_signature_);
    close_chunk();
  }
  in_block_ = false;
}

void StreamEncoder::write_final_chunk() {
  open_chunk();
  out_ += "{\"text\":\"\"}],\"role\":\"model\"},\"finishReason\":\"";
  out_ += detail::finish_reason_name(stop_reason_);
  out_ += "\",\"index\":0}],";
  if (usage_.present) {
    detail::append_usage_metadata(out_, usage_);
    out_ += ',';
  }
  detail::append_model_and_id(out_, options_.model, response_id_);
  out_ += "}\r\n\r\n";
  finished_ = true;
}

void StreamEncoder::write_error(const ir::Error& error) {
  out_ += "data: ";
  out_ += error_body(error);
  out_ += "\r\n\r\n";
  finished_ = true;
}

// `data: {"candidates":[{"content":{"parts":[` — the caller writes the parts.
void StreamEncoder::open_chunk() {
  out_ += "data: {\"candidates\":[{\"content\":{\"parts\":[";
}

void StreamEncoder::close_chunk() {
  out_ += "],\"role\":\"model\"},\"index\":0}],";
  detail::append_model_and_id(out_, options_.model, response_id_);
  out_ += "}\r\n\r\n";
}

}  // namespace tollgate::api::gemini
