// The Responses `response` object and its output items, written by hand as JSON. Shared by the
// whole-response encoder (response.hpp) and the stream encoder (stream.hpp), so that the object a
// stream ends with is byte for byte the object a non-streaming call returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/ir.hpp"

namespace tollgate::api::responses {

// One item of the response's `output`.
struct OutputItem {
  enum class Type : std::uint8_t { message, reasoning, function_call };
  Type type = Type::message;
  std::string id;  // "msg_…", "rs_…", "fc_…"
  // message: the output text; reasoning: the summary text; function_call: the arguments.
  std::string text;
  std::string encrypted_content;  // reasoning: the thinking signature, or redacted thinking data
  std::string call_id;            // function_call
  std::string name;               // function_call
  std::string_view status = "completed";  // "in_progress" | "completed" | "incomplete"
};

// The item as it is complete: message content [{output_text}], reasoning summary
// [{summary_text}] (none when the text is empty), function_call arguments.
void append_output_item(std::string& out, const OutputItem& item);
// The item as response.output_item.added announces it: no content, summary or arguments yet.
void append_added_item(std::string& out, const OutputItem& item);
// A message's content part: {"type":"output_text","annotations":[],"logprobs":[],"text":…}.
void append_output_text_part(std::string& out, std::string_view text);
// A reasoning item's summary part: {"type":"summary_text","text":…}.
void append_summary_part(std::string& out, std::string_view text);

// How a response ended, from the IR stop reason: "completed", "incomplete" (max tokens or a
// content filter, with incomplete_details.reason) or "failed" (the upstream ended with an error).
struct Outcome {
  std::string_view status;
  std::string_view incomplete_reason;  // "max_output_tokens" | "content_filter" | empty
};
Outcome outcome_for(ir::StopReason reason);

// The response id: the upstream's own when it is a Responses id ("resp_…"), else the gateway's
// (options.id), else "resp_" + the upstream id.
std::string response_id(std::string_view upstream_id, const ir::EncodeOptions& options);
// The prefix of an item's id: "msg", "rs", "fc".
std::string_view id_prefix(OutputItem::Type type);
// An output item's id, unique within the response: "<prefix>_<response id sans resp_>_<index>".
std::string item_id(std::string_view prefix, std::string_view response_id, std::size_t index);

// The response object's fields that echo the request (instructions, max_output_tokens,
// parallel_tool_calls, reasoning, temperature, text, tool_choice, tools, top_p, truncation,
// user, metadata), as a JSON fragment starting with a comma. The SDK's Response type requires
// several of them; without a request they take OpenAI's defaults.
std::string echo_fields(const ir::Request* request);

// Everything else the response object holds.
struct ResponseObject {
  std::string_view id;
  std::int64_t created_at = 0;
  std::string_view model;
  std::string_view status;             // "in_progress" | "completed" | "incomplete" | "failed"
  std::string_view incomplete_reason;  // with "incomplete"
  const ir::Error* error = nullptr;    // with "failed"; null gives a generic server_error
  const std::vector<OutputItem>* output = nullptr;
  const ir::Usage* usage = nullptr;  // null (or not present) is written as "usage":null
};
void append_response_object(std::string& out, const ResponseObject& response,
                            std::string_view echo);

// The `code` of response.error for an IR error: one of the values OpenAI documents for it,
// "rate_limit_exceeded" for a rate limit and "server_error" for everything else.
std::string_view response_error_code(const ir::Error& error);

}  // namespace tollgate::api::responses
