// Shared pieces of the Gemini request encoder: request_encoder.cpp writes the conversation,
// request_config.cpp the tools, toolConfig, generationConfig and extras.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/ir.hpp"

namespace tollgate::providers::gemini::detail {

using Result = std::optional<ir::Error>;

// The request's extras sorted by where they go in the body. Filled only for a request from a
// Gemini client; extras of other families are dropped (droppable) or rejected.
struct PlacedExtras {
  std::vector<const ir::Extra*> top_level;
  std::vector<const ir::Extra*> generation_config;  // "generationConfig.x"
  std::vector<const ir::Extra*> tool_config;        // "toolConfig.x"
  const ir::Extra* built_in_tools = nullptr;        // "tools": a JSON array
};
Result place_extras(const ir::Request& request, PlacedExtras& out);

// `,"tools":[...]`, `,"toolConfig":{...}` and `,"generationConfig":{...}` when they have content.
void append_tools(std::string& out, const ir::Request& request, const PlacedExtras& extras);
void append_tool_config(std::string& out, const ir::Request& request, const PlacedExtras& extras);
void append_generation_config(std::string& out, const ir::Request& request,
                              const PlacedExtras& extras);

// `"name":value` for each extra, the part of its name after `prefix_length` characters as key.
void append_extra_members(std::string& out, const std::vector<const ir::Extra*>& extras,
                          std::size_t prefix_length, bool leading_comma);

// A schema as `"<key>":{...}` or `"<json_key>":{...}`: Gemini's OpenAPI-style Schema (upper-case
// type names such as "OBJECT") goes under `key`, JSON Schema under `json_key`.
void append_schema(std::string& out, std::string_view schema, std::string_view key,
                   std::string_view json_key);

}  // namespace tollgate::providers::gemini::detail
