// Decodes the `input` items of a Responses request: messages with their content parts, function
// calls and their outputs, and reasoning items, into IR messages.
#include "api/responses/input_items.hpp"

#include <utility>
#include <vector>

namespace tollgate::api::responses {
namespace {

using simdjson::dom::array;

// The assistant message the next item of an assistant turn belongs to: the last message when it
// is the assistant's, else a new one. Responses lists a turn's reasoning, text and calls as
// separate items; the IR keeps them together, as Chat Completions and Messages do.
ir::Message& assistant_turn(ir::Request& out) {
  if (out.messages.empty() || out.messages.back().role != ir::Role::assistant) {
    out.messages.push_back(ir::Message{.role = ir::Role::assistant, .parts = {}, .name = {}});
  }
  return out.messages.back();
}

// The name of the function whose call has id `call_id`, from the assistant turns decoded so far
// (Gemini answers calls by name, so tool results carry it when it is known).
std::string name_of_call(const ir::Request& request, std::string_view call_id) {
  for (auto message = request.messages.rbegin(); message != request.messages.rend(); ++message) {
    for (const ir::Part& part : message->parts) {
      if (part.kind == ir::Part::Kind::tool_call && part.id == call_id) return part.name;
    }
  }
  return {};
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "data:<media type>[;parameters];base64,<data>" into media_type and data. Only base64 data URLs
// are accepted: the IR keeps binary media as base64.
Failure split_data_url(std::string_view url, const std::string& param, ir::Part& part) {
  constexpr std::string_view marker = ";base64,";
  const std::size_t marker_at = url.find(marker);
  if (marker_at == std::string_view::npos) {
    return invalid_value(param, "data URLs must be base64 encoded (data:<type>;base64,<data>).");
  }
  std::string_view media_type = url.substr(5, marker_at - 5);  // after "data:"
  media_type = media_type.substr(0, media_type.find(';'));
  if (media_type.empty()) return invalid_value(param, "the data URL has no media type.");
  part.media_type.assign(media_type);
  part.data.assign(url.substr(marker_at + marker.size()));
  return std::nullopt;
}

// An image or file reference: a data URL is split into media type and data, an http(s) URL kept.
Failure read_media_url(std::string_view url, const std::string& param, ir::Part& part) {
  if (starts_with(url, "data:")) return split_data_url(url, param, part);
  if (starts_with(url, "https://") || starts_with(url, "http://")) {
    part.url.assign(url);
    return std::nullopt;
  }
  return invalid_value(param, "expected an http(s) URL or a base64 data URL.");
}

Failure decode_image(object source, const std::string& path, ir::Part& part) {
  part.kind = ir::Part::Kind::image;
  std::string url;
  if (auto failure = read_optional_string(source, "image_url", path, url)) return failure;
  if (auto failure = read_optional_string(source, "file_id", path, part.file_id)) return failure;
  if (auto failure = read_optional_string(source, "detail", path, part.detail)) return failure;
  if (!url.empty()) return read_media_url(url, at_key(path, "image_url"), part);
  if (part.file_id.empty()) return missing_parameter(at_key(path, "image_url"));
  return std::nullopt;
}

// file_data is normally a data URL; bare base64 is taken as a PDF, the one document type every
// upstream reads.
Failure decode_file(object source, const std::string& path, ir::Part& part) {
  part.kind = ir::Part::Kind::file;
  std::string file_data;
  std::string file_url;
  if (auto failure = read_optional_string(source, "file_data", path, file_data)) return failure;
  if (auto failure = read_optional_string(source, "file_url", path, file_url)) return failure;
  if (auto failure = read_optional_string(source, "file_id", path, part.file_id)) return failure;
  if (auto failure = read_optional_string(source, "filename", path, part.filename)) return failure;
  if (!file_data.empty()) {
    if (starts_with(file_data, "data:")) {
      return split_data_url(file_data, at_key(path, "file_data"), part);
    }
    part.media_type = "application/pdf";
    part.data = std::move(file_data);
    return std::nullopt;
  }
  if (!file_url.empty()) return read_media_url(file_url, at_key(path, "file_url"), part);
  if (part.file_id.empty()) return missing_parameter(at_key(path, "file_data"));
  return std::nullopt;
}

// Which content part types each role may send.
bool part_allowed(std::string_view type, ir::Role role) {
  switch (role) {
    case ir::Role::system:
      return type == "input_text";
    case ir::Role::assistant:
      return type == "output_text" || type == "refusal" || type == "input_text";
    default:
      return type == "input_text" || type == "input_image" || type == "input_file";
  }
}

Failure decode_part(element value, const std::string& path, ir::Role role, ir::Part& part) {
  object source;
  if (auto failure = read_object(value, path, source)) return failure;
  std::string type;
  if (auto failure = read_required_string(source, "type", path, type)) return failure;
  if (!part_allowed(type, role)) {
    return invalid_value(at_key(path, "type"), "content type '" + type + "' is not allowed in a " +
                                                   std::string(ir::to_string(role)) + " message.");
  }
  if (type == "input_image") return decode_image(source, path, part);
  if (type == "input_file") return decode_file(source, path, part);
  part.kind = ir::Part::Kind::text;
  const std::string_view text_key = type == "refusal" ? "refusal" : "text";
  return read_required_string(source, text_key, path, part.text);
}

// A message's `content`, or a function call output's `output`: a string or a list of parts.
Failure decode_content(element content, const std::string& path, ir::Role role,
                       std::vector<ir::Part>& parts) {
  std::string_view text;
  if (content.get_string().get(text) == simdjson::SUCCESS) {
    ir::append_text(parts, text);
    return std::nullopt;
  }
  array list;
  if (content.get_array().get(list) != simdjson::SUCCESS) {
    return invalid_type(path, "a string or an array of content parts");
  }
  std::size_t index = 0;
  for (element value : list) {
    ir::Part part;
    if (auto failure = decode_part(value, at_index(path, index++), role, part)) return failure;
    parts.push_back(std::move(part));
  }
  return std::nullopt;
}

Failure read_role(object item, const std::string& path, ir::Role& role) {
  std::string name;
  if (auto failure = read_required_string(item, "role", path, name)) return failure;
  if (name == "user") {
    role = ir::Role::user;
  } else if (name == "system" || name == "developer") {
    role = ir::Role::system;
  } else if (name == "assistant") {
    role = ir::Role::assistant;
  } else {
    return invalid_value(at_key(path, "role"),
                         "expected one of 'user', 'system', 'developer', 'assistant'.");
  }
  return std::nullopt;
}

Failure decode_message(object item, const std::string& path, ir::Request& out) {
  ir::Role role = ir::Role::user;
  if (auto failure = read_role(item, path, role)) return failure;
  const auto content = optional_field(item, "content");
  if (!content) return missing_parameter(at_key(path, "content"));
  std::vector<ir::Part> parts;
  if (auto failure = decode_content(*content, at_key(path, "content"), role, parts)) {
    return failure;
  }
  if (role == ir::Role::assistant) {
    auto& turn = assistant_turn(out).parts;
    for (ir::Part& part : parts) turn.push_back(std::move(part));
  } else {
    out.messages.push_back(ir::Message{.role = role, .parts = std::move(parts), .name = {}});
  }
  return std::nullopt;
}

Failure decode_function_call(object item, const std::string& path, ir::Request& out) {
  ir::Part call;
  call.kind = ir::Part::Kind::tool_call;
  if (auto failure = read_required_string(item, "call_id", path, call.id)) return failure;
  if (auto failure = read_required_string(item, "name", path, call.name)) return failure;
  if (auto failure = read_required_string(item, "arguments", path, call.arguments)) {
    return failure;
  }
  if (call.arguments.empty()) call.arguments = "{}";
  assistant_turn(out).parts.push_back(std::move(call));
  return std::nullopt;
}

Failure decode_function_call_output(object item, const std::string& path, ir::Request& out) {
  ir::Part result;
  result.kind = ir::Part::Kind::tool_result;
  if (auto failure = read_required_string(item, "call_id", path, result.id)) return failure;
  const auto output = optional_field(item, "output");
  if (!output) return missing_parameter(at_key(path, "output"));
  if (auto failure =
          decode_content(*output, at_key(path, "output"), ir::Role::user, result.content)) {
    return failure;
  }
  result.name = name_of_call(out, result.id);
  out.messages.push_back(ir::Message{.role = ir::Role::tool, .parts = {}, .name = {}});
  out.messages.back().parts.push_back(std::move(result));
  return std::nullopt;
}

// The texts of a reasoning item's `summary` (summary_text) or `content` (reasoning_text) list,
// joined by blank lines.
Failure join_texts(object item, std::string_view key, const std::string& path, std::string& out) {
  const auto list_value = optional_field(item, key);
  if (!list_value) return std::nullopt;
  const std::string list_path = at_key(path, key);
  array list;
  if (list_value->get_array().get(list) != simdjson::SUCCESS) {
    return invalid_type(list_path, "an array");
  }
  std::size_t index = 0;
  for (element value : list) {
    const std::string part_path = at_index(list_path, index++);
    object part;
    if (auto failure = read_object(value, part_path, part)) return failure;
    std::string text;
    if (auto failure = read_required_string(part, "text", part_path, text)) return failure;
    if (!out.empty() && !text.empty()) out += "\n\n";
    out += text;
  }
  return std::nullopt;
}

// A reasoning item: its summary becomes a thinking part whose signature is the
// encrypted_content; encrypted content alone becomes redacted thinking (it is how the response
// encoder writes Anthropic's redacted_thinking blocks).
Failure decode_reasoning(object item, const std::string& path, ir::Request& out) {
  ir::Part part;
  part.kind = ir::Part::Kind::thinking;
  if (auto failure = join_texts(item, "summary", path, part.text)) return failure;
  if (part.text.empty()) {
    if (auto failure = join_texts(item, "content", path, part.text)) return failure;
  }
  if (auto failure = read_optional_string(item, "encrypted_content", path, part.signature)) {
    return failure;
  }
  if (part.text.empty() && part.signature.empty()) return std::nullopt;
  if (part.text.empty()) {
    part.kind = ir::Part::Kind::redacted_thinking;
    part.data = std::move(part.signature);
    part.signature.clear();
  }
  assistant_turn(out).parts.push_back(std::move(part));
  return std::nullopt;
}

// An item's type; EasyInputMessage ({role, content}) may leave it out.
Failure read_item_type(object item, const std::string& path, std::string& type) {
  if (auto failure = read_optional_string(item, "type", path, type)) return failure;
  if (type.empty()) {
    if (!optional_field(item, "role")) return missing_parameter(at_key(path, "type"));
    type = "message";
  }
  return std::nullopt;
}

Failure decode_item(element value, const std::string& path, ir::Request& out) {
  object item;
  if (auto failure = read_object(value, path, item)) return failure;
  std::string type;
  if (auto failure = read_item_type(item, path, type)) return failure;
  if (type == "message") return decode_message(item, path, out);
  if (type == "function_call") return decode_function_call(item, path, out);
  if (type == "function_call_output") return decode_function_call_output(item, path, out);
  if (type == "reasoning") return decode_reasoning(item, path, out);
  return not_supported(at_key(path, "type"), "Input items of type '" + type + "'");
}

}  // namespace

Failure decode_input(element input, ir::Request& out) {
  std::string_view text;
  if (input.get_string().get(text) == simdjson::SUCCESS) {
    out.messages.push_back(ir::Message{.role = ir::Role::user, .parts = {}, .name = {}});
    ir::append_text(out.messages.back().parts, text);
    return std::nullopt;
  }
  array items;
  if (input.get_array().get(items) != simdjson::SUCCESS) {
    return invalid_type("input", "a string or an array of input items");
  }
  if (items.size() == 0) {
    return client_error("Invalid 'input': empty array. Expected at least one item.", "empty_array",
                        "input");
  }
  std::size_t index = 0;
  for (element value : items) {
    if (auto failure = decode_item(value, at_index("input", index++), out)) return failure;
  }
  return std::nullopt;
}

}  // namespace tollgate::api::responses
