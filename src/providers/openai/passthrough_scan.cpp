// The hand-written readings of the passthrough's common JSON (passthrough_detail.hpp): a stream
// chunk for StreamChunkPatcher::patch and a whole response for ResponseScanner::restore_model.
// simdjson first indexes the whole document, then On-Demand walks the index for the few values
// wanted: ~3,700 instructions for a ~250-byte chunk, ~9,500 for a ~600-byte response. One pass
// that validates as it reads costs about half (callgrind, BM_PassthroughChunk and
// BM_PassthroughResponse in bench/micro/translate_bench.cpp). Each reading only needs to be right
// on what it accepts: whatever it does not know gives up, and its caller asks simdjson.
//
// ValidatingJsonScanner (api/json_scanner.hpp) is the JSON; CommonChunkReader and
// CommonResponseReader say which members matter and how they are read, each by the rules of the
// simdjson scan it stands in for.
#include <cstdint>
#include <utility>

#include "api/json_scanner.hpp"
#include "providers/openai/passthrough_detail.hpp"

namespace tollgate::providers::openai::detail {
namespace {

using api::ValidatingJsonScanner;
using api::openai::ByteRange;

// A top-level "model" at its value. Only a string one is replaced (see note_model in
// passthrough.cpp); another kind is only validated.
bool read_model(ValidatingJsonScanner& json, std::vector<ByteRange>& model_ranges) {
  if (!json.at('"')) return json.value();
  const std::size_t start = json.offset();
  if (!json.string()) return false;
  model_ranges.push_back({start, json.offset() - start});
  return true;
}

// ---------------------------------------------------------------------------------------------
// A stream chunk, by the rules of StreamChunkPatcher's simdjson scan
// ---------------------------------------------------------------------------------------------

class CommonChunkReader {
 public:
  CommonChunkReader(std::string_view payload, CommonChunk& chunk)
      : json_(payload, chunk.padded_payload), chunk_(chunk) {}

  bool read() {
    chunk_.model_ranges.clear();
    chunk_.has_choices = false;
    chunk_.has_content = false;
    chunk_.finish_reason = {};
    return json_.document([this](std::string_view key) { return top_level_member(key); });
  }

 private:
  bool top_level_member(std::string_view key) {
    if (key == "model") return read_model(json_, chunk_.model_ranges);
    if (key == "choices" && json_.at('[')) {
      return json_.array([this] {
        chunk_.has_choices = true;
        return json_.at('{') ? choice() : json_.value();
      });
    }
    // The usage chunk (once per stream) and errors are left to simdjson.
    if (key == "usage") return !json_.at('{') && json_.value();
    if (key == "error") return json_.literal("null");
    return json_.value();
  }

  bool choice() {
    return json_.object([this](std::string_view key) {
      if (key == "delta" && json_.at('{')) return delta();
      if (key == "finish_reason" && json_.at('"')) {
        ValidatingJsonScanner::StringToken reason;
        // simdjson would unescape it; a finish reason is a plain word, so none is expected.
        if (!json_.string(reason) || reason.escaped) return false;
        if (chunk_.finish_reason.empty()) chunk_.finish_reason = json_.in_text(reason.contents);
        return true;
      }
      return json_.value();
    });
  }

  bool delta() {
    return json_.object([this](std::string_view key) {
      const bool is_text =
          key == "content" || key == "refusal" || key == "reasoning_content" || key == "reasoning";
      if (is_text && json_.at('"')) {
        ValidatingJsonScanner::StringToken text;
        if (!json_.string(text)) return false;
        // Only "" unescapes to an empty string: every escape stands for at least one byte.
        chunk_.has_content |= !text.contents.empty();
        return true;
      }
      if (key == "tool_calls" && json_.at('[')) {
        bool has_tool_calls = false;
        const bool read = json_.array([&] {
          has_tool_calls = true;
          return json_.value();
        });
        chunk_.has_content |= has_tool_calls;
        return read;
      }
      return json_.value();
    });
  }

  ValidatingJsonScanner json_;
  CommonChunk& chunk_;
};

// ---------------------------------------------------------------------------------------------
// A whole response, by the rules of ResponseScanner's strict simdjson scan (read_usage,
// read_detail and read_count in passthrough.cpp): every value is validated, which the scanner does
// anyway.
// ---------------------------------------------------------------------------------------------

class CommonResponseReader {
 public:
  CommonResponseReader(std::string_view body, CommonResponse& response)
      : json_(body, response.padded_body), response_(response) {}

  bool read() {
    response_.model_ranges.clear();
    response_.usage = Usage{};
    bool has_usage = false;
    return json_.document([&](std::string_view key) {
      if (key == "model") return read_model(json_, response_.model_ranges);
      if (key == "usage") {
        // simdjson keeps the last of several; no upstream sends more than one.
        if (std::exchange(has_usage, true)) return false;
        // A usage that is neither is read as absent by simdjson, but it is a broken upstream.
        return json_.at('{') ? usage() : json_.literal("null");
      }
      return json_.value();
    });
  }

 private:
  bool usage() {
    Usage& usage = response_.usage;
    usage.present = true;
    return json_.object([&](std::string_view key) {
      if (key == "prompt_tokens") return count(usage.prompt_tokens);
      if (key == "completion_tokens") return count(usage.completion_tokens);
      if (key == "total_tokens") return count(usage.total_tokens);
      if (key == "prompt_tokens_details") return detail("cached_tokens", usage.cached_tokens);
      if (key == "completion_tokens_details") {
        return detail("reasoning_tokens", usage.reasoning_tokens);
      }
      return json_.value();
    });
  }

  // As read_detail: only an object is read, and one without `wanted_key` leaves `out` as it was.
  bool detail(std::string_view wanted_key, std::int64_t& out) {
    if (!json_.at('{')) return json_.value();
    return json_.object(
        [&](std::string_view key) { return key == wanted_key ? count(out) : json_.value(); });
  }

  // As read_count, for the counts it reads without judgement: a value that is not a number is 0,
  // and an integer of up to 18 digits (below 2^63) is itself. Other numbers (negative, decimal,
  // larger) are left to simdjson, which has rules for each.
  bool count(std::int64_t& out) {
    out = 0;
    if (!json_.at_number()) return json_.value();
    ValidatingJsonScanner::NumberToken number;
    if (!json_.number(number) || !number.is_plain_integer || number.text.size() > 18) return false;
    for (const char digit : number.text) out = out * 10 + (digit - '0');
    return true;
  }

  ValidatingJsonScanner json_;
  CommonResponse& response_;
};

}  // namespace

bool scan_common_chunk(std::string_view payload, CommonChunk& chunk) {
  return CommonChunkReader(payload, chunk).read();
}

bool scan_common_response(std::string_view body, CommonResponse& response) {
  return CommonResponseReader(body, response).read();
}

}  // namespace tollgate::providers::openai::detail
