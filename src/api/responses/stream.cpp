// The Responses stream encoder: a state machine over the IR's blocks (one open output item at a
// time, since IR blocks never interleave) that writes OpenAI's event frames and accumulates the
// output for the final response object.
#include "api/responses/stream.hpp"

#include "api/json_text.hpp"

namespace tollgate::api::responses {

StreamEncoder::StreamEncoder(std::string& out, ir::EncodeOptions options,
                             const ir::Request* request)
    : out_(out), options_(std::move(options)), echo_(echo_fields(request)) {}

void StreamEncoder::on_event(const ir::Event& event) {
  if (finished_) return;
  if (!started_) start(event);
  switch (event.kind) {
    case ir::Event::Kind::message_start:
      if (event.usage.present) usage_ = event.usage;
      break;
    case ir::Event::Kind::block_start:
      open_item(event);
      break;
    case ir::Event::Kind::text_delta:
      on_text_delta(event);
      break;
    case ir::Event::Kind::arguments_delta:
      on_arguments_delta(event);
      break;
    case ir::Event::Kind::signature_delta:
      on_signature_delta(event);
      break;
    case ir::Event::Kind::block_stop:
      close_item();
      break;
    case ir::Event::Kind::usage:
      usage_ = event.usage;
      break;
    case ir::Event::Kind::stop:
      stop_reason_ = event.stop_reason;
      break;
    case ir::Event::Kind::end:
      finish();
      break;
    case ir::Event::Kind::error:
      fail(event.error);
      break;
  }
}

// response.created and response.in_progress, before anything else: the SDK builds its snapshot
// from response.created and rejects a stream that starts otherwise (even with an error).
void StreamEncoder::start(const ir::Event& event) {
  started_ = true;
  const bool has_id = event.kind == ir::Event::Kind::message_start && !event.id.empty();
  id_ = response_id(has_id ? std::string_view(event.id) : std::string_view(), options_);
  append_response_frame("response.created", "in_progress", {}, nullptr);
  append_response_frame("response.in_progress", "in_progress", {}, nullptr);
}

void StreamEncoder::open_item(const ir::Event& event) {
  close_item();
  OutputItem item;
  item.status = "in_progress";
  switch (event.block) {
    case ir::Part::Kind::text:
      item.type = OutputItem::Type::message;
      break;
    case ir::Part::Kind::thinking:
      item.type = OutputItem::Type::reasoning;
      break;
    case ir::Part::Kind::redacted_thinking:
      item.type = OutputItem::Type::reasoning;
      item.encrypted_content = event.text;
      break;
    case ir::Part::Kind::tool_call:
      item.type = OutputItem::Type::function_call;
      item.call_id = event.id.empty() ? item_id("call", id_, output_.size()) : event.id;
      item.name = event.name;
      break;
    default:
      return;  // no other block kind exists in a response stream
  }
  item.id = item_id(id_prefix(item.type), id_, output_.size());
  output_.push_back(std::move(item));
  item_open_ = true;
  append_item_frame("response.output_item.added");
  if (output_.back().type == OutputItem::Type::message) open_message();
}

void StreamEncoder::open_message() {
  begin_frame("response.content_part.added");
  append_item_ref();
  out_.append(R"(,"content_index":0,"part":)");
  append_output_text_part(out_, "");
  end_frame();
}

void StreamEncoder::open_reasoning() {
  summary_open_ = true;
  begin_frame("response.reasoning_summary_part.added");
  append_item_ref();
  out_.append(R"(,"summary_index":0,"part":)");
  append_summary_part(out_, "");
  end_frame();
}

OutputItem* StreamEncoder::open_item_or_null() {
  return item_open_ ? &output_.back() : nullptr;
}

void StreamEncoder::on_text_delta(const ir::Event& event) {
  OutputItem* item = open_item_or_null();
  if (item == nullptr || event.text.empty()) return;
  if (item->type == OutputItem::Type::reasoning) {
    on_summary_delta(event.text);
    return;
  }
  if (item->type != OutputItem::Type::message) return;
  item->text += event.text;
  begin_frame("response.output_text.delta");
  append_item_ref();
  out_.append(R"(,"content_index":0,"delta":)");
  append_json_string(out_, event.text);
  out_.append(R"(,"logprobs":[])");
  end_frame();
}

void StreamEncoder::on_summary_delta(std::string_view delta) {
  if (!summary_open_) open_reasoning();
  output_.back().text += delta;
  begin_frame("response.reasoning_summary_text.delta");
  append_item_ref();
  out_.append(R"(,"summary_index":0,"delta":)");
  append_json_string(out_, delta);
  end_frame();
}

void StreamEncoder::on_arguments_delta(const ir::Event& event) {
  OutputItem* item = open_item_or_null();
  if (item == nullptr || item->type != OutputItem::Type::function_call || event.text.empty()) {
    return;
  }
  item->text += event.text;
  begin_frame("response.function_call_arguments.delta");
  append_item_ref();
  out_.append(R"(,"delta":)");
  append_json_string(out_, event.text);
  end_frame();
}

// Thinking signatures travel as the reasoning item's encrypted_content, so a client that sends
// the item back gives an Anthropic or Gemini upstream its signature again.
void StreamEncoder::on_signature_delta(const ir::Event& event) {
  OutputItem* item = open_item_or_null();
  if (item != nullptr && item->type == OutputItem::Type::reasoning) {
    item->encrypted_content += event.text;
  }
}

void StreamEncoder::close_item() {
  if (!item_open_) return;
  switch (output_.back().type) {
    case OutputItem::Type::message:
      close_message();
      break;
    case OutputItem::Type::reasoning:
      close_summary();
      break;
    case OutputItem::Type::function_call:
      close_function_call();
      break;
  }
  output_.back().status = "completed";
  item_open_ = false;
  append_item_frame("response.output_item.done");
}

void StreamEncoder::close_message() {
  const std::string& text = output_.back().text;
  begin_frame("response.output_text.done");
  append_item_ref();
  out_.append(R"(,"content_index":0,"text":)");
  append_json_string(out_, text);
  out_.append(R"(,"logprobs":[])");
  end_frame();
  begin_frame("response.content_part.done");
  append_item_ref();
  out_.append(R"(,"content_index":0,"part":)");
  append_output_text_part(out_, text);
  end_frame();
}

void StreamEncoder::close_summary() {
  if (!summary_open_) return;
  summary_open_ = false;
  const std::string& text = output_.back().text;
  begin_frame("response.reasoning_summary_text.done");
  append_item_ref();
  out_.append(R"(,"summary_index":0,"text":)");
  append_json_string(out_, text);
  end_frame();
  begin_frame("response.reasoning_summary_part.done");
  append_item_ref();
  out_.append(R"(,"summary_index":0,"part":)");
  append_summary_part(out_, text);
  end_frame();
}

void StreamEncoder::close_function_call() {
  OutputItem& call = output_.back();
  if (call.text.empty()) call.text = "{}";
  begin_frame("response.function_call_arguments.done");
  append_item_ref();
  out_.append(R"(,"name":)");
  append_json_string(out_, call.name);
  out_.append(R"(,"arguments":)");
  append_json_string(out_, call.text);
  end_frame();
}

void StreamEncoder::finish() {
  close_item();
  finished_ = true;
  const Outcome outcome = outcome_for(stop_reason_);
  if (outcome.status == "incomplete" && !output_.empty() &&
      output_.back().type != OutputItem::Type::reasoning) {
    output_.back().status = "incomplete";
  }
  std::string type = "response.";
  type += outcome.status;
  append_response_frame(type, outcome.status, outcome.incomplete_reason, nullptr);
}

void StreamEncoder::fail(const ir::Error& error) {
  finished_ = true;
  begin_frame("error");
  out_.append(R"(,"code":)");
  append_json_string(
      out_, error.code.empty() ? response_error_code(error) : std::string_view(error.code));
  out_.append(R"(,"message":)");
  append_json_string(out_, error.message);
  out_.append(R"(,"param":)");
  if (error.param.empty()) {
    out_.append("null");
  } else {
    append_json_string(out_, error.param);
  }
  end_frame();
  append_response_frame("response.failed", "failed", {}, &error);
}

// Frames are written by hand rather than through net::sse::append_event: the JSON never holds a
// raw line break (append_json_string escapes them), so one `data:` line always suffices.
void StreamEncoder::begin_frame(std::string_view type) {
  out_.append("event: ");
  out_.append(type);
  out_.append("\ndata: {\"type\":\"");
  out_.append(type);
  out_.push_back('"');
}

void StreamEncoder::append_item_ref() {
  out_.append(R"(,"item_id":)");
  append_json_string(out_, output_.back().id);
  out_.append(R"(,"output_index":)");
  out_.append(std::to_string(output_index()));
}

void StreamEncoder::end_frame() {
  out_.append(R"(,"sequence_number":)");
  out_.append(std::to_string(sequence_number_++));
  out_.append("}\n\n");
}

void StreamEncoder::append_item_frame(std::string_view type) {
  begin_frame(type);
  out_.append(R"(,"output_index":)");
  out_.append(std::to_string(output_index()));
  out_.append(R"(,"item":)");
  if (type == "response.output_item.added") {
    append_added_item(out_, output_.back());
  } else {
    append_output_item(out_, output_.back());
  }
  end_frame();
}

void StreamEncoder::append_response_frame(std::string_view type, std::string_view status,
                                          std::string_view incomplete_reason,
                                          const ir::Error* error) {
  begin_frame(type);
  out_.append(R"(,"response":)");
  append_response_object(out_,
                         ResponseObject{
                             .id = id_,
                             .created_at = options_.created,
                             .model = options_.model,
                             .status = status,
                             .incomplete_reason = incomplete_reason,
                             .error = error,
                             .output = &output_,
                             .usage = &usage_,
                         },
                         echo_);
  end_frame();
}

}  // namespace tollgate::api::responses
