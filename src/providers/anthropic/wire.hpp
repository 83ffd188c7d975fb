// Reading Anthropic's response wire format, shared by the whole-response decoder and the stream
// decoder: stop reasons, usage counts and error objects. Internal to src/providers/anthropic/;
// includes simdjson.h, so include it from .cpp files only.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::providers::anthropic::wire {

// The string at `key`, or `fallback` when it is absent or not a string.
std::string_view string_field(simdjson::dom::object object, std::string_view key,
                              std::string_view fallback = {});

// "refusal" is content_filter; "model_context_window_exceeded" is max_tokens (the output was cut
// by a limit); an unknown reason is end_turn.
ir::StopReason parse_stop_reason(std::string_view reason);

// Usage as Anthropic counts it: input_tokens excludes both cache classes.
struct UsageCounts {
  std::int64_t input = 0;
  std::int64_t cache_write = 0;
  std::int64_t cache_read = 0;
  std::int64_t output = 0;
  std::int64_t thinking = 0;  // output_tokens_details.thinking_tokens
  bool present = false;

  friend bool operator==(const UsageCounts&, const UsageCounts&) = default;
};

// Updates `counts` with the numbers present (and not null) in a usage object, so a
// message_delta's usage refines message_start's. A count that is not a non-negative integer is
// ignored.
void read_usage(simdjson::dom::object usage, UsageCounts& counts);

// IR totals: input includes the cache classes.
ir::Usage to_ir_usage(const UsageCounts& counts);

// An `error` object ({"type","message"}) as an ir::Error with the given HTTP status.
ir::Error read_error_object(int status, simdjson::dom::object error);

// The HTTP status Anthropic uses for an error type, for errors that arrive inside a stream.
int status_for_error_type(std::string_view type);

}  // namespace tollgate::providers::anthropic::wire
