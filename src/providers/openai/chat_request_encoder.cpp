// encode_chat_request: an ir::Request → an OpenAI chat completions body, written by hand.
// Chat has no blocks inside a turn for tool results, so a user turn that answers tool calls
// becomes one `tool` message per result followed by a user message with whatever else it held.
#include <string>
#include <vector>

#include "api/json_text.hpp"
#include "api/openai/json_write.hpp"
#include "providers/openai/chat_codec.hpp"

namespace tollgate::providers::openai {
namespace {

using api::append_json_string;
using api::openai::append_bool;
using api::openai::append_double;
using api::openai::append_int;
using Kind = ir::Part::Kind;

constexpr ir::Format kFamily = ir::Format::openai_chat;

std::string joined_text(const std::vector<ir::Part>& parts, std::string_view separator) {
  std::string text;
  bool first = true;
  for (const ir::Part& part : parts) {
    if (part.kind != Kind::text) continue;
    if (!first) text.append(separator);
    first = false;
    text += part.text;
  }
  return text;
}

// Chat's input_audio takes two formats.
std::string_view audio_format(std::string_view media_type) {
  if (media_type == "audio/wav" || media_type == "audio/x-wav" || media_type == "audio/wave") {
    return "wav";
  }
  if (media_type == "audio/mp3" || media_type == "audio/mpeg") return "mp3";
  return {};
}

void append_data_url(std::string& out, const ir::Part& part) {
  std::string url = "data:" + part.media_type + ";base64,";
  url += part.data;
  append_json_string(out, url);
}

class ChatRequestEncoder {
 public:
  ChatRequestEncoder(const ir::Request& request, std::string& body, const ChatDialect& dialect)
      : request_(request), out_(body), dialect_(dialect) {}

  std::optional<ir::Error> encode(std::string_view upstream_model);

 private:
  bool fail(ir::Error error) {
    error_ = std::move(error);
    return false;
  }
  bool fail_unsupported(std::string param, std::string_view what) {
    return fail(ir::unsupported(std::move(param), what, kFamily));
  }

  bool write_messages();
  bool write_system_prompt();
  bool write_message(const ir::Message& message, const std::string& param);
  bool write_system_message(const ir::Message& message, const std::string& param);
  bool write_assistant_message(const ir::Message& message, const std::string& param);
  bool write_user_message(const ir::Message& message, const std::string& param);
  void write_tool_message(const ir::Part& result);
  bool write_content_part(const ir::Part& part, const std::string& param);
  void begin_message(std::string_view role, std::string_view name = {});
  void write_tools();
  void write_tool_choice();
  void write_response_format();
  void write_reasoning();
  void write_sampling();
  bool write_extras();

  void key(std::string_view name) {
    out_ += ',';
    append_json_string(out_, name);
    out_ += ':';
  }
  const ir::Extra* same_family_extra(std::string_view name) const;

  const ir::Request& request_;
  std::string& out_;
  const ChatDialect& dialect_;
  std::optional<ir::Error> error_;
  bool first_message_ = true;
};

std::optional<ir::Error> ChatRequestEncoder::encode(std::string_view upstream_model) {
  out_.clear();
  out_.append(R"({"model":)");
  append_json_string(out_, upstream_model);
  if (!write_messages()) return error_;
  write_tools();
  write_tool_choice();
  write_response_format();
  write_reasoning();
  write_sampling();
  if (request_.stream) out_.append(R"(,"stream":true,"stream_options":{"include_usage":true})");
  if (!write_extras()) return error_;
  out_ += '}';
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

bool ChatRequestEncoder::write_messages() {
  key("messages");
  out_ += '[';
  if (!write_system_prompt()) return false;
  for (std::size_t i = 0; i < request_.messages.size(); ++i) {
    const std::string param = "messages[" + std::to_string(i) + "]";
    if (!write_message(request_.messages[i], param)) return false;
  }
  out_ += ']';
  return true;
}

void ChatRequestEncoder::begin_message(std::string_view role, std::string_view name) {
  if (!first_message_) out_ += ',';
  first_message_ = false;
  out_.append(R"({"role":)");
  append_json_string(out_, role);
  if (!name.empty()) {
    out_.append(R"(,"name":)");
    append_json_string(out_, name);
  }
}

// The top-level system prompt, as one system message (its text parts joined by newlines: several
// OpenAI-compatible servers take only a string here).
bool ChatRequestEncoder::write_system_prompt() {
  if (request_.system.empty()) return true;
  for (const ir::Part& part : request_.system) {
    if (part.kind != Kind::text) return fail_unsupported("system", "Non-text system content");
  }
  begin_message("system");
  out_.append(R"(,"content":)");
  append_json_string(out_, joined_text(request_.system, "\n"));
  out_ += '}';
  return true;
}

bool ChatRequestEncoder::write_message(const ir::Message& message, const std::string& param) {
  switch (message.role) {
    case ir::Role::system:
      return write_system_message(message, param);
    case ir::Role::assistant:
      return write_assistant_message(message, param);
    case ir::Role::user:
    case ir::Role::tool:
      return write_user_message(message, param);
  }
  return true;
}

bool ChatRequestEncoder::write_system_message(const ir::Message& message,
                                              const std::string& param) {
  for (const ir::Part& part : message.parts) {
    if (part.kind != Kind::text) return fail_unsupported(param, "Non-text system content");
  }
  begin_message("system", message.name);
  out_.append(R"(,"content":)");
  append_json_string(out_, joined_text(message.parts, "\n"));
  out_ += '}';
  return true;
}

// Thinking in the history is dropped: OpenAI-compatible chat APIs take no reasoning input.
bool ChatRequestEncoder::write_assistant_message(const ir::Message& message,
                                                 const std::string& param) {
  bool has_text = false;
  bool has_tool_calls = false;
  for (std::size_t i = 0; i < message.parts.size(); ++i) {
    const Kind kind = message.parts[i].kind;
    has_text = has_text || kind == Kind::text;
    has_tool_calls = has_tool_calls || kind == Kind::tool_call;
    if (kind != Kind::text && kind != Kind::tool_call && kind != Kind::thinking &&
        kind != Kind::redacted_thinking) {
      return fail_unsupported(param + ".content[" + std::to_string(i) + "]",
                              "Media in an assistant message");
    }
  }
  begin_message("assistant", message.name);
  out_.append(R"(,"content":)");
  if (has_text || !has_tool_calls) {
    append_json_string(out_, joined_text(message.parts, ""));
  } else {
    out_.append("null");
  }
  if (has_tool_calls) {
    out_.append(R"(,"tool_calls":[)");
    bool first = true;
    for (const ir::Part& part : message.parts) {
      if (part.kind != Kind::tool_call) continue;
      if (!first) out_ += ',';
      first = false;
      out_.append(R"({"id":)");
      append_json_string(out_, part.id);
      out_.append(R"(,"type":"function","function":{"name":)");
      append_json_string(out_, part.name);
      out_.append(R"(,"arguments":)");
      append_json_string(out_, part.arguments.empty() ? std::string_view("{}") : part.arguments);
      out_.append("}}");
    }
    out_ += ']';
  }
  out_ += '}';
  return true;
}

// A user (or tool) turn: its tool results first, as `tool` messages, then one user message with
// the rest of its content and any images the tool results held (tool messages take text only).
bool ChatRequestEncoder::write_user_message(const ir::Message& message, const std::string& param) {
  std::vector<const ir::Part*> content;
  for (const ir::Part& part : message.parts) {
    if (part.kind != Kind::tool_result) continue;
    write_tool_message(part);
    for (const ir::Part& inner : part.content) {
      if (inner.kind != Kind::text) content.push_back(&inner);
    }
  }
  for (std::size_t i = 0; i < message.parts.size(); ++i) {
    const ir::Part& part = message.parts[i];
    switch (part.kind) {
      case Kind::tool_result:
      case Kind::thinking:
      case Kind::redacted_thinking:
        break;
      case Kind::tool_call:
        return fail_unsupported(param + ".content[" + std::to_string(i) + "]",
                                "A tool call in a user message");
      default:
        content.push_back(&part);
        break;
    }
  }
  if (content.empty()) return true;
  begin_message("user", message.name);
  out_.append(R"(,"content":)");
  if (content.size() == 1 && content.front()->kind == Kind::text) {
    append_json_string(out_, content.front()->text);
  } else {
    out_ += '[';
    for (std::size_t i = 0; i < content.size(); ++i) {
      if (i != 0) out_ += ',';
      if (!write_content_part(*content[i], param + ".content[" + std::to_string(i) + "]")) {
        return false;
      }
    }
    out_ += ']';
  }
  out_ += '}';
  return true;
}

// Chat has no error flag for tool results: is_error is not carried (the text usually says so).
void ChatRequestEncoder::write_tool_message(const ir::Part& result) {
  begin_message("tool");
  out_.append(R"(,"tool_call_id":)");
  append_json_string(out_, result.id);
  out_.append(R"(,"content":)");
  append_json_string(out_, joined_text(result.content, "\n"));
  out_ += '}';
}

bool ChatRequestEncoder::write_content_part(const ir::Part& part, const std::string& param) {
  switch (part.kind) {
    case Kind::text:
      out_.append(R"({"type":"text","text":)");
      append_json_string(out_, part.text);
      out_ += '}';
      return true;
    case Kind::image:
      if (part.url.empty() && part.data.empty()) {
        return fail_unsupported(param, "An image given by file id");
      }
      out_.append(R"({"type":"image_url","image_url":{"url":)");
      if (!part.url.empty()) {
        append_json_string(out_, part.url);
      } else {
        append_data_url(out_, part);
      }
      if (!part.detail.empty()) {
        out_.append(R"(,"detail":)");
        append_json_string(out_, part.detail);
      }
      out_.append("}}");
      return true;
    case Kind::audio: {
      const std::string_view format = audio_format(part.media_type);
      if (format.empty() || part.data.empty()) {
        return fail_unsupported(param, "Audio other than inline wav or mp3");
      }
      out_.append(R"({"type":"input_audio","input_audio":{"data":)");
      append_json_string(out_, part.data);
      out_.append(R"(,"format":)");
      append_json_string(out_, format);
      out_.append("}}");
      return true;
    }
    case Kind::file:
      if (part.data.empty() && part.file_id.empty()) {
        return fail_unsupported(param, "A file given by URL");
      }
      out_.append(R"({"type":"file","file":{)");
      if (!part.data.empty()) {
        out_.append(R"("file_data":)");
        append_data_url(out_, part);
        out_.append(R"(,"filename":)");
        append_json_string(out_, part.filename.empty() ? std::string_view("document.pdf")
                                                       : std::string_view(part.filename));
      } else {
        out_.append(R"("file_id":)");
        append_json_string(out_, part.file_id);
      }
      out_.append("}}");
      return true;
    default:
      return fail_unsupported(param, "This kind of content");
  }
}

// ---------------------------------------------------------------------------------------------
// Tools and generation settings
// ---------------------------------------------------------------------------------------------

// Function tools from the IR, then (from an OpenAI chat client) its other tools, kept as JSON.
void ChatRequestEncoder::write_tools() {
  const ir::Extra* other_tools = same_family_extra("tools");
  if (request_.tools.empty() && other_tools == nullptr) return;
  key("tools");
  out_ += '[';
  bool first = true;
  for (const ir::Tool& tool : request_.tools) {
    if (!first) out_ += ',';
    first = false;
    out_.append(R"({"type":"function","function":{"name":)");
    append_json_string(out_, tool.name);
    if (!tool.description.empty()) {
      out_.append(R"(,"description":)");
      append_json_string(out_, tool.description);
    }
    out_.append(R"(,"parameters":)");
    out_.append(tool.parameters.empty() ? std::string_view("{}") : tool.parameters);
    if (tool.strict) {
      out_.append(R"(,"strict":)");
      append_bool(out_, *tool.strict);
    }
    out_.append("}}");
  }
  const std::string_view json = other_tools ? std::string_view(other_tools->json) : "";
  if (json.size() > 2) {  // "[...]": splice its elements in
    if (!first) out_ += ',';
    out_.append(json.substr(1, json.size() - 2));
  }
  out_ += ']';
  // OpenAI rejects parallel_tool_calls on a request without tools.
  if (request_.parallel_tool_calls) {
    key("parallel_tool_calls");
    append_bool(out_, *request_.parallel_tool_calls);
  }
}

void ChatRequestEncoder::write_tool_choice() {
  using Mode = ir::ToolChoice::Mode;
  switch (request_.tool_choice.mode) {
    case Mode::unset:
      return;
    case Mode::auto_:
      key("tool_choice");
      out_.append(R"("auto")");
      return;
    case Mode::none:
      key("tool_choice");
      out_.append(R"("none")");
      return;
    case Mode::required:
      key("tool_choice");
      out_.append(R"("required")");
      return;
    case Mode::tool:
      key("tool_choice");
      out_.append(R"({"type":"function","function":{"name":)");
      append_json_string(out_, request_.tool_choice.name);
      out_.append("}}");
      return;
  }
}

void ChatRequestEncoder::write_response_format() {
  using Type = ir::ResponseFormat::Type;
  const ir::ResponseFormat& format = request_.response_format;
  switch (format.type) {
    case Type::unset:
      return;
    case Type::text:
      key("response_format");
      out_.append(R"({"type":"text"})");
      return;
    case Type::json_object:
      key("response_format");
      out_.append(R"({"type":"json_object"})");
      return;
    case Type::json_schema:
      break;
  }
  key("response_format");
  out_.append(R"({"type":"json_schema","json_schema":{"name":)");
  // OpenAI requires a name; formats without one get a neutral one.
  append_json_string(
      out_, format.name.empty() ? std::string_view("response") : std::string_view(format.name));
  if (!format.description.empty()) {
    out_.append(R"(,"description":)");
    append_json_string(out_, format.description);
  }
  out_.append(R"(,"schema":)");
  out_.append(format.schema.empty() ? std::string_view("{}") : format.schema);
  if (format.strict) {
    out_.append(R"(,"strict":)");
    append_bool(out_, *format.strict);
  }
  out_.append("}}");
}

// An effort level as given, else a token budget converted to the nearest level. Reasoning that is
// merely enabled (or disabled) leaves the model's default: not every model takes "none".
void ChatRequestEncoder::write_reasoning() {
  const ir::Reasoning& reasoning = request_.reasoning;
  if (reasoning.disabled) return;
  std::string_view effort = reasoning.effort;
  if (effort.empty() && reasoning.budget_tokens && *reasoning.budget_tokens > 0) {
    effort = ir::budget_to_effort(*reasoning.budget_tokens);
  }
  if (effort.empty()) return;
  key("reasoning_effort");
  append_json_string(out_, effort);
}

void ChatRequestEncoder::write_sampling() {
  const ir::Request& r = request_;
  if (r.max_tokens) {
    key(dialect_.max_tokens_field);
    append_int(out_, *r.max_tokens);
  }
  const std::pair<std::string_view, const std::optional<double>*> numbers[] = {
      {"temperature", &r.temperature},
      {"top_p", &r.top_p},
      {"presence_penalty", &r.presence_penalty},
      {"frequency_penalty", &r.frequency_penalty},
  };
  for (const auto& [name, value] : numbers) {
    if (!*value) continue;
    key(name);
    append_double(out_, **value);
  }
  if (r.top_k) {  // not OpenAI's, but vLLM, Together, OpenRouter and others take it
    key("top_k");
    append_int(out_, *r.top_k);
  }
  if (r.seed) {
    key("seed");
    append_int(out_, *r.seed);
  }
  if (!r.stop.empty()) {
    key("stop");
    out_ += '[';
    for (std::size_t i = 0; i < r.stop.size(); ++i) {
      if (i != 0) out_ += ',';
      append_json_string(out_, r.stop[i]);
    }
    out_ += ']';
  }
  if (!r.user.empty()) {
    key("user");
    append_json_string(out_, r.user);
  }
}

// Extras of an OpenAI chat client go upstream unchanged ("tools" was merged above); another
// family's are dropped when droppable and refused otherwise.
bool ChatRequestEncoder::write_extras() {
  const bool same_family = request_.from == kFamily;
  for (const ir::Extra& extra : request_.extras) {
    if (!same_family) {
      if (extra.droppable) continue;
      return fail(ir::unsupported_extra(extra, kFamily));
    }
    if (extra.name == "tools") continue;
    key(extra.name);
    out_.append(extra.json);
  }
  return true;
}

const ir::Extra* ChatRequestEncoder::same_family_extra(std::string_view name) const {
  if (request_.from != kFamily) return nullptr;
  for (const ir::Extra& extra : request_.extras) {
    if (extra.name == name) return &extra;
  }
  return nullptr;
}

}  // namespace

std::optional<ir::Error> encode_chat_request(const ir::Request& request,
                                             std::string_view upstream_model, std::string& body,
                                             const ChatDialect& dialect) {
  ChatRequestEncoder encoder(request, body, dialect);
  return encoder.encode(upstream_model);
}

}  // namespace tollgate::providers::openai
