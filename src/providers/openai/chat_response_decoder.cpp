// decode_chat_response and decode_chat_error: an upstream chat.completion or error body → the IR,
// plus the field readers the stream decoder shares (chat_upstream_fields.hpp).
#include <string>

#include "api/json_parser.hpp"
#include "providers/openai/chat_codec.hpp"
#include "providers/openai/chat_upstream_fields.hpp"

namespace tollgate::providers::openai {
namespace {

namespace dom = simdjson::dom;
using Kind = ir::Part::Kind;

constexpr std::string_view kInvalidResponse = "upstream_invalid_response";

ir::Error invalid_response(std::string_view what) {
  return ir::make_error(
      502, "The upstream provider returned an invalid response: " + std::string(what) + ".",
      std::string(kInvalidResponse));
}

std::string_view string_or_empty(dom::object object, std::string_view key) {
  std::string_view text;
  if (object[key].get(text)) return {};
  return text;
}

std::int64_t count_or_zero(dom::object object, std::string_view key) {
  std::int64_t count = 0;
  if (object[key].get(count) || count < 0) return 0;
  return count;
}

std::int64_t nested_count(dom::object object, std::string_view parent, std::string_view key) {
  dom::object details;
  if (object[parent].get(details)) return 0;
  return count_or_zero(details, key);
}

// Parts in the order a reader meets them: reasoning, text, refusal, tool calls.
bool read_message(dom::object message, ir::Response& out) {
  std::string_view reasoning = string_or_empty(message, "reasoning_content");
  if (reasoning.empty()) reasoning = string_or_empty(message, "reasoning");
  if (!reasoning.empty()) {
    ir::Part thinking;
    thinking.kind = Kind::thinking;
    thinking.text.assign(reasoning);
    out.content.push_back(std::move(thinking));
  }
  const std::string_view text = string_or_empty(message, "content");
  if (!text.empty()) ir::append_text(out.content, text);
  const std::string_view refusal = string_or_empty(message, "refusal");
  if (!refusal.empty()) ir::append_text(out.content, refusal);

  dom::array tool_calls;
  if (message["tool_calls"].get(tool_calls)) return true;  // absent or null
  for (dom::element element : tool_calls) {
    dom::object call;
    dom::object function;
    if (element.get_object().get(call) || call["function"].get(function)) return false;
    ir::Part part;
    part.kind = Kind::tool_call;
    part.id.assign(string_or_empty(call, "id"));
    part.name.assign(string_or_empty(function, "name"));
    part.arguments.assign(string_or_empty(function, "arguments"));
    if (part.arguments.empty()) part.arguments = "{}";
    out.content.push_back(std::move(part));
  }
  return true;
}

bool has_tool_call(const ir::Response& response) {
  for (const ir::Part& part : response.content) {
    if (part.kind == Kind::tool_call) return true;
  }
  return false;
}

}  // namespace

ir::StopReason stop_reason_for(std::string_view finish_reason) {
  using ir::StopReason;
  if (finish_reason == "stop") return StopReason::end_turn;
  if (finish_reason == "length") return StopReason::max_tokens;
  if (finish_reason == "tool_calls" || finish_reason == "function_call") {
    return StopReason::tool_use;
  }
  if (finish_reason == "content_filter") return StopReason::content_filter;
  if (finish_reason == "insufficient_system_resource" || finish_reason == "abort" ||
      finish_reason == "error") {
    return StopReason::error;
  }
  return StopReason::end_turn;
}

ir::Usage read_usage(dom::object usage) {
  ir::Usage out;
  out.present = true;
  out.input = count_or_zero(usage, "prompt_tokens");
  out.output = count_or_zero(usage, "completion_tokens");
  out.cache_read = nested_count(usage, "prompt_tokens_details", "cached_tokens");
  if (out.cache_read == 0) out.cache_read = count_or_zero(usage, "prompt_cache_hit_tokens");
  out.reasoning = nested_count(usage, "completion_tokens_details", "reasoning_tokens");
  return out;
}

ir::Error read_error(int status, dom::element error) {
  std::string_view message;
  if (error.get_string().get(message) == simdjson::SUCCESS) {
    return ir::make_error(status, std::string(message), "upstream_error");
  }
  dom::object object;
  if (error.get_object().get(object)) {
    return ir::make_error(status, "The upstream provider returned an error.", "upstream_error");
  }
  message = string_or_empty(object, "message");
  // vLLM puts the HTTP status in a numeric "code": the type says more.
  std::string code(string_or_empty(object, "code"));
  if (code.empty()) code = string_or_empty(object, "type");
  std::int64_t numeric_code = 0;
  if (code.empty() && object["code"].get(numeric_code) == simdjson::SUCCESS) {
    code = std::to_string(numeric_code);
  }
  if (code.empty()) code = "upstream_error";
  return ir::make_error(
      status, message.empty() ? "The upstream provider returned an error." : std::string(message),
      std::move(code), std::string(string_or_empty(object, "param")));
}

std::optional<ir::Error> decode_chat_response(std::string_view body, ir::Response& out) {
  out = ir::Response{};
  thread_local dom::parser parser;
  const api::ParserLease lease(parser);
  dom::object root;
  if (parser.parse(body.data(), body.size()).get(root))
    return invalid_response("not a JSON object");
  dom::element error;
  if (root["error"].get(error) == simdjson::SUCCESS && !error.is_null()) {
    return read_error(502, error);
  }
  dom::array choices;
  dom::object choice;
  dom::object message;
  if (root["choices"].get(choices) || choices.size() == 0 || choices.at(0).get(choice) ||
      choice["message"].get(message)) {
    return invalid_response("no choices[0].message");
  }
  out.id.assign(string_or_empty(root, "id"));
  out.model.assign(string_or_empty(root, "model"));
  out.created = count_or_zero(root, "created");
  if (!read_message(message, out)) return invalid_response("a malformed tool call");
  // Several servers (vLLM, Gemini's OpenAI endpoint) report "stop" for a turn that called tools.
  out.stop_reason = stop_reason_for(string_or_empty(choice, "finish_reason"));
  if (out.stop_reason == ir::StopReason::end_turn && has_tool_call(out)) {
    out.stop_reason = ir::StopReason::tool_use;
  }
  dom::object usage;
  if (root["usage"].get(usage) == simdjson::SUCCESS) out.usage = read_usage(usage);
  return std::nullopt;
}

ir::Error decode_chat_error(int status, std::string_view body) {
  dom::parser parser;
  dom::element root;
  dom::element error;
  if (parser.parse(body.data(), body.size()).get(root) == simdjson::SUCCESS && root.is_object()) {
    if (root["error"].get(error) == simdjson::SUCCESS) return read_error(status, error);
    // Some servers (vLLM) send the error object's fields at the top level.
    if (root["message"].get(error) == simdjson::SUCCESS) return read_error(status, root);
  }
  return ir::make_error(status,
                        "The upstream provider returned HTTP " + std::to_string(status) + ".",
                        "upstream_error");
}

}  // namespace tollgate::providers::openai
