#include "api/anthropic/request_reading.hpp"

namespace tollgate::api::anthropic::reading {

ir::Error request_error(const Path& path, std::string_view what, std::string code) {
  std::string param = path.render();
  std::string message = param.empty() ? std::string(what) : param + ": " + std::string(what);
  return ir::make_error(400, std::move(message), std::move(code), std::move(param));
}

ir::Error missing(const Path& path) {
  return request_error(path, "Field required", "missing_required_parameter");
}

ir::Error wrong_type(const Path& path, std::string_view expected) {
  return request_error(path, "Input should be a valid " + std::string(expected), "invalid_type");
}

ir::Error invalid_value(const Path& path, std::string_view what) {
  return request_error(path, what, "invalid_value");
}

ir::Error not_permitted(const Path& path) {
  return invalid_value(path, "Extra inputs are not permitted");
}

Status read_string(dom::element value, const Path& path, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text)) return wrong_type(path, "string");
  out.assign(text);
  return std::nullopt;
}

Status read_object(dom::element value, const Path& path, dom::object& out) {
  if (value.get_object().get(out)) return wrong_type(path, "dictionary");
  return std::nullopt;
}

Status read_array(dom::element value, const Path& path, dom::array& out) {
  if (value.get_array().get(out)) return wrong_type(path, "list");
  return std::nullopt;
}

Status read_bool(dom::element value, const Path& path, bool& out) {
  if (value.get_bool().get(out)) return wrong_type(path, "boolean");
  return std::nullopt;
}

Status read_count(dom::element value, const Path& path, std::int64_t& out) {
  if (value.get_int64().get(out)) return wrong_type(path, "integer");
  if (out < 0) {
    return request_error(path, "Input should be greater than or equal to 0",
                         "integer_below_min_value");
  }
  return std::nullopt;
}

Status read_number(dom::element value, const Path& path, double& out) {
  if (!value.is_number() || value.get_double().get(out)) return wrong_type(path, "number");
  return std::nullopt;
}

Status require(dom::object object, std::string_view key, const Path& path, dom::element& out) {
  if (object.at_key(key).get(out)) return missing(path);
  return std::nullopt;
}

Status require_string(dom::object object, std::string_view key, const Path& path,
                      std::string& out) {
  dom::element value;
  if (auto error = require(object, key, path, value)) return error;
  return read_string(value, path, out);
}

bool is_null(dom::element value) {
  return value.is_null();
}

Status read_cache_control(dom::object block, const Path& path, std::string& out) {
  dom::element value;
  if (block.at_key("cache_control").get(value) || is_null(value)) return std::nullopt;
  const Path where = path.field("cache_control");
  dom::object object;
  if (auto error = read_object(value, where, object)) return error;
  out = simdjson::minify(value);
  return std::nullopt;
}

}  // namespace tollgate::api::anthropic::reading
