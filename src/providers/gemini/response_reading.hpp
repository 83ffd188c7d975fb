// What the whole-response decoder and the stream decoder both read from a Gemini
// GenerateContentResponse: parts, usageMetadata, finishReason and call ids.
// Include from .cpp files only (it includes simdjson.h).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::providers::gemini::detail {

namespace dom = simdjson::dom;

// One part of a candidate's content, as far as the IR can carry it.
struct PartView {
  enum class Kind { text, thought, function_call, other };  // other: media, code execution
  Kind kind = Kind::other;
  std::string_view text;
  std::string_view signature;
  std::string_view call_id;
  std::string_view name;
  std::string arguments;  // functionCall.args minified, "{}" when absent
};

PartView read_part(dom::element part);

// usageMetadata → IR totals: input = prompt + tool-use prompt, output = candidates + thoughts.
ir::Usage read_usage(dom::element usage_metadata);

// finishReason → IR. STOP is tool_use when the turn made function calls.
ir::StopReason map_finish_reason(std::string_view reason, bool made_calls);

// Gemini's function calls often have no id. The synthesized one is unique across turns when the
// response has an id: "call_<responseId>_<n>" (responseId reduced to [A-Za-z0-9_-]), else
// "call_<n>".
std::string synthesized_call_id(std::string_view response_id, std::size_t index);

// The first candidate, or nothing.
bool first_candidate(dom::object response, dom::object& candidate);

// Member `key` as a string, or empty.
std::string_view string_member(dom::object object, std::string_view key);

}  // namespace tollgate::providers::gemini::detail
