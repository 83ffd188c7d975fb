// The OpenAI Responses surface, streaming: IR events written as the server-sent events of
// `POST /v1/responses` with "stream": true, in the order and shape OpenAI sends them, so the
// openai SDK's ResponseStream can rebuild the response from them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/responses/response_object.hpp"
#include "ir/ir.hpp"

namespace tollgate::api::responses {

// Appends one frame per Responses event to `out`:
//   event: <type>
//   data: {"type":"<type>",…,"sequence_number":N}
// with N counting from 0. The stream opens with response.created and response.in_progress
// (status in_progress, no output) on the first event, whatever it is. Each IR block becomes an
// output item (output_index counts them from 0):
//   text       output_item.added, content_part.added, output_text.delta…, output_text.done,
//              content_part.done, output_item.done
//   thinking   output_item.added, [reasoning_summary_part.added, reasoning_summary_text.delta…,
//              reasoning_summary_text.done, reasoning_summary_part.done — when it has text],
//              output_item.done (the block's signature as encrypted_content)
//   redacted   output_item.added, output_item.done (the data as encrypted_content)
//   tool_call  output_item.added, function_call_arguments.delta…, function_call_arguments.done,
//              output_item.done
// `end` closes a block left open and sends response.completed, or response.incomplete / .failed
// by the stop reason, with the whole response object. An IR error sends `error`, then
// response.failed with the output so far; later events are ignored.
class StreamEncoder final : public ir::EventSink {
 public:
  // `request` (the decoded request of this call) supplies the echoed fields of the response
  // object; it is read here only and need not outlive the encoder.
  StreamEncoder(std::string& out, ir::EncodeOptions options, const ir::Request* request = nullptr);

  void on_event(const ir::Event& event) override;

 private:
  void start(const ir::Event& event);
  void open_item(const ir::Event& event);
  void open_message();
  void open_reasoning();
  void on_text_delta(const ir::Event& event);
  void on_summary_delta(std::string_view delta);
  void on_arguments_delta(const ir::Event& event);
  void on_signature_delta(const ir::Event& event);
  void close_item();
  void close_message();
  void close_summary();
  void close_function_call();
  void finish();
  void fail(const ir::Error& error);

  void begin_frame(std::string_view type);
  void append_item_ref();
  void end_frame();
  void append_item_frame(std::string_view type);
  void append_response_frame(std::string_view type, std::string_view status,
                             std::string_view incomplete_reason, const ir::Error* error);

  OutputItem* open_item_or_null();
  std::size_t output_index() const { return output_.size() - 1; }

  std::string& out_;
  ir::EncodeOptions options_;
  std::string echo_;  // the response object's request fields, rendered once
  std::string id_;
  std::int64_t sequence_number_ = 0;
  std::vector<OutputItem> output_;
  bool item_open_ = false;     // output_.back() is still streaming
  bool summary_open_ = false;  // the open reasoning item has a summary part
  ir::StopReason stop_reason_ = ir::StopReason::unset;
  ir::Usage usage_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace tollgate::api::responses
