// decode_request: an OpenAI chat completions body → ir::Request. Walks the body with simdjson's
// DOM; every field either maps onto the IR, travels as an ir::Extra (with the droppability
// docs/translation/openai.md gives it), or is rejected with a 400 naming it.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/openai/chat_ir.hpp"

namespace tollgate::api::openai {
namespace {

namespace dom = simdjson::dom;

// A value echoed back in an error message is cut to this many bytes (as in chat_request.cpp).
constexpr std::size_t kMaxEchoedBytes = 64;

std::string echo(std::string_view value) {
  if (value.size() <= kMaxEchoedBytes) return std::string(value);
  return std::string(value.substr(0, kMaxEchoedBytes)) + "...";
}

std::size_t count_characters(std::string_view utf8) {
  return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // skip continuation bytes
  }));
}

// How OpenAI names a JSON type in "expected X, but got Y instead".
std::string_view describe_type(dom::element value) {
  switch (value.type()) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
    case dom::element_type::DOUBLE:
      return "a decimal";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
      return "an integer";
  }
  return "an invalid value";
}

std::string member_path(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (!path.empty()) path += '.';
  path += key;
  return path;
}

std::string index_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

// "data:image/png;base64,AAAA" → media type and base64 payload. False when `url` is not a
// base64 data URL (plain-text data URLs would have to be re-encoded; no client sends them).
bool split_data_url(std::string_view url, std::string& media_type, std::string& data) {
  constexpr std::string_view kScheme = "data:";
  constexpr std::string_view kBase64 = ";base64";
  if (url.substr(0, kScheme.size()) != kScheme) return false;
  const std::size_t comma = url.find(',');
  if (comma == std::string_view::npos) return false;
  const std::string_view header = url.substr(kScheme.size(), comma - kScheme.size());
  if (header.size() < kBase64.size() || header.substr(header.size() - kBase64.size()) != kBase64) {
    return false;
  }
  media_type.assign(header.substr(0, header.find(';')));
  data.assign(url.substr(comma + 1));
  return true;
}

ir::Message message_of(ir::Role role) {
  ir::Message message;
  message.role = role;
  return message;
}

ir::Part part_of(ir::Part::Kind kind) {
  ir::Part part;
  part.kind = kind;
  return part;
}

bool is_data_url(std::string_view url) {
  return url.substr(0, 5) == "data:";
}

std::string audio_media_type(std::string_view format) {
  return "audio/" + std::string(format);  // "wav" → audio/wav, "mp3" → audio/mp3
}

// Fields with no IR counterpart. Droppable ones are hints an upstream of another family may
// ignore without changing the answer; the others change what the client gets back.
bool is_droppable_extra(std::string_view key) {
  return key == "store" || key == "metadata" || key == "service_tier" ||
         key == "safety_identifier" || key == "prompt_cache_key" ||
         key == "prompt_cache_retention" || key == "verbosity";
}

class ChatRequestDecoder {
 public:
  explicit ChatRequestDecoder(ir::Request& out) : out_(out) {}

  std::optional<ir::Error> decode(std::string_view body);

 private:
  bool fail(std::string message, std::string param, std::string code) {
    error_ = ir::make_error(400, std::move(message), std::move(code), std::move(param));
    return false;
  }
  bool fail_type(const std::string& param, std::string_view expected, dom::element value) {
    return fail("Invalid type for '" + param + "': expected " + std::string(expected) +
                    ", but got " + std::string(describe_type(value)) + " instead.",
                param, "invalid_type");
  }
  bool fail_missing(const std::string& param) {
    return fail("Missing required parameter: '" + param + "'.", param,
                "missing_required_parameter");
  }
  bool fail_value(std::string_view value, const std::string& param, std::string_view allowed) {
    return fail(
        "Invalid value: '" + echo(value) + "'. Supported values are: " + std::string(allowed) + ".",
        param, "invalid_value");
  }
  bool fail_unsupported(const std::string& param, std::string_view what) {
    return fail(std::string(what) + " is not supported by this model.", param,
                "unsupported_parameter");
  }

  bool read_field(std::string_view key, dom::element value);
  bool read_messages(dom::element value);
  bool read_message(dom::element value, const std::string& param);
  bool read_system_message(dom::object message, const std::string& param);
  bool read_user_message(dom::object message, const std::string& param);
  bool read_assistant_message(dom::object message, const std::string& param);
  bool read_tool_message(dom::object message, const std::string& param);
  bool read_text_content(dom::element content, const std::string& param,
                         std::vector<ir::Part>& parts, bool allow_refusal = false);
  bool read_user_part(dom::element value, const std::string& param, std::vector<ir::Part>& parts);
  bool read_image_part(dom::object part, const std::string& param, ir::Part& out);
  bool read_audio_part(dom::object part, const std::string& param, ir::Part& out);
  bool read_file_part(dom::object part, const std::string& param, ir::Part& out);
  bool read_tool_calls(dom::element value, const std::string& param, ir::Message& message);
  bool read_tools(dom::element value);
  bool read_tool(dom::object tool, const std::string& param);
  bool read_tool_choice(dom::element value);
  bool read_response_format(dom::element value);
  bool read_reasoning_effort(dom::element value);
  bool read_stop(dom::element value);
  bool read_stream_options(dom::element value);
  bool read_n(dom::element value);

  bool read_object(dom::element value, const std::string& param, dom::object& out);
  bool read_string(dom::element value, const std::string& param, std::string_view& out);
  bool read_optional_string(dom::object object, std::string_view key, const std::string& parent,
                            std::string& out);
  bool read_required_string(dom::object object, std::string_view key, const std::string& parent,
                            std::string_view& out);
  bool read_optional_bool(dom::element value, const std::string& param, std::optional<bool>& out);
  bool read_optional_number(dom::element value, const std::string& param,
                            std::optional<double>& out);
  bool read_optional_integer(dom::element value, const std::string& param,
                             std::optional<std::int64_t>& out);
  bool read_token_limit(dom::element value, const std::string& param,
                        std::optional<std::int64_t>& out);

  void add_extra(std::string_view key, dom::element value, bool droppable) {
    out_.extras.push_back({std::string(key), simdjson::minify(value), droppable});
  }
  void add_text(std::string_view text, std::vector<ir::Part>& parts) {
    out_.prompt_chars += count_characters(text);
    parts.push_back(ir::Part::make_text(std::string(text)));
  }
  std::string tool_name_for(std::string_view call_id) const;

  ir::Request& out_;
  std::optional<ir::Error> error_;
  dom::parser parser_;
  bool seen_conversation_ = false;  // a non-system message was read: later system ones stay put
  std::optional<std::int64_t> max_tokens_;
  std::optional<std::int64_t> max_completion_tokens_;
  std::vector<std::pair<std::string, std::string>> tool_call_names_;  // call id → tool name
  std::string other_tools_;  // non-function tools, as the elements of a JSON array
};

std::optional<ir::Error> ChatRequestDecoder::decode(std::string_view body) {
  out_ = ir::Request{};
  out_.from = ir::Format::openai_chat;
  // JSON text may start with a byte order mark (RFC 8259 lets parsers ignore it).
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (body.substr(0, kUtf8Bom.size()) == kUtf8Bom) body.remove_prefix(kUtf8Bom.size());
  dom::element root;
  if (auto code = parser_.parse(body.data(), body.size()).get(root)) {
    return ir::make_error(400,
                          std::string("We could not parse the JSON body of your request (") +
                              simdjson::error_message(code) + ").",
                          code == simdjson::UTF8_ERROR ? "invalid_encoding" : "invalid_json");
  }
  dom::object object;
  if (root.get_object().get(object)) {
    return ir::make_error(400,
                          "The request body must be a JSON object, but got " +
                              std::string(describe_type(root)) + " instead.",
                          "invalid_type");
  }
  std::vector<std::string_view> seen;
  for (dom::key_value_pair field : object) {
    if (std::find(seen.begin(), seen.end(), field.key) != seen.end()) {
      fail("Duplicate parameter '" + echo(field.key) +
               "': each parameter may appear only once in the request body.",
           std::string(field.key), "duplicate_parameter");
      return error_;
    }
    seen.push_back(field.key);
    if (!read_field(field.key, field.value)) return error_;
  }
  for (std::string_view required : {"model", "messages"}) {
    if (std::find(seen.begin(), seen.end(), required) == seen.end()) {
      fail_missing(std::string(required));
      return error_;
    }
  }
  if (!other_tools_.empty()) {
    out_.extras.push_back({"tools", "[" + other_tools_ + "]", false});
  }
  // max_completion_tokens replaces the deprecated max_tokens when both are set.
  out_.max_tokens = max_completion_tokens_ ? max_completion_tokens_ : max_tokens_;
  return std::nullopt;
}

bool ChatRequestDecoder::read_field(std::string_view key, dom::element value) {
  if (key == "model") {
    std::string_view model;
    if (!read_string(value, "model", model)) return false;
    if (model.empty()) {
      return fail("Invalid 'model': empty string. Expected the id of a model.", "model",
                  "invalid_value");
    }
    out_.model.assign(model);
    return true;
  }
  if (key == "messages") return read_messages(value);
  if (key == "tools") return read_tools(value);
  if (key == "tool_choice") return read_tool_choice(value);
  if (key == "parallel_tool_calls") {
    return read_optional_bool(value, "parallel_tool_calls", out_.parallel_tool_calls);
  }
  if (key == "response_format") return read_response_format(value);
  if (key == "reasoning_effort") return read_reasoning_effort(value);
  if (key == "max_tokens") return read_token_limit(value, "max_tokens", max_tokens_);
  if (key == "max_completion_tokens") {
    return read_token_limit(value, "max_completion_tokens", max_completion_tokens_);
  }
  if (key == "temperature") return read_optional_number(value, "temperature", out_.temperature);
  if (key == "top_p") return read_optional_number(value, "top_p", out_.top_p);
  if (key == "top_k") return read_optional_integer(value, "top_k", out_.top_k);
  if (key == "presence_penalty") {
    return read_optional_number(value, "presence_penalty", out_.presence_penalty);
  }
  if (key == "frequency_penalty") {
    return read_optional_number(value, "frequency_penalty", out_.frequency_penalty);
  }
  if (key == "seed") return read_optional_integer(value, "seed", out_.seed);
  if (key == "stop") return read_stop(value);
  if (key == "user") {
    if (value.is_null()) return true;
    std::string_view user;
    if (!read_string(value, "user", user)) return false;
    out_.user.assign(user);
    return true;
  }
  if (key == "stream") {
    std::optional<bool> stream;
    if (!read_optional_bool(value, "stream", stream)) return false;
    out_.stream = stream.value_or(false);
    return true;
  }
  if (key == "stream_options") return read_stream_options(value);
  if (key == "n") return read_n(value);
  // Defaults that ask for nothing need no upstream support.
  if (value.is_null()) return true;
  if (key == "logprobs" && value.is_bool() && !value.get_bool().value_unsafe()) return true;
  if (key == "modalities" && simdjson::minify(value) == R"(["text"])") return true;
  add_extra(key, value, is_droppable_extra(key));
  return true;
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

bool ChatRequestDecoder::read_messages(dom::element value) {
  dom::array messages;
  if (value.get_array().get(messages)) return fail_type("messages", "an array of objects", value);
  if (messages.size() == 0) {
    return fail(
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
        "empty array instead.",
        "messages", "empty_array");
  }
  std::size_t index = 0;
  for (dom::element message : messages) {
    if (!read_message(message, index_path("messages", index))) return false;
    ++index;
  }
  return true;
}

bool ChatRequestDecoder::read_message(dom::element value, const std::string& param) {
  dom::object message;
  if (!read_object(value, param, message)) return false;
  std::string_view role;
  if (!read_required_string(message, "role", param, role)) return false;
  if (role == "system" || role == "developer") return read_system_message(message, param);
  seen_conversation_ = true;
  if (role == "user") return read_user_message(message, param);
  if (role == "assistant") return read_assistant_message(message, param);
  if (role == "tool") return read_tool_message(message, param);
  if (role == "function") {
    return fail_unsupported(param + ".role",
                            "The legacy 'function' role (use 'tool' messages with 'tools')");
  }
  return fail_value(role, param + ".role",
                    "'system', 'developer', 'user', 'assistant', 'tool', and 'function'");
}

// Leading system messages become the request's system prompt; a system message later in the
// conversation stays where it is, as a Role::system message.
bool ChatRequestDecoder::read_system_message(dom::object message, const std::string& param) {
  dom::element content;
  if (message["content"].get(content)) return fail_missing(param + ".content");
  if (!seen_conversation_) return read_text_content(content, param + ".content", out_.system);
  ir::Message system = message_of(ir::Role::system);
  if (!read_optional_string(message, "name", param, system.name)) return false;
  if (!read_text_content(content, param + ".content", system.parts)) return false;
  out_.messages.push_back(std::move(system));
  return true;
}

bool ChatRequestDecoder::read_user_message(dom::object message, const std::string& param) {
  ir::Message user = message_of(ir::Role::user);
  if (!read_optional_string(message, "name", param, user.name)) return false;
  dom::element content;
  if (message["content"].get(content)) return fail_missing(param + ".content");
  const std::string content_param = param + ".content";
  if (content.is_string()) {
    add_text(content.get_string().value_unsafe(), user.parts);
  } else if (dom::array parts; content.get_array().get(parts) == simdjson::SUCCESS) {
    std::size_t index = 0;
    for (dom::element part : parts) {
      if (!read_user_part(part, index_path(content_param, index), user.parts)) return false;
      ++index;
    }
  } else {
    return fail_type(content_param, "one of a string or array of objects", content);
  }
  out_.messages.push_back(std::move(user));
  return true;
}

bool ChatRequestDecoder::read_assistant_message(dom::object message, const std::string& param) {
  ir::Message assistant = message_of(ir::Role::assistant);
  if (!read_optional_string(message, "name", param, assistant.name)) return false;
  dom::element function_call;
  if (message["function_call"].get(function_call) == simdjson::SUCCESS &&
      !function_call.is_null()) {
    return fail_unsupported(param + ".function_call",
                            "Legacy 'function_call' (use 'tool_calls' and 'tools')");
  }
  // DeepSeek, Qwen, vLLM and others name the reasoning "reasoning_content"; OpenRouter "reasoning".
  std::string reasoning;
  if (!read_optional_string(message, "reasoning_content", param, reasoning)) return false;
  if (reasoning.empty() && !read_optional_string(message, "reasoning", param, reasoning)) {
    return false;
  }
  if (!reasoning.empty()) {
    ir::Part thinking = part_of(ir::Part::Kind::thinking);
    thinking.text = std::move(reasoning);
    assistant.parts.push_back(std::move(thinking));
  }
  dom::element content;
  if (message["content"].get(content) == simdjson::SUCCESS && !content.is_null() &&
      !read_text_content(content, param + ".content", assistant.parts, true)) {
    return false;
  }
  std::string refusal;
  if (!read_optional_string(message, "refusal", param, refusal)) return false;
  if (!refusal.empty()) add_text(refusal, assistant.parts);
  dom::element tool_calls;
  if (message["tool_calls"].get(tool_calls) == simdjson::SUCCESS && !tool_calls.is_null() &&
      !read_tool_calls(tool_calls, param + ".tool_calls", assistant)) {
    return false;
  }
  out_.messages.push_back(std::move(assistant));
  return true;
}

bool ChatRequestDecoder::read_tool_calls(dom::element value, const std::string& param,
                                         ir::Message& message) {
  dom::array calls;
  if (value.get_array().get(calls)) return fail_type(param, "an array of objects", value);
  std::size_t index = 0;
  for (dom::element element : calls) {
    const std::string call_param = index_path(param, index++);
    dom::object call;
    if (!read_object(element, call_param, call)) return false;
    std::string_view type = "function";
    if (call["type"].error() != simdjson::NO_SUCH_FIELD &&
        !read_required_string(call, "type", call_param, type)) {
      return false;
    }
    if (type != "function") return fail_value(type, call_param + ".type", "'function'");
    ir::Part part = part_of(ir::Part::Kind::tool_call);
    std::string_view id;
    if (!read_required_string(call, "id", call_param, id)) return false;
    dom::object function;
    const std::string function_param = call_param + ".function";
    dom::element function_value;
    if (call["function"].get(function_value)) return fail_missing(function_param);
    if (!read_object(function_value, function_param, function)) return false;
    std::string_view name;
    if (!read_required_string(function, "name", function_param, name)) return false;
    if (!read_optional_string(function, "arguments", function_param, part.arguments)) {
      return false;
    }
    if (part.arguments.empty()) part.arguments = "{}";
    part.id.assign(id);
    part.name.assign(name);
    tool_call_names_.emplace_back(part.id, part.name);
    message.parts.push_back(std::move(part));
  }
  return true;
}

bool ChatRequestDecoder::read_tool_message(dom::object message, const std::string& param) {
  ir::Part result = part_of(ir::Part::Kind::tool_result);
  std::string_view call_id;
  if (!read_required_string(message, "tool_call_id", param, call_id)) return false;
  result.id.assign(call_id);
  result.name = tool_name_for(call_id);
  dom::element content;
  if (message["content"].get(content)) return fail_missing(param + ".content");
  if (!read_text_content(content, param + ".content", result.content)) return false;
  ir::Message tool = message_of(ir::Role::tool);
  tool.parts.push_back(std::move(result));
  out_.messages.push_back(std::move(tool));
  return true;
}

std::string ChatRequestDecoder::tool_name_for(std::string_view call_id) const {
  for (const auto& [id, name] : tool_call_names_) {
    if (id == call_id) return name;
  }
  return {};
}

// Content that may only hold text: a string, or an array of text parts (and, in assistant
// messages, refusal parts, which are kept as text).
bool ChatRequestDecoder::read_text_content(dom::element content, const std::string& param,
                                           std::vector<ir::Part>& parts, bool allow_refusal) {
  if (content.is_string()) {
    add_text(content.get_string().value_unsafe(), parts);
    return true;
  }
  dom::array elements;
  if (content.get_array().get(elements)) {
    return fail_type(param, "one of a string or array of objects", content);
  }
  std::size_t index = 0;
  for (dom::element element : elements) {
    const std::string part_param = index_path(param, index++);
    dom::object part;
    if (!read_object(element, part_param, part)) return false;
    std::string_view type;
    if (!read_required_string(part, "type", part_param, type)) return false;
    const bool refusal = allow_refusal && type == "refusal";
    if (type != "text" && !refusal) {
      return fail_value(type, part_param + ".type",
                        allow_refusal ? "'text' and 'refusal'" : "'text'");
    }
    std::string_view text;
    if (!read_required_string(part, refusal ? "refusal" : "text", part_param, text)) return false;
    add_text(text, parts);
  }
  return true;
}

bool ChatRequestDecoder::read_user_part(dom::element value, const std::string& param,
                                        std::vector<ir::Part>& parts) {
  dom::object part;
  if (!read_object(value, param, part)) return false;
  std::string_view type;
  if (!read_required_string(part, "type", param, type)) return false;
  if (type == "text") {
    std::string_view text;
    if (!read_required_string(part, "text", param, text)) return false;
    add_text(text, parts);
    return true;
  }
  ir::Part media;
  if (type == "image_url") {
    if (!read_image_part(part, param, media)) return false;
  } else if (type == "input_audio") {
    if (!read_audio_part(part, param, media)) return false;
  } else if (type == "file") {
    if (!read_file_part(part, param, media)) return false;
  } else {
    return fail_value(type, param + ".type", "'text', 'image_url', 'input_audio', and 'file'");
  }
  parts.push_back(std::move(media));
  return true;
}

bool ChatRequestDecoder::read_image_part(dom::object part, const std::string& param,
                                         ir::Part& out) {
  const std::string image_param = param + ".image_url";
  dom::element value;
  if (part["image_url"].get(value)) return fail_missing(image_param);
  dom::object image;
  if (!read_object(value, image_param, image)) return false;
  std::string_view url;
  if (!read_required_string(image, "url", image_param, url)) return false;
  out.kind = ir::Part::Kind::image;
  if (!read_optional_string(image, "detail", image_param, out.detail)) return false;
  if (!is_data_url(url)) {
    out.url.assign(url);
    return true;
  }
  if (!split_data_url(url, out.media_type, out.data)) {
    return fail(
        "Invalid 'image_url.url': a data URL must be base64-encoded "
        "('data:<media type>;base64,<data>').",
        image_param + ".url", "invalid_value");
  }
  return true;
}

bool ChatRequestDecoder::read_audio_part(dom::object part, const std::string& param,
                                         ir::Part& out) {
  const std::string audio_param = param + ".input_audio";
  dom::element value;
  if (part["input_audio"].get(value)) return fail_missing(audio_param);
  dom::object audio;
  if (!read_object(value, audio_param, audio)) return false;
  std::string_view data;
  std::string_view format;
  if (!read_required_string(audio, "data", audio_param, data)) return false;
  if (!read_required_string(audio, "format", audio_param, format)) return false;
  if (format != "wav" && format != "mp3") {
    return fail_value(format, audio_param + ".format", "'wav' and 'mp3'");
  }
  out.kind = ir::Part::Kind::audio;
  out.media_type = audio_media_type(format);
  out.data.assign(data);
  return true;
}

bool ChatRequestDecoder::read_file_part(dom::object part, const std::string& param, ir::Part& out) {
  const std::string file_param = param + ".file";
  dom::element value;
  if (part["file"].get(value)) return fail_missing(file_param);
  dom::object file;
  if (!read_object(value, file_param, file)) return false;
  out.kind = ir::Part::Kind::file;
  std::string file_data;
  if (!read_optional_string(file, "file_data", file_param, file_data) ||
      !read_optional_string(file, "file_id", file_param, out.file_id) ||
      !read_optional_string(file, "filename", file_param, out.filename)) {
    return false;
  }
  if (file_data.empty() && out.file_id.empty()) return fail_missing(file_param + ".file_data");
  if (file_data.empty()) return true;
  // OpenAI takes a data URL here; bare base64 is read as a PDF, the one type OpenAI accepts.
  if (!is_data_url(file_data)) {
    out.media_type = "application/pdf";
    out.data = std::move(file_data);
  } else if (!split_data_url(file_data, out.media_type, out.data)) {
    return fail("Invalid 'file.file_data': a data URL must be base64-encoded.",
                file_param + ".file_data", "invalid_value");
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Tools and generation settings
// ---------------------------------------------------------------------------------------------

bool ChatRequestDecoder::read_tools(dom::element value) {
  if (value.is_null()) return true;
  dom::array tools;
  if (value.get_array().get(tools)) return fail_type("tools", "an array", value);
  std::size_t index = 0;
  for (dom::element element : tools) {
    const std::string param = index_path("tools", index++);
    dom::object tool;
    if (!read_object(element, param, tool)) return false;
    std::string_view type;
    if (!read_required_string(tool, "type", param, type)) return false;
    if (type == "function") {
      if (!read_tool(tool, param)) return false;
      continue;
    }
    // Custom and hosted tools: only an OpenAI-compatible upstream can run them.
    if (!other_tools_.empty()) other_tools_ += ',';
    other_tools_ += simdjson::minify(element);
  }
  return true;
}

bool ChatRequestDecoder::read_tool(dom::object tool, const std::string& param) {
  const std::string function_param = param + ".function";
  dom::element value;
  if (tool["function"].get(value)) return fail_missing(function_param);
  dom::object function;
  if (!read_object(value, function_param, function)) return false;
  ir::Tool out;
  std::string_view name;
  if (!read_required_string(function, "name", function_param, name)) return false;
  out.name.assign(name);
  if (!read_optional_string(function, "description", function_param, out.description)) {
    return false;
  }
  dom::element parameters;
  if (function["parameters"].get(parameters) == simdjson::SUCCESS && !parameters.is_null()) {
    if (!parameters.is_object()) {
      return fail_type(function_param + ".parameters", "an object", parameters);
    }
    out.parameters = simdjson::minify(parameters);
  }
  dom::element strict;
  if (function["strict"].get(strict) == simdjson::SUCCESS &&
      !read_optional_bool(strict, function_param + ".strict", out.strict)) {
    return false;
  }
  out_.tools.push_back(std::move(out));
  return true;
}

bool ChatRequestDecoder::read_tool_choice(dom::element value) {
  using Mode = ir::ToolChoice::Mode;
  if (value.is_null()) return true;
  if (value.is_string()) {
    const std::string_view choice = value.get_string().value_unsafe();
    if (choice == "auto") {
      out_.tool_choice.mode = Mode::auto_;
    } else if (choice == "none") {
      out_.tool_choice.mode = Mode::none;
    } else if (choice == "required") {
      out_.tool_choice.mode = Mode::required;
    } else {
      return fail_value(choice, "tool_choice", "'none', 'auto', and 'required'");
    }
    return true;
  }
  dom::object choice;
  if (!read_object(value, "tool_choice", choice)) return false;
  std::string_view type;
  if (!read_required_string(choice, "type", "tool_choice", type)) return false;
  if (type != "function") {  // allowed_tools, custom: OpenAI-compatible upstreams only
    add_extra("tool_choice", value, false);
    return true;
  }
  dom::element function_value;
  if (choice["function"].get(function_value)) return fail_missing("tool_choice.function");
  dom::object function;
  if (!read_object(function_value, "tool_choice.function", function)) return false;
  std::string_view name;
  if (!read_required_string(function, "name", "tool_choice.function", name)) return false;
  out_.tool_choice.mode = Mode::tool;
  out_.tool_choice.name.assign(name);
  return true;
}

bool ChatRequestDecoder::read_response_format(dom::element value) {
  using Type = ir::ResponseFormat::Type;
  if (value.is_null()) return true;
  dom::object format;
  if (!read_object(value, "response_format", format)) return false;
  std::string_view type;
  if (!read_required_string(format, "type", "response_format", type)) return false;
  ir::ResponseFormat& out = out_.response_format;
  if (type == "text") {
    out.type = Type::text;
    return true;
  }
  if (type == "json_object") {
    out.type = Type::json_object;
    return true;
  }
  if (type != "json_schema") {
    return fail_value(type, "response_format.type", "'text', 'json_object', and 'json_schema'");
  }
  out.type = Type::json_schema;
  const std::string param = "response_format.json_schema";
  dom::element schema_value;
  if (format["json_schema"].get(schema_value)) return fail_missing(param);
  dom::object json_schema;
  if (!read_object(schema_value, param, json_schema)) return false;
  std::string_view name;
  if (!read_required_string(json_schema, "name", param, name)) return false;
  out.name.assign(name);
  if (!read_optional_string(json_schema, "description", param, out.description)) return false;
  dom::element schema;
  if (json_schema["schema"].get(schema) == simdjson::SUCCESS && !schema.is_null()) {
    if (!schema.is_object()) return fail_type(param + ".schema", "an object", schema);
    out.schema = simdjson::minify(schema);
  }
  dom::element strict;
  return json_schema["strict"].get(strict) != simdjson::SUCCESS ||
         read_optional_bool(strict, param + ".strict", out.strict);
}

bool ChatRequestDecoder::read_reasoning_effort(dom::element value) {
  if (value.is_null()) return true;
  std::string_view effort;
  if (!read_string(value, "reasoning_effort", effort)) return false;
  if (effort == "none") {
    out_.reasoning.disabled = true;
    return true;
  }
  if (effort != "minimal" && effort != "low" && effort != "medium" && effort != "high" &&
      effort != "xhigh" && effort != "max") {
    return fail_value(effort, "reasoning_effort",
                      "'none', 'minimal', 'low', 'medium', 'high', 'xhigh', and 'max'");
  }
  out_.reasoning.enabled = true;
  out_.reasoning.effort.assign(effort);
  return true;
}

bool ChatRequestDecoder::read_stop(dom::element value) {
  if (value.is_null()) return true;
  if (value.is_string()) {
    out_.stop.emplace_back(value.get_string().value_unsafe());
    return true;
  }
  dom::array stops;
  if (value.get_array().get(stops)) return fail_type("stop", "a string or array of strings", value);
  std::size_t index = 0;
  for (dom::element stop : stops) {
    std::string_view text;
    if (!read_string(stop, index_path("stop", index++), text)) return false;
    out_.stop.emplace_back(text);
  }
  return true;
}

bool ChatRequestDecoder::read_stream_options(dom::element value) {
  if (value.is_null()) return true;
  dom::object options;
  if (!read_object(value, "stream_options", options)) return false;
  dom::element include_usage;
  if (options["include_usage"].get(include_usage)) return true;
  std::optional<bool> flag;
  if (!read_optional_bool(include_usage, "stream_options.include_usage", flag)) return false;
  out_.include_usage = flag.value_or(false);
  return true;
}

// One choice is all the IR carries; n > 1 needs an upstream that generates several.
bool ChatRequestDecoder::read_n(dom::element value) {
  std::optional<std::int64_t> n;
  if (!read_token_limit(value, "n", n)) return false;
  if (n && *n > 1) add_extra("n", value, false);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Typed reads: each records the error and returns false on a wrong type
// ---------------------------------------------------------------------------------------------

bool ChatRequestDecoder::read_object(dom::element value, const std::string& param,
                                     dom::object& out) {
  if (value.get_object().get(out)) return fail_type(param, "an object", value);
  return true;
}

bool ChatRequestDecoder::read_string(dom::element value, const std::string& param,
                                     std::string_view& out) {
  if (value.get_string().get(out)) return fail_type(param, "a string", value);
  return true;
}

// An absent or null member leaves `out` as it is.
bool ChatRequestDecoder::read_optional_string(dom::object object, std::string_view key,
                                              const std::string& parent, std::string& out) {
  dom::element value;
  if (object[key].get(value) || value.is_null()) return true;
  std::string_view text;
  if (!read_string(value, member_path(parent, key), text)) return false;
  out.assign(text);
  return true;
}

bool ChatRequestDecoder::read_required_string(dom::object object, std::string_view key,
                                              const std::string& parent, std::string_view& out) {
  dom::element value;
  if (object[key].get(value)) return fail_missing(member_path(parent, key));
  return read_string(value, member_path(parent, key), out);
}

bool ChatRequestDecoder::read_optional_bool(dom::element value, const std::string& param,
                                            std::optional<bool>& out) {
  if (value.is_null()) return true;
  bool flag = false;
  if (value.get_bool().get(flag)) return fail_type(param, "a boolean", value);
  out = flag;
  return true;
}

bool ChatRequestDecoder::read_optional_number(dom::element value, const std::string& param,
                                              std::optional<double>& out) {
  if (value.is_null()) return true;
  double number = 0;
  if (!value.is_number() || value.get_double().get(number)) {
    return fail_type(param, "a number", value);
  }
  out = number;
  return true;
}

bool ChatRequestDecoder::read_optional_integer(dom::element value, const std::string& param,
                                               std::optional<std::int64_t>& out) {
  if (value.is_null()) return true;
  std::int64_t number = 0;
  if (value.is_uint64() && !value.is_int64()) {
    return fail("Invalid '" + param + "': integer above maximum value.", param,
                "integer_above_max_value");
  }
  if (value.get_int64().get(number)) return fail_type(param, "an integer", value);
  out = number;
  return true;
}

// A positive integer, or null.
bool ChatRequestDecoder::read_token_limit(dom::element value, const std::string& param,
                                          std::optional<std::int64_t>& out) {
  if (!read_optional_integer(value, param, out)) return false;
  if (out && *out < 1) {
    return fail("Invalid '" + param +
                    "': integer below minimum value. Expected a value >= 1, but got " +
                    std::to_string(*out) + " instead.",
                param, "integer_below_min_value");
  }
  return true;
}

}  // namespace

std::optional<ir::Error> decode_request(std::string_view body, ir::Request& out) {
  ChatRequestDecoder decoder(out);
  return decoder.decode(body);
}

}  // namespace tollgate::api::openai
