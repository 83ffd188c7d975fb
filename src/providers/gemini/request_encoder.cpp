// encode_request: ir::Request → a GenerateContentRequest body. This file writes the
// conversation (contents and systemInstruction); request_config.cpp writes the settings.
// Messages of consecutive turns with the same Gemini role share one Content, so the results of
// parallel tool calls travel together, as Gemini expects.
#include <simdjson.h>

#include <unordered_map>

#include "api/json_text.hpp"
#include "providers/gemini/generate_content.hpp"
#include "providers/gemini/request_writing.hpp"

namespace tollgate::providers::gemini {
namespace {

using namespace detail;
using api::append_json_string;

std::string_view extension_of(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const std::size_t slash = url.rfind('/');
  const std::size_t dot = url.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  return url.substr(dot + 1);
}

// The media type of a URL, from its file extension; empty when it cannot be told.
std::string_view guess_media_type(std::string_view url) {
  std::string extension(extension_of(url));
  for (char& c : extension) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"png", "image/png"},   {"jpg", "image/jpeg"},  {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},   {"webp", "image/webp"}, {"heic", "image/heic"},
      {"heif", "image/heif"}, {"wav", "audio/wav"},   {"mp3", "audio/mp3"},
      {"aac", "audio/aac"},   {"ogg", "audio/ogg"},   {"flac", "audio/flac"},
      {"aiff", "audio/aiff"}, {"pdf", "application/pdf"}, {"txt", "text/plain"},
  };
  for (const auto& [known, media_type] : kTypes) {
    if (known == extension) return media_type;
  }
  return {};
}

std::string_view gemini_role(ir::Role role) {
  return role == ir::Role::assistant ? "model" : "user";
}

// A tool result's content as FunctionResponse.response: a JSON object as it is, any other JSON
// value or plain text as {"result": value} ({"error": value} for a failure).
Result tool_response_object(const ir::Part& result, std::string_view path, std::string& out) {
  std::string text;
  for (const ir::Part& part : result.content) {
    if (part.kind != ir::Part::Kind::text) {
      return ir::unsupported(std::string(path), "An image or file inside a tool result",
                             ir::Format::gemini);
    }
    text += part.text;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element value;
  const bool is_json = !parser.parse(text.data(), text.size()).get(value);
  const std::string_view wrapper = result.is_error ? "{\"error\":" : "{\"result\":";
  if (is_json && value.is_object() && !result.is_error) {
    out += simdjson::minify(value);
  } else {
    out += wrapper;
    if (is_json) {
      out += simdjson::minify(value);
    } else {
      append_json_string(out, text);
    }
    out += '}';
  }
  return std::nullopt;
}

class ContentsWriter {
 public:
  ContentsWriter(const ir::Request& request, std::string& out) : request_(request), out_(out) {}

  Result write() {
    out_ += "\"contents\":[";
    for (std::size_t i = 0; i < request_.messages.size(); ++i) {
      const ir::Message& message = request_.messages[i];
      if (message.role == ir::Role::system) continue;
      if (auto error = write_message(message, "messages[" + std::to_string(i) + "]")) return error;
    }
    if (open_role_) out_ += "]}";
    out_ += ']';
    return std::nullopt;
  }

 private:
  Result write_message(const ir::Message& message, const std::string& path) {
    const std::string_view role = gemini_role(message.role);
    if (open_role_ != role) {
      if (open_role_) out_ += "]},";
      out_ += "{\"role\":\"";
      out_ += role;
      out_ += "\",\"parts\":[";
      open_role_ = role;
      parts_in_content_ = 0;
    }
    for (std::size_t i = 0; i < message.parts.size(); ++i) {
      const std::string part_path = path + ".content[" + std::to_string(i) + "]";
      if (auto error = write_part(message.parts[i], part_path)) return error;
    }
    return std::nullopt;
  }

  std::string& next_part() {
    if (parts_in_content_++ > 0) out_ += ',';
    return out_;
  }

  void write_signature(std::string_view signature) {
    if (signature.empty()) return;
    out_ += ",\"thoughtSignature\":";
    append_json_string(out_, signature);
  }

  Result write_part(const ir::Part& part, const std::string& path) {
    using Kind = ir::Part::Kind;
    switch (part.kind) {
      case Kind::text:
        next_part() += "{\"text\":";
        append_json_string(out_, part.text);
        if (request_.from == ir::Format::gemini) write_signature(part.signature);
        out_ += '}';
        return std::nullopt;
      case Kind::thinking: write_thinking(part); return std::nullopt;
      case Kind::redacted_thinking: return std::nullopt;  // another vendor's opaque reasoning
      case Kind::image:
      case Kind::audio:
      case Kind::file: return write_media(part, path);
      case Kind::tool_call: return write_call(part, path);
      case Kind::tool_result: return write_result(part, path);
    }
    return std::nullopt;
  }

  // Only Gemini's own thoughts go back: another vendor's signature would fail Gemini's check, and
  // Gemini needs no thought text, only signatures.
  void write_thinking(const ir::Part& part) {
    if (request_.from != ir::Format::gemini) return;
    next_part() += "{\"text\":";
    append_json_string(out_, part.text);
    out_ += ",\"thought\":true";
    write_signature(part.signature);
    out_ += '}';
  }

  Result write_media(const ir::Part& part, const std::string& path) {
    if (!part.data.empty()) {
      if (part.media_type.empty()) {
        return ir::unsupported(path, "Inline media without a media type", ir::Format::gemini);
      }
      next_part() += "{\"inlineData\":{\"mimeType\":";
      append_json_string(out_, part.media_type);
      out_ += ",\"data\":";
      append_json_string(out_, part.data);
      out_ += "}}";
      return std::nullopt;
    }
    if (!part.file_id.empty() && request_.from != ir::Format::gemini) {
      return ir::unsupported(path, "A file id of another provider", ir::Format::gemini);
    }
    const std::string& uri = part.file_id.empty() ? part.url : part.file_id;
    const std::string_view media_type =
        part.media_type.empty() ? guess_media_type(uri) : std::string_view(part.media_type);
    if (uri.empty()) return ir::unsupported(path, "Media without data or URL", ir::Format::gemini);
    if (media_type.empty() && part.file_id.empty()) {
      return ir::unsupported(path, "A media URL whose media type cannot be told from the URL",
                             ir::Format::gemini);
    }
    next_part() += "{\"fileData\":{";
    if (!media_type.empty()) {
      out_ += "\"mimeType\":";
      append_json_string(out_, media_type);
      out_ += ',';
    }
    out_ += "\"fileUri\":";
    append_json_string(out_, uri);
    out_ += "}}";
    return std::nullopt;
  }

  Result write_call(const ir::Part& part, const std::string& path) {
    std::string_view arguments = part.arguments.empty() ? std::string_view("{}") : part.arguments;
    simdjson::dom::parser parser;
    simdjson::dom::element args;
    if (parser.parse(arguments.data(), arguments.size()).get(args) || !args.is_object()) {
      return ir::make_error(400, "The arguments of a tool call must be a JSON object for this model.",
                            "invalid_tool_arguments", path + ".arguments");
    }
    call_names_[part.id] = part.name;
    next_part() += "{\"functionCall\":{";
    if (!part.id.empty()) {
      out_ += "\"id\":";
      append_json_string(out_, part.id);
      out_ += ',';
    }
    out_ += "\"name\":";
    append_json_string(out_, part.name);
    out_ += ",\"args\":";
    out_ += simdjson::minify(args);
    out_ += '}';
    write_signature(part.signature);
    out_ += '}';
    return std::nullopt;
  }

  Result write_result(const ir::Part& part, const std::string& path) {
    std::string_view name = part.name;
    if (name.empty()) {
      const auto call = call_names_.find(part.id);
      if (call == call_names_.end()) {
        return ir::make_error(400, "A tool result answers no earlier tool call (id \"" + part.id +
                                       "\"): Gemini needs the function name.",
                              "unknown_tool_call_id", path);
      }
      name = call->second;
    }
    std::string response;
    if (auto error = tool_response_object(part, path, response)) return error;
    next_part() += "{\"functionResponse\":{";
    if (!part.id.empty()) {
      out_ += "\"id\":";
      append_json_string(out_, part.id);
      out_ += ',';
    }
    out_ += "\"name\":";
    append_json_string(out_, name);
    out_ += ",\"response\":";
    out_ += response;
    out_ += "}}";
    return std::nullopt;
  }

  const ir::Request& request_;
  std::string& out_;
  std::optional<std::string_view> open_role_;
  std::size_t parts_in_content_ = 0;
  // The name of each call id seen so far; a later call with the same id replaces it, so a
  // result finds the latest earlier call.
  std::unordered_map<std::string, std::string> call_names_;
};

// System messages anywhere in the conversation join the top-level system prompt: Gemini has one
// systemInstruction.
void append_system_instruction(std::string& out, const ir::Request& request) {
  std::string parts;
  auto add = [&parts](const ir::Part& part) {
    if (part.kind != ir::Part::Kind::text) return;
    if (!parts.empty()) parts += ',';
    parts += "{\"text\":";
    append_json_string(parts, part.text);
    parts += '}';
  };
  for (const ir::Part& part : request.system) add(part);
  for (const ir::Message& message : request.messages) {
    if (message.role != ir::Role::system) continue;
    for (const ir::Part& part : message.parts) add(part);
  }
  if (parts.empty()) return;
  out += ",\"systemInstruction\":{\"parts\":[";
  out += parts;
  out += "]}";
}

}  // namespace

std::optional<ir::Error> encode_request(const ir::Request& request, std::string& body) {
  PlacedExtras extras;
  if (auto error = place_extras(request, extras)) return error;
  body.clear();
  body += '{';
  if (auto error = ContentsWriter(request, body).write()) return error;
  append_system_instruction(body, request);
  append_tools(body, request, extras);
  append_tool_config(body, request, extras);
  append_generation_config(body, request, extras);
  append_extra_members(body, extras.top_level, 0, true);
  body += '}';
  return std::nullopt;
}

}  // namespace tollgate::providers::gemini
