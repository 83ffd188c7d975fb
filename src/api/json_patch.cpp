#include "api/json_patch.hpp"

#include "api/json_text.hpp"
#include "api/json_validation.hpp"

namespace tollgate::api {

std::optional<std::string> replace_string_at(std::string_view json, std::string_view pointer,
                                             std::string_view value) {
  simdjson::padded_string padded(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document document;
  if (parser.iterate(padded).get(document)) return std::nullopt;
  simdjson::ondemand::value target;
  if (document.at_pointer(pointer).get(target)) return std::nullopt;
  std::string_view token = trim_json_whitespace_end(target.raw_json_token());
  std::string_view text;
  if (target.get_string().get(text)) return std::nullopt;
  const std::size_t offset = static_cast<std::size_t>(token.data() - padded.data());
  std::string out;
  out.reserve(json.size() + value.size());
  out.append(json.substr(0, offset));
  append_json_string(out, value);
  out.append(json.substr(offset + token.size()));
  return out;
}

}  // namespace tollgate::api
