#include "mock_upstream/chat_request.hpp"

#include "mock_upstream/content.hpp"

#include <simdjson.h>

namespace tollgate::mock {
namespace {

namespace od = simdjson::ondemand;

// A read step: nothing when it went well, else the 400 to send.
using ReadError = std::optional<ApiError>;

ApiError invalid_json() {
  return invalid_request(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
      "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
      "sent was not valid JSON.)");
}

// `value` could not be read as `expected`: either it is valid JSON of another type (a 400 that
// names the parameter) or not JSON at all.
ApiError wrong_value(od::value& value, std::string_view param, std::string_view expected) {
  od::json_type type;
  if (value.type().get(type)) return invalid_json();
  return invalid_request(
      "Invalid type for '" + std::string(param) + "': expected " + std::string(expected) + ".",
      param, "invalid_type");
}

// Reads a value the mock has no use for, so that it is validated all the same: On-Demand only
// checks the structure of what it skips, and a gateway that patches request bytes must not get
// away with sending broken JSON.
simdjson::error_code validate(od::value& value, int depth = 0) {
  constexpr int kMaxDepth = 64;
  od::json_type type;
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case od::json_type::object: {
      if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
      od::object object;
      if (auto error = value.get_object().get(object)) return error;
      for (auto field_result : object) {
        od::field field;
        std::string_view key;
        if (auto error = std::move(field_result).get(field)) return error;
        if (auto error = field.unescaped_key().get(key)) return error;
        if (auto error = validate(field.value(), depth + 1)) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
      od::array array;
      if (auto error = value.get_array().get(array)) return error;
      for (auto element_result : array) {
        od::value element;
        if (auto error = std::move(element_result).get(element)) return error;
        if (auto error = validate(element, depth + 1)) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string:
      return value.get_string().error();
    case od::json_type::number:
      return value.get_number().error();
    case od::json_type::boolean:
      return value.get_bool().error();
    case od::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return error;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

// For a field the mock does not read.
ReadError skip(od::value& value) {
  return validate(value) ? ReadError(invalid_json()) : std::nullopt;
}

// Field by field over an object, unescaping each key: `visit(key, value)` reads the value (or
// skip()s it) and returns a ReadError.
template <class Visit>
ReadError for_each_field(od::object& object, Visit&& visit) {
  for (auto field_result : object) {
    od::field field;
    std::string_view key;
    if (std::move(field_result).get(field) || field.unescaped_key().get(key)) return invalid_json();
    if (auto error = visit(key, field.value())) return error;
  }
  return std::nullopt;
}

// Counted words and the running hash of one message's text (a string, or the "text" of each part).
struct MessageText {
  uint32_t words = 0;
  uint64_t hash = kFnvOffsetBasis;

  void add(std::string_view text) {
    words += count_words(text);
    hash = fnv1a(text, hash);
  }
};

constexpr std::string_view kContentParam = "messages.content";

ReadError read_content(od::value& content, MessageText& text) {
  od::json_type type;
  if (content.type().get(type)) return invalid_json();
  if (type == od::json_type::null) {
    return content.is_null().error() ? ReadError(invalid_json()) : std::nullopt;
  }
  if (type == od::json_type::string) {
    std::string_view value;
    if (content.get_string().get(value)) return invalid_json();
    text.add(value);
    return std::nullopt;
  }
  od::array parts;
  if (content.get_array().get(parts)) {
    return wrong_value(content, kContentParam, "a string, an array of parts or null");
  }
  for (auto part_result : parts) {
    od::value part_value;
    od::object part;
    if (std::move(part_result).get(part_value)) return invalid_json();
    if (part_value.get_object().get(part)) {
      return wrong_value(part_value, kContentParam, "an array of content part objects");
    }
    auto error = for_each_field(part, [&](std::string_view key, od::value& value) -> ReadError {
      if (key != "text") return skip(value);
      std::string_view part_text;
      if (value.get_string().get(part_text))
        return wrong_value(value, "messages.content.text", "a string");
      text.add(part_text);
      return std::nullopt;
    });
    if (error) return error;
  }
  return std::nullopt;
}

ReadError read_messages(od::value& messages_value, ChatRequest& request) {
  od::array messages;
  if (messages_value.get_array().get(messages)) {
    return wrong_value(messages_value, "messages", "an array");
  }
  uint32_t count = 0;
  for (auto message_result : messages) {
    od::value message_value;
    od::object message;
    if (std::move(message_result).get(message_value)) return invalid_json();
    if (message_value.get_object().get(message)) {
      return wrong_value(message_value, "messages", "an array of objects");
    }
    MessageText text;
    auto error = for_each_field(message, [&](std::string_view key, od::value& value) {
      return key == "content" ? read_content(value, text) : skip(value);
    });
    if (error) return error;
    ++count;
    request.prompt_tokens += text.words + kPromptTokensPerMessage;
    request.last_content_hash = text.hash;
  }
  if (count == 0) {
    return invalid_request(
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
        "empty array instead.",
        "messages", "empty_array");
  }
  return std::nullopt;
}

// A boolean or null (= false).
ReadError read_flag(od::value& value, std::string_view param, bool& flag) {
  bool is_null = false;
  if (value.is_null().get(is_null)) return invalid_json();
  if (is_null) return std::nullopt;
  if (value.get_bool().get(flag)) return wrong_value(value, param, "a boolean");
  return std::nullopt;
}

ReadError read_stream_options(od::value& value, ChatRequest& request) {
  bool is_null = false;
  if (value.is_null().get(is_null)) return invalid_json();
  if (is_null) return std::nullopt;
  od::object options;
  if (value.get_object().get(options)) return wrong_value(value, "stream_options", "an object");
  return for_each_field(options, [&](std::string_view key, od::value& option) -> ReadError {
    if (key != "include_usage") return skip(option);
    return read_flag(option, "stream_options.include_usage", request.include_usage);
  });
}

// max_tokens or max_completion_tokens; null means absent.
ReadError read_token_limit(od::value& value, std::string_view param,
                           std::optional<int64_t>& limit) {
  bool is_null = false;
  if (value.is_null().get(is_null)) return invalid_json();
  if (is_null) return std::nullopt;
  int64_t tokens = 0;
  if (value.get_int64().get(tokens)) return wrong_value(value, param, "an integer");
  if (tokens < 1) {
    return invalid_request("Invalid '" + std::string(param) +
                               "': integer below minimum value. Expected a value >= 1, but got " +
                               std::to_string(tokens) + " instead.",
                           param, "integer_below_min_value");
  }
  limit = tokens;
  return std::nullopt;
}

}  // namespace

boost::system::result<ChatRequest, ApiError> parse_chat_request(std::string& body) {
  // simdjson reads a little past the document: give it zeroed padding (not whatever the
  // string's spare capacity held), then shrink back to the body.
  const std::size_t size = body.size();
  body.append(simdjson::SIMDJSON_PADDING, '\0');
  body.resize(size);
  // One parser per loop thread: it keeps its buffers between requests. Parsing never suspends,
  // so no other request on this thread can use it meanwhile.
  thread_local od::parser parser;
  od::document document;
  if (parser.iterate(body.data(), body.size(), body.capacity()).get(document)) {
    return invalid_json();
  }
  od::object root;
  if (auto error = document.get_object().get(root)) {
    if (error == simdjson::INCORRECT_TYPE) {
      return invalid_request("Invalid request body: expected a JSON object.");
    }
    return invalid_json();
  }

  ChatRequest request;
  bool has_model = false;
  bool has_messages = false;
  std::optional<int64_t> max_tokens;
  std::optional<int64_t> max_completion_tokens;
  auto error = for_each_field(root, [&](std::string_view key, od::value& value) -> ReadError {
    if (key == "model") {
      std::string_view model;
      if (value.get_string().get(model)) return wrong_value(value, "model", "a string");
      request.model.assign(model);
      has_model = !model.empty();
    } else if (key == "messages") {
      has_messages = true;
      return read_messages(value, request);
    } else if (key == "stream") {
      return read_flag(value, "stream", request.stream);
    } else if (key == "stream_options") {
      return read_stream_options(value, request);
    } else if (key == "max_tokens") {
      return read_token_limit(value, "max_tokens", max_tokens);
    } else if (key == "max_completion_tokens") {
      return read_token_limit(value, "max_completion_tokens", max_completion_tokens);
    }
    return skip(value);
  });
  if (error) return *error;

  if (!has_model) return invalid_request("you must provide a model parameter", "model");
  if (!has_messages) {
    return invalid_request("Missing required parameter: 'messages'.", "messages",
                           "missing_required_parameter");
  }
  request.max_tokens = max_completion_tokens ? max_completion_tokens : max_tokens;
  return request;
}

}  // namespace tollgate::mock
