#include "mock_upstream/openai_request.hpp"

#include "mock_upstream/json_read.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

namespace tollgate::mock {
namespace {

using namespace json_read;

// A read step: nothing when it went well, else the 400 to send.
using ReadError = std::optional<ApiError>;

ApiError invalid_json() {
  return invalid_request(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
      "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
      "sent was not valid JSON.)");
}

ApiError wrong_type(std::string_view param, std::string_view expected) {
  return invalid_request(
      "Invalid type for '" + std::string(param) + "': expected " + std::string(expected) + ".",
      param, "invalid_type");
}

ApiError missing_parameter(std::string message, std::string_view param) {
  return invalid_request(std::move(message), param, "missing_required_parameter");
}

// A boolean or null (= false).
ReadError read_flag(std::optional<dom::element> value, std::string_view param, bool& flag) {
  if (absent(value)) return std::nullopt;
  if (value->get(flag)) return wrong_type(param, "a boolean");
  return std::nullopt;
}

// max_tokens or max_completion_tokens; null means absent.
ReadError read_token_limit(std::optional<dom::element> value, std::string_view param,
                           std::optional<int64_t>& limit) {
  if (absent(value)) return std::nullopt;
  int64_t tokens = 0;
  if (value->get(tokens)) return wrong_type(param, "an integer");
  if (tokens < 1) {
    return invalid_request("Invalid '" + std::string(param) +
                               "': integer below minimum value. Expected a value >= 1, but got " +
                               std::to_string(tokens) + " instead.",
                           param, "integer_below_min_value");
  }
  limit = tokens;
  return std::nullopt;
}

// Reads the messages in order, keeping the state the tool-message rules need.
class MessagesReader {
 public:
  explicit MessagesReader(Conversation& conversation) : conversation_(conversation) {}

  ReadError read(dom::element messages_value) {
    dom::array messages;
    if (messages_value.get(messages)) return wrong_type("messages", "an array");
    if (messages.size() == 0) {
      return invalid_request(
          "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
          "empty array instead.",
          "messages", "empty_array");
    }
    std::size_t index = 0;
    for (dom::element message : messages) {
      if (auto error = read_message(message, index++)) return error;
    }
    return unanswered_calls();
  }

 private:
  ReadError read_message(dom::element message_value, std::size_t index) {
    dom::object message;
    if (message_value.get(message)) return wrong_type("messages", "an array of objects");
    std::string_view role = "user";
    if (auto value = member(message, "role"); !absent(value) && value->get(role)) {
      return wrong_type("messages.role", "a string");
    }
    if (role != "tool") {
      if (auto error = unanswered_calls()) return error;
      tool_results_.clear();
    }
    MessageText text;
    if (auto value = member(message, "content")) {
      if (auto error = read_content(*value, text)) return error;
    }
    if (role == "assistant") {
      if (auto error = read_tool_calls(message)) return error;
    } else if (role == "tool") {
      if (auto error = answer_call(message, index)) return error;
      tool_results_.push_back(text.text);
    } else {
      answerable_ids_.clear();
    }
    conversation_.text_words += text.words;
    conversation_.message_units += 1;
    conversation_.last_text_hash = text.hash;
    conversation_.last_is_user = role != "assistant";
    conversation_.last_text = std::move(text.text);
    conversation_.tool_results = tool_results_;
    return std::nullopt;
  }

  ReadError read_content(dom::element content, MessageText& text) {
    if (content.is_null()) return std::nullopt;
    std::string_view string;
    if (!content.get(string)) {
      text.add(string);
      return std::nullopt;
    }
    dom::array parts;
    if (content.get(parts)) {
      return wrong_type("messages.content", "a string, an array of parts or null");
    }
    for (dom::element part_value : parts) {
      dom::object part;
      if (part_value.get(part)) {
        return wrong_type("messages.content", "an array of content part objects");
      }
      if (auto value = member(part, "text")) {
        std::string_view part_text;
        if (value->get(part_text)) return wrong_type("messages.content.text", "a string");
        text.add(part_text);
      }
      if (auto error = read_image(part)) return error;
    }
    return std::nullopt;
  }

  // {"type":"image_url","image_url":{"url":...}} (or "image_url": "<url>").
  ReadError read_image(dom::object part) {
    std::string_view type;
    if (part["type"].get(type) || type != "image_url") return std::nullopt;
    auto image = member(part, "image_url");
    std::string_view url;
    if (image) {
      url = image->is_object() ? string_or((*image)["url"]) : string_member(image);
    }
    if (url.empty()) {
      return missing_parameter("Missing required parameter: 'messages.content.image_url.url'.",
                               "messages.content.image_url.url");
    }
    conversation_.image_media_types.push_back(image_media_type_of_url(url));
    return std::nullopt;
  }

  ReadError read_tool_calls(dom::object message) {
    answerable_ids_.clear();
    pending_ids_.clear();
    auto value = member(message, "tool_calls");
    if (absent(value)) return std::nullopt;
    dom::array calls;
    if (value->get(calls)) return wrong_type("messages.tool_calls", "an array");
    for (dom::element call : calls) {
      std::string_view id;
      if (call["id"].get(id)) {
        return missing_parameter("Missing required parameter: 'messages.tool_calls.id'.",
                                 "messages.tool_calls.id");
      }
      std::string_view name;
      if (call["function"]["name"].get(name)) {
        return missing_parameter("Missing required parameter: 'messages.tool_calls.function.name'.",
                                 "messages.tool_calls.function.name");
      }
      answerable_ids_.emplace_back(id);
      pending_ids_.emplace_back(id);
      conversation_.earlier_tool_calls += 1;
    }
    return std::nullopt;
  }

  ReadError answer_call(dom::object message, std::size_t index) {
    std::string_view id;
    if (message["tool_call_id"].get(id)) {
      return missing_parameter(
          "Missing parameter 'tool_call_id': messages with role 'tool' must "
          "have a 'tool_call_id' (messages[" +
              std::to_string(index) + "]).",
          "messages.tool_call_id");
    }
    if (answerable_ids_.empty()) {
      return invalid_request(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
          "message with 'tool_calls'.",
          "messages.role");
    }
    if (std::find(answerable_ids_.begin(), answerable_ids_.end(), id) == answerable_ids_.end()) {
      return invalid_request("Invalid parameter: 'tool_call_id' of '" + std::string(id) +
                                 "' not found in 'tool_calls' of previous message.",
                             "messages.tool_call_id");
    }
    std::erase(pending_ids_, id);
    return std::nullopt;
  }

  // An assistant message's tool calls must all be answered before the next other message.
  ReadError unanswered_calls() const {
    if (pending_ids_.empty()) return std::nullopt;
    std::string ids;
    for (const auto& id : pending_ids_) ids.append(ids.empty() ? "" : ", ").append(id);
    return invalid_request(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to "
        "each 'tool_call_id'. The following tool_call_ids did not have response messages: " +
            ids,
        "messages.[].role");
  }

  Conversation& conversation_;
  std::vector<std::string> answerable_ids_;  // tool calls of the last assistant message
  std::vector<std::string> pending_ids_;     // ... not answered yet
  std::vector<std::string> tool_results_;    // tool messages since the last other message
};

ReadError read_tools(dom::element value, Conversation& conversation) {
  if (value.is_null()) return std::nullopt;
  dom::array tools;
  if (value.get(tools)) return wrong_type("tools", "an array");
  std::size_t index = 0;
  for (dom::element tool : tools) {
    const std::string where = "tools[" + std::to_string(index++) + "].function.name";
    std::string_view type = "function";
    if (tool["type"].get(type) == simdjson::INCORRECT_TYPE)
      return wrong_type("tools.type", "a string");
    if (type != "function") continue;  // custom tools: not something the mock calls
    std::string_view name;
    if (tool["function"]["name"].get(name) || name.empty()) {
      return missing_parameter("Missing required parameter: '" + where + "'.",
                               "tools.function.name");
    }
    ToolDeclaration declaration{std::string(name), {}};
    dom::element parameters;
    if (!tool["function"]["parameters"].get(parameters) && parameters.is_object()) {
      declaration.schema = minified(parameters);
    }
    conversation.tools.push_back(std::move(declaration));
  }
  return std::nullopt;
}

// "none" | "auto" | "required" | {"type":"function","function":{"name"}}.
ReadError read_tool_choice(dom::element value, Conversation& conversation) {
  std::string_view mode;
  if (!value.get(mode)) {
    if (mode == "none") conversation.tool_choice = ToolChoice::none;
    return std::nullopt;
  }
  std::string_view name;
  if (!value["function"]["name"].get(name)) {
    conversation.tool_choice = ToolChoice::named;
    conversation.chosen_tool = name;
    return std::nullopt;
  }
  if (value.is_null()) return std::nullopt;
  return wrong_type("tool_choice", "a string or an object");
}

// {"type":"json_schema","json_schema":{"schema":{...}}} | {"type":"json_object"} | {"type":"text"}.
ReadError read_response_format(dom::element value, Conversation& conversation) {
  if (value.is_null()) return std::nullopt;
  std::string_view type;
  if (value["type"].get(type)) {
    return missing_parameter("Missing required parameter: 'response_format.type'.",
                             "response_format.type");
  }
  if (type == "json_object") conversation.output_schema = "";
  if (type != "json_schema") return std::nullopt;
  dom::element schema;
  const bool has_schema = !value["json_schema"]["schema"].get(schema) && schema.is_object();
  conversation.output_schema = has_schema ? minified(schema) : "";
  return std::nullopt;
}

ReadError read_top_level(dom::object root, Conversation& conversation) {
  for (auto [key, value] : root) {
    ReadError error;
    if (key == "model") {
      std::string_view model;
      if (value.get(model)) return wrong_type("model", "a string");
      conversation.model.assign(model);
    } else if (key == "stream") {
      error = read_flag(value, "stream", conversation.stream);
    } else if (key == "stream_options" && !value.is_null()) {
      dom::object options;
      if (value.get(options)) return wrong_type("stream_options", "an object");
      error = read_flag(member(options, "include_usage"), "stream_options.include_usage",
                        conversation.stream_usage);
    } else if (key == "tools") {
      error = read_tools(value, conversation);
    } else if (key == "tool_choice") {
      error = read_tool_choice(value, conversation);
    } else if (key == "response_format") {
      error = read_response_format(value, conversation);
    }
    if (error) return error;
  }
  return std::nullopt;
}

}  // namespace

boost::system::result<Conversation, ApiError> parse_openai_chat(std::string& body) {
  auto root_value = parse_body(body);
  if (!root_value) return invalid_json();
  dom::object root;
  if (root_value->get(root))
    return invalid_request("Invalid request body: expected a JSON object.");

  Conversation conversation;
  if (auto error = read_top_level(root, conversation)) return *error;
  std::optional<int64_t> max_tokens;
  std::optional<int64_t> max_completion_tokens;
  if (auto error = read_token_limit(member(root, "max_tokens"), "max_tokens", max_tokens)) {
    return *error;
  }
  if (auto error = read_token_limit(member(root, "max_completion_tokens"), "max_completion_tokens",
                                    max_completion_tokens)) {
    return *error;
  }
  auto messages = member(root, "messages");
  if (messages) {
    if (auto error = MessagesReader(conversation).read(*messages)) return *error;
  }
  if (conversation.model.empty()) {
    return invalid_request("you must provide a model parameter", "model");
  }
  if (!messages) {
    return missing_parameter("Missing required parameter: 'messages'.", "messages");
  }
  conversation.max_tokens = max_completion_tokens ? max_completion_tokens : max_tokens;
  return conversation;
}

}  // namespace tollgate::mock
