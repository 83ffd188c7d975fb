#include "api/openai/errors.hpp"

#include "api/json_text.hpp"

namespace tollgate::api::openai {
namespace {

void append_string_or_null(std::string& out, std::string_view value) {
  if (value.empty()) {
    out.append("null");
  } else {
    append_json_string(out, value);
  }
}

}  // namespace

std::string error_body(std::string_view message, std::string_view type, std::string_view code,
                       std::string_view param) {
  std::string body;
  body.reserve(64 + message.size() + type.size() + code.size() + param.size());
  body.append(R"({"error":{"message":)");
  append_json_string(body, message);
  body.append(R"(,"type":)");
  append_json_string(body, type);
  body.append(R"(,"param":)");
  append_string_or_null(body, param);
  body.append(R"(,"code":)");
  append_string_or_null(body, code);
  body.append("}}");
  return body;
}

}  // namespace tollgate::api::openai
