// Decodes a Responses request body into an ir::Request: one handler per top-level field, looked up
// in a table, so each field's decision (map, convert, keep as an extra, reject) is in one place.
#include "api/responses/request.hpp"

#include <array>
#include <utility>

#include "api/characters.hpp"
#include "api/json_parser.hpp"
#include "api/responses/input_items.hpp"
#include "api/responses/json_read.hpp"

namespace tollgate::api::responses {
namespace {

using simdjson::dom::array;

Failure decode_model(element value, ir::Request& out) {
  if (auto failure = read_string(value, "model", out.model)) return failure;
  if (out.model.empty()) return invalid_value("model", "the model must not be empty.");
  return std::nullopt;
}

Failure decode_instructions(element value, ir::Request& out) {
  std::string text;
  if (auto failure = read_string(value, "instructions", text)) return failure;
  if (!text.empty()) out.system.push_back(ir::Part::make_text(std::move(text)));
  return std::nullopt;
}

// A schema-like object field kept as minified JSON text, or `fallback` when absent or null.
Failure read_json_object(object parent, std::string_view key, const std::string& base,
                         std::string_view fallback, std::string& out) {
  const auto value = optional_field(parent, key);
  if (!value) {
    out.assign(fallback);
    return std::nullopt;
  }
  object unused;
  if (auto failure = read_object(*value, at_key(base, key), unused)) return failure;
  out = simdjson::minify(*value);
  return std::nullopt;
}

Failure read_optional_bool(object parent, std::string_view key, const std::string& base,
                           std::optional<bool>& out) {
  const auto value = optional_field(parent, key);
  if (!value) return std::nullopt;
  bool flag = false;
  if (auto failure = read_bool(*value, at_key(base, key), flag)) return failure;
  out = flag;
  return std::nullopt;
}

// Only function tools can be served: the built-in tools (web_search, file_search, computer use,
// code interpreter, MCP, ...) run inside OpenAI.
Failure decode_tool(element value, const std::string& path, ir::Tool& tool) {
  object source;
  if (auto failure = read_object(value, path, source)) return failure;
  std::string type;
  if (auto failure = read_required_string(source, "type", path, type)) return failure;
  if (type != "function")
    return not_supported(at_key(path, "type"), "The tool type '" + type + "'");
  if (auto failure = read_required_string(source, "name", path, tool.name)) return failure;
  if (tool.name.empty()) return invalid_value(at_key(path, "name"), "the name must not be empty.");
  if (auto failure = read_optional_string(source, "description", path, tool.description)) {
    return failure;
  }
  if (auto failure = read_json_object(source, "parameters", path, "{}", tool.parameters)) {
    return failure;
  }
  return read_optional_bool(source, "strict", path, tool.strict);
}

Failure decode_tools(element value, ir::Request& out) {
  array list;
  if (value.get_array().get(list) != simdjson::SUCCESS) return invalid_type("tools", "an array");
  std::size_t index = 0;
  for (element tool_value : list) {
    ir::Tool tool;
    if (auto failure = decode_tool(tool_value, at_index("tools", index++), tool)) return failure;
    out.tools.push_back(std::move(tool));
  }
  return std::nullopt;
}

Failure decode_tool_choice_mode(std::string_view mode, ir::ToolChoice& choice) {
  if (mode == "auto") {
    choice.mode = ir::ToolChoice::Mode::auto_;
  } else if (mode == "none") {
    choice.mode = ir::ToolChoice::Mode::none;
  } else if (mode == "required") {
    choice.mode = ir::ToolChoice::Mode::required;
  } else {
    return invalid_value("tool_choice", "expected 'auto', 'none', 'required' or an object.");
  }
  return std::nullopt;
}

Failure decode_tool_choice(element value, ir::Request& out) {
  std::string_view mode;
  if (value.get_string().get(mode) == simdjson::SUCCESS) {
    return decode_tool_choice_mode(mode, out.tool_choice);
  }
  object choice;
  if (value.get_object().get(choice) != simdjson::SUCCESS) {
    return invalid_type("tool_choice", "a string or an object");
  }
  std::string type;
  if (auto failure = read_required_string(choice, "type", "tool_choice", type)) return failure;
  if (type != "function") {
    return not_supported("tool_choice.type", "The tool_choice type '" + type + "'");
  }
  out.tool_choice.mode = ir::ToolChoice::Mode::tool;
  return read_required_string(choice, "name", "tool_choice", out.tool_choice.name);
}

Failure decode_parallel_tool_calls(element value, ir::Request& out) {
  bool flag = false;
  if (auto failure = read_bool(value, "parallel_tool_calls", flag)) return failure;
  out.parallel_tool_calls = flag;
  return std::nullopt;
}

Failure decode_json_schema_format(object format, ir::ResponseFormat& out) {
  const std::string path = "text.format";
  out.type = ir::ResponseFormat::Type::json_schema;
  if (auto failure = read_required_string(format, "name", path, out.name)) return failure;
  if (!optional_field(format, "schema")) return missing_parameter("text.format.schema");
  if (auto failure = read_json_object(format, "schema", path, "{}", out.schema)) return failure;
  if (auto failure = read_optional_string(format, "description", path, out.description)) {
    return failure;
  }
  return read_optional_bool(format, "strict", path, out.strict);
}

Failure decode_text_format(element value, ir::ResponseFormat& out) {
  object format;
  if (auto failure = read_object(value, "text.format", format)) return failure;
  std::string type;
  if (auto failure = read_required_string(format, "type", "text.format", type)) return failure;
  if (type == "text") {
    out.type = ir::ResponseFormat::Type::text;
  } else if (type == "json_object") {
    out.type = ir::ResponseFormat::Type::json_object;
  } else if (type == "json_schema") {
    return decode_json_schema_format(format, out);
  } else {
    return invalid_value("text.format.type", "expected 'text', 'json_object' or 'json_schema'.");
  }
  return std::nullopt;
}

// `text`: the output format maps onto ResponseFormat; `verbosity` is a hint only OpenAI's own
// models take, kept as a droppable extra.
Failure decode_text(element value, ir::Request& out) {
  object text;
  if (auto failure = read_object(value, "text", text)) return failure;
  if (const auto format = optional_field(text, "format")) {
    if (auto failure = decode_text_format(*format, out.response_format)) return failure;
  }
  if (const auto verbosity = optional_field(text, "verbosity")) {
    out.extras.push_back(ir::Extra{
        .name = "text.verbosity", .json = simdjson::minify(*verbosity), .droppable = true});
  }
  return std::nullopt;
}

// OpenAI's efforts: "none" turns reasoning off; "xhigh" is the IR's "high" (its largest level).
Failure decode_effort(element value, ir::Reasoning& out) {
  std::string effort;
  if (auto failure = read_string(value, "reasoning.effort", effort)) return failure;
  if (effort == "none") {
    out.disabled = true;
    return std::nullopt;
  }
  if (effort == "xhigh") effort = "high";
  if (effort != "minimal" && effort != "low" && effort != "medium" && effort != "high") {
    return invalid_value("reasoning.effort",
                         "expected 'none', 'minimal', 'low', 'medium', 'high' or 'xhigh'.");
  }
  out.effort = std::move(effort);
  out.enabled = true;
  return std::nullopt;
}

// Any summary level asks for the reasoning text back; the IR does not keep the level.
Failure decode_summary(element value, const std::string& param, ir::Reasoning& out) {
  std::string summary;
  if (auto failure = read_string(value, param, summary)) return failure;
  if (summary != "auto" && summary != "concise" && summary != "detailed") {
    return invalid_value(param, "expected 'auto', 'concise' or 'detailed'.");
  }
  out.include_thoughts = true;
  return std::nullopt;
}

Failure decode_reasoning(element value, ir::Request& out) {
  object reasoning;
  if (auto failure = read_object(value, "reasoning", reasoning)) return failure;
  if (const auto effort = optional_field(reasoning, "effort")) {
    if (auto failure = decode_effort(*effort, out.reasoning)) return failure;
  }
  for (std::string_view key : {"summary", "generate_summary"}) {
    if (const auto summary = optional_field(reasoning, key)) {
      if (auto failure = decode_summary(*summary, at_key("reasoning", key), out.reasoning)) {
        return failure;
      }
    }
  }
  if (out.reasoning.include_thoughts && !out.reasoning.disabled) out.reasoning.enabled = true;
  return std::nullopt;
}

Failure decode_max_output_tokens(element value, ir::Request& out) {
  std::int64_t tokens = 0;
  if (auto failure = read_int(value, "max_output_tokens", tokens)) return failure;
  if (tokens < 1) {
    return client_error("Invalid 'max_output_tokens': integer below minimum value (1).",
                        "integer_below_min_value", "max_output_tokens");
  }
  out.max_tokens = tokens;
  return std::nullopt;
}

Failure read_number_in_range(element value, const std::string& param, double max,
                             std::optional<double>& out) {
  double number = 0;
  if (auto failure = read_number(value, param, number)) return failure;
  if (number < 0 || number > max) {
    return invalid_value(param, "expected a number from 0 to " + std::to_string(int(max)) + ".");
  }
  out = number;
  return std::nullopt;
}

Failure decode_temperature(element value, ir::Request& out) {
  return read_number_in_range(value, "temperature", 2, out.temperature);
}

Failure decode_top_p(element value, ir::Request& out) {
  return read_number_in_range(value, "top_p", 1, out.top_p);
}

Failure decode_stream(element value, ir::Request& out) {
  return read_bool(value, "stream", out.stream);
}

Failure decode_user(element value, ir::Request& out) {
  return read_string(value, "user", out.user);
}

// safety_identifier replaces `user` in OpenAI's API; `user` wins when both are sent.
Failure decode_safety_identifier(element value, ir::Request& out) {
  std::string identifier;
  if (auto failure = read_string(value, "safety_identifier", identifier)) return failure;
  if (out.user.empty()) out.user = std::move(identifier);
  return std::nullopt;
}

Failure decode_metadata(element value, ir::Request& out) {
  object unused;
  if (auto failure = read_object(value, "metadata", unused)) return failure;
  out.extras.push_back(
      ir::Extra{.name = "metadata", .json = simdjson::minify(value), .droppable = true});
  return std::nullopt;
}

// The gateway keeps no responses, so nothing can refer to an earlier one.
Failure reject_state(std::string_view name) {
  return not_supported(
      std::string(name),
      "'" + std::string(name) + "' (server-side conversation state; send the full input instead)");
}

Failure decode_previous_response_id(element, ir::Request&) {
  return reject_state("previous_response_id");
}

Failure decode_conversation(element, ir::Request&) {
  return reject_state("conversation");
}

Failure decode_background(element value, ir::Request&) {
  bool background = false;
  if (auto failure = read_bool(value, "background", background)) return failure;
  if (background) return not_supported("background", "Background responses");
  return std::nullopt;
}

using FieldDecoder = Failure (*)(element, ir::Request&);

struct FieldRule {
  std::string_view name;
  FieldDecoder decode;  // null: kept as an ir::Extra
  bool droppable;       // for extras: an upstream that cannot carry it may drop it
};

// Every top-level field of the Responses API the gateway accepts. docs/translation/responses.md
// explains each decision.
constexpr std::array kFieldRules{
    FieldRule{"model", decode_model, false},
    FieldRule{"input", decode_input, false},
    FieldRule{"instructions", decode_instructions, false},
    FieldRule{"tools", decode_tools, false},
    FieldRule{"tool_choice", decode_tool_choice, false},
    FieldRule{"parallel_tool_calls", decode_parallel_tool_calls, false},
    FieldRule{"text", decode_text, false},
    FieldRule{"reasoning", decode_reasoning, false},
    FieldRule{"max_output_tokens", decode_max_output_tokens, false},
    FieldRule{"temperature", decode_temperature, false},
    FieldRule{"top_p", decode_top_p, false},
    FieldRule{"stream", decode_stream, false},
    FieldRule{"user", decode_user, false},
    FieldRule{"safety_identifier", decode_safety_identifier, false},
    FieldRule{"metadata", decode_metadata, false},
    FieldRule{"previous_response_id", decode_previous_response_id, false},
    FieldRule{"conversation", decode_conversation, false},
    FieldRule{"background", decode_background, false},
    // Hints about OpenAI's own storage, billing and caching: meaningless elsewhere.
    FieldRule{"store", nullptr, true},
    FieldRule{"service_tier", nullptr, true},
    FieldRule{"truncation", nullptr, true},
    FieldRule{"include", nullptr, true},
    FieldRule{"stream_options", nullptr, true},
    FieldRule{"prompt_cache_key", nullptr, true},
    FieldRule{"prompt_cache_retention", nullptr, true},
    // Change what the model returns: an upstream that cannot honour them must refuse.
    FieldRule{"top_logprobs", nullptr, false},
    FieldRule{"max_tool_calls", nullptr, false},
    FieldRule{"prompt", nullptr, false},
};

const FieldRule* find_rule(std::string_view name) {
  for (const FieldRule& rule : kFieldRules) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

Failure decode_field(std::string_view key, element value, ir::Request& out) {
  const FieldRule* rule = find_rule(key);
  if (rule == nullptr) {
    const std::string name(key);
    return client_error("Unknown parameter: '" + name + "'.", "unknown_parameter", name);
  }
  if (is_null(value) && rule->name != "model" && rule->name != "input") return std::nullopt;
  if (rule->decode != nullptr) return rule->decode(value, out);
  out.extras.push_back(ir::Extra{
      .name = std::string(key), .json = simdjson::minify(value), .droppable = rule->droppable});
  return std::nullopt;
}

Failure parse_failure(simdjson::error_code code) {
  if (code == simdjson::UTF8_ERROR) {
    return client_error("The request body is not valid UTF-8.", "invalid_encoding", "");
  }
  return client_error("We could not parse the JSON body of your request.", "invalid_json", "");
}

std::size_t count_part_chars(const ir::Part& part) {
  std::size_t count = count_characters(part.text) + count_characters(part.arguments);
  for (const ir::Part& inner : part.content) count += count_part_chars(inner);
  return count;
}

std::size_t count_prompt_chars(const ir::Request& request) {
  std::size_t count = 0;
  for (const ir::Part& part : request.system) count += count_part_chars(part);
  for (const ir::Message& message : request.messages) {
    for (const ir::Part& part : message.parts) count += count_part_chars(part);
  }
  return count;
}

Failure decode_fields(object body, ir::Request& out) {
  for (const auto field : body) {
    if (auto failure = decode_field(field.key, field.value, out)) return failure;
  }
  if (out.model.empty()) return missing_parameter("model");
  if (out.messages.empty()) return missing_parameter("input");
  return std::nullopt;
}

}  // namespace

std::optional<ir::Error> decode_request(std::string_view body, ir::Request& out) {
  out.from = ir::Format::openai_responses;
  thread_local simdjson::dom::parser parser;
  const ParserLease lease(parser);
  element document;
  if (const auto code = parser.parse(body.data(), body.size()).get(document)) {
    return parse_failure(code);
  }
  object fields;
  if (document.get_object().get(fields) != simdjson::SUCCESS) {
    return client_error("The request body must be a JSON object.", "invalid_type", "");
  }
  if (auto failure = decode_fields(fields, out)) return failure;
  out.prompt_chars = count_prompt_chars(out);
  return std::nullopt;
}

}  // namespace tollgate::api::responses
