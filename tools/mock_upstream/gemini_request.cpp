#include "mock_upstream/gemini_request.hpp"

#include "mock_upstream/json_read.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace tollgate::mock {
namespace {

using namespace json_read;

using ReadError = std::optional<ApiError>;

constexpr std::string_view kModelsPrefixes[] = {"/v1beta/models/", "/v1/models/"};

// Gemini prefixes field problems with "* GenerateContentRequest.<path>: ".
ApiError at(std::string_view path, std::string_view problem) {
  return gemini_invalid("* GenerateContentRequest." + std::string(path) + ": " +
                        std::string(problem) + "\n");
}

std::string path_of(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

// "models/{model}:method" → {model, method}.
std::pair<std::string_view, std::string_view> split_model_path(std::string_view path) {
  for (std::string_view prefix : kModelsPrefixes) {
    if (path.substr(0, prefix.size()) != prefix) continue;
    const std::string_view rest = path.substr(prefix.size());
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return {};
    return {rest.substr(0, colon), rest.substr(colon + 1)};
  }
  return {};
}

// What a functionResponse says, as text: its "content", "result" or "output" string, else its
// only string member, else the response as minified JSON.
std::string function_response_text(dom::element response) {
  dom::object object;
  if (response.get(object)) return minified(response);
  std::string_view text;
  for (const char* key : {"content", "result", "output"}) {
    if (!object[key].get(text)) return std::string(text);
  }
  if (object.size() == 1 && !(*object.begin()).value.get(text)) return std::string(text);
  return minified(response);
}

// One content's parts, read with the function calls of the content before it.
struct ContentParts {
  MessageText text;
  uint32_t other_parts = 0;            // parts that are not function responses
  std::vector<std::string> calls;      // functionCall names
  std::vector<std::string> responses;  // functionResponse names
  std::vector<std::string> response_texts;
};

class ContentsReader {
 public:
  explicit ContentsReader(Conversation& conversation) : conversation_(conversation) {}

  ReadError read(std::optional<dom::element> value) {
    dom::array contents;
    if (!value || value->get(contents) || contents.size() == 0) {
      return at("contents", "contents is not specified");
    }
    std::size_t index = 0;
    for (dom::element content : contents) {
      if (auto error = read_content(content, path_of("contents", index++))) return error;
    }
    return std::nullopt;
  }

 private:
  ReadError read_content(dom::element value, const std::string& path) {
    std::string_view role = "user";
    if (auto role_value = member(value, "role"); !absent(role_value) && role_value->get(role)) {
      return at(path + ".role", "Invalid value (TYPE_STRING)");
    }
    if (role.empty()) role = "user";
    if (role != "user" && role != "model" && role != "function") {
      return gemini_invalid("Please use a valid role: user, model.");
    }
    dom::array parts;
    if (value["parts"].get(parts) || parts.size() == 0) {
      return at(path + ".parts", "contents.parts must not be empty.");
    }
    ContentParts content;
    std::size_t index = 0;
    for (dom::element part : parts) {
      if (auto error = read_part(part, path_of(path + ".parts", index++), content)) return error;
    }
    if (auto error = check_responses(content)) return error;

    previous_calls_ = content.calls;
    conversation_.text_words += content.text.words;
    conversation_.message_units += static_cast<uint32_t>(content.responses.size()) +
                                   (content.other_parts > 0 || content.responses.empty());
    conversation_.last_text_hash = content.text.hash;
    conversation_.last_is_user = role != "model";
    conversation_.last_text = std::move(content.text.text);
    conversation_.tool_results = std::move(content.response_texts);
    return std::nullopt;
  }

  ReadError read_part(dom::element part, const std::string& path, ContentParts& content) {
    if (!part.is_object()) return at(path, "Invalid value (TYPE_MESSAGE)");
    if (auto response = member(part, "functionResponse", "function_response")) {
      return read_function_response(*response, path, content);
    }
    ++content.other_parts;
    if (auto text = member(part, "text")) return read_text(part, *text, path, content);
    if (auto data = member(part, "inlineData", "inline_data"))
      return read_media(*data, path, false);
    if (auto data = member(part, "fileData", "file_data")) return read_media(*data, path, true);
    if (auto call = member(part, "functionCall", "function_call")) {
      std::string_view name = string_member(member(*call, "name"));
      if (name.empty()) return at(path + ".function_call.name", "Name is required.");
      content.calls.emplace_back(name);
      return std::nullopt;
    }
    for (const char* other :
         {"executableCode", "executable_code", "codeExecutionResult", "code_execution_result"}) {
      if (member(part, other)) return std::nullopt;
    }
    return at(path + ".data", "required oneof field 'data' must have one initialized field");
  }

  static ReadError read_text(dom::element part, dom::element value, const std::string& path,
                             ContentParts& content) {
    std::string_view text;
    if (value.get(text)) return at(path + ".text", "Invalid value (TYPE_STRING)");
    bool thought = false;
    if (part["thought"].get(thought) || !thought)
      content.text.add(text);  // thought summaries are not prompt text
    return std::nullopt;
  }

  ReadError read_media(dom::element data, const std::string& path, bool file) {
    const std::string_view mime_type = string_member(member(data, "mimeType", "mime_type"));
    const std::string_view location =
        string_member(file ? member(data, "fileUri", "file_uri") : member(data, "data"));
    if (location.empty()) {
      return at(path + (file ? ".file_data.file_uri" : ".inline_data.data"), "Field required");
    }
    std::string media_type(mime_type);
    if (media_type.empty() && file) media_type = image_media_type_of_url(location);
    if (media_type.rfind("image/", 0) == 0) conversation_.image_media_types.push_back(media_type);
    return std::nullopt;
  }

  ReadError read_function_response(dom::element data, const std::string& path,
                                   ContentParts& content) {
    const std::string_view name = string_member(member(data, "name"));
    if (name.empty()) return at(path + ".function_response.name", "Name is required.");
    const auto& tools = conversation_.tools;
    if (std::none_of(tools.begin(), tools.end(), [&](const auto& t) { return t.name == name; })) {
      return at(path + ".function_response.name", "function response name '" + std::string(name) +
                                                      "' does not match any declared function.");
    }
    if (std::find(previous_calls_.begin(), previous_calls_.end(), name) == previous_calls_.end()) {
      return gemini_invalid(
          "Please ensure that function response turn comes immediately after a function call "
          "turn, and names a function that turn called ('" +
          std::string(name) + "').");
    }
    content.responses.emplace_back(name);
    std::string text;
    if (auto response = member(data, "response")) text = function_response_text(*response);
    content.text.words += count_words(text);
    content.response_texts.push_back(std::move(text));
    return std::nullopt;
  }

  // A function call turn must be answered by as many function responses as it made calls.
  ReadError check_responses(const ContentParts& content) const {
    if (previous_calls_.empty() && content.responses.empty()) return std::nullopt;
    if (content.responses.size() == previous_calls_.size()) return std::nullopt;
    return gemini_invalid(
        "Please ensure that the number of function response parts is equal to the number of "
        "function call parts of the function call turn.");
  }

  Conversation& conversation_;
  std::vector<std::string> previous_calls_;
};

void read_system_instruction(dom::object root, Conversation& conversation) {
  auto instruction = member(root, "systemInstruction", "system_instruction");
  dom::array parts;
  if (absent(instruction) || (*instruction)["parts"].get(parts)) return;
  MessageText text;
  for (dom::element part : parts) {
    std::string_view string;
    if (!part["text"].get(string)) text.add(string);
  }
  conversation.text_words += text.words;
  conversation.message_units += 1;
}

ReadError read_tools(dom::object root, Conversation& conversation) {
  auto tools_value = member(root, "tools");
  if (absent(tools_value)) return std::nullopt;
  dom::array tools;
  if (tools_value->get(tools)) return at("tools", "Invalid value (TYPE_MESSAGE)");
  for (dom::element tool : tools) {
    auto declarations_value = member(tool, "functionDeclarations", "function_declarations");
    dom::array declarations;
    if (absent(declarations_value) || declarations_value->get(declarations)) continue;
    for (dom::element declaration : declarations) {
      std::string_view name;
      if (declaration["name"].get(name) || name.empty()) {
        return at("tools[0].function_declarations[0].name", "Name is required.");
      }
      ToolDeclaration tool_declaration{std::string(name), {}};
      for (auto schema : {member(declaration, "parametersJsonSchema", "parameters_json_schema"),
                          member(declaration, "parameters")}) {
        if (schema && schema->is_object()) {
          tool_declaration.schema = minified(*schema);
          break;
        }
      }
      conversation.tools.push_back(std::move(tool_declaration));
    }
  }
  return std::nullopt;
}

// toolConfig.functionCallingConfig: mode NONE, or ANY with one allowed function.
void read_tool_config(dom::object root, Conversation& conversation) {
  auto tool_config = member(root, "toolConfig", "tool_config");
  if (absent(tool_config)) return;
  auto config = member(*tool_config, "functionCallingConfig", "function_calling_config");
  std::string_view mode;
  if (absent(config) || (*config)["mode"].get(mode)) return;
  if (mode == "NONE") conversation.tool_choice = ToolChoice::none;
  dom::array allowed;
  auto allowed_value = member(*config, "allowedFunctionNames", "allowed_function_names");
  std::string_view name;
  if (mode == "ANY" && allowed_value && !allowed_value->get(allowed) && allowed.size() == 1 &&
      !allowed.at(0).get(name)) {
    conversation.tool_choice = ToolChoice::named;
    conversation.chosen_tool = name;
  }
}

ReadError read_generation_config(dom::object root, Conversation& conversation) {
  auto config = member(root, "generationConfig", "generation_config");
  if (absent(config)) return std::nullopt;
  if (auto max = member(*config, "maxOutputTokens", "max_output_tokens"); !absent(max)) {
    int64_t tokens = 0;
    if (max->get(tokens) || tokens < 1) {
      return gemini_invalid(
          "Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), " + minified(*max));
    }
    conversation.max_tokens = tokens;
  }
  std::string_view mime_type;
  auto mime = member(*config, "responseMimeType", "response_mime_type");
  if (absent(mime) || mime->get(mime_type) || mime_type != "application/json") return std::nullopt;
  conversation.output_schema = "";
  for (auto schema : {member(*config, "responseJsonSchema", "response_json_schema"),
                      member(*config, "responseSchema", "response_schema")}) {
    if (schema && schema->is_object()) {
      conversation.output_schema = minified(*schema);
      break;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<GeminiMethod> gemini_method(std::string_view path) {
  const auto method = split_model_path(path).second;
  if (method == "generateContent") return GeminiMethod::generate;
  if (method == "streamGenerateContent") return GeminiMethod::stream;
  return std::nullopt;
}

std::string_view query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

boost::system::result<Conversation, ApiError> parse_gemini_request(net::HttpRequest& request) {
  const auto [model, method] = split_model_path(request.path());
  Conversation conversation;
  conversation.model = model;
  conversation.stream = method == "streamGenerateContent";
  conversation.json_array_stream =
      conversation.stream && query_param(request.query(), "alt") != "sse";

  auto root_value = parse_body(request.body);
  if (!root_value) {
    return gemini_invalid("Invalid JSON payload received. Unexpected token.");
  }
  dom::object root;
  if (root_value->get(root)) {
    return gemini_invalid("Invalid JSON payload received. Expected an object.");
  }
  read_system_instruction(root, conversation);
  if (auto error = read_tools(root, conversation)) return *error;
  read_tool_config(root, conversation);
  if (auto error = read_generation_config(root, conversation)) return *error;
  if (auto error = ContentsReader(conversation).read(member(root, "contents"))) return *error;
  return conversation;
}

}  // namespace tollgate::mock
