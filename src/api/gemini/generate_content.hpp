// The Gemini generateContent surface: a client calls
// POST /v1beta/models/{model}:generateContent (or :streamGenerateContent?alt=sse) and speaks
// Google's GenerateContentRequest / GenerateContentResponse JSON. This file translates the
// request body into an ir::Request and an ir::Response or ir::Event stream back into Gemini's
// shapes. docs/translation/gemini.md lists what happens to every field.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::api::gemini {

// Body → IR. `model` and `stream` come from the URL. Sets request.from = ir::Format::gemini.
// A client error comes back as a 400 phrased like Google's ("Invalid JSON payload received.
// Unknown name \"foo\" at 'generation_config': Cannot find field."), with `param` holding the
// field path in Google's snake_case form and a stable snake_case `code`:
//   invalid_json           the body is not one JSON object (or nests too deeply)
//   unknown_field          a field Gemini does not define
//   invalid_value          a field has the wrong JSON type or a value outside its enum
//   invalid_argument       a value Gemini would also refuse (missing name, empty contents, ...)
//   unsupported_parameter  a valid Gemini feature the gateway cannot carry (candidateCount > 1,
//                          code execution parts, video metadata, ...)
// Function calls without an id get "call_<n>" (n counts the calls of the request from 0); a
// functionResponse without an id answers the first unanswered call of the same name.
std::optional<ir::Error> decode_request(std::string_view body, std::string_view model, bool stream,
                                        ir::Request& out);

// IR response → GenerateContentResponse JSON (one candidate, index 0).
std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options);

// google.rpc.Status in Gemini's envelope: {"error":{"code":400,"message":...,"status":
// "INVALID_ARGUMENT","details":[ErrorInfo with the gateway code]}}.
std::string error_body(const ir::Error& error);

// ir::Event stream → the SSE frames of streamGenerateContent?alt=sse: every frame is
// `data: <GenerateContentResponse chunk>\r\n\r\n`. Text and thought deltas go out as they arrive;
// a function call goes out whole at its block_stop; the last chunk carries finishReason and
// usageMetadata; an error event becomes a `data: {"error":{...}}` frame.
class StreamEncoder final : public ir::EventSink {
 public:
  StreamEncoder(std::string& out, ir::EncodeOptions options);
  void on_event(const ir::Event& event) override;

 private:
  void on_message_start(const ir::Event& event);
  void on_block_start(const ir::Event& event);
  void on_text_delta(const ir::Event& event);
  void on_signature_delta(const ir::Event& event);
  void on_block_stop();
  void write_final_chunk();
  void write_error(const ir::Error& error);
  void open_chunk();
  void close_chunk();

  std::string& out_;
  ir::EncodeOptions options_;
  std::string response_id_;
  ir::Part::Kind block_ = ir::Part::Kind::text;
  bool in_block_ = false;
  // The tool call being assembled: a functionCall must reach the client whole.
  std::string call_id_;
  std::string call_name_;
  std::string call_arguments_;
  std::string call_signature_;
  ir::StopReason stop_reason_ = ir::StopReason::unset;
  ir::Usage usage_;
  bool finished_ = false;  // the final chunk or an error frame has been written
};

}  // namespace tollgate::api::gemini
