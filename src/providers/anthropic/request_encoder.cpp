// ir::Request → an Anthropic Messages request body. Anthropic wants strictly alternating turns
// with tool results inside user turns, a top-level system prompt and a max_tokens, so messages
// are regrouped on the way: system-role messages join the system prompt, tool messages become
// user turns, consecutive turns of one role are merged, and tool results lead their turn.
#include <simdjson.h>

#include <charconv>
#include <cmath>

#include "api/json_text.hpp"
#include "providers/anthropic/messages.hpp"

namespace tollgate::providers::anthropic {
namespace {

using Status = std::optional<ir::Error>;
using api::append_json_string;
constexpr ir::Format kFamily = ir::Format::anthropic;

void append_double(std::string& out, double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_cache_control(std::string& out, const std::string& cache_control) {
  if (cache_control.empty()) return;
  out += R"(,"cache_control":)";
  out += cache_control;
}

// Base64 back to bytes (plain-text documents travel as base64 in the IR). False on bad input.
bool base64_decode(std::string_view text, std::string& out) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  out.clear();
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    const int value = value_of(c);
    if (value < 0) return false;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return true;
}

ir::Error invalid_part(std::string_view what) {
  return ir::make_error(400, std::string(what), "invalid_value", "messages");
}

// Writes the body, one section at a time.
class BodyWriter {
 public:
  BodyWriter(const ir::Request& request, std::string& out) : request_(request), out_(out) {}

  Status write(std::string_view upstream_model) {
    if (auto error = check_unmappable_fields()) return error;
    out_ += R"({"model":)";
    append_json_string(out_, upstream_model);
    out_ += R"(,"max_tokens":)";
    out_ += std::to_string(max_tokens());
    if (auto error = write_system()) return error;
    if (auto error = write_messages()) return error;
    write_tools();
    write_tool_choice();
    write_thinking();
    if (auto error = write_output_config()) return error;
    write_sampling();
    write_metadata_and_stream();
    write_forwarded_extras();
    out_ += '}';
    return std::nullopt;
  }

 private:
  bool same_family() const { return request_.from == kFamily; }

  // Fields Anthropic has no word for: extras of another family (unless droppable) and nonzero
  // penalties. A seed is dropped: Anthropic offers no determinism to ask for.
  Status check_unmappable_fields() const {
    if (!same_family()) {
      for (const ir::Extra& extra : request_.extras) {
        if (!extra.droppable) return ir::unsupported_extra(extra, kFamily);
      }
    }
    if (request_.presence_penalty.value_or(0) != 0) {
      return ir::unsupported("presence_penalty", "presence_penalty", kFamily);
    }
    if (request_.frequency_penalty.value_or(0) != 0) {
      return ir::unsupported("frequency_penalty", "frequency_penalty", kFamily);
    }
    return std::nullopt;
  }

  // The thinking budget to send, if thinking is on with a budget (else adaptive or off).
  std::optional<std::int64_t> thinking_budget() const {
    const ir::Reasoning& reasoning = request_.reasoning;
    if (!reasoning.enabled || reasoning.disabled) return std::nullopt;
    std::optional<std::int64_t> budget = reasoning.budget_tokens;
    if (!budget && !same_family() && !reasoning.effort.empty()) {
      budget = ir::effort_to_budget(reasoning.effort);
    }
    if (budget) budget = std::max(*budget, kMinThinkingBudget);
    return budget;
  }

  bool thinking_on() const { return request_.reasoning.enabled && !request_.reasoning.disabled; }

  // Anthropic counts thinking inside max_tokens and wants max_tokens > budget_tokens.
  std::int64_t max_tokens() const {
    const std::int64_t asked = request_.max_tokens.value_or(kDefaultMaxTokens);
    const std::optional<std::int64_t> budget = thinking_budget();
    if (budget && *budget >= asked) return *budget + asked;
    return asked;
  }

  // ---- system --------------------------------------------------------------------------------

  Status append_system_part(const ir::Part& part, bool& first) {
    if (part.kind != ir::Part::Kind::text) {
      return ir::unsupported("system", "Non-text system content", kFamily);
    }
    if (part.text.empty()) return std::nullopt;
    out_ += first ? R"(,"system":[)" : ",";
    first = false;
    out_ += R"({"type":"text","text":)";
    append_json_string(out_, part.text);
    append_cache_control(out_, part.cache_control);
    out_ += '}';
    return std::nullopt;
  }

  // The top-level system prompt followed by every system-role message, in order.
  Status write_system() {
    bool first = true;
    for (const ir::Part& part : request_.system) {
      if (auto error = append_system_part(part, first)) return error;
    }
    for (const ir::Message& message : request_.messages) {
      if (message.role != ir::Role::system) continue;
      for (const ir::Part& part : message.parts) {
        if (auto error = append_system_part(part, first)) return error;
      }
    }
    if (!first) out_ += ']';
    return std::nullopt;
  }

  // ---- messages ------------------------------------------------------------------------------

  Status write_messages() {
    out_ += R"(,"messages":[)";
    for (const ir::Message& message : request_.messages) {
      if (message.role == ir::Role::system) continue;
      const bool user_turn = message.role != ir::Role::assistant;
      if (user_turn != turn_is_user_) flush_turn();
      turn_is_user_ = user_turn;
      for (const ir::Part& part : message.parts) {
        if (auto error = append_part(part)) return error;
      }
    }
    flush_turn();
    out_ += ']';
    return std::nullopt;
  }

  // Closes the turn being gathered: tool results first, as Anthropic requires.
  void flush_turn() {
    if (turn_results_.empty() && turn_blocks_.empty()) return;
    if (wrote_message_) out_ += ',';
    wrote_message_ = true;
    out_ += turn_is_user_ ? R"({"role":"user","content":[)" : R"({"role":"assistant","content":[)";
    out_ += turn_results_;
    if (!turn_results_.empty() && !turn_blocks_.empty()) out_ += ',';
    out_ += turn_blocks_;
    out_ += "]}";
    turn_results_.clear();
    turn_blocks_.clear();
  }

  Status append_part(const ir::Part& part) {
    std::string& target = part.kind == ir::Part::Kind::tool_result ? turn_results_ : turn_blocks_;
    const std::size_t mark = target.size();
    if (!target.empty()) target += ',';
    const std::size_t start = target.size();
    Status status = append_block(target, part);
    if (status || target.size() == start) target.resize(mark);  // failed, or nothing to send
    return status;
  }

  // One content block; writes nothing for a part Anthropic would refuse and that carries nothing
  // (empty text, thinking without the signature Anthropic needs to accept it back).
  Status append_block(std::string& out, const ir::Part& part) {
    using Kind = ir::Part::Kind;
    switch (part.kind) {
      case Kind::text:
        if (part.text.empty()) return std::nullopt;
        out += R"({"type":"text","text":)";
        append_json_string(out, part.text);
        break;
      case Kind::image:
        if (auto error = append_image(out, part)) return error;
        break;
      case Kind::file:
        if (auto error = append_document(out, part)) return error;
        break;
      case Kind::audio:
        return ir::unsupported("messages", "Audio input", kFamily);
      case Kind::thinking:
        if (part.signature.empty()) return std::nullopt;
        out += R"({"type":"thinking","thinking":)";
        append_json_string(out, part.text);
        out += R"(,"signature":)";
        append_json_string(out, part.signature);
        out += '}';
        return std::nullopt;  // thinking blocks take no cache_control
      case Kind::redacted_thinking:
        out += R"({"type":"redacted_thinking","data":)";
        append_json_string(out, part.data);
        out += '}';
        return std::nullopt;
      case Kind::tool_call:
        append_tool_use(out, part);
        break;
      case Kind::tool_result:
        if (auto error = append_tool_result(out, part)) return error;
        break;
    }
    append_cache_control(out, part.cache_control);
    out += '}';
    return std::nullopt;
  }

  static Status append_image(std::string& out, const ir::Part& part) {
    out += R"({"type":"image","source":)";
    if (!part.data.empty()) {
      out += R"({"type":"base64","media_type":)";
      append_json_string(out, part.media_type);
      out += R"(,"data":)";
      append_json_string(out, part.data);
    } else if (!part.url.empty()) {
      out += R"({"type":"url","url":)";
      append_json_string(out, part.url);
    } else if (!part.file_id.empty()) {
      out += R"({"type":"file","file_id":)";
      append_json_string(out, part.file_id);
    } else {
      return invalid_part("An image part has no data, url or file id");
    }
    out += '}';
    return std::nullopt;
  }

  static Status append_document_source(std::string& out, const ir::Part& part) {
    if (!part.data.empty() && part.media_type == "application/pdf") {
      out += R"({"type":"base64","media_type":"application/pdf","data":)";
      append_json_string(out, part.data);
    } else if (!part.data.empty() && part.media_type == "text/plain") {
      std::string text;
      if (!base64_decode(part.data, text)) return invalid_part("A text file is not valid base64");
      out += R"({"type":"text","media_type":"text/plain","data":)";
      append_json_string(out, text);
    } else if (!part.data.empty()) {
      return ir::unsupported("messages", "Files of type '" + part.media_type + "'", kFamily);
    } else if (!part.url.empty()) {
      out += R"({"type":"url","url":)";
      append_json_string(out, part.url);
    } else if (!part.file_id.empty()) {
      out += R"({"type":"file","file_id":)";
      append_json_string(out, part.file_id);
    } else {
      return invalid_part("A file part has no data, url or file id");
    }
    out += '}';
    return std::nullopt;
  }

  static Status append_document(std::string& out, const ir::Part& part) {
    out += R"({"type":"document","source":)";
    if (auto error = append_document_source(out, part)) return error;
    if (!part.filename.empty()) {
      out += R"(,"title":)";
      append_json_string(out, part.filename);
    }
    return std::nullopt;
  }

  // `input` must be a JSON object: arguments that are not (a model's broken JSON from another
  // family) are sent as {} rather than making the whole conversation unusable.
  void append_tool_use(std::string& out, const ir::Part& part) {
    out += R"({"type":"tool_use","id":)";
    append_json_string(out, part.id);
    out += R"(,"name":)";
    append_json_string(out, part.name);
    out += R"(,"input":)";
    simdjson::dom::object input;
    if (part.arguments.empty() ||
        parser_.parse(part.arguments.data(), part.arguments.size()).get(input)) {
      out += "{}";
    } else {
      out += simdjson::minify(input);
    }
  }

  static bool is_plain_text(const std::vector<ir::Part>& content) {
    return content.size() == 1 && content[0].kind == ir::Part::Kind::text &&
           content[0].cache_control.empty();
  }

  Status append_tool_result(std::string& out, const ir::Part& part) {
    out += R"({"type":"tool_result","tool_use_id":)";
    append_json_string(out, part.id);
    if (is_plain_text(part.content)) {
      out += R"(,"content":)";
      append_json_string(out, part.content[0].text);
    } else if (!part.content.empty()) {
      out += R"(,"content":[)";
      bool first = true;
      for (const ir::Part& inner : part.content) {
        if (inner.kind == ir::Part::Kind::tool_result) continue;  // results do not nest
        const std::size_t mark = out.size();
        if (!first) out += ',';
        const std::size_t start = out.size();
        if (auto error = append_block(out, inner)) return error;
        if (out.size() == start) {
          out.resize(mark);
        } else {
          first = false;
        }
      }
      out += ']';
    }
    if (part.is_error) out += R"(,"is_error":true)";
    return std::nullopt;
  }

  // ---- tools ---------------------------------------------------------------------------------

  // Tools of an Anthropic client that the IR cannot carry (server tools): the `tools` extra's
  // array elements, without the brackets.
  std::string_view anthropic_only_tools() const {
    if (!same_family()) return {};
    for (const ir::Extra& extra : request_.extras) {
      std::string_view json = extra.json;
      if (extra.name == "tools" && json.size() > 2 && json.front() == '[' && json.back() == ']') {
        return json.substr(1, json.size() - 2);
      }
    }
    return {};
  }

  bool has_tools() const { return !request_.tools.empty() || !anthropic_only_tools().empty(); }

  // Anthropic requires input_schema to be an object schema; an empty one is made explicit.
  void append_input_schema(const std::string& parameters) {
    if (parameters.empty() || parameters == "{}") {
      out_ += R"({"type":"object","properties":{}})";
    } else {
      out_ += parameters;
    }
  }

  void write_tools() {
    if (!has_tools()) return;
    out_ += R"(,"tools":[)";
    bool first = true;
    for (const ir::Tool& tool : request_.tools) {
      if (!first) out_ += ',';
      first = false;
      out_ += R"({"name":)";
      append_json_string(out_, tool.name);
      if (!tool.description.empty()) {
        out_ += R"(,"description":)";
        append_json_string(out_, tool.description);
      }
      out_ += R"(,"input_schema":)";
      append_input_schema(tool.parameters);
      if (tool.strict) out_ += *tool.strict ? R"(,"strict":true)" : R"(,"strict":false)";
      append_cache_control(out_, tool.cache_control);
      out_ += '}';
    }
    if (std::string_view others = anthropic_only_tools(); !others.empty()) {
      if (!first) out_ += ',';
      out_ += others;
    }
    out_ += ']';
  }

  void write_tool_choice() {
    if (!has_tools()) return;  // Anthropic refuses tool_choice without tools
    const ir::ToolChoice& choice = request_.tool_choice;
    const bool serial = request_.parallel_tool_calls == false;
    if (choice.mode == ir::ToolChoice::Mode::unset && !serial) return;
    out_ += R"(,"tool_choice":{"type":)";
    switch (choice.mode) {
      case ir::ToolChoice::Mode::none:
        out_ += R"("none"})";
        return;
      case ir::ToolChoice::Mode::required:
        out_ += R"("any")";
        break;
      case ir::ToolChoice::Mode::tool:
        out_ += R"("tool","name":)";
        append_json_string(out_, choice.name);
        break;
      case ir::ToolChoice::Mode::unset:
      case ir::ToolChoice::Mode::auto_:
        out_ += R"("auto")";
        break;
    }
    if (serial) out_ += R"(,"disable_parallel_tool_use":true)";
    out_ += '}';
  }

  // ---- thinking, output, sampling ------------------------------------------------------------

  void write_thinking() {
    const ir::Reasoning& reasoning = request_.reasoning;
    if (reasoning.disabled) {
      out_ += R"(,"thinking":{"type":"disabled"})";
      return;
    }
    if (!reasoning.enabled) return;
    if (const std::optional<std::int64_t> budget = thinking_budget()) {
      out_ += R"(,"thinking":{"type":"enabled","budget_tokens":)";
      out_ += std::to_string(*budget);
    } else {
      out_ += R"(,"thinking":{"type":"adaptive")";
    }
    if (reasoning.include_thoughts) {
      out_ +=
          *reasoning.include_thoughts ? R"(,"display":"summarized")" : R"(,"display":"omitted")";
    }
    out_ += '}';
  }

  // output_config: the structured-output format, and (from an Anthropic client) the effort,
  // which other families' effort levels do not mean (they become a thinking budget instead).
  Status write_output_config() {
    const ir::ResponseFormat& format = request_.response_format;
    if (format.type == ir::ResponseFormat::Type::json_object) {
      return ir::unsupported("response_format", "response_format json_object", kFamily);
    }
    const bool schema = format.type == ir::ResponseFormat::Type::json_schema;
    const bool effort = same_family() && !request_.reasoning.effort.empty();
    if (!schema && !effort) return std::nullopt;
    out_ += R"(,"output_config":{)";
    if (effort) {
      out_ += R"("effort":)";
      append_json_string(out_, request_.reasoning.effort);
      if (schema) out_ += ',';
    }
    if (schema) {
      out_ += R"("format":{"type":"json_schema","schema":)";
      out_ += format.schema.empty() ? std::string_view("{}") : std::string_view(format.schema);
      out_ += '}';
    }
    out_ += '}';
    return std::nullopt;
  }

  void append_number(std::string_view key, std::optional<double> value) {
    if (!value || !std::isfinite(*value)) return;
    out_ += ",\"";
    out_ += key;
    out_ += "\":";
    append_double(out_, *value);
  }

  // With thinking on, Anthropic accepts no temperature, top_p or top_k other than its defaults:
  // another family's sampling settings are left out then, rather than failing the request.
  void write_sampling() {
    const bool keep = same_family() || !thinking_on();
    if (keep) {
      append_number("temperature", request_.temperature);
      append_number("top_p", request_.top_p);
      if (request_.top_k) {
        out_ += R"(,"top_k":)";
        out_ += std::to_string(*request_.top_k);
      }
    }
    if (!request_.stop.empty()) {
      out_ += R"(,"stop_sequences":[)";
      for (std::size_t i = 0; i < request_.stop.size(); ++i) {
        if (i > 0) out_ += ',';
        append_json_string(out_, request_.stop[i]);
      }
      out_ += ']';
    }
  }

  void write_metadata_and_stream() {
    if (!request_.user.empty()) {
      out_ += R"(,"metadata":{"user_id":)";
      append_json_string(out_, request_.user);
      out_ += '}';
    }
    if (request_.stream) out_ += R"(,"stream":true)";
  }

  // An Anthropic client's fields the IR does not model go back upstream as they came.
  void write_forwarded_extras() {
    if (!same_family()) return;
    for (const ir::Extra& extra : request_.extras) {
      if (extra.name == "tools") continue;  // merged into "tools"
      out_ += ',';
      append_json_string(out_, extra.name);
      out_ += ':';
      out_ += extra.json;
    }
  }

  const ir::Request& request_;
  std::string& out_;
  simdjson::dom::parser parser_;
  bool turn_is_user_ = true;
  bool wrote_message_ = false;
  std::string turn_results_;  // tool_result blocks of the turn being gathered
  std::string turn_blocks_;   // its other blocks
};

}  // namespace

std::optional<ir::Error> encode_request(const ir::Request& request, std::string_view upstream_model,
                                        std::string& body) {
  body.clear();
  BodyWriter writer(request, body);
  return writer.write(upstream_model);
}

}  // namespace tollgate::providers::anthropic
