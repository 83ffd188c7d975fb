// decode_request: a GenerateContentRequest body → ir::Request. The top level, generationConfig,
// tools and toolConfig are read here; contents_decoder.cpp reads the conversation. Fields with
// no IR counterpart become extras; a name "generationConfig.x" or "toolConfig.x" means the member
// x of that object, and the extra "tools" holds Gemini's built-in tools (googleSearch,
// codeExecution, ...) as a JSON array, so a Gemini upstream can put each back where it was.
#include <algorithm>
#include <cctype>

#include "api/gemini/decode_support.hpp"
#include "api/gemini/generate_content.hpp"
#include "api/json_parser.hpp"

namespace tollgate::api::gemini {
namespace {

using namespace detail;

constexpr std::size_t kMaxNesting = 128;

void add_extra(ir::Request& out, std::string name, dom::element value, bool droppable) {
  out.extras.push_back(ir::Extra{std::move(name), simdjson::minify(value), droppable});
}

// --- generationConfig ---------------------------------------------------------------------

Result decode_thinking_config(dom::element value, const std::string& path, ir::Reasoning& out) {
  dom::object config;
  if (auto error = read_object(value, path, config)) return error;
  std::string scratch;
  for (auto [raw_key, field] : config) {
    const std::string_view key = camel_key(raw_key, scratch);
    if (field.is_null()) continue;
    if (key == "thinkingBudget") {
      std::int64_t budget = 0;
      if (auto error = read_int(field, join_path(path, "thinking_budget"), budget)) return error;
      if (budget == 0) {
        out.disabled = true;
      } else if (budget > 0) {
        out.enabled = true;
        out.budget_tokens = budget;
      } else {
        out.enabled = true;  // -1: dynamic thinking, the model decides
      }
    } else if (key == "includeThoughts") {
      bool include = false;
      if (auto error = read_bool(field, join_path(path, "include_thoughts"), include)) return error;
      out.include_thoughts = include;
    } else if (key == "thinkingLevel") {
      std::string level;
      const std::string level_path = join_path(path, "thinking_level");
      if (auto error = read_string(field, level_path, level)) return error;
      if (level == "THINKING_LEVEL_UNSPECIFIED") continue;
      if (level != "MINIMAL" && level != "LOW" && level != "MEDIUM" && level != "HIGH") {
        return invalid_value(level_path, "TYPE_ENUM", field);
      }
      std::transform(level.begin(), level.end(), level.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      out.enabled = true;
      out.effort = std::move(level);
    } else {
      return unknown_field(raw_key, path);
    }
  }
  return std::nullopt;
}

Result decode_stop_sequences(dom::element value, const std::string& path, ir::Request& out) {
  dom::array array;
  if (auto error = read_array(value, path, array)) return error;
  std::size_t index = 0;
  for (dom::element element : array) {
    std::string stop;
    if (auto error = read_string(element, index_path(path, index++), stop)) return error;
    out.stop.push_back(std::move(stop));
  }
  return std::nullopt;
}

// responseModalities ["TEXT"] is what the IR produces anyway; anything else asks for media.
bool asks_only_for_text(dom::element value) {
  dom::array array;
  if (value.get_array().get(array)) return false;
  for (dom::element element : array) {
    std::string_view modality;
    if (element.get_string().get(modality) || modality != "TEXT") return false;
  }
  return true;
}

// generationConfig members passed through as extras, and whether other families may drop them.
struct PassThroughField {
  std::string_view name;
  bool droppable;
};
constexpr PassThroughField kGenerationExtras[] = {
    {"responseModalities", false},    {"speechConfig", false},
    {"responseLogprobs", false},      {"logprobs", false},
    {"imageConfig", false},           {"enableAffectiveDialog", false},
    {"audioTimestamp", false},        {"mediaResolution", true},
    {"enableEnhancedCivicAnswers", true}, {"routingConfig", true},
    {"modelSelectionConfig", true},
};

class GenerationConfigDecoder {
 public:
  explicit GenerationConfigDecoder(ir::Request& out) : out_(out) {}

  Result decode(dom::element value) {
    dom::object config;
    if (auto error = read_object(value, kPath, config)) return error;
    std::string scratch;
    for (auto [raw_key, field] : config) {
      const std::string_view key = camel_key(raw_key, scratch);
      if (field.is_null()) continue;
      if (auto error = decode_field(key, raw_key, field)) return error;
    }
    return finish_response_format();
  }

 private:
  static constexpr std::string_view kPath = "generation_config";

  Result decode_field(std::string_view key, std::string_view raw_key, dom::element field) {
    const std::string path = join_path(kPath, raw_key);
    if (key == "temperature") return read_optional(field, path, out_.temperature);
    if (key == "topP") return read_optional(field, path, out_.top_p);
    if (key == "topK") return read_optional_int(field, path, out_.top_k);
    if (key == "maxOutputTokens") return read_optional_int(field, path, out_.max_tokens);
    if (key == "seed") return read_optional_int(field, path, out_.seed);
    if (key == "presencePenalty") return read_optional(field, path, out_.presence_penalty);
    if (key == "frequencyPenalty") return read_optional(field, path, out_.frequency_penalty);
    if (key == "stopSequences") return decode_stop_sequences(field, path, out_);
    if (key == "candidateCount") return decode_candidate_count(field, path);
    if (key == "responseMimeType") return read_string(field, path, mime_type_);
    if (key == "responseSchema" || key == "responseJsonSchema") {
      if (!field.is_object()) return invalid_value(path, "TYPE_MESSAGE", field);
      schema_ = key == "responseSchema" ? openapi_to_json_schema(field) : simdjson::minify(field);
      return std::nullopt;
    }
    if (key == "thinkingConfig") return decode_thinking_config(field, path, out_.reasoning);
    if (key == "responseModalities" && asks_only_for_text(field)) return std::nullopt;
    for (const PassThroughField& extra : kGenerationExtras) {
      if (extra.name == key) {
        add_extra(out_, "generationConfig." + std::string(key), field, extra.droppable);
        return std::nullopt;
      }
    }
    return unknown_field(raw_key, kPath);
  }

  static Result read_optional(dom::element field, const std::string& path,
                              std::optional<double>& out) {
    double value = 0;
    if (auto error = read_double(field, path, value)) return error;
    out = value;
    return std::nullopt;
  }

  static Result read_optional_int(dom::element field, const std::string& path,
                                  std::optional<std::int64_t>& out) {
    std::int64_t value = 0;
    if (auto error = read_int(field, path, value)) return error;
    out = value;
    return std::nullopt;
  }

  static Result decode_candidate_count(dom::element field, const std::string& path) {
    std::int64_t count = 0;
    if (auto error = read_int(field, path, count)) return error;
    if (count > 1) return unsupported_feature(path, "candidateCount greater than 1");
    return std::nullopt;
  }

  Result finish_response_format() {
    ir::ResponseFormat& format = out_.response_format;
    if (!schema_.empty()) {
      format.type = ir::ResponseFormat::Type::json_schema;
      format.name = "response";
      format.schema = std::move(schema_);
    } else if (mime_type_ == "application/json") {
      format.type = ir::ResponseFormat::Type::json_object;
    } else if (mime_type_ == "text/plain") {
      format.type = ir::ResponseFormat::Type::text;
    } else if (!mime_type_.empty()) {
      return unsupported_feature("generation_config.response_mime_type",
                                 "responseMimeType \"" + mime_type_ + "\"");
    }
    return std::nullopt;
  }

  ir::Request& out_;
  std::string mime_type_;
  std::string schema_;
};

// --- tools and toolConfig -------------------------------------------------------------------

Result decode_function_declaration(dom::element value, const std::string& path, ir::Tool& tool) {
  dom::object declaration;
  if (auto error = read_object(value, path, declaration)) return error;
  std::string scratch;
  for (auto [raw_key, field] : declaration) {
    const std::string_view key = camel_key(raw_key, scratch);
    if (field.is_null()) continue;
    Result error;
    if (key == "name") {
      error = read_string(field, join_path(path, "name"), tool.name);
    } else if (key == "description") {
      error = read_string(field, join_path(path, "description"), tool.description);
    } else if (key == "parameters" || key == "parametersJsonSchema") {
      if (!field.is_object()) return invalid_value(join_path(path, raw_key), "TYPE_MESSAGE", field);
      tool.parameters =
          key == "parameters" ? openapi_to_json_schema(field) : simdjson::minify(field);
    } else if (key == "response" || key == "responseJsonSchema" || key == "behavior") {
      continue;  // the result schema and blocking behaviour: hints other families cannot use
    } else {
      return unknown_field(raw_key, path);
    }
    if (error) return error;
  }
  if (tool.name.empty()) return invalid_argument(join_path(path, "name"), "* GenerateContentRequest." + path + ".name: Function name cannot be empty.");
  return std::nullopt;
}

constexpr std::string_view kBuiltInTools[] = {
    "googleSearch", "googleSearchRetrieval", "codeExecution", "urlContext", "fileSearch",
    "computerUse",  "googleMaps",            "mcpServers",    "retrieval",  "enterpriseWebSearch",
};

class ToolsDecoder {
 public:
  explicit ToolsDecoder(ir::Request& out) : out_(out) {}

  Result decode(dom::element value) {
    dom::array tools;
    if (auto error = read_array(value, "tools", tools)) return error;
    std::size_t index = 0;
    for (dom::element element : tools) {
      if (auto error = decode_tool(element, index_path("tools", index++))) return error;
    }
    if (!built_in_.empty()) {
      built_in_ += ']';
      out_.extras.push_back(ir::Extra{"tools", std::move(built_in_), false});
    }
    return std::nullopt;
  }

 private:
  Result decode_tool(dom::element value, const std::string& path) {
    dom::object tool;
    if (auto error = read_object(value, path, tool)) return error;
    std::string scratch;
    for (auto [raw_key, field] : tool) {
      const std::string_view key = camel_key(raw_key, scratch);
      if (field.is_null()) continue;
      if (key == "functionDeclarations") {
        if (auto error = decode_declarations(field, join_path(path, "function_declarations"))) {
          return error;
        }
      } else if (std::find(std::begin(kBuiltInTools), std::end(kBuiltInTools), key) !=
                 std::end(kBuiltInTools)) {
        add_built_in(key, field);
      } else {
        return unknown_field(raw_key, path);
      }
    }
    return std::nullopt;
  }

  Result decode_declarations(dom::element value, const std::string& path) {
    dom::array declarations;
    if (auto error = read_array(value, path, declarations)) return error;
    std::size_t index = 0;
    for (dom::element element : declarations) {
      ir::Tool tool;
      if (auto error = decode_function_declaration(element, index_path(path, index++), tool)) {
        return error;
      }
      out_.tools.push_back(std::move(tool));
    }
    return std::nullopt;
  }

  void add_built_in(std::string_view key, dom::element value) {
    built_in_ += built_in_.empty() ? "[{\"" : ",{\"";
    built_in_ += key;  // one of kBuiltInTools: plain ASCII
    built_in_ += "\":";
    built_in_ += simdjson::minify(value);
    built_in_ += '}';
  }

  ir::Request& out_;
  std::string built_in_;  // JSON array text of the built-in tools, unterminated while open
};

Result decode_allowed_names(dom::element value, const std::string& path,
                            std::vector<std::string>& names) {
  dom::array array;
  if (auto error = read_array(value, path, array)) return error;
  std::size_t index = 0;
  for (dom::element element : array) {
    std::string name;
    if (auto error = read_string(element, index_path(path, index++), name)) return error;
    names.push_back(std::move(name));
  }
  return std::nullopt;
}

Result apply_calling_mode(std::string_view mode, const std::vector<std::string>& allowed,
                          const std::string& path, dom::element mode_value, ir::ToolChoice& out) {
  using Mode = ir::ToolChoice::Mode;
  if (mode.empty() || mode == "MODE_UNSPECIFIED" || mode == "AUTO") {
    out.mode = mode == "AUTO" ? Mode::auto_ : Mode::unset;
  } else if (mode == "NONE") {
    out.mode = Mode::none;
  } else if (mode == "ANY") {
    out.mode = allowed.size() == 1 ? Mode::tool : Mode::required;
    if (allowed.size() == 1) out.name = allowed.front();
  } else if (mode == "VALIDATED") {
    return unsupported_feature(join_path(path, "mode"), "functionCallingConfig mode VALIDATED");
  } else {
    return invalid_value(join_path(path, "mode"), "TYPE_ENUM", mode_value);
  }
  if (allowed.size() > 1) {
    return unsupported_feature(join_path(path, "allowed_function_names"),
                               "More than one allowedFunctionNames entry");
  }
  if (!allowed.empty() && mode != "ANY") {
    return invalid_argument(join_path(path, "allowed_function_names"),
                            "allowed_function_names may be set only when the mode is ANY.");
  }
  return std::nullopt;
}

Result decode_function_calling_config(dom::element value, const std::string& path,
                                      ir::ToolChoice& out) {
  dom::object config;
  if (auto error = read_object(value, path, config)) return error;
  std::string scratch;
  std::string mode;
  dom::element mode_value = value;
  std::vector<std::string> allowed;
  for (auto [raw_key, field] : config) {
    const std::string_view key = camel_key(raw_key, scratch);
    if (field.is_null()) continue;
    Result error;
    if (key == "mode") {
      mode_value = field;
      error = read_string(field, join_path(path, "mode"), mode);
    } else if (key == "allowedFunctionNames") {
      error = decode_allowed_names(field, join_path(path, "allowed_function_names"), allowed);
    } else if (key == "streamFunctionCallArguments") {
      continue;  // function calls reach the client whole either way
    } else {
      return unknown_field(raw_key, path);
    }
    if (error) return error;
  }
  return apply_calling_mode(mode, allowed, path, mode_value, out);
}

Result decode_tool_config(dom::element value, ir::Request& out) {
  const std::string path = "tool_config";
  dom::object config;
  if (auto error = read_object(value, path, config)) return error;
  std::string scratch;
  for (auto [raw_key, field] : config) {
    const std::string_view key = camel_key(raw_key, scratch);
    if (field.is_null()) continue;
    if (key == "functionCallingConfig") {
      const std::string config_path = join_path(path, "function_calling_config");
      if (auto error = decode_function_calling_config(field, config_path, out.tool_choice)) {
        return error;
      }
    } else if (key == "retrievalConfig") {
      add_extra(out, "toolConfig.retrievalConfig", field, true);
    } else {
      return unknown_field(raw_key, path);
    }
  }
  return std::nullopt;
}

// --- the top level --------------------------------------------------------------------------

Result decode_field(std::string_view key, std::string_view raw_key, dom::element value,
                    ir::Request& out) {
  if (key == "contents") return decode_contents(value, out);
  if (key == "systemInstruction") return decode_system_instruction(value, out);
  if (key == "generationConfig") return GenerationConfigDecoder(out).decode(value);
  if (key == "tools") return ToolsDecoder(out).decode(value);
  if (key == "toolConfig") return decode_tool_config(value, out);
  if (key == "safetySettings") {
    add_extra(out, "safetySettings", value, true);
    return std::nullopt;
  }
  if (key == "labels") {
    add_extra(out, "labels", value, true);
    return std::nullopt;
  }
  if (key == "cachedContent") {
    add_extra(out, "cachedContent", value, false);
    return std::nullopt;
  }
  if (key == "model") return std::nullopt;  // the URL names the model
  return unknown_field(raw_key, "");
}

}  // namespace

std::optional<ir::Error> decode_request(std::string_view body, std::string_view model, bool stream,
                                        ir::Request& out) {
  out = ir::Request{};
  out.from = ir::Format::gemini;
  out.model = std::string(model);
  out.stream = stream;
  thread_local dom::parser parser;
  const ParserLease lease(parser);
  dom::element root;
  if (reserve_parser(parser, body.size(), kMaxNesting) ||
      parser.parse(body.data(), body.size()).get(root)) {
    return ir::make_error(400, "Invalid JSON payload received. The body is not valid JSON.",
                          "invalid_json");
  }
  dom::object object;
  if (root.get_object().get(object)) {
    return ir::make_error(400, "Invalid JSON payload received. Expected an object.",
                          "invalid_json");
  }
  bool has_contents = false;
  std::string scratch;
  for (auto [raw_key, value] : object) {
    const std::string_view key = camel_key(raw_key, scratch);
    if (value.is_null()) continue;
    has_contents = has_contents || key == "contents";
    if (auto error = decode_field(key, raw_key, value, out)) return error;
  }
  if (!has_contents) {
    return invalid_argument("contents", "* GenerateContentRequest.contents: contents is not specified");
  }
  return std::nullopt;
}

}  // namespace tollgate::api::gemini
