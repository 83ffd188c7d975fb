#include "api/json_validation.hpp"

#include <utility>

namespace tollgate::api {

namespace ondemand = simdjson::ondemand;

simdjson::error_code validate_json_value(ondemand::value value, int depth) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return code;
  switch (type) {
    case ondemand::json_type::array: {
      if (depth > kMaxJsonNesting) return simdjson::DEPTH_ERROR;
      ondemand::array array;
      if (auto code = value.get_array().get(array)) return code;
      for (auto element_result : array) {
        ondemand::value element;
        if (auto code = element_result.get(element)) return code;
        if (auto code = validate_json_value(element, depth + 1)) return code;
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::object: {
      if (depth > kMaxJsonNesting) return simdjson::DEPTH_ERROR;
      ondemand::object object;
      if (auto code = value.get_object().get(object)) return code;
      for (auto field_result : object) {
        JsonField field;
        if (auto code = read_json_field(std::move(field_result), field)) return code;
        if (auto code = validate_json_value(field.value, depth + 1)) return code;
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::string:
      return value.get_string().error();
    case ondemand::json_type::number:
      // get_double accepts every JSON number, including integers beyond 64 bits.
      return value.get_double().error();
    case ondemand::json_type::boolean:
      return value.get_bool().error();
    case ondemand::json_type::null: {
      bool is_null = false;
      if (auto code = value.is_null().get(is_null)) return code;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

simdjson::error_code read_json_field(simdjson::simdjson_result<ondemand::field>&& field_result,
                                     JsonField& out) {
  ondemand::field field;
  if (auto code = std::move(field_result).get(field)) return code;
  if (auto code = field.unescaped_key().get(out.key)) return code;
  out.value = field.value();
  return simdjson::SUCCESS;
}

std::string_view trim_json_whitespace_end(std::string_view token) {
  while (!token.empty()) {
    const char last = token.back();
    if (last != ' ' && last != '\t' && last != '\n' && last != '\r') break;
    token.remove_suffix(1);
  }
  return token;
}

}  // namespace tollgate::api
