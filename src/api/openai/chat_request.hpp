// A validating view of an OpenAI `POST /v1/chat/completions` body. It reads only what the gateway
// needs (model, streaming flags, token limit, a size estimate), checks the fields OpenAI would
// reject, and records where the bytes of `model` and `stream_options` are, so the passthrough
// path can patch the body without re-serialising it. Every other field is validated as JSON and
// passed through untouched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tollgate::api::openai {

// A span of bytes in the body that was parsed.
struct ByteRange {
  std::size_t offset = 0;
  std::size_t length = 0;

  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

struct ChatRequestView {
  std::string model;      // the unescaped value of "model"
  ByteRange model_value;  // the JSON string token of "model", quotes included
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  // The whole value of "stream_options" (an object, or `null`) when the key is present.
  std::optional<ByteRange> stream_options_value;
  // The value token of stream_options.include_usage when that key is present, so it can be set
  // to true without dropping the client's other stream options.
  std::optional<ByteRange> include_usage_value;
  std::optional<std::int64_t> max_tokens;  // max_completion_tokens, else max_tokens
  std::size_t message_count = 0;
  // Unicode characters in message text (string contents and the "text" of content parts): a
  // cheap input for token estimates before the upstream reports usage.
  std::size_t prompt_chars = 0;

  friend bool operator==(const ChatRequestView&, const ChatRequestView&) = default;
};

// A client error in OpenAI terms: the SDKs show `message`, and `param` names the offending field
// (e.g. "messages[3].role"; empty when the body as a whole is at fault). `code` is stable:
//   invalid_json                 the body is not JSON, is not one JSON value, or nests too deeply
//   invalid_encoding             the body is not UTF-8
//   invalid_type                 a field (or the body) has the wrong JSON type
//   missing_required_parameter   a required field is absent
//   empty_array                  `messages` is []
//   invalid_value                a value outside the allowed set (a role, an empty model)
//   integer_below_min_value      e.g. max_tokens: 0
//   integer_above_max_value      an integer beyond int64
//   duplicate_parameter          a field the gateway interprets appears twice (it could otherwise
//                                be read one way here and another way upstream)
struct RequestError {
  std::string message;
  std::string param;
  std::string code;

  friend bool operator==(const RequestError&, const RequestError&) = default;
};

using ChatRequestResult = std::variant<ChatRequestView, RequestError>;

namespace detail {
// parse() with every body read by simdjson: for tests (chat_request_detail.hpp).
ChatRequestResult parse_with_simdjson_only(std::string_view body);
}  // namespace detail

// Reads a body of the common shape by hand in one pass, and any other with simdjson, which
// reports what is wrong (chat_request_detail.hpp). Reuses its buffers across requests: keep one
// per thread (or per io_context) on the hot path. Not thread-safe.
class ChatRequestParser {
 public:
  ChatRequestParser();
  ~ChatRequestParser();
  ChatRequestParser(ChatRequestParser&&) noexcept;
  ChatRequestParser& operator=(ChatRequestParser&&) noexcept;

  // Never throws on bad input and never crashes, whatever the bytes. Byte ranges in the result
  // are offsets into `body`; `body` is copied, so it need not outlive the call.
  ChatRequestResult parse(std::string_view body);

  // parse() in two steps, for a caller that decides by the model whether it needs the rest:
  // index() returns the top-level "model" when it is a non-empty string, and nullopt for a body
  // that is no JSON object or has no such model; the model stays valid until the next index()
  // or parse(). A body of the common shape is read whole by hand on the way; any other is
  // copied and indexed (simdjson's stage 1, the part of parsing that reads every byte), and
  // nothing else of it is checked. read() then gives what parse() would, with the same errors,
  // without reading the body again.
  std::optional<std::string_view> index(std::string_view body);
  ChatRequestResult read();

 private:
  friend ChatRequestResult detail::parse_with_simdjson_only(std::string_view body);

  struct State;
  std::unique_ptr<State> state_;
};

// The model of a body that starts with it — `{`, `"model"`, `:` and a non-empty string without
// escapes or control characters, whitespace allowed between them, as clients send it — pointing
// into `body`; nullopt for any other start (index() finds the model wherever it is). Nothing
// after the model is looked at: the body may still be invalid.
std::optional<std::string_view> leading_model(std::string_view body);

// One-off convenience: builds a parser for this call (its buffers are allocated each time).
ChatRequestResult parse_chat_request(std::string_view body);

// The OpenAI error body for a RequestError (type "invalid_request_error"; HTTP status 400).
std::string request_error_body(const RequestError& error);

}  // namespace tollgate::api::openai
