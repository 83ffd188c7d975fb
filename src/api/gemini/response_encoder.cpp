// encode_response and error_body: an ir::Response or ir::Error in Gemini's JSON shapes, and the
// part/usage writers the stream encoder shares (response_writing.hpp).
#include <simdjson.h>

#include "api/gemini/generate_content.hpp"
#include "api/gemini/response_writing.hpp"
#include "api/json_text.hpp"

namespace tollgate::api::gemini {
namespace detail {

std::string_view finish_reason_name(ir::StopReason reason) {
  switch (reason) {
    case ir::StopReason::max_tokens: return "MAX_TOKENS";
    case ir::StopReason::content_filter: return "SAFETY";
    case ir::StopReason::error: return "OTHER";
    default: return "STOP";
  }
}

std::string object_or_empty(std::string_view arguments) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (parser.parse(arguments.data(), arguments.size()).get(element) || !element.is_object()) {
    return "{}";
  }
  return simdjson::minify(element);
}

namespace {

void append_signature(std::string& out, std::string_view signature) {
  if (signature.empty()) return;
  out += ",\"thoughtSignature\":";
  append_json_string(out, signature);
}

void append_count(std::string& out, std::string_view key, std::int64_t count, bool always) {
  if (count == 0 && !always) return;
  out += ",\"";
  out += key;
  out += "\":";
  out += std::to_string(count);
}

}  // namespace

void append_function_call_part(std::string& out, std::string_view id, std::string_view name,
                               std::string_view arguments, std::string_view signature) {
  out += "{\"functionCall\":{";
  if (!id.empty()) {
    out += "\"id\":";
    append_json_string(out, id);
    out += ',';
  }
  out += "\"name\":";
  append_json_string(out, name);
  out += ",\"args\":";
  out += object_or_empty(arguments);
  out += '}';
  append_signature(out, signature);
  out += '}';
}

bool append_part(std::string& out, const ir::Part& part) {
  switch (part.kind) {
    case ir::Part::Kind::text:
    case ir::Part::Kind::thinking:
      out += "{\"text\":";
      append_json_string(out, part.text);
      if (part.kind == ir::Part::Kind::thinking) out += ",\"thought\":true";
      append_signature(out, part.signature);
      out += '}';
      return true;
    case ir::Part::Kind::tool_call:
      append_function_call_part(out, part.id, part.name, part.arguments, part.signature);
      return true;
    default: return false;
  }
}

void append_usage_metadata(std::string& out, const ir::Usage& usage) {
  out += "\"usageMetadata\":{\"promptTokenCount\":";
  out += std::to_string(usage.input);
  append_count(out, "candidatesTokenCount", usage.output - usage.reasoning, true);
  append_count(out, "totalTokenCount", usage.input + usage.output, true);
  append_count(out, "cachedContentTokenCount", usage.cache_read, false);
  append_count(out, "thoughtsTokenCount", usage.reasoning, false);
  out += '}';
}

void append_model_and_id(std::string& out, std::string_view model, std::string_view id) {
  out += "\"modelVersion\":";
  append_json_string(out, model);
  out += ",\"responseId\":";
  append_json_string(out, id);
}

}  // namespace detail

namespace {

std::string_view status_name(const ir::Error& error) {
  using Kind = ir::Error::Kind;
  switch (error.kind) {
    case Kind::invalid_request: return "INVALID_ARGUMENT";
    case Kind::authentication: return "UNAUTHENTICATED";
    case Kind::payment_required: return "FAILED_PRECONDITION";
    case Kind::permission: return "PERMISSION_DENIED";
    case Kind::not_found: return "NOT_FOUND";
    case Kind::request_too_large: return "INVALID_ARGUMENT";
    case Kind::rate_limit: return "RESOURCE_EXHAUSTED";
    case Kind::api_error: return "INTERNAL";
    case Kind::overloaded: return "UNAVAILABLE";
    case Kind::timeout: return "DEADLINE_EXCEEDED";
  }
  return "UNKNOWN";
}

// google.rpc.ErrorInfo carrying the gateway's stable code and the offending field.
void append_error_info(std::string& out, const ir::Error& error) {
  out += ",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":";
  append_json_string(out, error.code);
  out += ",\"domain\":\"tollgate\"";
  if (!error.param.empty()) {
    out += ",\"metadata\":{\"param\":";
    append_json_string(out, error.param);
    out += '}';
  }
  out += "}]";
}

}  // namespace

std::string error_body(const ir::Error& error) {
  std::string out = "{\"error\":{\"code\":";
  out += std::to_string(error.status);
  out += ",\"message\":";
  append_json_string(out, error.message);
  out += ",\"status\":\"";
  out += status_name(error);
  out += '"';
  if (!error.code.empty()) append_error_info(out, error);
  out += "}}";
  return out;
}

std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options) {
  std::string parts;
  for (const ir::Part& part : response.content) {
    const std::size_t mark = parts.size();
    if (!parts.empty()) parts += ',';
    if (!detail::append_part(parts, part)) parts.resize(mark);
  }
  std::string out = "{\"candidates\":[{\"content\":{";
  // Like Gemini, a candidate without parts (a blocked or empty answer) has a content with a role
  // only.
  if (!parts.empty()) {
    out += "\"parts\":[";
    out += parts;
    out += "],";
  }
  out += "\"role\":\"model\"}";
  out += ",\"finishReason\":\"";
  out += detail::finish_reason_name(response.stop_reason);
  out += "\",\"index\":0}],";
  detail::append_usage_metadata(out, response.usage);
  out += ',';
  detail::append_model_and_id(out, options.model, response.id.empty() ? options.id : response.id);
  out += '}';
  return out;
}

}  // namespace tollgate::api::gemini
