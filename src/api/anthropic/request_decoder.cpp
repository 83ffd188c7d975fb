// Anthropic Messages request body → ir::Request. The body is parsed whole with simdjson's DOM
// and read field by field; every field is either mapped onto the IR, kept as an ir::Extra for an
// Anthropic upstream, or rejected with the 400 Anthropic would give (pydantic-style messages:
// "<path>: Field required"). docs/translation/anthropic.md is the field-by-field table.
#include <array>
#include <unordered_map>

#include "api/anthropic/messages.hpp"
#include "api/anthropic/request_reading.hpp"
#include "api/json_parser.hpp"

namespace tollgate::api::anthropic {
namespace {

using namespace reading;  // NOLINT: the reading helpers are this file's vocabulary

Status read_role(dom::object message, const Path& path, ir::Role& role) {
  std::string name;
  if (auto error = require_string(message, "role", path, name)) return error;
  if (name == "user") {
    role = ir::Role::user;
  } else if (name == "assistant") {
    role = ir::Role::assistant;
  } else if (name == "system") {
    role = ir::Role::system;
  } else {
    return invalid_value(path, "Input should be 'user', 'assistant' or 'system'");
  }
  return std::nullopt;
}

Status read_messages(dom::element value, const Path& path, ir::Request& out) {
  dom::array messages;
  if (auto error = read_array(value, path, messages)) return error;
  std::size_t i = 0;
  for (dom::element element : messages) {
    const Path where = path.at(i++);
    dom::object object;
    if (auto error = read_object(element, where, object)) return error;
    ir::Message& message = out.messages.emplace_back();
    if (auto error = read_role(object, where.field("role"), message.role)) return error;
    dom::element content;
    const Path content_path = where.field("content");
    if (auto error = require(object, "content", content_path, content)) return error;
    if (auto error =
            read_content(content, content_path, message.role, message.parts, out.prompt_chars)) {
      return error;
    }
  }
  return std::nullopt;
}

Status read_system(dom::element value, const Path& path, ir::Request& out) {
  return read_content(value, path, ir::Role::system, out.system, out.prompt_chars);
}

// A client tool ({"name","input_schema",...}) onto ir::Tool. Returns false when the tool has
// fields the IR cannot carry (defer_loading, allowed_callers, input_examples, ...): it then
// travels whole in the `tools` extra, for an Anthropic upstream only.
Status read_custom_tool(dom::object object, const Path& path, ir::Tool& tool, bool& mapped) {
  mapped = true;
  for (auto [key, value] : object) {
    const Path where = path.field(key);
    if (key == "name") {
      if (auto error = read_string(value, where, tool.name)) return error;
    } else if (key == "description") {
      if (auto error = read_string(value, where, tool.description)) return error;
    } else if (key == "input_schema") {
      dom::object schema;
      if (auto error = read_object(value, where, schema)) return error;
      tool.parameters = simdjson::minify(value);
    } else if (key == "strict") {
      bool strict = false;
      if (auto error = read_bool(value, where, strict)) return error;
      tool.strict = strict;
    } else if (key == "cache_control") {
      if (auto error = read_cache_control(object, path, tool.cache_control)) return error;
    } else if (key != "type" && key != "eager_input_streaming") {
      mapped = false;  // eager_input_streaming is a streaming hint: dropped
    }
  }
  if (tool.name.empty() && object.at_key("name").error()) return missing(path.field("name"));
  if (object.at_key("input_schema").error()) return missing(path.field("input_schema"));
  return std::nullopt;
}

bool is_custom_tool(dom::object object) {
  dom::element type;
  if (object.at_key("type").get(type) || is_null(type)) return true;
  std::string_view name;
  return !type.get_string().get(name) && name == "custom";
}

Status read_tools(dom::element value, const Path& path, ir::Request& out) {
  dom::array tools;
  if (auto error = read_array(value, path, tools)) return error;
  std::string anthropic_only;  // server tools and tools with Anthropic-only fields, a JSON array
  std::size_t i = 0;
  for (dom::element element : tools) {
    const Path where = path.at(i++);
    dom::object object;
    if (auto error = read_object(element, where, object)) return error;
    bool mapped = false;
    if (is_custom_tool(object)) {
      ir::Tool tool;
      if (auto error = read_custom_tool(object, where, tool, mapped)) return error;
      if (mapped) out.tools.push_back(std::move(tool));
    } else if (object.at_key("type").get_string().error()) {
      return wrong_type(where.field("type"), "string");
    }
    if (!mapped) {
      anthropic_only += anthropic_only.empty() ? '[' : ',';
      anthropic_only += simdjson::minify(element);
    }
  }
  if (!anthropic_only.empty()) {
    out.extras.push_back(ir::Extra{"tools", anthropic_only + ']', false});
  }
  return std::nullopt;
}

Status read_tool_choice(dom::element value, const Path& path, ir::Request& out) {
  dom::object object;
  if (auto error = read_object(value, path, object)) return error;
  std::string type;
  if (auto error = require_string(object, "type", path.field("type"), type)) return error;
  ir::ToolChoice& choice = out.tool_choice;
  if (type == "auto") {
    choice.mode = ir::ToolChoice::Mode::auto_;
  } else if (type == "any") {
    choice.mode = ir::ToolChoice::Mode::required;
  } else if (type == "none") {
    choice.mode = ir::ToolChoice::Mode::none;
  } else if (type == "tool") {
    choice.mode = ir::ToolChoice::Mode::tool;
    if (auto error = require_string(object, "name", path.field("name"), choice.name)) {
      return error;
    }
  } else {
    return invalid_value(path.field("type"), "Input should be 'auto', 'any', 'tool' or 'none'");
  }
  dom::element disable;
  if (!object.at_key("disable_parallel_tool_use").get(disable) && !is_null(disable)) {
    bool disabled = false;
    if (auto error = read_bool(disable, path.field("disable_parallel_tool_use"), disabled)) {
      return error;
    }
    out.parallel_tool_calls = !disabled;
  }
  return std::nullopt;
}

// thinking.display: "summarized" returns the thinking, "omitted" does not.
Status read_thinking_display(dom::object object, const Path& path, ir::Reasoning& reasoning) {
  dom::element value;
  if (object.at_key("display").get(value) || is_null(value)) return std::nullopt;
  std::string display;
  if (auto error = read_string(value, path, display)) return error;
  if (display == "summarized") {
    reasoning.include_thoughts = true;
  } else if (display == "omitted") {
    reasoning.include_thoughts = false;
  } else {
    return invalid_value(path, "Input should be 'summarized' or 'omitted'");
  }
  return std::nullopt;
}

Status read_thinking(dom::element value, const Path& path, ir::Request& out) {
  dom::object object;
  if (auto error = read_object(value, path, object)) return error;
  std::string type;
  if (auto error = require_string(object, "type", path.field("type"), type)) return error;
  ir::Reasoning& reasoning = out.reasoning;
  if (type == "disabled") {
    reasoning.disabled = true;
    return std::nullopt;
  }
  if (type == "enabled") {
    reasoning.enabled = true;
    const Path where = path.field("budget_tokens");
    dom::element budget;
    if (auto error = require(object, "budget_tokens", where, budget)) return error;
    std::int64_t tokens = 0;
    if (auto error = read_count(budget, where, tokens)) return error;
    reasoning.budget_tokens = tokens;
    return read_thinking_display(object, path.field("display"), reasoning);
  }
  if (type == "adaptive") {
    reasoning.enabled = true;
    return read_thinking_display(object, path.field("display"), reasoning);
  }
  // Modes the IR has no words for (e.g. "between_tools") reach an Anthropic upstream only.
  out.extras.push_back(ir::Extra{"thinking", simdjson::minify(value), false});
  return std::nullopt;
}

Status read_output_format(dom::element value, const Path& path, ir::Request& out) {
  dom::object object;
  if (auto error = read_object(value, path, object)) return error;
  std::string type;
  if (auto error = require_string(object, "type", path.field("type"), type)) return error;
  if (type != "json_schema")
    return invalid_value(path.field("type"), "Input should be 'json_schema'");
  const Path where = path.field("schema");
  dom::element schema;
  if (auto error = require(object, "schema", where, schema)) return error;
  dom::object schema_object;
  if (auto error = read_object(schema, where, schema_object)) return error;
  ir::ResponseFormat& format = out.response_format;
  format.type = ir::ResponseFormat::Type::json_schema;
  format.name = "response";  // OpenAI needs a name; Anthropic has none
  format.schema = simdjson::minify(schema);
  return std::nullopt;
}

// output_config.effort: low | medium | high map as they are; xhigh and max have no IR level and
// become "high".
Status read_effort(dom::element value, const Path& path, ir::Request& out) {
  std::string effort;
  if (auto error = read_string(value, path, effort)) return error;
  if (effort == "xhigh" || effort == "max") effort = "high";
  if (effort != "low" && effort != "medium" && effort != "high") {
    return invalid_value(path, "Input should be 'low', 'medium', 'high', 'xhigh' or 'max'");
  }
  out.reasoning.effort = std::move(effort);
  return std::nullopt;
}

Status read_output_config(dom::element value, const Path& path, ir::Request& out) {
  dom::object object;
  if (auto error = read_object(value, path, object)) return error;
  for (auto [key, field] : object) {
    const Path where = path.field(key);
    if (is_null(field)) continue;
    if (key == "format") {
      if (auto error = read_output_format(field, where, out)) return error;
    } else if (key == "effort") {
      if (auto error = read_effort(field, where, out)) return error;
    } else {
      return not_permitted(where);
    }
  }
  return std::nullopt;
}

Status read_metadata(dom::element value, const Path& path, ir::Request& out) {
  dom::object object;
  if (auto error = read_object(value, path, object)) return error;
  for (auto [key, field] : object) {
    const Path where = path.field(key);
    if (key != "user_id") return not_permitted(where);
    if (is_null(field)) continue;
    if (auto error = read_string(field, where, out.user)) return error;
  }
  return std::nullopt;
}

Status read_stop_sequences(dom::element value, const Path& path, ir::Request& out) {
  dom::array sequences;
  if (auto error = read_array(value, path, sequences)) return error;
  std::size_t i = 0;
  for (dom::element element : sequences) {
    if (auto error = read_string(element, path.at(i++), out.stop.emplace_back())) return error;
  }
  return std::nullopt;
}

Status read_model(dom::element value, const Path& path, ir::Request& out) {
  return read_string(value, path, out.model);
}

Status read_max_tokens(dom::element value, const Path& path, ir::Request& out) {
  std::int64_t tokens = 0;
  if (auto error = read_count(value, path, tokens)) return error;
  out.max_tokens = tokens;
  return std::nullopt;
}

Status read_temperature(dom::element value, const Path& path, ir::Request& out) {
  double number = 0;
  if (auto error = read_number(value, path, number)) return error;
  out.temperature = number;
  return std::nullopt;
}

Status read_top_p(dom::element value, const Path& path, ir::Request& out) {
  double number = 0;
  if (auto error = read_number(value, path, number)) return error;
  out.top_p = number;
  return std::nullopt;
}

Status read_top_k(dom::element value, const Path& path, ir::Request& out) {
  std::int64_t k = 0;
  if (auto error = read_count(value, path, k)) return error;
  out.top_k = k;
  return std::nullopt;
}

Status read_stream(dom::element value, const Path& path, ir::Request& out) {
  return read_bool(value, path, out.stream);
}

// service_tier only picks capacity: other families may ignore it.
Status read_service_tier(dom::element value, const Path& path, ir::Request& out) {
  std::string tier;
  if (auto error = read_string(value, path, tier)) return error;
  out.extras.push_back(ir::Extra{"service_tier", simdjson::minify(value), true});
  return std::nullopt;
}

struct FieldReader {
  std::string_view key;
  Status (*read)(dom::element, const Path&, ir::Request&);
};

constexpr std::array kFieldReaders{
    FieldReader{"model", read_model},
    FieldReader{"max_tokens", read_max_tokens},
    FieldReader{"messages", read_messages},
    FieldReader{"system", read_system},
    FieldReader{"tools", read_tools},
    FieldReader{"tool_choice", read_tool_choice},
    FieldReader{"thinking", read_thinking},
    FieldReader{"output_config", read_output_config},
    FieldReader{"metadata", read_metadata},
    FieldReader{"stop_sequences", read_stop_sequences},
    FieldReader{"temperature", read_temperature},
    FieldReader{"top_p", read_top_p},
    FieldReader{"top_k", read_top_k},
    FieldReader{"stream", read_stream},
    FieldReader{"service_tier", read_service_tier},
};

// Fields without an IR counterpart that change nothing in the output when left out.
bool is_droppable_hint(std::string_view key) {
  return key == "speed" || key == "cache_control" || key == "diagnostics";
}

const FieldReader* reader_for(std::string_view key) {
  for (const FieldReader& reader : kFieldReaders) {
    if (reader.key == key) return &reader;
  }
  return nullptr;
}

// Tool results name the call they answer only by id; other formats (Gemini) need the tool's name.
void name_tool_results(ir::Request& request) {
  std::unordered_map<std::string_view, std::string_view> names;
  for (ir::Message& message : request.messages) {
    for (ir::Part& part : message.parts) {
      if (part.kind == ir::Part::Kind::tool_call) {
        names.emplace(part.id, part.name);
      } else if (part.kind == ir::Part::Kind::tool_result) {
        if (auto found = names.find(part.id); found != names.end()) part.name = found->second;
      }
    }
  }
}

Status decode_body(dom::object body, ir::Request& out) {
  const Path root;
  for (auto [key, value] : body) {
    const FieldReader* reader = reader_for(key);
    const bool required = key == "model" || key == "max_tokens" || key == "messages";
    if (is_null(value) && !required) continue;
    if (reader == nullptr) {
      out.extras.push_back(
          ir::Extra{std::string(key), simdjson::minify(value), is_droppable_hint(key)});
      continue;
    }
    if (auto error = reader->read(value, root.field(key), out)) return error;
  }
  for (std::string_view key : {"max_tokens", "messages", "model"}) {
    if (body.at_key(key).error()) return missing(root.field(key));
  }
  name_tool_results(out);
  return std::nullopt;
}

}  // namespace

std::optional<ir::Error> decode_request(std::string_view body, ir::Request& out) {
  out = ir::Request{};
  out.from = ir::Format::anthropic;
  if (body.empty()) return ir::make_error(400, "The request body is empty", "invalid_json");
  thread_local dom::parser parser;
  const ParserLease lease(parser);
  dom::element root;
  if (auto code = parser.parse(body.data(), body.size()).get(root)) {
    return ir::make_error(
        400, std::string("The request body is not valid JSON: ") + simdjson::error_message(code),
        "invalid_json");
  }
  dom::object object;
  if (root.get_object().get(object)) {
    return ir::make_error(400, "The request body should be a JSON object", "invalid_type");
  }
  return decode_body(object, out);
}

}  // namespace tollgate::api::anthropic
