// A validating view of any OpenAI JSON request body the gateway forwards without interpreting
// (embeddings, image generations, Anthropic bodies for an Anthropic upstream): the whole body is
// checked to be one JSON object, and only `model` (required), `stream`, `max_tokens` and `n` are read,
// with where the bytes of `model` are so it can be patched.
#pragma once

#include "api/openai/chat_request.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace tollgate::api::openai {

struct ModelFieldView {
  std::string model;      // unescaped
  ByteRange model_value;  // the JSON string token, quotes included
  bool stream = false;
  std::optional<std::int64_t> max_tokens;  // a top-level integer max_tokens, when present
  std::optional<std::int64_t> n;           // a top-level integer n (images asked for)
};

// Errors use the codes of chat_request.hpp (invalid_json, invalid_type,
// missing_required_parameter, invalid_value, duplicate_parameter).
std::variant<ModelFieldView, RequestError> read_model_field(std::string_view body);

// `body` with the model token replaced by `model` (as a JSON string).
std::string replace_model(std::string_view body, const ModelFieldView& view,
                          std::string_view model);

}  // namespace tollgate::api::openai
