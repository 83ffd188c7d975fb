// Reading a Responses request body with the simdjson DOM, for the request decoder's files only:
// typed accessors that turn a wrong type into the OpenAI-shaped 400 (code + param path) instead
// of an exception, and the constructors of those errors.
//
// This header includes simdjson.h: include it from .cpp files only.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::api::responses {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// What every step of decoding returns: nothing, or the client error that stops it.
using Failure = std::optional<ir::Error>;

// `base[index]`, `base.key`: the param paths OpenAI reports ("input[2].content[0].type").
inline std::string at_index(std::string_view base, std::size_t index) {
  std::string path(base);
  path += '[';
  path += std::to_string(index);
  path += ']';
  return path;
}

inline std::string at_key(std::string_view base, std::string_view key) {
  std::string path(base);
  if (!path.empty()) path += '.';
  path += key;
  return path;
}

inline ir::Error client_error(std::string message, std::string code, std::string param) {
  return ir::make_error(400, std::move(message), std::move(code), std::move(param));
}

inline ir::Error invalid_type(const std::string& param, std::string_view expected) {
  std::string message = "Invalid type for '" + param + "': expected ";
  message += expected;
  message += '.';
  return client_error(std::move(message), "invalid_type", param);
}

inline ir::Error invalid_value(const std::string& param, std::string_view detail) {
  std::string message = "Invalid value for '" + param + "': ";
  message += detail;
  return client_error(std::move(message), "invalid_value", param);
}

inline ir::Error missing_parameter(const std::string& param) {
  return client_error("Missing required parameter: '" + param + "'.", "missing_required_parameter",
                      param);
}

// A feature of the Responses API the gateway does not offer, whatever the upstream.
inline ir::Error not_supported(const std::string& param, std::string_view what) {
  std::string message(what);
  message += " is not supported by this gateway.";
  return client_error(std::move(message), "unsupported_parameter", param);
}

inline bool is_null(element value) {
  return value.type() == element_type::NULL_VALUE;
}

// The field `key` of `parent`, if present and not null (JSON null means "not set" everywhere in
// the Responses API).
inline std::optional<element> optional_field(object parent, std::string_view key) {
  element value;
  if (parent.at_key(key).get(value) != simdjson::SUCCESS || is_null(value)) return std::nullopt;
  return value;
}

inline Failure read_string(element value, const std::string& param, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return invalid_type(param, "a string");
  out.assign(text);
  return std::nullopt;
}

inline Failure read_bool(element value, const std::string& param, bool& out) {
  if (value.get_bool().get(out) != simdjson::SUCCESS) return invalid_type(param, "a boolean");
  return std::nullopt;
}

inline Failure read_object(element value, const std::string& param, object& out) {
  if (value.get_object().get(out) != simdjson::SUCCESS) return invalid_type(param, "an object");
  return std::nullopt;
}

inline Failure read_int(element value, const std::string& param, std::int64_t& out) {
  if (value.get_int64().get(out) == simdjson::SUCCESS) return std::nullopt;
  if (value.type() == element_type::UINT64) {
    return client_error("Invalid '" + param + "': integer above maximum value.",
                        "integer_above_max_value", param);
  }
  return invalid_type(param, "an integer");
}

inline Failure read_number(element value, const std::string& param, double& out) {
  if (value.get_double().get(out) != simdjson::SUCCESS) return invalid_type(param, "a number");
  return std::nullopt;
}

// A required string field of an item or part.
inline Failure read_required_string(object parent, std::string_view key, const std::string& base,
                                    std::string& out) {
  const std::string param = at_key(base, key);
  const auto value = optional_field(parent, key);
  if (!value) return missing_parameter(param);
  return read_string(*value, param, out);
}

// An optional string field; left untouched when absent or null.
inline Failure read_optional_string(object parent, std::string_view key, const std::string& base,
                                    std::string& out) {
  const auto value = optional_field(parent, key);
  if (!value) return std::nullopt;
  return read_string(*value, at_key(base, key), out);
}

}  // namespace tollgate::api::responses
