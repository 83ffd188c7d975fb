// The pieces of a GenerateContentResponse that the whole-response encoder and the stream encoder
// both write: parts, finishReason, usageMetadata and the google.rpc.Status error object.
#pragma once

#include <string>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::api::gemini::detail {

// Gemini's finishReason for an IR stop reason.
std::string_view finish_reason_name(ir::StopReason reason);

// `arguments` if it is a JSON object, else "{}" (functionCall.args must be an object; a
// malformed upstream fragment must not break the body).
std::string object_or_empty(std::string_view arguments);

// One Part object for an IR text, thinking or tool_call part; false (nothing written) for kinds
// Gemini cannot show (redacted thinking).
bool append_part(std::string& out, const ir::Part& part);
void append_function_call_part(std::string& out, std::string_view id, std::string_view name,
                               std::string_view arguments, std::string_view signature);

// "usageMetadata":{...} (with the leading key).
void append_usage_metadata(std::string& out, const ir::Usage& usage);

// "modelVersion":...,"responseId":... (with the leading keys).
void append_model_and_id(std::string& out, std::string_view model, std::string_view id);

}  // namespace tollgate::api::gemini::detail
