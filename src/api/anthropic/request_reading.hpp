// Reading a Messages request body with simdjson's DOM: where a value sits (Path), the 400s
// Anthropic gives for it ("<path>: Field required"), and typed reads that return them. Internal to
// src/api/anthropic/; includes simdjson.h, so include it from .cpp files only.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/ir.hpp"

namespace tollgate::api::anthropic::reading {

namespace dom = simdjson::dom;
using Status = std::optional<ir::Error>;

// Where a value sits in the body ("messages.2.content.0"), as a chain of stack frames: it costs
// nothing until an error needs it rendered.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;  // a field name, or empty for an array index
  std::size_t index = 0;

  Path field(std::string_view name) const { return Path{this, name, 0}; }
  Path at(std::size_t i) const { return Path{this, {}, i}; }

  std::string render() const {
    if (parent == nullptr) return {};
    std::string text = parent->render();
    if (!text.empty()) text += '.';
    if (key.empty()) {
      text += std::to_string(index);
    } else {
      text += key;
    }
    return text;
  }
};

// 400 invalid_request errors, with `param` = the rendered path and the message "<path>: <what>".
ir::Error request_error(const Path& path, std::string_view what, std::string code);
ir::Error missing(const Path& path);                                // "Field required"
ir::Error wrong_type(const Path& path, std::string_view expected);  // "Input should be a valid X"
ir::Error invalid_value(const Path& path, std::string_view what);
ir::Error not_permitted(const Path& path);  // "Extra inputs are not permitted"

Status read_string(dom::element value, const Path& path, std::string& out);
Status read_object(dom::element value, const Path& path, dom::object& out);
Status read_array(dom::element value, const Path& path, dom::array& out);
Status read_bool(dom::element value, const Path& path, bool& out);
Status read_count(dom::element value, const Path& path, std::int64_t& out);  // integer >= 0
Status read_number(dom::element value, const Path& path, double& out);

// A field that must be present in `object`.
Status require(dom::object object, std::string_view key, const Path& path, dom::element& out);
Status require_string(dom::object object, std::string_view key, const Path& path, std::string& out);

bool is_null(dom::element value);

// A block's cache_control (an object or null) as minified JSON text; `path` is the block's.
Status read_cache_control(dom::object block, const Path& path, std::string& out);

// `content` of a message or tool result: a string (one text part) or a list of blocks, into
// `parts`. `role` limits the block types (system: text; Role::tool, i.e. a tool result's content:
// text, image, document). Adds the characters of text to `prompt_chars`.
Status read_content(dom::element value, const Path& path, ir::Role role,
                    std::vector<ir::Part>& parts, std::size_t& prompt_chars);

}  // namespace tollgate::api::anthropic::reading
