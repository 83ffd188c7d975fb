#include "providers/anthropic/wire.hpp"

#include <array>
#include <limits>
#include <string>

namespace tollgate::providers::anthropic::wire {
namespace {

namespace dom = simdjson::dom;

void read_count(dom::object usage, std::string_view key, std::int64_t& out) {
  std::int64_t value = 0;
  if (!usage.at_key(key).get_int64().get(value) && value >= 0) out = value;
}

// Counts are non-negative; hostile ones must not overflow when summed.
std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  return a > std::numeric_limits<std::int64_t>::max() - b ? std::numeric_limits<std::int64_t>::max()
                                                          : a + b;
}

struct TypeStatus {
  std::string_view type;
  int status;
};

constexpr std::array kStatusByType{
    TypeStatus{"invalid_request_error", 400}, TypeStatus{"authentication_error", 401},
    TypeStatus{"billing_error", 402},         TypeStatus{"permission_error", 403},
    TypeStatus{"not_found_error", 404},       TypeStatus{"request_too_large", 413},
    TypeStatus{"rate_limit_error", 429},      TypeStatus{"api_error", 500},
    TypeStatus{"timeout_error", 504},         TypeStatus{"overloaded_error", 529},
};

}  // namespace

std::string_view string_field(dom::object object, std::string_view key, std::string_view fallback) {
  std::string_view value;
  if (object.at_key(key).get(value)) return fallback;
  return value;
}

ir::StopReason parse_stop_reason(std::string_view reason) {
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") {
    return ir::StopReason::max_tokens;
  }
  if (reason == "stop_sequence") return ir::StopReason::stop_sequence;
  if (reason == "tool_use") return ir::StopReason::tool_use;
  if (reason == "pause_turn") return ir::StopReason::pause_turn;
  if (reason == "refusal") return ir::StopReason::content_filter;
  return ir::StopReason::end_turn;
}

void read_usage(dom::object usage, UsageCounts& counts) {
  counts.present = true;
  read_count(usage, "input_tokens", counts.input);
  read_count(usage, "cache_creation_input_tokens", counts.cache_write);
  read_count(usage, "cache_read_input_tokens", counts.cache_read);
  read_count(usage, "output_tokens", counts.output);
  dom::object details;
  if (!usage.at_key("output_tokens_details").get(details)) {
    read_count(details, "thinking_tokens", counts.thinking);
  }
}

ir::Usage to_ir_usage(const UsageCounts& counts) {
  ir::Usage usage;
  usage.present = counts.present;
  usage.input = saturating_add(saturating_add(counts.input, counts.cache_write), counts.cache_read);
  usage.output = counts.output;
  usage.cache_read = counts.cache_read;
  usage.cache_write = counts.cache_write;
  usage.reasoning = counts.thinking;
  return usage;
}

ir::Error read_error_object(int status, dom::object error) {
  const std::string_view type = string_field(error, "type", "api_error");
  const std::string_view message = string_field(error, "message");
  return ir::make_error(status, std::string(message.empty() ? "The upstream failed" : message),
                        std::string(type));
}

int status_for_error_type(std::string_view type) {
  for (const TypeStatus& entry : kStatusByType) {
    if (entry.type == type) return entry.status;
  }
  return 500;
}

}  // namespace tollgate::providers::anthropic::wire
