// Readers for the parts of an upstream chat body that the response and the stream decoders share:
// finish_reason, usage and error objects. Includes simdjson.h: include it from .cpp files only.
#pragma once

#include <simdjson.h>

#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::providers::openai {

// "stop" → end_turn, "length" → max_tokens, "tool_calls" / "function_call" → tool_use,
// "content_filter" → content_filter; vendor-specific reasons (DeepSeek's
// "insufficient_system_resource", vLLM's "abort") → error; anything else → end_turn.
ir::StopReason stop_reason_for(std::string_view finish_reason);

// The `usage` object: input = prompt_tokens, output = completion_tokens, cache_read =
// prompt_tokens_details.cached_tokens (or DeepSeek's prompt_cache_hit_tokens), reasoning =
// completion_tokens_details.reasoning_tokens. Missing or mistyped counts read as 0.
ir::Usage read_usage(simdjson::dom::object usage);

// An `{"message","type","code","param"}` error object (or a bare string) as an ir::Error with
// `status`. `code` is the upstream's code, else its type.
ir::Error read_error(int status, simdjson::dom::element error);

}  // namespace tollgate::providers::openai
