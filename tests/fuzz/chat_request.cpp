// Fuzzes the OpenAI chat request parser (the first thing that reads a client's body) and the
// byte-level patch that turns the client's body into the upstream one.
//
// Invariants:
//   - parse() never crashes, whatever the bytes, and a reused parser (the hot path keeps one per
//     thread) answers exactly as a fresh one does (see fuzz_check.hpp);
//   - the result is exactly the one simdjson alone gives (parse() reads the common shape of a
//     request by hand), and a body the hand-written reading accepts is valid JSON;
//   - an error has one of the documented codes and its OpenAI error body is valid JSON;
//   - an accepted body is valid JSON (RFC 8259's grammar, json_grammar.hpp), every byte of it;
//   - a view's byte ranges lie inside the input: `model_value` is a JSON string token (quotes
//     included), `stream_options_value` an object or `null`, `include_usage_value` a literal
//     inside it that agrees with `include_usage`;
//   - build_upstream_body() gives a body that parses again, with model "upstream-model", the
//     same stream flag, messages and limits, include_usage forced to true when streaming; when
//     nothing but the model needs patching it is the input with exactly those bytes replaced;
//     and patching it again changes nothing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>

#include "api/openai/chat_request.hpp"
#include "api/openai/chat_request_detail.hpp"
#include "fuzz_check.hpp"
#include "json_grammar.hpp"
#include "providers/openai/passthrough.hpp"

namespace {

using tollgate::api::openai::ByteRange;
using tollgate::api::openai::ChatRequestParser;
using tollgate::api::openai::ChatRequestResult;
using tollgate::api::openai::ChatRequestView;
using tollgate::api::openai::RequestError;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kUpstreamModel = "upstream-model";

bool within(const ByteRange& range, std::size_t size) {
  return range.offset <= size && range.length <= size - range.offset;
}

std::string_view text_of(std::string_view input, const ByteRange& range) {
  return input.substr(range.offset, range.length);
}

bool is_valid_json(std::string_view text) {
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  return tollgate::fuzz::JsonGrammar::is_valid(text);
}

bool is_documented_code(std::string_view code) {
  return code == "invalid_json" || code == "invalid_encoding" || code == "invalid_type" ||
         code == "missing_required_parameter" || code == "empty_array" || code == "invalid_value" ||
         code == "integer_below_min_value" || code == "integer_above_max_value" ||
         code == "duplicate_parameter";
}

bool same_view(const ChatRequestView& a, const ChatRequestView& b) {
  return a.model == b.model && a.model_value == b.model_value && a.stream == b.stream &&
         a.include_usage == b.include_usage && a.stream_options_value == b.stream_options_value &&
         a.include_usage_value == b.include_usage_value && a.max_tokens == b.max_tokens &&
         a.message_count == b.message_count && a.prompt_chars == b.prompt_chars;
}

bool same_result(const ChatRequestResult& a, const ChatRequestResult& b) {
  if (a.index() != b.index()) return false;
  if (const auto* view = std::get_if<ChatRequestView>(&a)) {
    return same_view(*view, std::get<ChatRequestView>(b));
  }
  return std::get<RequestError>(a) == std::get<RequestError>(b);
}

void describe(const char* label, const ChatRequestResult& result) {
  if (const auto* error = std::get_if<RequestError>(&result)) {
    std::fprintf(stderr, "%s: error %s: %s\n", label, error->code.c_str(), error->message.c_str());
  } else {
    const ChatRequestView& view = std::get<ChatRequestView>(result);
    std::fprintf(stderr, "%s: view, model '%s', stream %d, include_usage %d\n", label,
                 view.model.c_str(), view.stream, view.include_usage);
  }
}

void check_error(const RequestError& error) {
  FUZZ_CHECK(is_documented_code(error.code));
  FUZZ_CHECK(!error.message.empty());
  FUZZ_CHECK(is_valid_json(tollgate::api::openai::request_error_body(error)));
}

void check_view_ranges(std::string_view input, const ChatRequestView& view) {
  // The parser validates every byte, not only the fields it reads.
  FUZZ_CHECK(is_valid_json(input));
  FUZZ_CHECK(!view.model.empty());
  FUZZ_CHECK(view.message_count >= 1);
  FUZZ_CHECK(!view.max_tokens || *view.max_tokens >= 1);

  FUZZ_CHECK(within(view.model_value, input.size()));
  const std::string_view model_token = text_of(input, view.model_value);
  FUZZ_CHECK(model_token.size() >= 2);
  FUZZ_CHECK(model_token.front() == '"' && model_token.back() == '"');

  if (view.stream_options_value) {
    FUZZ_CHECK(within(*view.stream_options_value, input.size()));
    const std::string_view options = text_of(input, *view.stream_options_value);
    FUZZ_CHECK(options == "null" ||
               (options.size() >= 2 && options.front() == '{' && options.back() == '}'));
    // The two top-level values cannot overlap.
    const ByteRange& o = *view.stream_options_value;
    const ByteRange& m = view.model_value;
    FUZZ_CHECK(o.offset + o.length <= m.offset || m.offset + m.length <= o.offset);
  }
  if (view.include_usage_value) {
    FUZZ_CHECK(view.stream_options_value.has_value());
    const ByteRange& value = *view.include_usage_value;
    const ByteRange& options = *view.stream_options_value;
    FUZZ_CHECK(value.offset > options.offset &&
               value.offset + value.length < options.offset + options.length);
    const std::string_view literal = text_of(input, value);
    FUZZ_CHECK(literal == "true" || literal == "false" || literal == "null");
    FUZZ_CHECK(view.include_usage == (literal == "true"));
  } else {
    FUZZ_CHECK(!view.include_usage);
  }
}

void check_upstream_body(std::string_view input, const ChatRequestView& view) {
  const std::string upstream =
      tollgate::providers::openai::build_upstream_body(input, view, kUpstreamModel);

  ChatRequestResult reparsed = tollgate::api::openai::parse_chat_request(upstream);
  if (const auto* error = std::get_if<RequestError>(&reparsed)) {
    std::fprintf(stderr, "upstream body does not parse: %s (%s)\n%s\n", error->message.c_str(),
                 error->code.c_str(), upstream.c_str());
  }
  FUZZ_CHECK(std::holds_alternative<ChatRequestView>(reparsed));
  FUZZ_CHECK(is_valid_json(upstream));
  const ChatRequestView& again = std::get<ChatRequestView>(reparsed);
  FUZZ_CHECK(again.model == kUpstreamModel);
  FUZZ_CHECK(again.stream == view.stream);
  FUZZ_CHECK(again.include_usage == (view.stream || view.include_usage));
  FUZZ_CHECK(again.message_count == view.message_count);
  FUZZ_CHECK(again.prompt_chars == view.prompt_chars);
  FUZZ_CHECK(again.max_tokens == view.max_tokens);

  // Only the model token changes when no stream option needs forcing; a BOM is dropped.
  if (!view.stream || view.include_usage) {
    const std::size_t start = input.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0;
    std::string expected(input.substr(start, view.model_value.offset - start));
    expected += '"';
    expected += kUpstreamModel;
    expected += '"';
    expected += input.substr(view.model_value.offset + view.model_value.length);
    FUZZ_CHECK(upstream == expected);
  }

  // Patching the patched body is a no-op (retries must not grow the body).
  FUZZ_CHECK(tollgate::providers::openai::build_upstream_body(upstream, again, kUpstreamModel) ==
             upstream);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ChatRequestParser reused;  // fed input after input, as on the hot path
  static tollgate::fuzz::PreviousInput previous;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  ChatRequestResult result;
  if (tollgate::fuzz::reuse_parsers()) {
    result = reused.parse(input);
    const ChatRequestResult fresh = tollgate::api::openai::parse_chat_request(input);
    if (!same_result(result, fresh)) {
      describe("reused parser", result);
      describe("fresh parser", fresh);
      previous.print();
    }
    FUZZ_CHECK(same_result(result, fresh));
    previous.remember(input);
  } else {
    result = tollgate::api::openai::parse_chat_request(input);
  }

  const ChatRequestResult slow = tollgate::api::openai::detail::parse_with_simdjson_only(input);
  if (!same_result(result, slow)) {
    describe("parse()", result);
    describe("simdjson alone", slow);
  }
  FUZZ_CHECK(same_result(result, slow));
  ChatRequestView scanned;
  if (tollgate::api::openai::detail::scan_common_request(input, scanned)) {
    FUZZ_CHECK(is_valid_json(input));
  }

  if (const auto* error = std::get_if<RequestError>(&result)) {
    check_error(*error);
    return 0;
  }
  const ChatRequestView& view = std::get<ChatRequestView>(result);
  check_view_ranges(input, view);
  check_upstream_body(input, view);
  return 0;
}
