// Gemini `contents` and `systemInstruction` → IR messages. A Content is {role, parts}; each Part
// holds exactly one piece of data (text, inlineData, fileData, functionCall, functionResponse,
// executableCode, codeExecutionResult) plus the flags `thought` and `thoughtSignature`.
// functionResponse parts become Role::tool messages of their own (one result each), so every
// encoder sees tool results the same way, whichever surface they came from.
#include <vector>

#include "api/characters.hpp"
#include "api/gemini/decode_support.hpp"

namespace tollgate::api::gemini::detail {
namespace {

// The function calls seen so far, to give id-less calls and responses matching ids.
struct CallLedger {
  struct Call {
    std::string id;
    std::string name;
    bool answered = false;
  };
  std::vector<Call> calls;

  std::string add_call(std::string id, const std::string& name) {
    if (id.empty()) id = "call_" + std::to_string(calls.size());
    calls.push_back(Call{id, name, false});
    return id;
  }

  // The id a functionResponse answers: its own, else the first unanswered call of that name,
  // else a fresh one (a response to no call; the upstream decides what that means).
  std::string answer(std::string id, const std::string& name) {
    for (Call& call : calls) {
      const bool matches = id.empty() ? (!call.answered && call.name == name) : call.id == id;
      if (matches) {
        call.answered = true;
        return call.id;
      }
    }
    if (id.empty()) id = "call_" + std::to_string(calls.size());
    calls.push_back(Call{id, name, true});
    return id;
  }
};

// The fields of one Part, read before it is interpreted.
struct PartFields {
  std::optional<dom::element> data;  // the one data member
  std::string_view data_name;        // its lowerCamel name
  bool thought = false;
  std::string signature;
};

ir::Part::Kind kind_for_media_type(std::string_view media_type) {
  if (media_type.starts_with("image/")) return ir::Part::Kind::image;
  if (media_type.starts_with("audio/")) return ir::Part::Kind::audio;
  return ir::Part::Kind::file;
}

// The Part's oneof `data` member named `key`, as a static string; empty when `key` is not one.
std::string_view data_member(std::string_view key) {
  static constexpr std::string_view kNames[] = {"text",           "inlineData",
                                                "fileData",       "functionCall",
                                                "functionResponse", "executableCode",
                                                "codeExecutionResult"};
  for (std::string_view name : kNames) {
    if (name == key) return name;
  }
  return {};
}

Result read_part_fields(dom::object part, const std::string& path, PartFields& fields) {
  std::string scratch;
  for (auto [raw_key, value] : part) {
    const std::string_view key = camel_key(raw_key, scratch);
    if (value.is_null()) continue;
    if (const std::string_view member = data_member(key); !member.empty()) {
      if (fields.data) {
        return invalid_argument(path, "Invalid value at '" + path +
                                          "' (oneof field 'data' is already set. Cannot set '" +
                                          std::string(member) + "')");
      }
      fields.data = value;
      fields.data_name = member;
    } else if (key == "thought") {
      if (auto error = read_bool(value, join_path(path, "thought"), fields.thought)) return error;
    } else if (key == "thoughtSignature") {
      if (auto error = read_string(value, join_path(path, "thought_signature"), fields.signature)) {
        return error;
      }
    } else if (key == "videoMetadata") {
      return unsupported_feature(join_path(path, "video_metadata"), "Part.videoMetadata");
    } else if (key == "mediaResolution" || key == "partMetadata") {
      continue;  // processing hints without an IR counterpart: dropped
    } else {
      return unknown_field(raw_key, path);
    }
  }
  if (!fields.data) return invalid_argument(path, "Invalid value at '" + path + "': part has no data.");
  return std::nullopt;
}

// inlineData {mimeType, data} and fileData {mimeType, fileUri}.
Result decode_blob(dom::element value, const std::string& path, bool is_file_data, ir::Part& part) {
  dom::object blob;
  if (auto error = read_object(value, path, blob)) return error;
  std::string scratch;
  std::string uri;
  for (auto [raw_key, field] : blob) {
    const std::string_view key = camel_key(raw_key, scratch);
    if (field.is_null()) continue;
    Result error;
    if (key == "mimeType") {
      error = read_string(field, join_path(path, "mime_type"), part.media_type);
    } else if (key == "data" && !is_file_data) {
      error = read_string(field, join_path(path, "data"), part.data);
    } else if (key == "fileUri" && is_file_data) {
      error = read_string(field, join_path(path, "file_uri"), uri);
    } else if (key == "displayName") {
      error = read_string(field, join_path(path, "display_name"), part.filename);
    } else {
      return unknown_field(raw_key, path);
    }
    if (error) return error;
  }
  if (is_file_data && uri.empty()) return invalid_argument(path, "file_uri is required.");
  if (!is_file_data && part.data.empty()) return invalid_argument(path, "data is required.");
  part.kind = kind_for_media_type(part.media_type);
  // Files API and Cloud Storage URIs only mean something to Gemini: they travel as provider file
  // ids. Any other URI (https) is a plain URL.
  const bool provider_uri = uri.starts_with("https://generativelanguage.googleapis.com/") ||
                            uri.starts_with("gs://");
  (provider_uri || !(uri.starts_with("https://") || uri.starts_with("http://")) ? part.file_id
                                                                                : part.url) = uri;
  return std::nullopt;
}

Result decode_function_call(dom::element value, const std::string& path, CallLedger& ledger,
                            ir::Part& part) {
  dom::object call;
  if (auto error = read_object(value, path, call)) return error;
  std::string scratch;
  std::string id;
  part.kind = ir::Part::Kind::tool_call;
  part.arguments = "{}";
  for (auto [raw_key, field] : call) {
    const std::string_view key = camel_key(raw_key, scratch);
    if (field.is_null()) continue;
    Result error;
    if (key == "name") {
      error = read_string(field, join_path(path, "name"), part.name);
    } else if (key == "id") {
      error = read_string(field, join_path(path, "id"), id);
    } else if (key == "args") {
      error = read_struct(field, join_path(path, "args"), part.arguments);
    } else {
      return unknown_field(raw_key, path);
    }
    if (error) return error;
  }
  if (part.name.empty()) return invalid_argument(join_path(path, "name"), "function_call.name is required.");
  part.id = ledger.add_call(std::move(id), part.name);
  return std::nullopt;
}

Result decode_function_response(dom::element value, const std::string& path, CallLedger& ledger,
                                ir::Part& part) {
  dom::object response;
  if (auto error = read_object(value, path, response)) return error;
  std::string scratch;
  std::string id;
  std::string content = "{}";
  part.kind = ir::Part::Kind::tool_result;
  for (auto [raw_key, field] : response) {
    const std::string_view key = camel_key(raw_key, scratch);
    if (field.is_null()) continue;
    Result error;
    if (key == "name") {
      error = read_string(field, join_path(path, "name"), part.name);
    } else if (key == "id") {
      error = read_string(field, join_path(path, "id"), id);
    } else if (key == "response") {
      error = read_struct(field, join_path(path, "response"), content);
    } else if (key == "parts") {
      return unsupported_feature(join_path(path, "parts"), "FunctionResponse.parts");
    } else if (key == "willContinue" || key == "scheduling") {
      return unsupported_feature(join_path(path, raw_key), "Non-blocking function responses");
    } else {
      return unknown_field(raw_key, path);
    }
    if (error) return error;
  }
  if (part.name.empty()) {
    return invalid_argument(join_path(path, "name"), "function_response.name is required.");
  }
  part.id = ledger.answer(std::move(id), part.name);
  part.content.push_back(ir::Part::make_text(std::move(content)));
  return std::nullopt;
}

Result decode_part(dom::element value, const std::string& path, CallLedger& ledger,
                   ir::Request& request, ir::Part& part) {
  dom::object object;
  if (auto error = read_object(value, path, object)) return error;
  PartFields fields;
  if (auto error = read_part_fields(object, path, fields)) return error;
  const std::string data_path = join_path(path, fields.data_name);
  Result error;
  if (fields.data_name == "text") {
    error = read_string(*fields.data, data_path, part.text);
    part.kind = fields.thought ? ir::Part::Kind::thinking : ir::Part::Kind::text;
    request.prompt_chars += count_characters(part.text);
  } else if (fields.data_name == "inlineData" || fields.data_name == "fileData") {
    error = decode_blob(*fields.data, data_path, fields.data_name == "fileData", part);
  } else if (fields.data_name == "functionCall") {
    error = decode_function_call(*fields.data, data_path, ledger, part);
  } else if (fields.data_name == "functionResponse") {
    error = decode_function_response(*fields.data, data_path, ledger, part);
  } else {
    error = unsupported_feature(data_path, "Code execution parts");
  }
  if (error) return error;
  // Kept on text and function call parts too: only a Gemini upstream reads them.
  part.signature = std::move(fields.signature);
  return std::nullopt;
}

Result read_role(dom::element value, const std::string& path, ir::Role& role) {
  std::string name;
  if (auto error = read_string(value, path, name)) return error;
  if (name == "user" || name == "function" || name.empty()) {
    role = ir::Role::user;
  } else if (name == "model") {
    role = ir::Role::assistant;
  } else {
    return invalid_argument(path, "Please use a valid role: user, model.");
  }
  return std::nullopt;
}

// Consecutive thought parts are one thought split by streaming: they become one thinking part,
// so formats that need a signature per thinking block get it on the whole block.
void append_part(ir::Message& message, ir::Part&& part) {
  if (part.kind == ir::Part::Kind::thinking && !message.parts.empty()) {
    ir::Part& last = message.parts.back();
    if (last.kind == ir::Part::Kind::thinking && last.signature.empty()) {
      last.text += part.text;
      last.signature = std::move(part.signature);
      return;
    }
  }
  message.parts.push_back(std::move(part));
}

class ContentsDecoder {
 public:
  explicit ContentsDecoder(ir::Request& out) : out_(out) {}

  Result decode(dom::element contents) {
    dom::array array;
    if (auto error = read_array(contents, "contents", array)) return error;
    std::size_t index = 0;
    for (dom::element content : array) {
      if (auto error = decode_content(content, index_path("contents", index))) return error;
      ++index;
    }
    if (index == 0) return invalid_argument("contents", "* GenerateContentRequest.contents: contents is not specified");
    return std::nullopt;
  }

 private:
  Result decode_content(dom::element value, const std::string& path) {
    dom::object content;
    if (auto error = read_object(value, path, content)) return error;
    ir::Role role = ir::Role::user;
    std::optional<dom::element> parts;
    std::string scratch;
    for (auto [raw_key, field] : content) {
      const std::string_view key = camel_key(raw_key, scratch);
      if (field.is_null()) continue;
      if (key == "role") {
        if (auto error = read_role(field, join_path(path, "role"), role)) return error;
      } else if (key == "parts") {
        parts = field;
      } else {
        return unknown_field(raw_key, path);
      }
    }
    if (!parts) return invalid_argument(join_path(path, "parts"), "* GenerateContentRequest." + path + ".parts: contents.parts must not be empty.");
    return decode_parts(*parts, join_path(path, "parts"), role);
  }

  Result decode_parts(dom::element value, const std::string& path, ir::Role role) {
    dom::array parts;
    if (auto error = read_array(value, path, parts)) return error;
    const std::size_t first_message = out_.messages.size();
    std::size_t index = 0;
    for (dom::element element : parts) {
      ir::Part part;
      const std::string part_path = index_path(path, index++);
      if (auto error = decode_part(element, part_path, ledger_, out_, part)) return error;
      if (part.kind == ir::Part::Kind::tool_result) {
        if (role != ir::Role::user) {
          return invalid_argument(part_path, "function_response parts belong in a user turn.");
        }
        out_.messages.push_back(ir::Message{ir::Role::tool, {}, {}});
        out_.messages.back().parts.push_back(std::move(part));
        continue;
      }
      if (out_.messages.size() == first_message || out_.messages.back().role != role) {
        out_.messages.push_back(ir::Message{role, {}, {}});
      }
      append_part(out_.messages.back(), std::move(part));
    }
    if (index == 0) return invalid_argument(path, "* GenerateContentRequest." + path + ": contents.parts must not be empty.");
    return std::nullopt;
  }

  ir::Request& out_;
  CallLedger ledger_;
};

}  // namespace

Result decode_contents(dom::element contents, ir::Request& out) {
  return ContentsDecoder(out).decode(contents);
}

Result decode_system_instruction(dom::element value, ir::Request& out) {
  const std::string path = "system_instruction";
  dom::object content;
  if (auto error = read_object(value, path, content)) return error;
  std::string scratch;
  for (auto [raw_key, field] : content) {
    const std::string_view key = camel_key(raw_key, scratch);
    if (field.is_null() || key == "role") continue;  // any role is ignored, as Gemini does
    if (key != "parts") return unknown_field(raw_key, path);
    dom::array parts;
    if (auto error = read_array(field, join_path(path, "parts"), parts)) return error;
    CallLedger unused;
    std::size_t index = 0;
    for (dom::element element : parts) {
      const std::string part_path = index_path(join_path(path, "parts"), index++);
      ir::Part part;
      if (auto error = decode_part(element, part_path, unused, out, part)) return error;
      if (part.kind != ir::Part::Kind::text) {
        return unsupported_feature(part_path, "A system instruction part other than text");
      }
      out.system.push_back(std::move(part));
    }
  }
  return std::nullopt;
}

}  // namespace tollgate::api::gemini::detail
