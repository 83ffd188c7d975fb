#include "api/anthropic/wire.hpp"

#include <algorithm>

#include "api/json_text.hpp"

namespace tollgate::api::anthropic::wire {

std::string_view stop_reason_name(ir::StopReason reason, bool called_tool) {
  switch (reason) {
    case ir::StopReason::end_turn:
      return "end_turn";
    case ir::StopReason::max_tokens:
      return "max_tokens";
    case ir::StopReason::stop_sequence:
      return "stop_sequence";
    case ir::StopReason::tool_use:
      return "tool_use";
    case ir::StopReason::content_filter:
      return "refusal";
    case ir::StopReason::pause_turn:
      return "pause_turn";
    case ir::StopReason::unset:
    case ir::StopReason::error:
      break;
  }
  return called_tool ? "tool_use" : "end_turn";
}

void append_usage_members(std::string& out, const ir::Usage& usage, std::int64_t output_tokens) {
  // Anthropic's input_tokens leaves out both cache classes (IR counts are non-negative, so the
  // subtractions cannot overflow one at a time).
  std::int64_t uncached = std::max<std::int64_t>(0, usage.input - usage.cache_read);
  uncached = std::max<std::int64_t>(0, uncached - usage.cache_write);
  out += R"("input_tokens":)";
  out += std::to_string(uncached);
  out += R"(,"cache_creation_input_tokens":)";
  out += std::to_string(usage.cache_write);
  out += R"(,"cache_read_input_tokens":)";
  out += std::to_string(usage.cache_read);
  out += R"(,"output_tokens":)";
  out += std::to_string(output_tokens);
  if (usage.reasoning > 0) {
    out += R"(,"output_tokens_details":{"thinking_tokens":)";
    out += std::to_string(usage.reasoning);
    out += '}';
  }
}

std::string_view message_id(std::string_view upstream_id, std::string_view fallback) {
  if (upstream_id.starts_with("msg_") || fallback.empty()) return upstream_id;
  return fallback;
}

void append_stop_sequence(std::string& out, std::string_view sequence) {
  out += R"(,"stop_sequence":)";
  if (sequence.empty()) {
    out += "null";
  } else {
    append_json_string(out, sequence);
  }
}

}  // namespace tollgate::api::anthropic::wire
