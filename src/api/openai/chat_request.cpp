#include "api/openai/chat_request.hpp"

#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "api/characters.hpp"
#include "api/json_scanner.hpp"
#include "api/json_validation.hpp"
#include "api/openai/chat_request_detail.hpp"
#include "api/openai/errors.hpp"

namespace tollgate::api::openai {
namespace {

namespace ondemand = simdjson::ondemand;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// A value echoed back in an error message is cut to this many bytes: enough to recognise it,
// too little to turn an error body into an amplifier.
constexpr std::size_t kMaxEchoedBytes = 64;

std::string echo(std::string_view value) {
  if (value.size() <= kMaxEchoedBytes) return std::string(value);
  return std::string(value.substr(0, kMaxEchoedBytes)) + "...";
}

// How OpenAI names a JSON type in "expected X, but got Y instead".
template <typename Value>
std::string_view describe_type(Value& value) {
  ondemand::json_type type;
  if (value.type().get(type)) return "an invalid value";
  switch (type) {
    case ondemand::json_type::array:
      return "an array";
    case ondemand::json_type::object:
      return "an object";
    case ondemand::json_type::string:
      return "a string";
    case ondemand::json_type::boolean:
      return "a boolean";
    case ondemand::json_type::null:
      return "null";
    case ondemand::json_type::number: {
      ondemand::number_type number_type;
      if (value.get_number_type().get(number_type)) return "a number";
      return number_type == ondemand::number_type::floating_point_number ? "a decimal"
                                                                         : "an integer";
    }
  }
  return "an invalid value";
}

bool is_supported_role(std::string_view role) {
  return role == "system" || role == "developer" || role == "user" || role == "assistant" ||
         role == "tool" || role == "function";
}

}  // namespace

namespace detail {

RequestError json_error(simdjson::error_code code) {
  if (code == simdjson::UTF8_ERROR) {
    return {"The request body is not valid UTF-8. JSON bodies must be encoded as UTF-8.", "",
            "invalid_encoding"};
  }
  if (code == simdjson::DEPTH_ERROR) {
    return {std::string(kTooDeepMessage), "", "invalid_json"};
  }
  if (code == simdjson::EMPTY) {
    return {
        "We could not parse the JSON body of your request: the body is empty. The OpenAI API "
        "expects a JSON object as the body, sent with 'Content-Type: application/json'.",
        "", "invalid_json"};
  }
  return {std::string("We could not parse the JSON body of your request (") +
              simdjson::error_message(code) +
              "). The OpenAI API expects a JSON object as the body, sent with "
              "'Content-Type: application/json'.",
          "", "invalid_json"};
}

}  // namespace detail

namespace {

using detail::json_error;

// The top-level fields the gateway interprets. Each may appear once: with two "model" keys the
// gateway could bill one model while a lenient upstream runs the other.
enum class KnownField : std::uint32_t {
  kOther = 0,
  kModel = 1u << 0,
  kMessages = 1u << 1,
  kStream = 1u << 2,
  kStreamOptions = 1u << 3,
  kMaxTokens = 1u << 4,
  kMaxCompletionTokens = 1u << 5,
  kTemperature = 1u << 6,
  kN = 1u << 7,
  kTools = 1u << 8,
};

KnownField classify(std::string_view key) {
  if (key == "model") return KnownField::kModel;
  if (key == "messages") return KnownField::kMessages;
  if (key == "stream") return KnownField::kStream;
  if (key == "stream_options") return KnownField::kStreamOptions;
  if (key == "max_tokens") return KnownField::kMaxTokens;
  if (key == "max_completion_tokens") return KnownField::kMaxCompletionTokens;
  if (key == "temperature") return KnownField::kTemperature;
  if (key == "n") return KnownField::kN;
  if (key == "tools") return KnownField::kTools;
  return KnownField::kOther;
}

// One pass over the document: reads what the gateway needs and validates everything else, since
// simdjson's On-Demand API only checks the parts that are read. Methods return false after
// recording the first error, which ends the walk.
class ChatRequestReader {
 public:
  explicit ChatRequestReader(const char* body_start) : body_start_(body_start) {}

  bool read(ondemand::document& document, ChatRequestView& view);
  RequestError& error() { return error_; }

 private:
  bool fail(std::string message, std::string param, std::string code) {
    error_ = RequestError{std::move(message), std::move(param), std::move(code)};
    return false;
  }
  bool fail_json(simdjson::error_code code);
  bool validate_root(ondemand::document& document, ondemand::json_type type);
  bool no_trailing_content(ondemand::document& document);
  bool fail_type(ondemand::value& value, std::string_view param, std::string_view expected,
                 int depth);

  bool read_model(ondemand::value value, ChatRequestView& view);
  bool read_messages(ondemand::value value, ChatRequestView& view);
  bool read_message(ondemand::value value, std::size_t index, ChatRequestView& view);
  bool read_content(ondemand::value value, std::size_t message_index, ChatRequestView& view);
  bool read_stream_options(ondemand::value value, ChatRequestView& view);
  bool read_boolean(ondemand::value value, std::string_view param, int depth, bool& out);
  bool read_positive_integer(ondemand::value value, std::string_view param,
                             std::optional<std::int64_t>& out);
  bool read_number(ondemand::value value, std::string_view param);
  bool read_array(ondemand::value value, std::string_view param);
  bool validate_any(ondemand::value value, int depth);

  ByteRange range_of(std::string_view token) const {
    token = trim_json_whitespace_end(token);
    return ByteRange{static_cast<std::size_t>(token.data() - body_start_), token.size()};
  }

  const char* body_start_;
  RequestError error_;
};

bool ChatRequestReader::fail_json(simdjson::error_code code) {
  error_ = json_error(code);
  return false;
}

// Validates a body that is not an object, including anything after its value.
bool ChatRequestReader::validate_root(ondemand::document& document, ondemand::json_type type) {
  simdjson::error_code code = simdjson::SUCCESS;
  switch (type) {
    case ondemand::json_type::array: {
      ondemand::value value;
      code = document.get_value().get(value);
      if (!code) return validate_any(value, 1) && no_trailing_content(document);
      break;
    }
    case ondemand::json_type::string:
      code = document.get_string().error();
      break;
    case ondemand::json_type::number:
      code = document.get_double().error();
      break;
    case ondemand::json_type::boolean:
      code = document.get_bool().error();
      break;
    case ondemand::json_type::null: {
      bool is_null = false;
      code = document.is_null().get(is_null);
      if (!code && !is_null) code = simdjson::N_ATOM_ERROR;
      break;
    }
    case ondemand::json_type::object:
      break;
  }
  if (code) return fail_json(code);
  return no_trailing_content(document);
}

// A second value after the first ("{...} {...}") makes the body invalid JSON.
bool ChatRequestReader::no_trailing_content(ondemand::document& document) {
  if (document.current_location().error()) return true;  // nothing left: the usual case
  return fail(
      "We could not parse the JSON body of your request (unexpected data after the JSON "
      "value). The OpenAI API expects a single JSON object as the body.",
      "", "invalid_json");
}

// Reports a wrong type, unless the value is not even valid JSON (then that is the error).
bool ChatRequestReader::fail_type(ondemand::value& value, std::string_view param,
                                  std::string_view expected, int depth) {
  const std::string got(describe_type(value));
  if (!validate_any(value, depth)) return false;
  return fail("Invalid type for '" + std::string(param) + "': expected " + std::string(expected) +
                  ", but got " + got + " instead.",
              std::string(param), "invalid_type");
}

bool ChatRequestReader::read(ondemand::document& document, ChatRequestView& view) {
  ondemand::json_type top_type;
  if (auto code = document.type().get(top_type)) return fail_json(code);
  if (top_type != ondemand::json_type::object) {
    const std::string got(describe_type(document));
    if (!validate_root(document, top_type)) return false;  // invalid JSON is the better report
    return fail("The request body must be a JSON object, but got " + got + " instead.", "",
                "invalid_type");
  }
  ondemand::object object;
  if (auto code = document.get_object().get(object)) return fail_json(code);

  std::uint32_t seen = 0;
  std::optional<std::int64_t> max_tokens;
  std::optional<std::int64_t> max_completion_tokens;
  for (auto field_result : object) {
    JsonField field;
    if (auto code = read_json_field(std::move(field_result), field)) return fail_json(code);
    const std::string_view key = field.key;
    ondemand::value value = field.value;

    const KnownField known = classify(key);
    const auto bit = static_cast<std::uint32_t>(known);
    if (bit != 0) {
      if (seen & bit) {
        return fail("Duplicate parameter '" + std::string(key) +
                        "': each parameter may appear only once in the request body.",
                    std::string(key), "duplicate_parameter");
      }
      seen |= bit;
    }
    bool ok = true;
    switch (known) {
      case KnownField::kModel:
        ok = read_model(value, view);
        break;
      case KnownField::kMessages:
        ok = read_messages(value, view);
        break;
      case KnownField::kStream:
        ok = read_boolean(value, "stream", 2, view.stream);
        break;
      case KnownField::kStreamOptions:
        ok = read_stream_options(value, view);
        break;
      case KnownField::kMaxTokens:
        ok = read_positive_integer(value, "max_tokens", max_tokens);
        break;
      case KnownField::kMaxCompletionTokens:
        ok = read_positive_integer(value, "max_completion_tokens", max_completion_tokens);
        break;
      case KnownField::kTemperature:
        ok = read_number(value, "temperature");
        break;
      case KnownField::kN: {
        std::optional<std::int64_t> choices;
        ok = read_positive_integer(value, "n", choices);
        break;
      }
      case KnownField::kTools:
        ok = read_array(value, "tools");
        break;
      case KnownField::kOther:
        ok = validate_any(value, 2);
        break;
    }
    if (!ok) return false;
  }
  if (!no_trailing_content(document)) return false;
  // max_completion_tokens replaces the deprecated max_tokens when both are set.
  view.max_tokens = max_completion_tokens ? max_completion_tokens : max_tokens;
  if (!(seen & static_cast<std::uint32_t>(KnownField::kModel))) {
    return fail("Missing required parameter: 'model'.", "model", "missing_required_parameter");
  }
  if (!(seen & static_cast<std::uint32_t>(KnownField::kMessages))) {
    return fail("Missing required parameter: 'messages'.", "messages",
                "missing_required_parameter");
  }
  return true;
}

bool ChatRequestReader::read_model(ondemand::value value, ChatRequestView& view) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type != ondemand::json_type::string) return fail_type(value, "model", "a string", 2);
  view.model_value = range_of(value.raw_json_token());
  std::string_view model;
  if (auto code = value.get_string().get(model)) return fail_json(code);
  if (model.empty()) {
    return fail("Invalid 'model': empty string. Expected the id of a model.", "model",
                "invalid_value");
  }
  view.model.assign(model);
  return true;
}

bool ChatRequestReader::read_messages(ondemand::value value, ChatRequestView& view) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type != ondemand::json_type::array) {
    return fail_type(value, "messages", "an array of objects", 2);
  }
  ondemand::array array;
  if (auto code = value.get_array().get(array)) return fail_json(code);
  std::size_t index = 0;
  for (auto element_result : array) {
    ondemand::value element;
    if (auto code = element_result.get(element)) return fail_json(code);
    if (!read_message(element, index, view)) return false;
    ++index;
  }
  if (index == 0) {
    return fail(
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
        "empty array instead.",
        "messages", "empty_array");
  }
  view.message_count = index;
  return true;
}

// "messages[3]" and its fields, for error messages: built only when one is reported.
std::string message_param(std::size_t index, std::string_view field = {}) {
  std::string param = "messages[" + std::to_string(index) + "]";
  param += field;
  return param;
}

bool ChatRequestReader::read_message(ondemand::value value, std::size_t index,
                                     ChatRequestView& view) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type != ondemand::json_type::object) {
    return fail_type(value, message_param(index), "an object", 3);
  }
  ondemand::object object;
  if (auto code = value.get_object().get(object)) return fail_json(code);

  bool has_role = false;
  for (auto field_result : object) {
    JsonField field;
    if (auto code = read_json_field(std::move(field_result), field)) return fail_json(code);
    const std::string_view key = field.key;
    ondemand::value field_value = field.value;
    if (key == "role") {
      if (auto code = field_value.type().get(type)) return fail_json(code);
      if (type != ondemand::json_type::string) {
        return fail_type(field_value, message_param(index, ".role"), "a string", 4);
      }
      std::string_view role;
      if (auto code = field_value.get_string().get(role)) return fail_json(code);
      if (!is_supported_role(role)) {
        return fail("Invalid value: '" + echo(role) +
                        "'. Supported values are: 'system', 'developer', 'user', 'assistant', "
                        "'tool', and 'function'.",
                    message_param(index, ".role"), "invalid_value");
      }
      has_role = true;
    } else if (key == "content") {
      if (!read_content(field_value, index, view)) return false;
    } else if (!validate_any(field_value, 4)) {
      return false;
    }
  }
  if (!has_role) {
    return fail("Missing required parameter: '" + message_param(index, ".role") + "'.",
                message_param(index, ".role"), "missing_required_parameter");
  }
  return true;
}

bool ChatRequestReader::read_content(ondemand::value value, std::size_t message_index,
                                     ChatRequestView& view) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  switch (type) {
    case ondemand::json_type::null:
      return validate_any(value, 4);
    case ondemand::json_type::string: {
      std::string_view text;
      if (auto code = value.get_string().get(text)) return fail_json(code);
      view.prompt_chars += count_characters(text);
      return true;
    }
    case ondemand::json_type::array:
      break;
    default:
      return fail_type(value, message_param(message_index, ".content"),
                       "one of a string or array of objects", 4);
  }
  ondemand::array parts;
  if (auto code = value.get_array().get(parts)) return fail_json(code);
  std::size_t index = 0;
  for (auto part_result : parts) {
    ondemand::value part;
    if (auto code = part_result.get(part)) return fail_json(code);
    if (auto code = part.type().get(type)) return fail_json(code);
    if (type != ondemand::json_type::object) {
      return fail_type(part, message_param(message_index, ".content[" + std::to_string(index) + "]"),
                       "an object", 5);
    }
    ondemand::object part_object;
    if (auto code = part.get_object().get(part_object)) return fail_json(code);
    for (auto field_result : part_object) {
      JsonField field;
      if (auto code = read_json_field(std::move(field_result), field)) return fail_json(code);
      const std::string_view key = field.key;
      ondemand::value field_value = field.value;
      // Text parts count toward the estimate; image, audio and file parts do not.
      if (key == "text" && field_value.type().get(type) == simdjson::SUCCESS &&
          type == ondemand::json_type::string) {
        std::string_view text;
        if (auto code = field_value.get_string().get(text)) return fail_json(code);
        view.prompt_chars += count_characters(text);
      } else if (!validate_any(field_value, 6)) {
        return false;
      }
    }
    ++index;
  }
  return true;
}

bool ChatRequestReader::read_stream_options(ondemand::value value, ChatRequestView& view) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type == ondemand::json_type::null) {
    // Recorded all the same: the passthrough must replace this null rather than add a second key.
    view.stream_options_value = range_of(value.raw_json_token());
    return validate_any(value, 2);
  }
  if (type != ondemand::json_type::object) {
    return fail_type(value, "stream_options", "an object", 2);
  }
  ondemand::object object;
  if (auto code = value.get_object().get(object)) return fail_json(code);
  std::string_view raw_object;
  if (auto code = object.raw_json().get(raw_object)) return fail_json(code);
  view.stream_options_value = range_of(raw_object);
  if (auto code = object.reset().error()) return fail_json(code);  // raw_json() consumed it

  for (auto field_result : object) {
    JsonField field;
    if (auto code = read_json_field(std::move(field_result), field)) return fail_json(code);
    const std::string_view key = field.key;
    ondemand::value field_value = field.value;
    if (key == "include_usage") {
      if (view.include_usage_value) {
        return fail(
            "Duplicate parameter 'stream_options.include_usage': each parameter may "
            "appear only once in the request body.",
            "stream_options.include_usage", "duplicate_parameter");
      }
      view.include_usage_value = range_of(field_value.raw_json_token());
      if (!read_boolean(field_value, "stream_options.include_usage", 3, view.include_usage)) {
        return false;
      }
    } else if (!validate_any(field_value, 3)) {
      return false;
    }
  }
  return true;
}

// Optional parameters accept null, meaning "not set", as OpenAI does.
bool ChatRequestReader::read_boolean(ondemand::value value, std::string_view param, int depth,
                                     bool& out) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type == ondemand::json_type::null) return validate_any(value, depth);
  if (type != ondemand::json_type::boolean) return fail_type(value, param, "a boolean", depth);
  if (auto code = value.get_bool().get(out)) return fail_json(code);
  return true;
}

bool ChatRequestReader::read_positive_integer(ondemand::value value, std::string_view param,
                                              std::optional<std::int64_t>& out) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type == ondemand::json_type::null) return validate_any(value, 2);
  if (type != ondemand::json_type::number) return fail_type(value, param, "an integer", 2);
  ondemand::number_type number_type;
  if (auto code = value.get_number_type().get(number_type)) return fail_json(code);
  if (number_type == ondemand::number_type::floating_point_number) {
    return fail_type(value, param, "an integer", 2);
  }
  if (number_type == ondemand::number_type::unsigned_integer) {
    // All digits (get_number_type checked), but too large for int64 and for any token budget.
    return fail("Invalid '" + std::string(param) +
                    "': integer above maximum value. Expected a value <= 9223372036854775807, "
                    "but got " +
                    echo(trim_json_whitespace_end(value.raw_json_token())) + " instead.",
                std::string(param), "integer_above_max_value");
  }
  std::int64_t number = 0;
  if (auto code = value.get_int64().get(number)) return fail_json(code);
  if (number < 1) {
    return fail("Invalid '" + std::string(param) +
                    "': integer below minimum value. Expected a value >= 1, but got " +
                    std::to_string(number) + " instead.",
                std::string(param), "integer_below_min_value");
  }
  out = number;
  return true;
}

bool ChatRequestReader::read_number(ondemand::value value, std::string_view param) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type == ondemand::json_type::null) return validate_any(value, 2);
  if (type != ondemand::json_type::number) return fail_type(value, param, "a number", 2);
  double number = 0;
  if (auto code = value.get_double().get(number)) return fail_json(code);
  return true;
}

bool ChatRequestReader::read_array(ondemand::value value, std::string_view param) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type != ondemand::json_type::null && type != ondemand::json_type::array) {
    return fail_type(value, param, "an array", 2);
  }
  return validate_any(value, 2);
}

// Checks that a value the gateway does not interpret is well-formed JSON. `depth` is the nesting
// level of the value itself (the body object is level 1).
bool ChatRequestReader::validate_any(ondemand::value value, int depth) {
  if (auto code = validate_json_value(value, depth)) return fail_json(code);
  return true;
}

// ChatRequestReader's reading of a body of the common shape, by hand in one pass
// (api/json_scanner.hpp: about half of simdjson's index and walk over the same bytes): every
// field the gateway interprets is of its usual type and value, once, and no key or model or
// role holds an escape. The scanner validates everything it passes over, so what this accepts
// is a valid request, read as ChatRequestReader reads it. Anything else, every error included,
// makes it give up, and the body goes to simdjson, which says what is wrong.
class CommonRequestReader {
 public:
  CommonRequestReader(std::string_view body, std::string& padded_copy) : json_(body, padded_copy) {}

  bool read(ChatRequestView& view) {
    std::uint32_t seen = 0;
    std::optional<std::int64_t> max_tokens;
    std::optional<std::int64_t> max_completion_tokens;
    const bool read = json_.document([&](std::string_view key) {
      const KnownField known = classify(key);
      const auto bit = static_cast<std::uint32_t>(known);
      if (seen & bit) return false;  // a duplicate: ChatRequestReader's error
      seen |= bit;
      switch (known) {
        case KnownField::kModel:
          return model(view);
        case KnownField::kMessages:
          return messages(view);
        case KnownField::kStream:
          return boolean(view.stream);
        case KnownField::kStreamOptions:
          return stream_options(view);
        case KnownField::kMaxTokens:
          return positive_integer(max_tokens);
        case KnownField::kMaxCompletionTokens:
          return positive_integer(max_completion_tokens);
        case KnownField::kTemperature:
          return number_or_null();
        case KnownField::kN: {
          std::optional<std::int64_t> choices;
          return positive_integer(choices);
        }
        case KnownField::kTools:
          return (json_.at('[') || json_.at('n')) && json_.value();
        case KnownField::kOther:
          return json_.value();
      }
      return false;
    });
    constexpr auto kRequired = static_cast<std::uint32_t>(KnownField::kModel) |
                               static_cast<std::uint32_t>(KnownField::kMessages);
    if (!read || (seen & kRequired) != kRequired) return false;
    view.max_tokens = max_completion_tokens ? max_completion_tokens : max_tokens;
    return true;
  }

 private:
  using StringToken = ValidatingJsonScanner::StringToken;

  bool model(ChatRequestView& view) {
    const std::size_t start = json_.offset();
    StringToken model;
    if (!json_.at('"') || !json_.string(model) || model.escaped || model.contents.empty()) {
      return false;
    }
    view.model_value = ByteRange{start, json_.offset() - start};
    view.model.assign(model.contents);
    return true;
  }

  bool messages(ChatRequestView& view) {
    if (!json_.at('[')) return false;
    std::size_t count = 0;
    const bool read = json_.array([&] {
      ++count;
      return json_.at('{') && message(view);
    });
    view.message_count = count;
    return read && count > 0;
  }

  bool message(ChatRequestView& view) {
    bool has_role = false;
    const bool read = json_.object([&](std::string_view key) {
      if (key == "role") {
        has_role = true;
        StringToken role;
        return json_.at('"') && json_.string(role) && !role.escaped &&
               is_supported_role(role.contents);
      }
      if (key == "content") return content(view);
      return json_.value();
    });
    return read && has_role;
  }

  bool content(ChatRequestView& view) {
    if (json_.at('"')) return text(view);
    if (json_.at('n')) return json_.literal("null");
    if (!json_.at('[')) return false;
    return json_.array([&] {
      // Text parts count toward the estimate; image, audio and file parts do not.
      return json_.at('{') && json_.object([&](std::string_view key) {
        return key == "text" && json_.at('"') ? text(view) : json_.value();
      });
    });
  }

  // A string of the prompt, counted as count_characters counts it unescaped.
  bool text(ChatRequestView& view) {
    StringToken text;
    if (!json_.string(text)) return false;
    view.prompt_chars += count_characters(text.contents) - text.escape_surplus;
    return true;
  }

  bool stream_options(ChatRequestView& view) {
    const std::size_t start = json_.offset();
    if (json_.at('n')) {
      if (!json_.literal("null")) return false;
    } else {
      if (!json_.at('{')) return false;
      const bool read = json_.object([&](std::string_view key) {
        if (key != "include_usage") return json_.value();
        if (view.include_usage_value) return false;  // a duplicate
        const std::size_t value_start = json_.offset();
        if (!boolean(view.include_usage)) return false;
        view.include_usage_value = ByteRange{value_start, json_.offset() - value_start};
        return true;
      });
      if (!read) return false;
    }
    view.stream_options_value = ByteRange{start, json_.offset() - start};
    return true;
  }

  // Optional parameters accept null, meaning "not set".
  bool boolean(bool& out) {
    if (json_.literal("true")) {
      out = true;
      return true;
    }
    if (json_.literal("false")) {
      out = false;
      return true;
    }
    return json_.literal("null");
  }

  // An integer of up to 18 digits (below 2^63), at least 1; anything else is an error or left to
  // simdjson's number rules.
  bool positive_integer(std::optional<std::int64_t>& out) {
    if (json_.at('n')) return json_.literal("null");
    ValidatingJsonScanner::NumberToken number;
    if (!json_.at_number() || !json_.number(number) || !number.is_plain_integer ||
        number.text.size() > 18) {
      return false;
    }
    std::int64_t value = 0;
    for (const char digit : number.text) value = value * 10 + (digit - '0');
    if (value < 1) return false;
    out = value;
    return true;
  }

  bool number_or_null() {
    if (json_.at('n')) return json_.literal("null");
    ValidatingJsonScanner::NumberToken ignored;
    return json_.at_number() && json_.number(ignored);
  }

  ValidatingJsonScanner json_;
};

}  // namespace

struct ChatRequestParser::State {
  // The common shape is read by hand first (CommonRequestReader); tests turn that off.
  bool common_shape_first = true;
  ChatRequestView scanned;  // what the hand-written reading read, when it read the body
  bool has_scanned = false;

  ondemand::parser parser;
  std::string padded_body;  // the body followed by SIMDJSON_PADDING readable bytes
  std::size_t json_start = 0;
  ondemand::document document;
  simdjson::error_code indexed = simdjson::UNINITIALIZED;  // stage 1's outcome
  bool at_start = false;  // the document's iterator is at the start (else: index it again)
  std::string model;      // index()'s answer (read() reuses the iterator's string buffer)

  simdjson::padded_string_view json() const {
    return simdjson::padded_string_view(
        padded_body.data() + json_start,
        padded_body.size() - json_start - simdjson::SIMDJSON_PADDING,
        padded_body.size() - json_start);
  }

  void load(std::string_view body) {
    padded_body.resize(body.size() + simdjson::SIMDJSON_PADDING);
    if (!body.empty()) std::memcpy(padded_body.data(), body.data(), body.size());
    // The buffer is reused across requests: clear the padding, or bytes of an earlier, longer
    // body would sit right after this one, where simdjson may look (a number at the very end).
    std::memset(padded_body.data() + body.size(), 0, simdjson::SIMDJSON_PADDING);
    // JSON text may start with a byte order mark (RFC 8259 lets parsers ignore it); simdjson
    // does not skip it, so parsing starts after it while offsets still count from the body's
    // start.
    json_start = body.substr(0, kUtf8Bom.size()) == kUtf8Bom ? kUtf8Bom.size() : 0;
    indexed = parser.iterate(json()).get(document);
    at_start = true;
  }

  // Reads `body` by hand when it is of the common shape; false leaves it to load().
  bool scan(std::string_view body) {
    scanned = ChatRequestView{};
    has_scanned = common_shape_first && CommonRequestReader(body, padded_body).read(scanned);
    return has_scanned;
  }
};

ChatRequestParser::ChatRequestParser() : state_(std::make_unique<State>()) {}
ChatRequestParser::~ChatRequestParser() = default;
ChatRequestParser::ChatRequestParser(ChatRequestParser&&) noexcept = default;
ChatRequestParser& ChatRequestParser::operator=(ChatRequestParser&&) noexcept = default;

std::optional<std::string_view> ChatRequestParser::index(std::string_view body) {
  State& state = *state_;
  if (state.scan(body)) {
    state.model.assign(state.scanned.model);
    return std::string_view(state.model);
  }
  state.load(body);
  if (state.indexed) return std::nullopt;
  // The first "model" among the top-level fields (a duplicate is read()'s error to report).
  state.at_start = false;
  ondemand::object object;
  ondemand::value value;
  std::string_view model;
  if (state.document.get_object().get(object) || object.find_field_unordered("model").get(value) ||
      value.get_string().get(model) || model.empty()) {
    return std::nullopt;
  }
  state.model.assign(model);
  state.document.rewind();
  state.at_start = true;
  return std::string_view(state.model);
}

ChatRequestResult ChatRequestParser::read() {
  State& state = *state_;
  if (state.has_scanned) return state.scanned;
  // After index() met an error on its way to the model, the iterator may not start again from
  // the top: the body is indexed again (a bad body's cost only).
  if (!state.at_start && !state.indexed) {
    state.indexed = state.parser.iterate(state.json()).get(state.document);
  }
  if (state.indexed) return json_error(state.indexed);
  state.at_start = false;
  ChatRequestReader reader(state.padded_body.data());
  ChatRequestView view;
  if (!reader.read(state.document, view)) return std::move(reader.error());
  return view;
}

ChatRequestResult ChatRequestParser::parse(std::string_view body) {
  if (!state_->scan(body)) state_->load(body);
  return read();
}

namespace detail {

bool scan_common_request(std::string_view body, ChatRequestView& view) {
  std::string padded_copy;
  return CommonRequestReader(body, padded_copy).read(view);
}

ChatRequestResult parse_with_simdjson_only(std::string_view body) {
  ChatRequestParser parser;
  parser.state_->common_shape_first = false;
  return parser.parse(body);
}

}  // namespace detail

std::optional<std::string_view> leading_model(std::string_view body) {
  const char* p = body.data();
  const char* const end = p + body.size();
  const auto skip_whitespace = [&] {
    while (p != end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  };
  const auto consume = [&](std::string_view expected) {
    if (static_cast<std::size_t>(end - p) < expected.size() ||
        std::memcmp(p, expected.data(), expected.size()) != 0) {
      return false;
    }
    p += expected.size();
    return true;
  };
  skip_whitespace();
  if (!consume("{")) return std::nullopt;
  skip_whitespace();
  if (!consume("\"model\"")) return std::nullopt;
  skip_whitespace();
  if (!consume(":")) return std::nullopt;
  skip_whitespace();
  if (!consume("\"")) return std::nullopt;
  const char* const start = p;
  while (p != end && *p != '"') {
    if (*p == '\\' || static_cast<unsigned char>(*p) < 0x20) return std::nullopt;
    ++p;
  }
  if (p == end || p == start) return std::nullopt;
  return std::string_view(start, static_cast<std::size_t>(p - start));
}

ChatRequestResult parse_chat_request(std::string_view body) {
  ChatRequestParser parser;
  return parser.parse(body);
}

std::string request_error_body(const RequestError& error) {
  return error_body(error.message, "invalid_request_error", error.code, error.param);
}

}  // namespace tollgate::api::openai
