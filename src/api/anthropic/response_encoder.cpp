// ir::Response → an Anthropic `message` object, and ir::Error → Anthropic's error body.
#include <simdjson.h>

#include "api/anthropic/messages.hpp"
#include "api/anthropic/wire.hpp"
#include "api/json_text.hpp"

namespace tollgate::api::anthropic {
namespace {

// A tool_use `input` must be a JSON object. Arguments from another family's model can be broken
// JSON (OpenAI models sometimes emit it); they become {} rather than an invalid response.
void append_tool_input(std::string& out, std::string_view arguments,
                       simdjson::dom::parser& parser) {
  simdjson::dom::object object;
  if (arguments.empty() || parser.parse(arguments.data(), arguments.size()).get(object)) {
    out += "{}";
    return;
  }
  out += simdjson::minify(object);
}

void append_block(std::string& out, const ir::Part& part, simdjson::dom::parser& parser) {
  switch (part.kind) {
    case ir::Part::Kind::text:
      out += R"({"type":"text","text":)";
      append_json_string(out, part.text);
      break;
    case ir::Part::Kind::thinking:
      out += R"({"type":"thinking","thinking":)";
      append_json_string(out, part.text);
      out += R"(,"signature":)";
      append_json_string(out, part.signature);
      break;
    case ir::Part::Kind::redacted_thinking:
      out += R"({"type":"redacted_thinking","data":)";
      append_json_string(out, part.data);
      break;
    case ir::Part::Kind::tool_call:
      out += R"({"type":"tool_use","id":)";
      append_json_string(out, part.id);
      out += R"(,"name":)";
      append_json_string(out, part.name);
      out += R"(,"input":)";
      append_tool_input(out, part.arguments, parser);
      break;
    default:
      return;  // not response content
  }
  out += '}';
}

bool is_response_block(const ir::Part& part) {
  using Kind = ir::Part::Kind;
  return part.kind == Kind::text || part.kind == Kind::thinking ||
         part.kind == Kind::redacted_thinking || part.kind == Kind::tool_call;
}

void append_content(std::string& out, const std::vector<ir::Part>& content) {
  simdjson::dom::parser parser;
  out += '[';
  bool first = true;
  for (const ir::Part& part : content) {
    if (!is_response_block(part)) continue;
    if (!first) out += ',';
    first = false;
    append_block(out, part, parser);
  }
  out += ']';
}

bool calls_tool(const std::vector<ir::Part>& content) {
  for (const ir::Part& part : content) {
    if (part.kind == ir::Part::Kind::tool_call) return true;
  }
  return false;
}

}  // namespace

std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options) {
  std::string out;
  out.reserve(256);
  out += R"({"id":)";
  append_json_string(out, wire::message_id(response.id, options.id));
  out += R"(,"type":"message","role":"assistant","model":)";
  append_json_string(out, options.model);
  out += R"(,"content":)";
  append_content(out, response.content);
  out += R"(,"stop_reason":")";
  out += wire::stop_reason_name(response.stop_reason, calls_tool(response.content));
  out += '"';
  wire::append_stop_sequence(out, response.stop_sequence);
  out += R"(,"usage":{)";
  wire::append_usage_members(out, response.usage, response.usage.output);
  out += "}}";
  return out;
}

std::string_view error_type(ir::Error::Kind kind) {
  switch (kind) {
    case ir::Error::Kind::invalid_request:
      return "invalid_request_error";
    case ir::Error::Kind::authentication:
      return "authentication_error";
    case ir::Error::Kind::payment_required:
      return "billing_error";
    case ir::Error::Kind::permission:
      return "permission_error";
    case ir::Error::Kind::not_found:
      return "not_found_error";
    case ir::Error::Kind::request_too_large:
      return "request_too_large";
    case ir::Error::Kind::rate_limit:
      return "rate_limit_error";
    case ir::Error::Kind::api_error:
      return "api_error";
    case ir::Error::Kind::overloaded:
      return "overloaded_error";
    case ir::Error::Kind::timeout:
      return "timeout_error";
  }
  return "api_error";
}

std::string error_body(const ir::Error& error, std::string_view request_id) {
  std::string out;
  out.reserve(96 + error.message.size());
  out += R"({"type":"error","error":{"type":")";
  out += error_type(error.kind);
  out += R"(","message":)";
  append_json_string(out, error.message);
  out += R"(},"request_id":)";
  if (request_id.empty()) {
    out += "null";
  } else {
    append_json_string(out, request_id);
  }
  out += '}';
  return out;
}

}  // namespace tollgate::api::anthropic
