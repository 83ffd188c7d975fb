// Writes the Responses `response` object and its output items by hand (see response_object.hpp).
#include "api/responses/response_object.hpp"

#include <charconv>
#include <cmath>

#include "api/json_text.hpp"

namespace tollgate::api::responses {
namespace {

void append_int(std::string& out, std::int64_t value) {
  out.append(std::to_string(value));
}

// The shortest text that reads back as the same double; JSON has no NaN or infinity.
void append_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out.append("null");
    return;
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_bool(std::string& out, bool value) {
  out.append(value ? "true" : "false");
}

void append_string_or_null(std::string& out, std::string_view value) {
  if (value.empty()) {
    out.append("null");
  } else {
    append_json_string(out, value);
  }
}

// JSON text the decoder produced (schemas, metadata); "{}" when there is none.
void append_raw_object(std::string& out, std::string_view json) {
  out.append(json.empty() ? std::string_view("{}") : json);
}

void append_message(std::string& out, const OutputItem& item, bool with_content) {
  out.append(R"({"id":)");
  append_json_string(out, item.id);
  out.append(R"(,"type":"message","status":)");
  append_json_string(out, item.status);
  out.append(R"(,"content":[)");
  if (with_content) append_output_text_part(out, item.text);
  out.append(R"(],"role":"assistant"})");
}

void append_reasoning(std::string& out, const OutputItem& item, bool with_summary) {
  out.append(R"({"id":)");
  append_json_string(out, item.id);
  out.append(R"(,"type":"reasoning","summary":[)");
  if (with_summary && !item.text.empty()) append_summary_part(out, item.text);
  out.push_back(']');
  if (!item.encrypted_content.empty()) {
    out.append(R"(,"encrypted_content":)");
    append_json_string(out, item.encrypted_content);
  }
  out.push_back('}');
}

void append_function_call(std::string& out, const OutputItem& item, std::string_view arguments) {
  out.append(R"({"id":)");
  append_json_string(out, item.id);
  out.append(R"(,"type":"function_call","status":)");
  append_json_string(out, item.status);
  out.append(R"(,"arguments":)");
  append_json_string(out, arguments);
  out.append(R"(,"call_id":)");
  append_json_string(out, item.call_id);
  out.append(R"(,"name":)");
  append_json_string(out, item.name);
  out.push_back('}');
}

void append_item(std::string& out, const OutputItem& item, bool complete) {
  switch (item.type) {
    case OutputItem::Type::message:
      append_message(out, item, complete);
      break;
    case OutputItem::Type::reasoning:
      append_reasoning(out, item, complete);
      break;
    case OutputItem::Type::function_call:
      append_function_call(out, item, complete ? std::string_view(item.text) : "");
      break;
  }
}

void append_usage(std::string& out, const ir::Usage* usage) {
  if (usage == nullptr || !usage->present) {
    out.append("null");
    return;
  }
  out.append(R"({"input_tokens":)");
  append_int(out, usage->input);
  out.append(R"(,"input_tokens_details":{"cached_tokens":)");
  append_int(out, usage->cache_read);
  out.append(R"(},"output_tokens":)");
  append_int(out, usage->output);
  out.append(R"(,"output_tokens_details":{"reasoning_tokens":)");
  append_int(out, usage->reasoning);
  out.append(R"(},"total_tokens":)");
  append_int(out, usage->input + usage->output);
  out.push_back('}');
}

void append_error(std::string& out, std::string_view status, const ir::Error* error) {
  if (status != "failed") {
    out.append("null");
    return;
  }
  const ir::Error fallback =
      ir::make_error(500, "The upstream ended the generation with an error.", "server_error");
  const ir::Error& shown = error != nullptr ? *error : fallback;
  out.append(R"({"code":)");
  append_json_string(out, response_error_code(shown));
  out.append(R"(,"message":)");
  append_json_string(out, shown.message);
  out.push_back('}');
}

void append_incomplete_details(std::string& out, std::string_view reason) {
  if (reason.empty()) {
    out.append("null");
    return;
  }
  out.append(R"({"reason":)");
  append_json_string(out, reason);
  out.push_back('}');
}

std::string system_text(const ir::Request& request) {
  std::string text;
  for (const ir::Part& part : request.system) {
    if (!text.empty()) text += "\n\n";
    text += part.text;
  }
  return text;
}

const ir::Extra* find_extra(const ir::Request& request, std::string_view name) {
  for (const ir::Extra& extra : request.extras) {
    if (extra.name == name) return &extra;
  }
  return nullptr;
}

void append_optional_double(std::string& out, const std::optional<double>& value) {
  if (value) {
    append_double(out, *value);
  } else {
    out.append("null");
  }
}

void append_reasoning_echo(std::string& out, const ir::Reasoning& reasoning) {
  out.append(R"({"effort":)");
  append_string_or_null(out, reasoning.disabled ? std::string_view("none") : reasoning.effort);
  out.append(R"(,"summary":)");
  out.append(reasoning.include_thoughts.value_or(false) ? R"("auto")" : "null");
  out.push_back('}');
}

void append_format_echo(std::string& out, const ir::ResponseFormat& format) {
  switch (format.type) {
    case ir::ResponseFormat::Type::unset:
    case ir::ResponseFormat::Type::text:
      out.append(R"({"type":"text"})");
      return;
    case ir::ResponseFormat::Type::json_object:
      out.append(R"({"type":"json_object"})");
      return;
    case ir::ResponseFormat::Type::json_schema:
      break;
  }
  out.append(R"({"type":"json_schema","name":)");
  append_json_string(out, format.name);
  out.append(R"(,"schema":)");
  append_raw_object(out, format.schema);
  if (!format.description.empty()) {
    out.append(R"(,"description":)");
    append_json_string(out, format.description);
  }
  if (format.strict) {
    out.append(R"(,"strict":)");
    append_bool(out, *format.strict);
  }
  out.push_back('}');
}

void append_tool_choice_echo(std::string& out, const ir::ToolChoice& choice) {
  switch (choice.mode) {
    case ir::ToolChoice::Mode::unset:
    case ir::ToolChoice::Mode::auto_:
      out.append(R"("auto")");
      return;
    case ir::ToolChoice::Mode::none:
      out.append(R"("none")");
      return;
    case ir::ToolChoice::Mode::required:
      out.append(R"("required")");
      return;
    case ir::ToolChoice::Mode::tool:
      break;
  }
  out.append(R"({"type":"function","name":)");
  append_json_string(out, choice.name);
  out.push_back('}');
}

void append_tools_echo(std::string& out, const std::vector<ir::Tool>& tools) {
  out.push_back('[');
  for (const ir::Tool& tool : tools) {
    if (out.back() != '[') out.push_back(',');
    out.append(R"({"type":"function","name":)");
    append_json_string(out, tool.name);
    out.append(R"(,"description":)");
    append_string_or_null(out, tool.description);
    out.append(R"(,"parameters":)");
    append_raw_object(out, tool.parameters);
    out.append(R"(,"strict":)");
    out.append(tool.strict ? (*tool.strict ? "true" : "false") : "null");
    out.push_back('}');
  }
  out.push_back(']');
}

}  // namespace

void append_output_text_part(std::string& out, std::string_view text) {
  out.append(R"({"type":"output_text","annotations":[],"logprobs":[],"text":)");
  append_json_string(out, text);
  out.push_back('}');
}

void append_summary_part(std::string& out, std::string_view text) {
  out.append(R"({"type":"summary_text","text":)");
  append_json_string(out, text);
  out.push_back('}');
}

void append_output_item(std::string& out, const OutputItem& item) {
  append_item(out, item, true);
}

void append_added_item(std::string& out, const OutputItem& item) {
  append_item(out, item, false);
}

Outcome outcome_for(ir::StopReason reason) {
  switch (reason) {
    case ir::StopReason::max_tokens:
      return {"incomplete", "max_output_tokens"};
    case ir::StopReason::content_filter:
      return {"incomplete", "content_filter"};
    case ir::StopReason::error:
      return {"failed", {}};
    default:
      return {"completed", {}};
  }
}

std::string response_id(std::string_view upstream_id, const ir::EncodeOptions& options) {
  if (upstream_id.substr(0, 5) == "resp_") return std::string(upstream_id);
  if (!options.id.empty()) return options.id;
  return "resp_" + std::string(upstream_id);
}

std::string_view id_prefix(OutputItem::Type type) {
  switch (type) {
    case OutputItem::Type::message:
      return "msg";
    case OutputItem::Type::reasoning:
      return "rs";
    case OutputItem::Type::function_call:
      return "fc";
  }
  return "item";
}

std::string item_id(std::string_view prefix, std::string_view response_id, std::size_t index) {
  if (response_id.substr(0, 5) == "resp_") response_id.remove_prefix(5);
  std::string id(prefix);
  id += '_';
  id += response_id;
  id += '_';
  id += std::to_string(index);
  return id;
}

std::string echo_fields(const ir::Request* request) {
  const ir::Request defaults;
  const ir::Request& echoed = request != nullptr ? *request : defaults;
  std::string out;
  out.append(R"(,"instructions":)");
  append_string_or_null(out, system_text(echoed));
  out.append(R"(,"max_output_tokens":)");
  out.append(echoed.max_tokens ? std::to_string(*echoed.max_tokens) : "null");
  out.append(R"(,"parallel_tool_calls":)");
  append_bool(out, echoed.parallel_tool_calls.value_or(true));
  out.append(R"(,"previous_response_id":null,"reasoning":)");
  append_reasoning_echo(out, echoed.reasoning);
  out.append(R"(,"temperature":)");
  append_optional_double(out, echoed.temperature);
  out.append(R"(,"text":{"format":)");
  append_format_echo(out, echoed.response_format);
  out.append(R"(},"tool_choice":)");
  append_tool_choice_echo(out, echoed.tool_choice);
  out.append(R"(,"tools":)");
  append_tools_echo(out, echoed.tools);
  out.append(R"(,"top_p":)");
  append_optional_double(out, echoed.top_p);
  out.append(R"(,"truncation":"disabled")");
  if (!echoed.user.empty()) {
    out.append(R"(,"user":)");
    append_json_string(out, echoed.user);
  }
  out.append(R"(,"metadata":)");
  const ir::Extra* metadata = find_extra(echoed, "metadata");
  append_raw_object(out, metadata != nullptr ? std::string_view(metadata->json) : "");
  return out;
}

void append_response_object(std::string& out, const ResponseObject& response,
                            std::string_view echo) {
  out.append(R"({"id":)");
  append_json_string(out, response.id);
  out.append(R"(,"object":"response","created_at":)");
  append_int(out, response.created_at);
  out.append(R"(,"status":)");
  append_json_string(out, response.status);
  out.append(R"(,"background":false,"error":)");
  append_error(out, response.status, response.error);
  out.append(R"(,"incomplete_details":)");
  append_incomplete_details(out, response.incomplete_reason);
  out.append(R"(,"model":)");
  append_json_string(out, response.model);
  out.append(R"(,"output":[)");
  if (response.output != nullptr) {
    for (const OutputItem& item : *response.output) {
      if (out.back() != '[') out.push_back(',');
      append_output_item(out, item);
    }
  }
  out.append(R"(],"usage":)");
  append_usage(out, response.usage);
  out.append(echo);
  out.push_back('}');
}

std::string_view response_error_code(const ir::Error& error) {
  return error.kind == ir::Error::Kind::rate_limit ? "rate_limit_exceeded" : "server_error";
}

}  // namespace tollgate::api::responses
