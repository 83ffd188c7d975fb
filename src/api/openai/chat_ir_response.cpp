// encode_response and error_body: an ir::Response as a chat.completion object, and an ir::Error
// as an OpenAI error body. Written by hand (no DOM) since every response passes through here.
#include "api/json_text.hpp"
#include "api/openai/chat_ir.hpp"
#include "api/openai/errors.hpp"
#include "api/openai/json_write.hpp"

namespace tollgate::api::openai {
namespace {

using Kind = ir::Part::Kind;

bool has_tool_calls(const ir::Response& response) {
  for (const ir::Part& part : response.content) {
    if (part.kind == Kind::tool_call) return true;
  }
  return false;
}

// The text of every part of `kind`, joined: chat has one content string and one reasoning string.
std::string joined_text(const ir::Response& response, Kind kind) {
  std::string text;
  for (const ir::Part& part : response.content) {
    if (part.kind == kind) text += part.text;
  }
  return text;
}

bool has_part(const ir::Response& response, Kind kind) {
  for (const ir::Part& part : response.content) {
    if (part.kind == kind) return true;
  }
  return false;
}

void append_tool_calls(std::string& out, const ir::Response& response) {
  out.append(R"(,"tool_calls":[)");
  bool first = true;
  for (const ir::Part& part : response.content) {
    if (part.kind != Kind::tool_call) continue;
    if (!first) out += ',';
    first = false;
    out.append(R"({"id":)");
    append_json_string(out, part.id);
    out.append(R"(,"type":"function","function":{"name":)");
    append_json_string(out, part.name);
    out.append(R"(,"arguments":)");
    append_json_string(out, part.arguments.empty() ? std::string_view("{}") : part.arguments);
    out.append("}}");
  }
  out += ']';
}

void append_message(std::string& out, const ir::Response& response) {
  out.append(R"({"role":"assistant","content":)");
  // content is null only when the message has nothing but tool calls, as OpenAI sends it.
  if (has_part(response, Kind::text) || !has_tool_calls(response)) {
    append_json_string(out, joined_text(response, Kind::text));
  } else {
    out.append("null");
  }
  if (has_part(response, Kind::thinking)) {
    out.append(R"(,"reasoning_content":)");
    append_json_string(out, joined_text(response, Kind::thinking));
  }
  if (has_tool_calls(response)) append_tool_calls(out, response);
  out.append(R"(,"refusal":null,"annotations":[]})");
}

std::string_view error_type(const ir::Error& error) {
  using ErrorKind = ir::Error::Kind;
  switch (error.kind) {
    case ErrorKind::payment_required:
      return "insufficient_quota";
    case ErrorKind::rate_limit:
      return "requests";
    case ErrorKind::api_error:
    case ErrorKind::overloaded:
    case ErrorKind::timeout:
      return "server_error";
    // OpenAI reports bad keys (invalid_api_key), unknown models and refusals as request errors.
    case ErrorKind::invalid_request:
    case ErrorKind::authentication:
    case ErrorKind::permission:
    case ErrorKind::not_found:
    case ErrorKind::request_too_large:
      break;
  }
  return "invalid_request_error";
}

}  // namespace

std::string chat_completion_id(std::string_view upstream_id, std::string_view fallback) {
  constexpr std::string_view kPrefix = "chatcmpl-";
  const std::string_view id = upstream_id.empty() ? fallback : upstream_id;
  if (id.substr(0, kPrefix.size()) == kPrefix) return std::string(id);
  return std::string(kPrefix) + std::string(id);
}

void append_chat_usage(std::string& out, const ir::Usage& usage) {
  out.append(R"({"prompt_tokens":)");
  append_int(out, usage.input);
  out.append(R"(,"completion_tokens":)");
  append_int(out, usage.output);
  out.append(R"(,"total_tokens":)");
  append_int(out, usage.input + usage.output);
  out.append(R"(,"prompt_tokens_details":{"cached_tokens":)");
  append_int(out, usage.cache_read);
  out.append(R"(},"completion_tokens_details":{"reasoning_tokens":)");
  append_int(out, usage.reasoning);
  out.append("}}");
}

std::string_view finish_reason(ir::StopReason reason, bool has_tool_calls) {
  using ir::StopReason;
  switch (reason) {
    case StopReason::max_tokens:
      return "length";
    case StopReason::tool_use:
      return "tool_calls";
    case StopReason::content_filter:
      return "content_filter";
    case StopReason::unset:
    case StopReason::end_turn:
    case StopReason::stop_sequence:
    case StopReason::pause_turn:
    case StopReason::error:
      break;
  }
  return has_tool_calls ? "tool_calls" : "stop";
}

std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options) {
  std::string out;
  out.reserve(256 + response.content.size() * 64);
  out.append(R"({"id":)");
  append_json_string(out, chat_completion_id(response.id, options.id));
  out.append(R"(,"object":"chat.completion","created":)");
  append_int(out, response.created != 0 ? response.created : options.created);
  out.append(R"(,"model":)");
  append_json_string(out, options.model);
  out.append(R"(,"choices":[{"index":0,"message":)");
  append_message(out, response);
  out.append(R"(,"logprobs":null,"finish_reason":)");
  append_json_string(out, finish_reason(response.stop_reason, has_tool_calls(response)));
  out.append(R"(}],"usage":)");
  append_chat_usage(out, response.usage);
  out += '}';
  return out;
}

std::string error_body(const ir::Error& error) {
  std::string_view code = error.code;
  if (code.empty() && error.kind == ir::Error::Kind::rate_limit) code = "rate_limit_exceeded";
  return error_body(error.message, error_type(error), code, error.param);
}

}  // namespace tollgate::api::openai
