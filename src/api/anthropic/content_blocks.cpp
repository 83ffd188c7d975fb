// The content blocks of a Messages request (text, image, document, tool_use, tool_result,
// thinking, redacted_thinking) into ir::Parts.
#include "api/anthropic/request_reading.hpp"

#include "api/characters.hpp"

namespace tollgate::api::anthropic::reading {
namespace {

// Plain-text documents are kept as base64 like every other file (ir.hpp: media is base64 text).
std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                   (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                   std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(n >> shift) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t n = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (rest == 2) n |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Reads the blocks of one request; counts prompt characters as it goes.
class BlockReader {
 public:
  explicit BlockReader(std::size_t& prompt_chars) : prompt_chars_(prompt_chars) {}

  // One block of a message's content. `role` limits what may appear (system: text only).
  Status read_block(dom::element value, const Path& path, ir::Role role,
                    std::vector<ir::Part>& parts) {
    dom::object block;
    if (auto error = read_object(value, path, block)) return error;
    std::string type;
    if (auto error = require_string(block, "type", path.field("type"), type)) return error;
    if (auto error = check_allowed(type, role, path.field("type"))) return error;
    ir::Part& part = parts.emplace_back();
    if (auto error = read_cache_control(block, path, part.cache_control)) return error;
    if (type == "text") return read_text(block, path, part);
    if (type == "image") return read_image(block, path, part);
    if (type == "document") return read_document(block, path, part);
    if (type == "tool_use") return read_tool_use(block, path, part);
    if (type == "tool_result") return read_tool_result(block, path, part);
    if (type == "thinking") return read_thinking(block, path, part);
    if (type == "redacted_thinking") return read_redacted_thinking(block, path, part);
    return request_error(path.field("type"),
                         "Content blocks of type '" + type + "' are not supported by this gateway",
                         "unsupported_content_block");
  }

  // `content` of a message: a string (one text block) or a list of blocks.
  Status read_content(dom::element value, const Path& path, ir::Role role,
                      std::vector<ir::Part>& parts) {
    std::string_view text;
    if (!value.get_string().get(text)) {
      prompt_chars_ += count_characters(text);
      ir::append_text(parts, text);
      return std::nullopt;
    }
    dom::array blocks;
    if (value.get_array().get(blocks)) return wrong_type(path, "list");
    std::size_t i = 0;
    for (dom::element block : blocks) {
      if (auto error = read_block(block, path.at(i++), role, parts)) return error;
    }
    return std::nullopt;
  }

 private:
  // System prompts hold text only; tool results (read with Role::tool) text, images and
  // documents, which also keeps tool results from nesting.
  static Status check_allowed(std::string_view type, ir::Role role, const Path& path) {
    if (role == ir::Role::system && type != "text")
      return invalid_value(path, "Input should be 'text'");
    if (role == ir::Role::tool && type != "text" && type != "image" && type != "document") {
      return invalid_value(path, "Input should be 'text', 'image' or 'document'");
    }
    return std::nullopt;
  }

  Status read_text(dom::object block, const Path& path, ir::Part& part) {
    part.kind = ir::Part::Kind::text;
    if (auto error = require_string(block, "text", path.field("text"), part.text)) return error;
    prompt_chars_ += count_characters(part.text);
    return std::nullopt;
  }

  // The `source` object of an image or document, with its `type`.
  static Status read_source(dom::object block, const Path& path, dom::object& source,
                            std::string& type) {
    const Path where = path.field("source");
    dom::element value;
    if (auto error = require(block, "source", where, value)) return error;
    if (auto error = read_object(value, where, source)) return error;
    return require_string(source, "type", where.field("type"), type);
  }

  static Status read_image(dom::object block, const Path& path, ir::Part& part) {
    part.kind = ir::Part::Kind::image;
    dom::object source;
    std::string type;
    if (auto error = read_source(block, path, source, type)) return error;
    const Path where = path.field("source");
    if (type == "base64") {
      if (auto error =
              require_string(source, "media_type", where.field("media_type"), part.media_type)) {
        return error;
      }
      return require_string(source, "data", where.field("data"), part.data);
    }
    if (type == "url") return require_string(source, "url", where.field("url"), part.url);
    if (type == "file") {
      return require_string(source, "file_id", where.field("file_id"), part.file_id);
    }
    return invalid_value(where.field("type"), "Input should be 'base64', 'url' or 'file'");
  }

  static Status read_document(dom::object block, const Path& path, ir::Part& part) {
    part.kind = ir::Part::Kind::file;
    dom::element title;
    if (!block.at_key("title").get(title) && !is_null(title)) {
      if (auto error = read_string(title, path.field("title"), part.filename)) return error;
    }
    dom::object source;
    std::string type;
    if (auto error = read_source(block, path, source, type)) return error;
    const Path where = path.field("source");
    if (type == "base64") {
      if (auto error =
              require_string(source, "media_type", where.field("media_type"), part.media_type)) {
        return error;
      }
      return require_string(source, "data", where.field("data"), part.data);
    }
    if (type == "text") {
      std::string text;
      if (auto error = require_string(source, "data", where.field("data"), text)) return error;
      part.media_type = "text/plain";
      part.data = base64_encode(text);
      return std::nullopt;
    }
    if (type == "url") return require_string(source, "url", where.field("url"), part.url);
    if (type == "file") {
      return require_string(source, "file_id", where.field("file_id"), part.file_id);
    }
    return request_error(
        where.field("type"),
        "Document sources of type '" + type + "' are not supported by this gateway",
        "unsupported_content_block");
  }

  Status read_tool_use(dom::object block, const Path& path, ir::Part& part) {
    part.kind = ir::Part::Kind::tool_call;
    if (auto error = require_string(block, "id", path.field("id"), part.id)) return error;
    if (auto error = require_string(block, "name", path.field("name"), part.name)) return error;
    dom::element input;
    if (auto error = require(block, "input", path.field("input"), input)) return error;
    part.arguments = simdjson::minify(input);
    prompt_chars_ += count_characters(part.arguments);
    return std::nullopt;
  }

  Status read_tool_result(dom::object block, const Path& path, ir::Part& part) {
    part.kind = ir::Part::Kind::tool_result;
    if (auto error = require_string(block, "tool_use_id", path.field("tool_use_id"), part.id)) {
      return error;
    }
    dom::element value;
    if (!block.at_key("is_error").get(value) && !is_null(value)) {
      if (auto error = read_bool(value, path.field("is_error"), part.is_error)) return error;
    }
    if (block.at_key("content").get(value) || is_null(value)) return std::nullopt;
    const Path where = path.field("content");
    return read_content(value, where, ir::Role::tool, part.content);
  }

  Status read_thinking(dom::object block, const Path& path, ir::Part& part) {
    part.kind = ir::Part::Kind::thinking;
    if (auto error = require_string(block, "thinking", path.field("thinking"), part.text)) {
      return error;
    }
    prompt_chars_ += count_characters(part.text);
    return require_string(block, "signature", path.field("signature"), part.signature);
  }

  static Status read_redacted_thinking(dom::object block, const Path& path, ir::Part& part) {
    part.kind = ir::Part::Kind::redacted_thinking;
    return require_string(block, "data", path.field("data"), part.data);
  }

  std::size_t& prompt_chars_;
};

}  // namespace

Status read_content(dom::element value, const Path& path, ir::Role role,
                    std::vector<ir::Part>& parts, std::size_t& prompt_chars) {
  BlockReader reader(prompt_chars);
  return reader.read_content(value, path, role, parts);
}

}  // namespace tollgate::api::anthropic::reading
