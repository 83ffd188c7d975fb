#include "api/gemini/decode_support.hpp"

#include "api/json_text.hpp"

#include <cctype>
#include <cmath>
#include <limits>

namespace tollgate::api::gemini::detail {
namespace {

constexpr std::size_t kMaxEchoedValueBytes = 64;

bool is_lower_ascii(char c) { return c >= 'a' && c <= 'z'; }

}  // namespace

std::string_view camel_key(std::string_view key, std::string& scratch) {
  if (key.find('_') == std::string_view::npos) return key;
  scratch.clear();
  bool upper_next = false;
  for (char c : key) {
    if (c == '_' && !scratch.empty()) {
      upper_next = true;
      continue;
    }
    scratch.push_back(upper_next && is_lower_ascii(c) ? static_cast<char>(c - 'a' + 'A') : c);
    upper_next = false;
  }
  return scratch;
}

std::string join_path(std::string_view parent, std::string_view child) {
  std::string path(parent);
  if (!path.empty()) path += '.';
  path += child;
  return path;
}

std::string index_path(std::string_view parent, std::size_t index) {
  std::string path(parent);
  path += '[';
  path += std::to_string(index);
  path += ']';
  return path;
}

ir::Error unknown_field(std::string_view name, std::string_view path) {
  std::string message = "Invalid JSON payload received. Unknown name \"";
  message += name;
  message += '"';
  if (!path.empty()) {
    message += " at '";
    message += path;
    message += '\'';
  }
  message += ": Cannot find field.";
  return ir::make_error(400, std::move(message), "unknown_field", join_path(path, name));
}

ir::Error invalid_value(std::string_view path, std::string_view type, dom::element value) {
  std::string message = "Invalid value at '";
  message += path;
  message += "' (";
  message += type;
  message += "), ";
  const std::string echoed = simdjson::minify(value);
  message += std::string_view(echoed).substr(0, kMaxEchoedValueBytes);
  if (echoed.size() > kMaxEchoedValueBytes) message += "...";
  return ir::make_error(400, std::move(message), "invalid_value", std::string(path));
}

ir::Error invalid_argument(std::string_view path, std::string message) {
  return ir::make_error(400, std::move(message), "invalid_argument", std::string(path));
}

ir::Error unsupported_feature(std::string_view path, std::string_view what) {
  std::string message(what);
  message += " is not supported by this gateway.";
  return ir::make_error(400, std::move(message), "unsupported_parameter", std::string(path));
}

Result read_string(dom::element value, std::string_view path, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text)) return invalid_value(path, "TYPE_STRING", value);
  out.assign(text);
  return std::nullopt;
}

Result read_bool(dom::element value, std::string_view path, bool& out) {
  if (value.get_bool().get(out)) return invalid_value(path, "TYPE_BOOL", value);
  return std::nullopt;
}

Result read_double(dom::element value, std::string_view path, double& out) {
  if (!value.is_number() || value.get_double().get(out) || !std::isfinite(out)) {
    return invalid_value(path, "TYPE_FLOAT", value);
  }
  return std::nullopt;
}

// Integers may be written as integral decimals (40.0), as JavaScript clients sometimes do.
Result read_int(dom::element value, std::string_view path, std::int64_t& out) {
  if (!value.get_int64().get(out)) return std::nullopt;
  double number = 0;
  constexpr double kLimit = 9.2e18;
  if (value.is_double() && !value.get_double().get(number) && std::trunc(number) == number &&
      std::fabs(number) < kLimit) {
    out = static_cast<std::int64_t>(number);
    return std::nullopt;
  }
  return invalid_value(path, "TYPE_INT32", value);
}

Result read_object(dom::element value, std::string_view path, dom::object& out) {
  if (value.get_object().get(out)) return invalid_value(path, "TYPE_MESSAGE", value);
  return std::nullopt;
}

Result read_array(dom::element value, std::string_view path, dom::array& out) {
  if (value.get_array().get(out)) return invalid_value(path, "TYPE_ARRAY", value);
  return std::nullopt;
}

Result read_struct(dom::element value, std::string_view path, std::string& out) {
  if (!value.is_object()) return invalid_value(path, "TYPE_MESSAGE", value);
  out = simdjson::minify(value);
  return std::nullopt;
}

namespace {

bool is_literal_keyword(std::string_view key) {
  return key == "enum" || key == "default" || key == "example" || key == "const";
}

void append_lower_case(std::string& out, std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  append_json_string(out, lower);
}

void append_json_schema(std::string& out, dom::element value) {
  if (value.is_array()) {
    out += '[';
    bool first = true;
    for (dom::element item : dom::array(value)) {
      if (!first) out += ',';
      first = false;
      append_json_schema(out, item);
    }
    out += ']';
    return;
  }
  if (!value.is_object()) {
    out += simdjson::minify(value);
    return;
  }
  out += '{';
  bool first = true;
  for (dom::key_value_pair field : dom::object(value)) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, field.key);
    out += ':';
    if (field.key == "type" && field.value.is_string()) {
      append_lower_case(out, std::string_view(field.value));
    } else if (is_literal_keyword(field.key)) {
      out += simdjson::minify(field.value);
    } else {
      append_json_schema(out, field.value);
    }
  }
  out += '}';
}

}  // namespace

std::string openapi_to_json_schema(dom::element schema) {
  std::string out;
  append_json_schema(out, schema);
  return out;
}

}  // namespace tollgate::api::gemini::detail
