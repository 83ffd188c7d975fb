// The settings half of the Gemini request encoder: tools, toolConfig, generationConfig and the
// extras a Gemini client sent, each put back where Gemini expects it.
#include <simdjson.h>

#include <charconv>
#include <cmath>

#include "api/json_text.hpp"
#include "providers/gemini/request_writing.hpp"

namespace tollgate::providers::gemini::detail {
namespace {

using api::append_json_string;

constexpr std::string_view kGenerationPrefix = "generationConfig.";
constexpr std::string_view kToolConfigPrefix = "toolConfig.";

// Writes `,"key":` or `"key":` and remembers that the object has a member.
class MemberWriter {
 public:
  explicit MemberWriter(std::string& out) : out_(out) {}
  // The separator before the next member; the caller writes the member.
  std::string& next() {
    if (any_) out_ += ',';
    any_ = true;
    return out_;
  }
  std::string& key(std::string_view name) {
    next();
    out_ += '"';
    out_ += name;
    out_ += "\":";
    return out_;
  }
  bool any() const { return any_; }

 private:
  std::string& out_;
  bool any_ = false;
};

void append_double(std::string& out, double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void put_double(MemberWriter& writer, std::string_view name, const std::optional<double>& value) {
  if (value && std::isfinite(*value)) append_double(writer.key(name), *value);
}

void put_int(MemberWriter& writer, std::string_view name, const std::optional<std::int64_t>& value) {
  if (value) writer.key(name) += std::to_string(*value);
}

bool is_upper_case_word(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

void append_thinking_config(MemberWriter& writer, const ir::Request& request) {
  const ir::Reasoning& reasoning = request.reasoning;
  std::string config;
  MemberWriter members(config);
  if (reasoning.disabled) {
    members.key("thinkingBudget") += '0';
  } else if (reasoning.budget_tokens) {
    members.key("thinkingBudget") += std::to_string(*reasoning.budget_tokens);
  } else if (!reasoning.effort.empty() && request.from == ir::Format::gemini) {
    std::string& out = members.key("thinkingLevel");
    out += '"';
    for (char c : reasoning.effort) out += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    out += '"';
  } else if (!reasoning.effort.empty()) {
    members.key("thinkingBudget") += std::to_string(ir::effort_to_budget(reasoning.effort));
  }
  if (reasoning.include_thoughts) {
    members.key("includeThoughts") += *reasoning.include_thoughts ? "true" : "false";
  }
  if (members.any()) writer.key("thinkingConfig") += '{' + config + '}';
}

void append_response_format(MemberWriter& writer, const ir::ResponseFormat& format) {
  using Type = ir::ResponseFormat::Type;
  switch (format.type) {
    case Type::unset: return;
    case Type::text: writer.key("responseMimeType") += "\"text/plain\""; return;
    case Type::json_object: writer.key("responseMimeType") += "\"application/json\""; return;
    case Type::json_schema:
      writer.key("responseMimeType") += "\"application/json\"";
      append_schema(writer.next(), format.schema, "responseSchema", "responseJsonSchema");
      return;
  }
}

void append_function_declaration(std::string& out, const ir::Tool& tool) {
  out += "{\"name\":";
  append_json_string(out, tool.name);
  if (!tool.description.empty()) {
    out += ",\"description\":";
    append_json_string(out, tool.description);
  }
  if (!tool.parameters.empty() && tool.parameters != "{}") {
    out += ',';
    append_schema(out, tool.parameters, "parameters", "parametersJsonSchema");
  }
  out += '}';
}

}  // namespace

Result place_extras(const ir::Request& request, PlacedExtras& out) {
  for (const ir::Extra& extra : request.extras) {
    if (request.from != ir::Format::gemini) {
      if (extra.droppable) continue;
      return ir::unsupported_extra(extra, ir::Format::gemini);
    }
    if (extra.name == "tools") {
      out.built_in_tools = &extra;
    } else if (extra.name.starts_with(kGenerationPrefix)) {
      out.generation_config.push_back(&extra);
    } else if (extra.name.starts_with(kToolConfigPrefix)) {
      out.tool_config.push_back(&extra);
    } else {
      out.top_level.push_back(&extra);
    }
  }
  return std::nullopt;
}

void append_extra_members(std::string& out, const std::vector<const ir::Extra*>& extras,
                          std::size_t prefix_length, bool leading_comma) {
  for (const ir::Extra* extra : extras) {
    if (leading_comma) out += ',';
    leading_comma = true;
    append_json_string(out, std::string_view(extra->name).substr(prefix_length));
    out += ':';
    out += extra->json;
  }
}

void append_schema(std::string& out, std::string_view schema, std::string_view key,
                   std::string_view json_key) {
  if (schema.empty()) schema = "{}";  // a json_schema format without a schema (OpenAI allows it)
  simdjson::dom::parser parser;
  std::string_view type;
  const bool open_api = !parser.parse(schema.data(), schema.size()).at_key("type").get_string().get(type) &&
                        is_upper_case_word(type);
  out += '"';
  out += open_api ? key : json_key;
  out += "\":";
  out += schema;
}

void append_tools(std::string& out, const ir::Request& request, const PlacedExtras& extras) {
  const bool has_built_in = extras.built_in_tools && extras.built_in_tools->json.size() > 2;
  if (request.tools.empty() && !has_built_in) return;
  out += ",\"tools\":[";
  if (!request.tools.empty()) {
    out += "{\"functionDeclarations\":[";
    for (std::size_t i = 0; i < request.tools.size(); ++i) {
      if (i > 0) out += ',';
      append_function_declaration(out, request.tools[i]);
    }
    out += "]}";
  }
  if (has_built_in) {
    // The extra is a JSON array of tool objects: its elements join ours.
    const std::string& json = extras.built_in_tools->json;
    if (!request.tools.empty()) out += ',';
    out.append(json, 1, json.size() - 2);
  }
  out += ']';
}

void append_tool_config(std::string& out, const ir::Request& request, const PlacedExtras& extras) {
  using Mode = ir::ToolChoice::Mode;
  const ir::ToolChoice& choice = request.tool_choice;
  if (choice.mode == Mode::unset && extras.tool_config.empty()) return;
  out += ",\"toolConfig\":{";
  if (choice.mode != Mode::unset) {
    out += "\"functionCallingConfig\":{\"mode\":";
    switch (choice.mode) {
      case Mode::none: out += "\"NONE\""; break;
      case Mode::required:
      case Mode::tool: out += "\"ANY\""; break;
      default: out += "\"AUTO\""; break;
    }
    if (choice.mode == Mode::tool) {
      out += ",\"allowedFunctionNames\":[";
      append_json_string(out, choice.name);
      out += ']';
    }
    out += '}';
  }
  append_extra_members(out, extras.tool_config, kToolConfigPrefix.size(),
                       choice.mode != Mode::unset);
  out += '}';
}

void append_generation_config(std::string& out, const ir::Request& request,
                              const PlacedExtras& extras) {
  std::string config;
  MemberWriter writer(config);
  if (!request.stop.empty()) {
    std::string& stops = writer.key("stopSequences");
    stops += '[';
    for (std::size_t i = 0; i < request.stop.size(); ++i) {
      if (i > 0) stops += ',';
      append_json_string(stops, request.stop[i]);
    }
    stops += ']';
  }
  put_double(writer, "temperature", request.temperature);
  put_double(writer, "topP", request.top_p);
  put_int(writer, "topK", request.top_k);
  put_int(writer, "maxOutputTokens", request.max_tokens);
  put_int(writer, "seed", request.seed);
  put_double(writer, "presencePenalty", request.presence_penalty);
  put_double(writer, "frequencyPenalty", request.frequency_penalty);
  append_response_format(writer, request.response_format);
  append_thinking_config(writer, request);
  append_extra_members(config, extras.generation_config, kGenerationPrefix.size(), writer.any());
  if (config.empty()) return;
  out += ",\"generationConfig\":{";
  out += config;
  out += '}';
}

}  // namespace tollgate::providers::gemini::detail
