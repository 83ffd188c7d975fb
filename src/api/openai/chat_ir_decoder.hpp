// The OpenAI chat body decoder behind decode_request (chat_ir.hpp), shared by its two files:
// chat_ir_request.cpp (the top-level fields, tools, sampling) and chat_ir_messages.cpp (messages
// and their content parts). Private to src/api/openai; include from .cpp files only (it includes
// simdjson.h).
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/characters.hpp"
#include "api/json_parser.hpp"
#include "ir/ir.hpp"

namespace tollgate::api::openai::detail {

namespace dom = simdjson::dom;

// A value echoed back in an error message is cut to this many bytes (as in chat_request.cpp).
inline constexpr std::size_t kMaxEchoedBytes = 64;

inline std::string echo(std::string_view value) {
  if (value.size() <= kMaxEchoedBytes) return std::string(value);
  return std::string(value.substr(0, kMaxEchoedBytes)) + "...";
}

// How OpenAI names a JSON type in "expected X, but got Y instead".
inline std::string_view describe_type(dom::element value) {
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

inline std::string member_path(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (!path.empty()) path += '.';
  path += key;
  return path;
}

inline std::string index_path(std::string_view parent, std::size_t index) {
  // "messages[12]" fits a string's inline buffer: no allocation, unlike building it by parts.
  char digits[20];
  const auto length =
      static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, index).ptr - digits);
  std::string path;
  path.reserve(parent.size() + length + 2);
  path.append(parent).append(1, '[').append(digits, length).append(1, ']');
  return path;
}

// "data:image/png;base64,AAAA" → media type and base64 payload. False when `url` is not a
// base64 data URL (plain-text data URLs would have to be re-encoded; no client sends them).
inline bool split_data_url(std::string_view url, std::string& media_type, std::string& data) {
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

inline ir::Message message_of(ir::Role role) {
  ir::Message message;
  message.role = role;
  return message;
}

inline ir::Part part_of(ir::Part::Kind kind) {
  ir::Part part;
  part.kind = kind;
  return part;
}

inline bool is_data_url(std::string_view url) {
  return url.substr(0, 5) == "data:";
}

inline std::string audio_media_type(std::string_view format) {
  return "audio/" + std::string(format);  // "wav" → audio/wav, "mp3" → audio/mp3
}

// Fields with no IR counterpart. Droppable ones are hints an upstream of another family may
// ignore without changing the answer; the others change what the client gets back.
inline bool is_droppable_extra(std::string_view key) {
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
  // A message's `content` (text, or text parts); `message_param` is the message's path.
  bool read_text_content(dom::element content, const std::string& message_param,
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
    ir::append_text(parts, text);
  }
  std::string tool_name_for(std::string_view call_id) const;

  ir::Request& out_;
  std::optional<ir::Error> error_;
  dom::parser& parser_ = thread_parser<ChatRequestDecoder>();  // api/json_parser.hpp
  bool seen_conversation_ = false;  // a non-system message was read: later system ones stay put
  std::optional<std::int64_t> max_tokens_;
  std::optional<std::int64_t> max_completion_tokens_;
  std::vector<std::pair<std::string, std::string>> tool_call_names_;  // call id → tool name
  std::string other_tools_;  // non-function tools, as the elements of a JSON array
};

}  // namespace tollgate::api::openai::detail
