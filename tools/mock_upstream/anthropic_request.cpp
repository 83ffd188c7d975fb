#include "mock_upstream/anthropic_request.hpp"

#include "mock_upstream/json_read.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

namespace tollgate::mock {
namespace {

using namespace json_read;

using ReadError = std::optional<ApiError>;

constexpr int64_t kMinThinkingBudget = 1024;

// Anthropic names a field by its path, e.g. "messages.1.content.0.text: Field required".
ApiError at(std::string_view path, std::string_view problem) {
  return anthropic_invalid(std::string(path) + ": " + std::string(problem));
}

std::string path_of(std::string_view base, std::size_t index) {
  return std::string(base) + "." + std::to_string(index);
}

bool is_supported_image_type(std::string_view media_type) {
  static constexpr std::array<std::string_view, 4> kTypes = {"image/jpeg", "image/png", "image/gif",
                                                             "image/webp"};
  return std::find(kTypes.begin(), kTypes.end(), media_type) != kTypes.end();
}

// Text of a string or of an array of text blocks (system prompts, tool_result contents).
void add_text_blocks(dom::element value, MessageText& text) {
  std::string_view string;
  if (!value.get(string)) {
    text.add(string);
    return;
  }
  dom::array blocks;
  if (value.get(blocks)) return;
  for (dom::element block : blocks) {
    if (!block["text"].get(string)) text.add(string);
  }
}

// One message's content blocks, read with what the previous message left to answer.
struct MessageContent {
  MessageText text;
  uint32_t other_blocks = 0;              // blocks that are not tool results
  std::vector<std::string> tool_use_ids;  // assistant: calls made
  std::vector<std::string> answered_ids;  // user: tool_result ids
  std::vector<std::string> tool_results;  // user: tool_result texts
};

class MessagesReader {
 public:
  explicit MessagesReader(Conversation& conversation) : conversation_(conversation) {}

  ReadError read(dom::element value) {
    dom::array messages;
    if (value.get(messages)) return at("messages", "Input should be a valid list");
    if (messages.size() == 0) return at("messages", "at least one message is required");
    std::size_t index = 0;
    for (dom::element message : messages) {
      if (auto error = read_message(message, index++)) return error;
    }
    return unanswered_calls(index - 1);
  }

 private:
  ReadError read_message(dom::element value, std::size_t index) {
    const std::string path = path_of("messages", index);
    dom::object message;
    if (value.get(message)) return at(path, "Input should be a valid dictionary");
    std::string_view role;
    if (message["role"].get(role)) return at(path + ".role", "Field required");
    if (role != "user" && role != "assistant" && role != "system") {
      return at(path + ".role", "Input should be 'user' or 'assistant'");
    }
    if (role == previous_role_ && role != "system") {
      return anthropic_invalid(
          "messages: roles must alternate between \"user\" and "
          "\"assistant\", but found multiple \"" +
          std::string(role) + "\" roles in a row");
    }
    auto content_value = member(message, "content");
    if (!content_value) return at(path + ".content", "Field required");
    MessageContent content;
    if (auto error = read_content(*content_value, role, path + ".content", content)) return error;
    if (auto error = check_answers(content, index)) return error;

    if (role != "system") previous_role_ = role;
    pending_ids_ = content.tool_use_ids;
    conversation_.earlier_tool_calls += static_cast<uint32_t>(content.tool_use_ids.size());
    conversation_.text_words += content.text.words;
    conversation_.message_units += static_cast<uint32_t>(content.answered_ids.size()) +
                                   (content.other_blocks > 0 || content.answered_ids.empty());
    conversation_.last_text_hash = content.text.hash;
    conversation_.last_is_user = role == "user";
    conversation_.last_text = std::move(content.text.text);
    conversation_.tool_results = std::move(content.tool_results);
    return std::nullopt;
  }

  ReadError read_content(dom::element value, std::string_view role, const std::string& path,
                         MessageContent& content) {
    std::string_view string;
    if (!value.get(string)) {
      content.text.add(string);
      content.other_blocks = 1;
      return std::nullopt;
    }
    dom::array blocks;
    if (value.get(blocks)) return at(path, "Input should be a valid list");
    std::size_t index = 0;
    for (dom::element block : blocks) {
      if (auto error = read_block(block, role, path_of(path, index++), content)) return error;
    }
    return std::nullopt;
  }

  ReadError read_block(dom::element value, std::string_view role, const std::string& path,
                       MessageContent& content) {
    dom::object block;
    if (value.get(block)) return at(path, "Input should be a valid dictionary");
    std::string_view type;
    if (block["type"].get(type)) return at(path + ".type", "Field required");
    if (type != "tool_result") ++content.other_blocks;
    if (type == "text") {
      std::string_view text;
      if (block["text"].get(text)) return at(path + ".text", "Field required");
      content.text.add(text);
    } else if (type == "image") {
      return read_image(block, path);
    } else if (type == "tool_use") {
      return read_tool_use(block, role, path, content);
    } else if (type == "tool_result") {
      return read_tool_result(block, role, path, content);
    } else if (!is_known_block_type(type)) {
      return at(path, "Input tag '" + std::string(type) +
                          "' found using 'type' does not match any of the expected tags");
    }
    return std::nullopt;
  }

  static bool is_known_block_type(std::string_view type) {
    static constexpr std::array<std::string_view, 8> kOthers = {
        "thinking",        "redacted_thinking",      "document",         "search_result",
        "server_tool_use", "web_search_tool_result", "container_upload", "web_fetch_tool_result"};
    return std::find(kOthers.begin(), kOthers.end(), type) != kOthers.end();
  }

  ReadError read_image(dom::object block, const std::string& path) {
    std::string_view source_type;
    if (block["source"]["type"].get(source_type)) return at(path + ".source", "Field required");
    std::string media_type = "unknown";
    if (source_type == "base64") {
      std::string_view declared;
      if (block["source"]["media_type"].get(declared) || !is_supported_image_type(declared)) {
        return at(path + ".source.base64.media_type",
                  "Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'");
      }
      media_type = declared;
    } else if (source_type == "url") {
      std::string_view url;
      if (block["source"]["url"].get(url)) return at(path + ".source.url", "Field required");
      media_type = image_media_type_of_url(url);
    }
    conversation_.image_media_types.push_back(std::move(media_type));
    return std::nullopt;
  }

  ReadError read_tool_use(dom::object block, std::string_view role, const std::string& path,
                          MessageContent& content) {
    if (role != "assistant") {
      return at(path, "tool_use blocks can only be used in assistant messages");
    }
    std::string_view id;
    std::string_view name;
    if (block["id"].get(id)) return at(path + ".id", "Field required");
    if (block["name"].get(name)) return at(path + ".name", "Field required");
    if (!block["input"].is_object())
      return at(path + ".input", "Input should be a valid dictionary");
    content.tool_use_ids.emplace_back(id);
    return std::nullopt;
  }

  ReadError read_tool_result(dom::object block, std::string_view role, const std::string& path,
                             MessageContent& content) {
    if (role != "user") return at(path, "tool_result blocks can only be used in user messages");
    std::string_view id;
    if (block["tool_use_id"].get(id)) return at(path + ".tool_use_id", "Field required");
    if (std::find(pending_ids_.begin(), pending_ids_.end(), id) == pending_ids_.end()) {
      return anthropic_invalid(
          path + ": unexpected `tool_use_id` found in `tool_result` blocks: " + std::string(id) +
          ". Each `tool_result` block must have a corresponding `tool_use` "
          "block in the previous message.");
    }
    content.answered_ids.emplace_back(id);
    MessageText result;
    if (auto value = member(block, "content")) {
      add_text_blocks(*value, result);
      count_result_images(*value);
    }
    content.text.words += result.words;
    content.tool_results.push_back(std::move(result.text));
    return std::nullopt;
  }

  void count_result_images(dom::element value) {
    dom::array blocks;
    if (value.get(blocks)) return;
    for (dom::element block : blocks) {
      if (string_or(block["type"]) != "image") continue;
      conversation_.image_media_types.emplace_back(
          string_or(block["source"]["media_type"], "unknown"));
    }
  }

  // The previous assistant message's tool_use ids must all be answered in this message.
  ReadError check_answers(const MessageContent& content, std::size_t index) const {
    std::string missing;
    for (const auto& id : pending_ids_) {
      if (std::find(content.answered_ids.begin(), content.answered_ids.end(), id) ==
          content.answered_ids.end()) {
        missing.append(missing.empty() ? "" : ", ").append(id);
      }
    }
    if (missing.empty()) return std::nullopt;
    return unanswered(missing, path_of("messages", index - 1));
  }

  static ApiError unanswered(const std::string& ids, const std::string& path) {
    return anthropic_invalid(path +
                             ": `tool_use` ids were found without `tool_result` blocks "
                             "immediately after: " +
                             ids +
                             ". Each `tool_use` block must have a corresponding `tool_result` "
                             "block in the next message.");
  }

  // After the last message: its tool calls can never be answered.
  ReadError unanswered_calls(std::size_t last_index) const {
    if (pending_ids_.empty()) return std::nullopt;
    std::string ids;
    for (const auto& id : pending_ids_) ids.append(ids.empty() ? "" : ", ").append(id);
    return unanswered(ids, path_of("messages", last_index));
  }

  Conversation& conversation_;
  std::string_view previous_role_;
  std::vector<std::string> pending_ids_;  // tool_use ids of the previous message
};

ReadError read_system(dom::element value, Conversation& conversation) {
  if (!value.is_string() && !value.is_array()) {
    return at("system", "Input should be a valid string or a valid list");
  }
  MessageText text;
  add_text_blocks(value, text);
  conversation.text_words += text.words;
  conversation.message_units += 1;
  return std::nullopt;
}

ReadError read_tools(dom::element value, Conversation& conversation) {
  dom::array tools;
  if (value.get(tools)) return at("tools", "Input should be a valid list");
  std::size_t index = 0;
  for (dom::element tool : tools) {
    const std::string path = path_of("tools", index++);
    if (string_or(tool["type"], "custom") != "custom")
      continue;  // server tools (web search, ...) are not called by the mock
    std::string_view name;
    if (tool["name"].get(name)) return at(path + ".name", "Field required");
    dom::element schema;
    if (tool["input_schema"].get(schema) || !schema.is_object()) {
      return at(path + ".input_schema", "Field required");
    }
    conversation.tools.push_back({std::string(name), minified(schema)});
  }
  return std::nullopt;
}

// {"type":"auto"|"any"|"none"} or {"type":"tool","name":...}.
void read_tool_choice(dom::element value, Conversation& conversation) {
  std::string_view type;
  if (value["type"].get(type)) return;
  if (type == "none") conversation.tool_choice = ToolChoice::none;
  std::string_view name;
  if (type == "tool" && !value["name"].get(name)) {
    conversation.tool_choice = ToolChoice::named;
    conversation.chosen_tool = name;
  }
}

ReadError check_thinking(dom::element value, int64_t max_tokens) {
  std::string_view type;
  if (value["type"].get(type) || type != "enabled") return std::nullopt;
  int64_t budget = 0;
  if (value["budget_tokens"].get(budget)) {
    return at("thinking.enabled.budget_tokens", "Field required");
  }
  if (budget < kMinThinkingBudget) {
    return at("thinking.enabled.budget_tokens", "Input should be greater than or equal to 1024");
  }
  if (budget >= max_tokens) {
    return anthropic_invalid(
        "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
        "documentation at https://docs.claude.com/en/docs/build-with-claude/"
        "extended-thinking#max-tokens-and-context-window-size");
  }
  return std::nullopt;
}

// output_config.format (or the older output_format): {"type":"json_schema","schema":{...}}.
void read_output_format(dom::object root, Conversation& conversation) {
  dom::element format;
  if (root["output_config"]["format"].get(format) && root["output_format"].get(format)) return;
  std::string_view type;
  if (format["type"].get(type) || type != "json_schema") return;
  dom::element schema;
  const bool has_schema = !format["schema"].get(schema) && schema.is_object();
  conversation.output_schema = has_schema ? minified(schema) : "";
}

ReadError read_max_tokens(dom::object root, Conversation& conversation) {
  auto value = member(root, "max_tokens");
  if (!value) return at("max_tokens", "Field required");
  int64_t max_tokens = 0;
  if (value->get(max_tokens)) return at("max_tokens", "Input should be a valid integer");
  if (max_tokens < 1) return at("max_tokens", "Input should be greater than or equal to 1");
  conversation.max_tokens = max_tokens;
  return std::nullopt;
}

ReadError read_request(dom::object root, Conversation& conversation) {
  std::string_view model;
  if (root["model"].get(model) || model.empty()) return at("model", "Field required");
  conversation.model = model;
  if (auto error = read_max_tokens(root, conversation)) return error;
  if (auto stream = member(root, "stream"); !absent(stream) && stream->get(conversation.stream)) {
    return at("stream", "Input should be a valid boolean");
  }
  if (auto system = member(root, "system"); !absent(system)) {
    if (auto error = read_system(*system, conversation)) return error;
  }
  if (auto tools = member(root, "tools"); !absent(tools)) {
    if (auto error = read_tools(*tools, conversation)) return error;
  }
  if (auto choice = member(root, "tool_choice")) read_tool_choice(*choice, conversation);
  if (auto thinking = member(root, "thinking")) {
    if (auto error = check_thinking(*thinking, *conversation.max_tokens)) return error;
  }
  read_output_format(root, conversation);
  auto messages = member(root, "messages");
  if (!messages) return at("messages", "Field required");
  return MessagesReader(conversation).read(*messages);
}

}  // namespace

boost::system::result<Conversation, ApiError> parse_anthropic_messages(std::string& body) {
  auto root_value = parse_body(body);
  if (!root_value)
    return anthropic_invalid("There was an error parsing the body of your request as JSON.");
  dom::object root;
  if (root_value->get(root)) return anthropic_invalid("Request body: Input should be an object");
  Conversation conversation;
  if (auto error = read_request(root, conversation)) return *error;
  return conversation;
}

}  // namespace tollgate::mock
