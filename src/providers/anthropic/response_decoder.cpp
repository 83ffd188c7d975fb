// An Anthropic upstream's complete `message` body, and its error bodies, into the IR.
#include <string>

#include "api/json_parser.hpp"
#include "providers/anthropic/messages.hpp"
#include "providers/anthropic/wire.hpp"

namespace tollgate::providers::anthropic {
namespace {

namespace dom = simdjson::dom;
using Status = std::optional<ir::Error>;

ir::Error invalid_response(std::string_view what) {
  return ir::make_error(502, "The upstream returned an invalid message: " + std::string(what),
                        "upstream_invalid_response");
}

bool read_string(dom::object object, std::string_view key, std::string& out) {
  std::string_view value;
  if (object.at_key(key).get(value)) return false;
  out.assign(value);
  return true;
}

// One block of the response. Blocks the IR has no kind for (server_tool_use,
// web_search_tool_result, ...) are skipped: `keep` is false.
Status read_block(dom::object block, ir::Part& part, bool& keep) {
  keep = true;
  std::string_view type;
  if (block.at_key("type").get(type)) return invalid_response("a content block has no type");
  if (type == "text") {
    part.kind = ir::Part::Kind::text;
    if (!read_string(block, "text", part.text)) return invalid_response("a text block has no text");
  } else if (type == "thinking") {
    part.kind = ir::Part::Kind::thinking;
    if (!read_string(block, "thinking", part.text)) {
      return invalid_response("a thinking block has no thinking");
    }
    read_string(block, "signature", part.signature);
  } else if (type == "redacted_thinking") {
    part.kind = ir::Part::Kind::redacted_thinking;
    if (!read_string(block, "data", part.data)) {
      return invalid_response("a redacted_thinking block has no data");
    }
  } else if (type == "tool_use") {
    part.kind = ir::Part::Kind::tool_call;
    dom::element input;
    if (!read_string(block, "id", part.id) || !read_string(block, "name", part.name) ||
        block.at_key("input").get(input)) {
      return invalid_response("a tool_use block lacks its id, name or input");
    }
    part.arguments = simdjson::minify(input);
  } else {
    keep = false;
  }
  return std::nullopt;
}

Status read_content(dom::array blocks, std::vector<ir::Part>& content) {
  for (dom::element element : blocks) {
    dom::object block;
    if (element.get_object().get(block))
      return invalid_response("a content block is not an object");
    ir::Part& part = content.emplace_back();  // built in place (a Part is large)
    bool keep = false;
    if (auto error = read_block(block, part, keep)) return error;
    if (!keep) content.pop_back();
  }
  return std::nullopt;
}

Status read_message(dom::object message, ir::Response& out) {
  read_string(message, "id", out.id);
  read_string(message, "model", out.model);
  dom::array content;
  if (message.at_key("content").get(content)) return invalid_response("no content array");
  if (auto error = read_content(content, out.content)) return error;
  std::string_view reason;
  if (!message.at_key("stop_reason").get(reason)) out.stop_reason = wire::parse_stop_reason(reason);
  read_string(message, "stop_sequence", out.stop_sequence);
  dom::object usage;
  if (!message.at_key("usage").get(usage)) {
    wire::UsageCounts counts;
    wire::read_usage(usage, counts);
    out.usage = wire::to_ir_usage(counts);
  }
  return std::nullopt;
}

}  // namespace

std::optional<ir::Error> decode_response(std::string_view body, ir::Response& out) {
  out = ir::Response{};
  if (body.empty()) return invalid_response("the body is empty");
  thread_local dom::parser parser;
  const api::ParserLease lease(parser);
  dom::object message;
  if (parser.parse(body.data(), body.size()).get(message)) {
    return invalid_response("the body is not a JSON object");
  }
  std::string_view type;
  if (!message.at_key("type").get(type) && type == "error") return decode_error(502, body);
  return read_message(message, out);
}

ir::Error decode_error(int status, std::string_view body) {
  dom::parser parser;
  dom::object root;
  dom::object error;
  if (!body.empty() && !parser.parse(body.data(), body.size()).get(root) &&
      !root.at_key("error").get(error)) {
    return wire::read_error_object(status, error);
  }
  return ir::make_error(
      status,
      "The upstream returned HTTP " + std::to_string(status) + " without an Anthropic error body",
      "upstream_error");
}

}  // namespace tollgate::providers::anthropic
