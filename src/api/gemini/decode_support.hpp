// Shared pieces of the Gemini request decoder (request_decoder.cpp, contents_decoder.cpp):
// Google-style client errors, snake_case/camelCase field names and typed reads of DOM values.
// Include from .cpp files only (it includes simdjson.h).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ir/ir.hpp"

namespace tollgate::api::gemini::detail {

namespace dom = simdjson::dom;
using Result = std::optional<ir::Error>;

// Google's JSON parser accepts both the proto field name (system_instruction) and its lowerCamel
// JSON name (systemInstruction). Returns the lowerCamel form, using `scratch` only when the key
// has underscores.
std::string_view camel_key(std::string_view key, std::string& scratch);

// `parent.child`, or `child` at the top level.
std::string join_path(std::string_view parent, std::string_view child);
std::string index_path(std::string_view parent, std::size_t index);

ir::Error unknown_field(std::string_view name, std::string_view path);
ir::Error invalid_value(std::string_view path, std::string_view type, dom::element value);
ir::Error invalid_argument(std::string_view path, std::string message);
ir::Error unsupported_feature(std::string_view path, std::string_view what);

Result read_string(dom::element value, std::string_view path, std::string& out);
Result read_bool(dom::element value, std::string_view path, bool& out);
Result read_double(dom::element value, std::string_view path, double& out);
Result read_int(dom::element value, std::string_view path, std::int64_t& out);
Result read_object(dom::element value, std::string_view path, dom::object& out);
Result read_array(dom::element value, std::string_view path, dom::array& out);
// An object value (a Struct in Google's terms: function args, responses) as minified JSON text.
Result read_struct(dom::element value, std::string_view path, std::string& out);

// A schema in Google's OpenAPI subset (`parameters`, `responseSchema`: types written "OBJECT",
// "STRING", ...) as JSON Schema text, the IR's convention: every `type` name lower-cased, at
// every level; literal values (`enum`, `default`, `example`, `const`) are left alone.
std::string openapi_to_json_schema(dom::element schema);

// Decodes `contents` into out.messages (contents_decoder.cpp).
Result decode_contents(dom::element contents, ir::Request& out);
// Decodes `systemInstruction` (a Content whose parts must be text) into out.system.
Result decode_system_instruction(dom::element value, ir::Request& out);

}  // namespace tollgate::api::gemini::detail
