// Internals of the passthrough (passthrough.hpp), declared here so that tests can compare its
// two ways of reading a stream chunk, and of reading a response: by hand for the common shape
// (passthrough_scan.cpp), by simdjson for everything else.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/openai/chat_request.hpp"
#include "providers/openai/passthrough.hpp"

namespace tollgate::providers::openai::detail {

// What StreamChunkPatcher::patch reads from a chunk of the common shape. Such a chunk has no
// usage object and no error, so ChunkResult::usage stays absent and is_error false.
struct CommonChunk {
  // Each top-level "model" whose value is a string: the string token, quotes included.
  std::vector<api::openai::ByteRange> model_ranges;
  bool has_choices = false;  // a "choices" array with at least one element
  bool has_content = false;  // as ChunkResult::has_content
  // As ChunkResult::finish_reason, pointing into the payload.
  std::string_view finish_reason;
  // The scanner's copy of the payload, kept for its capacity.
  std::string padded_payload;
};

// Reads `payload` by hand, in one pass, when it is a chunk of the common shape: one JSON object,
// members of any kind, but a "usage" that is not an object, an "error" that is null, no escape
// in any key or in a string "finish_reason", no lone surrogate escape (simdjson rejects a string
// holding one), no number that might reach 10^308 (integer digits plus exponent above 308) or
// whose exponent has more than three digits (simdjson's get_double() refuses some of those),
// nesting at most 16 deep. The payload is validated on the way (grammar, escapes, control
// characters, UTF-8), so what this accepts is valid JSON, and it reads as simdjson reads it in
// patch(). Any other payload returns false, leaving `chunk` in no particular state: patch() then
// reads it with simdjson.
bool scan_common_chunk(std::string_view payload, CommonChunk& chunk);

// StreamChunkPatcher::patch with every chunk read by simdjson, never by scan_common_chunk: for
// tests, which check that both ways give the same results. Builds a parser for every call.
ChunkResult patch_with_simdjson_only(std::string_view data, std::string_view public_model,
                                     bool client_wants_usage);

// What ResponseScanner::restore_model reads from a response of the common shape.
struct CommonResponse {
  // Each top-level "model" whose value is a string: the string token, quotes included.
  std::vector<api::openai::ByteRange> model_ranges;
  Usage usage;  // from the top-level "usage"
  // The scanner's copy of the body, kept for its capacity.
  std::string padded_body;
};

// Reads `body` by hand, in one pass, when it is a response of the common shape: one JSON object,
// members of any kind, but at most one top-level "usage", which is null or an object whose token
// counts, when they are numbers, are integers of at most 18 digits without a sign; and, as in
// scan_common_chunk, no escape in any key, no lone surrogate escape, no number that might reach
// 10^308 or whose exponent has more than three digits, nesting at most 16 deep. Validated on the
// way as scan_common_chunk is, so what this accepts is valid JSON, and it reads as the strict
// simdjson scan in restore_model() reads it. Any other body returns false, leaving `response` in
// no particular state: restore_model() then reads it with simdjson.
bool scan_common_response(std::string_view body, CommonResponse& response);

// ResponseScanner::restore_model with the body read by simdjson, never by scan_common_response:
// for tests, as patch_with_simdjson_only. Builds a parser for every call.
ResponseScan restore_model_with_simdjson_only(std::string_view upstream_body,
                                              std::string_view public_model);

}  // namespace tollgate::providers::openai::detail
