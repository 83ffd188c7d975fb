// Messages and their content parts, for the OpenAI chat body decoder (chat_ir_decoder.hpp):
// system/developer, user (text, image_url, input_audio, file), assistant (content, refusal,
// reasoning_content, tool_calls) and tool messages.
#include "api/openai/chat_ir_decoder.hpp"

namespace tollgate::api::openai::detail {

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
  out_.messages.reserve(messages.size());  // at most one each (leading system ones go apart)
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
  if (!seen_conversation_) return read_text_content(content, param, out_.system);
  ir::Message system = message_of(ir::Role::system);
  if (!read_optional_string(message, "name", param, system.name)) return false;
  if (!read_text_content(content, param, system.parts)) return false;
  out_.messages.push_back(std::move(system));
  return true;
}

bool ChatRequestDecoder::read_user_message(dom::object message, const std::string& param) {
  ir::Message user = message_of(ir::Role::user);
  if (!read_optional_string(message, "name", param, user.name)) return false;
  dom::element content;
  if (message["content"].get(content)) return fail_missing(param + ".content");
  if (content.is_string()) {
    add_text(content.get_string().value_unsafe(), user.parts);
  } else if (dom::array parts; content.get_array().get(parts) == simdjson::SUCCESS) {
    const std::string content_param = param + ".content";
    std::size_t index = 0;
    for (dom::element part : parts) {
      if (!read_user_part(part, index_path(content_param, index), user.parts)) return false;
      ++index;
    }
  } else {
    return fail_type(param + ".content", "one of a string or array of objects", content);
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
      !read_text_content(content, param, assistant.parts, true)) {
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
  if (!read_text_content(content, param, result.content)) return false;
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
bool ChatRequestDecoder::read_text_content(dom::element content, const std::string& message_param,
                                           std::vector<ir::Part>& parts, bool allow_refusal) {
  if (content.is_string()) {
    add_text(content.get_string().value_unsafe(), parts);
    return true;
  }
  // Its path only now: the usual content, a string, needs none.
  const std::string param = message_param + ".content";
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

}  // namespace tollgate::api::openai::detail
