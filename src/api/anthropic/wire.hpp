// Pieces of Anthropic's response wire format shared by the whole-response encoder and the stream
// encoder of this surface: stop reasons, usage counts, ids and content blocks. Internal to
// src/api/anthropic/.
#pragma once

#include <string>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::api::anthropic::wire {

// The `stop_reason` string. Anthropic always names one at the end of a message, so `unset` (and
// `error`) become "tool_use" when the message called a tool and "end_turn" otherwise;
// content_filter is Anthropic's "refusal".
std::string_view stop_reason_name(ir::StopReason reason, bool called_tool);

// The members of a `usage` object, without braces: input_tokens (the prompt minus the cache
// classes, as Anthropic counts it), cache_creation_input_tokens, cache_read_input_tokens,
// output_tokens, and output_tokens_details.thinking_tokens when reasoning is known.
void append_usage_members(std::string& out, const ir::Usage& usage, std::int64_t output_tokens);

// The message id: the upstream's when it is an Anthropic one ("msg_..."), else the fallback.
std::string_view message_id(std::string_view upstream_id, std::string_view fallback);

// `,"stop_sequence":"..."` or `,"stop_sequence":null`.
void append_stop_sequence(std::string& out, std::string_view sequence);

}  // namespace tollgate::api::anthropic::wire
