#include "providers/openai/passthrough.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "api/json_text.hpp"
#include "api/json_validation.hpp"
#include "providers/openai/passthrough_detail.hpp"

namespace tollgate::providers::openai {
namespace {

namespace ondemand = simdjson::ondemand;
using api::openai::ByteRange;
using api::openai::ChatRequestView;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kIncludeUsageObject = R"({"include_usage":true})";
constexpr std::string_view kStreamOptionsMember = R"("stream_options":{"include_usage":true},)";
constexpr std::string_view kDoneSentinel = "[DONE]";

bool is_json_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim_whitespace(std::string_view text) {
  while (!text.empty() && is_json_whitespace(text.front())) text.remove_prefix(1);
  return api::trim_json_whitespace_end(text);
}

// A reusable copy of the input followed by the padding simdjson reads past the end. Offsets of
// tokens are measured from the start of the copy, which is the start of the input.
class PaddedJson {
 public:
  simdjson::padded_string_view load(std::string_view json) {
    buffer_.resize(json.size() + simdjson::SIMDJSON_PADDING);
    if (!json.empty()) std::memcpy(buffer_.data(), json.data(), json.size());
    // The buffer is reused: clear the padding, or bytes of an earlier, longer document would
    // sit right after this one, where simdjson may look (a number at the very end, for one).
    std::memset(buffer_.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    const std::size_t start = json.substr(0, kUtf8Bom.size()) == kUtf8Bom ? kUtf8Bom.size() : 0;
    return simdjson::padded_string_view(buffer_.data() + start, json.size() - start,
                                        buffer_.size() - start);
  }

  ByteRange range_of(std::string_view token) const {
    token = api::trim_json_whitespace_end(token);
    return ByteRange{static_cast<std::size_t>(token.data() - buffer_.data()), token.size()};
  }

 private:
  std::string buffer_;
};

// Strict scans (a whole response) check every value, so that a body that is not valid JSON is
// recognised and left alone. Lenient scans (one chunk per SSE event, on the hot path) read only
// what they need and let simdjson skip the rest.
enum class Strictness { kLenient, kStrict };

simdjson::error_code skip_or_validate(ondemand::value value, int depth, Strictness strictness) {
  return strictness == Strictness::kStrict ? api::validate_json_value(value, depth)
                                           : simdjson::SUCCESS;
}

// A token count. Providers are not all exact about the type, so a decimal is truncated, a
// negative count is 0 and an out-of-range one saturates; anything that is not a number is 0.
simdjson::error_code read_count(ondemand::value value, int depth, Strictness strictness,
                                std::int64_t& out) {
  out = 0;
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return code;
  if (type != ondemand::json_type::number) return skip_or_validate(value, depth, strictness);
  ondemand::number_type number_type;
  if (auto code = value.get_number_type().get(number_type)) return code;
  constexpr std::int64_t kMaxCount = std::numeric_limits<std::int64_t>::max();
  switch (number_type) {
    case ondemand::number_type::signed_integer: {
      if (auto code = value.get_int64().get(out)) return code;
      out = std::max<std::int64_t>(out, 0);
      return simdjson::SUCCESS;
    }
    case ondemand::number_type::unsigned_integer: {
      out = kMaxCount;
      return skip_or_validate(value, depth, strictness);
    }
    case ondemand::number_type::floating_point_number: {
      double number = 0;
      if (auto code = value.get_double().get(number)) return code;
      if (!(number > 0)) return simdjson::SUCCESS;  // negative, zero or NaN
      out = number >= 9.2e18 ? kMaxCount : static_cast<std::int64_t>(number);
      return simdjson::SUCCESS;
    }
  }
  return simdjson::SUCCESS;
}

// One count inside `prompt_tokens_details` or `completion_tokens_details`.
simdjson::error_code read_detail(ondemand::value value, std::string_view wanted_key, int depth,
                                 Strictness strictness, std::int64_t& out) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return code;
  if (type != ondemand::json_type::object) return skip_or_validate(value, depth, strictness);
  ondemand::object object;
  if (auto code = value.get_object().get(object)) return code;
  for (auto field_result : object) {
    api::JsonField field;
    if (auto code = api::read_json_field(std::move(field_result), field)) return code;
    const std::string_view key = field.key;
    const simdjson::error_code code = key == wanted_key
                                          ? read_count(field.value, depth + 1, strictness, out)
                                          : skip_or_validate(field.value, depth + 1, strictness);
    if (code) return code;
  }
  return simdjson::SUCCESS;
}

// The top-level "usage" (at depth 2). Only an object counts as present.
simdjson::error_code read_usage(ondemand::value value, Strictness strictness, Usage& usage) {
  usage = Usage{};
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return code;
  if (type != ondemand::json_type::object) return skip_or_validate(value, 2, strictness);
  ondemand::object object;
  if (auto code = value.get_object().get(object)) return code;
  usage.present = true;
  for (auto field_result : object) {
    api::JsonField field;
    if (auto code = api::read_json_field(std::move(field_result), field)) return code;
    const std::string_view key = field.key;
    ondemand::value field_value = field.value;
    simdjson::error_code code = simdjson::SUCCESS;
    if (key == "prompt_tokens") {
      code = read_count(field_value, 3, strictness, usage.prompt_tokens);
    } else if (key == "completion_tokens") {
      code = read_count(field_value, 3, strictness, usage.completion_tokens);
    } else if (key == "total_tokens") {
      code = read_count(field_value, 3, strictness, usage.total_tokens);
    } else if (key == "prompt_tokens_details") {
      code = read_detail(field_value, "cached_tokens", 3, strictness, usage.cached_tokens);
    } else if (key == "completion_tokens_details") {
      code = read_detail(field_value, "reasoning_tokens", 3, strictness, usage.reasoning_tokens);
    } else {
      code = skip_or_validate(field_value, 3, strictness);
    }
    if (code) return code;
  }
  return simdjson::SUCCESS;
}

// Only a string "model" is replaced: swapping another kind of value would need its whole extent,
// and an upstream that sends one is broken anyway.
simdjson::error_code note_model(ondemand::value value, const PaddedJson& json,
                                Strictness strictness, std::vector<ByteRange>& model_ranges) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return code;
  if (type == ondemand::json_type::string)
    model_ranges.push_back(json.range_of(value.raw_json_token()));
  return skip_or_validate(value, 2, strictness);
}

// Sets `has_content` when the delta carries generated output (see ChunkResult::has_content).
simdjson::error_code read_delta(ondemand::value value, bool& has_content) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return code;
  if (type != ondemand::json_type::object) return simdjson::SUCCESS;
  ondemand::object delta;
  if (auto code = value.get_object().get(delta)) return code;
  for (auto field_result : delta) {
    api::JsonField field;
    if (auto code = api::read_json_field(std::move(field_result), field)) return code;
    const std::string_view key = field.key;
    const bool is_text =
        key == "content" || key == "refusal" || key == "reasoning_content" || key == "reasoning";
    if (has_content || (!is_text && key != "tool_calls")) continue;
    ondemand::value field_value = field.value;
    if (auto code = field_value.type().get(type)) return code;
    if (is_text && type == ondemand::json_type::string) {
      std::string_view text;
      if (auto code = field_value.get_string().get(text)) return code;
      has_content = !text.empty();
    } else if (!is_text && type == ondemand::json_type::array) {
      ondemand::array tool_calls;
      if (auto code = field_value.get_array().get(tool_calls)) return code;
      bool is_empty = true;
      if (auto code = tool_calls.is_empty().get(is_empty)) return code;
      has_content = !is_empty;
    }
  }
  return simdjson::SUCCESS;
}

// `body` with every range in `model_ranges` (in order, not overlapping) replaced by
// `public_model_json`, the public model as a JSON string. Every top-level "model" is replaced,
// duplicates included, so no upstream model id can reach the client whichever duplicate its JSON
// parser keeps.
void append_with_models_replaced(std::string& out, std::string_view body,
                                 const std::vector<ByteRange>& model_ranges,
                                 std::string_view public_model_json) {
  out.reserve(out.size() + body.size() + model_ranges.size() * public_model_json.size());
  std::size_t cursor = 0;
  for (const ByteRange& range : model_ranges) {
    out.append(body.substr(cursor, range.offset - cursor));
    out.append(public_model_json);
    cursor = range.offset + range.length;
  }
  out.append(body.substr(cursor));
}

// kSimdjsonOnly is for tests (detail::patch_with_simdjson_only and
// detail::restore_model_with_simdjson_only): the readers try the hand-written scan of the common
// shape first.
enum class ScanOrder { kCommonShapeFirst, kSimdjsonOnly };

// The public model as a JSON string, escaped again only when the model changes: a stream's
// chunks all carry the same one, and escaping it byte by byte cost more than the rest of the
// splice.
class PublicModelJson {
 public:
  std::string_view of(std::string_view public_model) {
    if (public_model != model_ || json_.empty()) {
      model_.assign(public_model);
      json_.clear();
      api::append_json_string(json_, public_model);
    }
    return json_;
  }

 private:
  std::string model_;
  std::string json_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------------------------

namespace {

// One splice of build_upstream_body: `length` bytes at `offset` become `replacement`, or the
// upstream model's JSON string when `replacement_is_model`.
struct BodyEdit {
  std::size_t offset = 0;
  std::size_t length = 0;
  std::string_view replacement;
  bool replacement_is_model = false;
};

// The edit that makes the upstream stream end with a usage chunk, keeping the client's other
// stream options (include_obfuscation and the like).
BodyEdit ask_for_usage(std::string_view client_body, const ChatRequestView& view) {
  if (!view.stream_options_value) {
    // The parse succeeded on an object, so only whitespace (and a BOM) precedes this brace.
    return {client_body.find('{') + 1, 0, kStreamOptionsMember};
  }
  const ByteRange options = *view.stream_options_value;
  const std::string_view options_text = client_body.substr(options.offset, options.length);
  if (options_text.front() != '{') return {options.offset, options.length, kIncludeUsageObject};
  if (view.include_usage_value) {
    return {view.include_usage_value->offset, view.include_usage_value->length, "true"};
  }
  const std::string_view between_braces = options_text.substr(1, options_text.size() - 2);
  if (trim_whitespace(between_braces).empty()) {
    return {options.offset, options.length, kIncludeUsageObject};
  }
  return {options.offset + 1, 0, R"("include_usage":true,)"};
}

}  // namespace

std::string build_upstream_body(std::string_view client_body, const ChatRequestView& view,
                                std::string_view upstream_model) {
  std::array<BodyEdit, 2> edits{};
  std::size_t edit_count = 0;
  edits[edit_count++] = {view.model_value.offset, view.model_value.length, {}, true};
  if (view.stream && !view.include_usage) edits[edit_count++] = ask_for_usage(client_body, view);
  if (edit_count == 2 && edits[1].offset < edits[0].offset) std::swap(edits[0], edits[1]);

  std::string body;
  body.reserve(client_body.size() + upstream_model.size() + 2 + kStreamOptionsMember.size());
  std::size_t cursor = client_body.substr(0, kUtf8Bom.size()) == kUtf8Bom ? kUtf8Bom.size() : 0;
  for (std::size_t index = 0; index < edit_count; ++index) {
    const BodyEdit& edit = edits[index];
    body.append(client_body.substr(cursor, edit.offset - cursor));
    if (edit.replacement_is_model) {
      api::append_json_string(body, upstream_model);
    } else {
      body.append(edit.replacement);
    }
    cursor = edit.offset + edit.length;
  }
  body.append(client_body.substr(cursor));
  return body;
}

// ---------------------------------------------------------------------------------------------
// Non-streaming response
// ---------------------------------------------------------------------------------------------

namespace {

// Reads any response, at ~9,500 instructions for the mock upstream's ~600 bytes: restore_model()
// asks it only for what detail::scan_common_response does not accept.
struct SimdjsonResponseScanner {
  ondemand::parser parser;
  PaddedJson json;
  std::vector<ByteRange> model_ranges;

  simdjson::error_code scan(std::string_view body, Usage& usage) {
    model_ranges.clear();
    ondemand::document document;
    if (auto code = parser.iterate(json.load(body)).get(document)) return code;
    ondemand::object object;
    if (auto code = document.get_object().get(object)) return code;
    for (auto field_result : object) {
      api::JsonField field;
      if (auto code = api::read_json_field(std::move(field_result), field)) return code;
      const std::string_view key = field.key;
      ondemand::value value = field.value;
      simdjson::error_code code = simdjson::SUCCESS;
      if (key == "model") {
        code = note_model(value, json, Strictness::kStrict, model_ranges);
      } else if (key == "usage") {
        code = read_usage(value, Strictness::kStrict, usage);
      } else {
        code = api::validate_json_value(value, 2);
      }
      if (code) return code;
    }
    // Anything after the object makes the body invalid JSON.
    if (!document.current_location().error()) return simdjson::TRAILING_CONTENT;
    return simdjson::SUCCESS;
  }
};

// What restore_model() keeps from response to response: parsers and buffers that keep their
// capacity.
struct ResponseScanners {
  detail::CommonResponse common;
  SimdjsonResponseScanner simdjson;
  PublicModelJson public_model;
};

// The whole of ResponseScanner::restore_model.
ResponseScan restore_response_model(std::string_view body, std::string_view public_model,
                                    ScanOrder order, ResponseScanners& scanners) {
  ResponseScan scan;
  const std::vector<ByteRange>* model_ranges = nullptr;
  if (order == ScanOrder::kCommonShapeFirst &&
      detail::scan_common_response(body, scanners.common)) {
    scan.usage = scanners.common.usage;
    model_ranges = &scanners.common.model_ranges;
  } else if (scanners.simdjson.scan(body, scan.usage) == simdjson::SUCCESS) {
    model_ranges = &scanners.simdjson.model_ranges;
  } else {
    scan.usage = Usage{};
    scan.body.assign(body);
    return scan;
  }
  scan.valid_json = true;
  const std::string_view public_model_json = scanners.public_model.of(public_model);
  scan.body.reserve(body.size() + model_ranges->size() * public_model_json.size() +
                    kResponseScanRoom);
  append_with_models_replaced(scan.body, body, *model_ranges, public_model_json);
  return scan;
}

}  // namespace

struct ResponseScanner::State {
  ResponseScanners scanners;
};

ResponseScanner::ResponseScanner() : state_(std::make_unique<State>()) {}
ResponseScanner::~ResponseScanner() = default;
ResponseScanner::ResponseScanner(ResponseScanner&&) noexcept = default;
ResponseScanner& ResponseScanner::operator=(ResponseScanner&&) noexcept = default;

ResponseScan ResponseScanner::restore_model(std::string_view upstream_body,
                                            std::string_view public_model) {
  return restore_response_model(upstream_body, public_model, ScanOrder::kCommonShapeFirst,
                                state_->scanners);
}

std::string ResponseScanner::restore_model(std::string_view upstream_body,
                                           std::string_view public_model, Usage& usage_out) {
  ResponseScan scan = restore_model(upstream_body, public_model);
  usage_out = scan.usage;
  return std::move(scan.body);
}

ResponseScan detail::restore_model_with_simdjson_only(std::string_view upstream_body,
                                                      std::string_view public_model) {
  ResponseScanners scanners;
  return restore_response_model(upstream_body, public_model, ScanOrder::kSimdjsonOnly, scanners);
}

// ---------------------------------------------------------------------------------------------
// Streaming chunks
// ---------------------------------------------------------------------------------------------

namespace {

// Reads any chunk, at ~4,000 instructions for a typical one: patch() asks it only for what
// detail::scan_common_chunk does not accept.
struct SimdjsonChunkScanner {
  ondemand::parser parser;
  PaddedJson json;
  std::vector<ByteRange> model_ranges;

  // Fills everything in `out` but data and forward. `has_choices` tells whether a non-empty
  // "choices" array was seen.
  simdjson::error_code scan(std::string_view data, ChunkResult& out, bool& has_choices) {
    model_ranges.clear();
    has_choices = false;
    ondemand::document document;
    if (auto code = parser.iterate(json.load(data)).get(document)) return code;
    ondemand::object object;
    if (auto code = document.get_object().get(object)) return code;
    for (auto field_result : object) {
      api::JsonField field;
      if (auto code = api::read_json_field(std::move(field_result), field)) return code;
      const std::string_view key = field.key;
      ondemand::value value = field.value;
      simdjson::error_code code = simdjson::SUCCESS;
      if (key == "model") {
        code = note_model(value, json, Strictness::kLenient, model_ranges);
      } else if (key == "choices") {
        code = read_choices(value, out, has_choices);
      } else if (key == "usage") {
        code = read_usage(value, Strictness::kLenient, out.usage);
      } else if (key == "error") {
        bool is_null = false;
        code = value.is_null().get(is_null);
        out.is_error = !is_null;
      }
      if (code) return code;
    }
    return simdjson::SUCCESS;
  }

  static simdjson::error_code read_choices(ondemand::value value, ChunkResult& out,
                                           bool& has_choices) {
    ondemand::json_type type;
    if (auto code = value.type().get(type)) return code;
    if (type != ondemand::json_type::array) return simdjson::SUCCESS;
    ondemand::array choices;
    if (auto code = value.get_array().get(choices)) return code;
    for (auto choice_result : choices) {
      has_choices = true;
      ondemand::value choice;
      if (auto code = choice_result.get(choice)) return code;
      if (auto code = choice.type().get(type)) return code;
      if (type != ondemand::json_type::object) continue;
      ondemand::object choice_object;
      if (auto code = choice.get_object().get(choice_object)) return code;
      for (auto field_result : choice_object) {
        api::JsonField field;
        if (auto code = api::read_json_field(std::move(field_result), field)) return code;
        const std::string_view key = field.key;
        if (key == "delta") {
          if (auto code = read_delta(field.value, out.has_content)) return code;
          continue;
        }
        if (key != "finish_reason" || !out.finish_reason.empty()) continue;
        ondemand::value reason_value = field.value;
        if (auto code = reason_value.type().get(type)) return code;
        if (type != ondemand::json_type::string) continue;
        std::string_view reason;
        if (auto code = reason_value.get_string().get(reason)) return code;
        out.finish_reason.assign(reason);
      }
    }
    return simdjson::SUCCESS;
  }
};

// What patch() keeps from chunk to chunk: parsers and buffers that keep their capacity.
struct ChunkScanners {
  detail::CommonChunk common;
  SimdjsonChunkScanner simdjson;
  PublicModelJson public_model_json;
};

// The whole of StreamChunkPatcher::patch.
void patch_chunk(std::string_view data, std::string_view public_model, bool client_wants_usage,
                 ScanOrder order, ChunkScanners& scanners, ChunkResult& out) {
  out.data.clear();
  out.forward = true;
  out.done = false;
  out.usage = Usage{};
  out.is_error = false;
  out.finish_reason.clear();
  out.has_content = false;
  out.malformed = false;

  if (trim_whitespace(data) == kDoneSentinel) {
    out.done = true;
    out.data.assign(data);
    return;
  }
  bool has_choices = false;
  const std::vector<ByteRange>* model_ranges = nullptr;
  if (order == ScanOrder::kCommonShapeFirst && detail::scan_common_chunk(data, scanners.common)) {
    // No usage object and no error in the common shape: usage stays absent, is_error false.
    has_choices = scanners.common.has_choices;
    out.has_content = scanners.common.has_content;
    out.finish_reason.assign(scanners.common.finish_reason);
    model_ranges = &scanners.common.model_ranges;
  } else if (scanners.simdjson.scan(data, out, has_choices) == simdjson::SUCCESS) {
    model_ranges = &scanners.simdjson.model_ranges;
  } else {
    // Passed on as it came: the client may cope, and the gateway must not invent content.
    out.usage = Usage{};
    out.is_error = false;
    out.finish_reason.clear();
    out.has_content = false;
    out.malformed = true;
    out.data.assign(data);
    return;
  }
  // The gateway added include_usage on its own; the client must not see the extra chunk.
  out.forward = client_wants_usage || has_choices || !out.usage.present;
  append_with_models_replaced(out.data, data, *model_ranges,
                              scanners.public_model_json.of(public_model));
}

}  // namespace

struct StreamChunkPatcher::State {
  ChunkScanners scanners;
};

StreamChunkPatcher::StreamChunkPatcher() : state_(std::make_unique<State>()) {}
StreamChunkPatcher::~StreamChunkPatcher() = default;
StreamChunkPatcher::StreamChunkPatcher(StreamChunkPatcher&&) noexcept = default;
StreamChunkPatcher& StreamChunkPatcher::operator=(StreamChunkPatcher&&) noexcept = default;

ChunkResult StreamChunkPatcher::patch(std::string_view data, std::string_view public_model,
                                      bool client_wants_usage) {
  ChunkResult result;
  patch(data, public_model, client_wants_usage, result);
  return result;
}

void StreamChunkPatcher::patch(std::string_view data, std::string_view public_model,
                               bool client_wants_usage, ChunkResult& out) {
  patch_chunk(data, public_model, client_wants_usage, ScanOrder::kCommonShapeFirst,
              state_->scanners, out);
}

ChunkResult detail::patch_with_simdjson_only(std::string_view data, std::string_view public_model,
                                             bool client_wants_usage) {
  ChunkScanners scanners;
  ChunkResult result;
  patch_chunk(data, public_model, client_wants_usage, ScanOrder::kSimdjsonOnly, scanners, result);
  return result;
}

}  // namespace tollgate::providers::openai
