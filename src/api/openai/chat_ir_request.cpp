// decode_request: an OpenAI chat completions body → ir::Request. Walks the body with simdjson's
// DOM; every field either maps onto the IR, travels as an ir::Extra (with the droppability
// docs/translation/openai.md gives it), or is rejected with a 400 naming it. Messages and their
// content parts are read in chat_ir_messages.cpp.
#include "api/json_validation.hpp"
#include "api/openai/chat_ir.hpp"
#include "api/openai/chat_ir_decoder.hpp"
#include "api/openai/chat_request_detail.hpp"

namespace tollgate::api::openai {
namespace detail {

std::optional<ir::Error> ChatRequestDecoder::decode(std::string_view body) {
  out_ = ir::Request{};
  out_.from = ir::Format::openai_chat;
  // JSON text may start with a byte order mark (RFC 8259 lets parsers ignore it).
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (body.substr(0, kUtf8Bom.size()) == kUtf8Bom) body.remove_prefix(kUtf8Bom.size());
  const ParserLease lease(parser_);
  dom::element root;
  simdjson::error_code code = reserve_parser(parser_, body.size(), kMaxJsonNesting);
  if (!code) code = parser_.parse(body.data(), body.size()).get(root);
  if (code) {  // the light read's limit and words (chat_request.cpp)
    RequestError error = json_error(code);
    return ir::make_error(400, std::move(error.message), error.code);
  }
  dom::object object;
  if (root.get_object().get(object)) {
    return ir::make_error(400,
                          "The request body must be a JSON object, but got " +
                              std::string(describe_type(root)) + " instead.",
                          "invalid_type");
  }
  std::vector<std::string_view> seen;
  for (dom::key_value_pair field : object) {
    if (std::find(seen.begin(), seen.end(), field.key) != seen.end()) {
      fail("Duplicate parameter '" + echo(field.key) +
               "': each parameter may appear only once in the request body.",
           std::string(field.key), "duplicate_parameter");
      return error_;
    }
    seen.push_back(field.key);
    if (!read_field(field.key, field.value)) return error_;
  }
  for (std::string_view required : {"model", "messages"}) {
    if (std::find(seen.begin(), seen.end(), required) == seen.end()) {
      fail_missing(std::string(required));
      return error_;
    }
  }
  if (!other_tools_.empty()) {
    out_.extras.push_back({"tools", "[" + other_tools_ + "]", false});
  }
  // max_completion_tokens replaces the deprecated max_tokens when both are set.
  out_.max_tokens = max_completion_tokens_ ? max_completion_tokens_ : max_tokens_;
  return std::nullopt;
}

bool ChatRequestDecoder::read_field(std::string_view key, dom::element value) {
  if (key == "model") {
    std::string_view model;
    if (!read_string(value, "model", model)) return false;
    if (model.empty()) {
      return fail("Invalid 'model': empty string. Expected the id of a model.", "model",
                  "invalid_value");
    }
    out_.model.assign(model);
    return true;
  }
  if (key == "messages") return read_messages(value);
  if (key == "tools") return read_tools(value);
  if (key == "tool_choice") return read_tool_choice(value);
  if (key == "parallel_tool_calls") {
    return read_optional_bool(value, "parallel_tool_calls", out_.parallel_tool_calls);
  }
  if (key == "response_format") return read_response_format(value);
  if (key == "reasoning_effort") return read_reasoning_effort(value);
  if (key == "max_tokens") return read_token_limit(value, "max_tokens", max_tokens_);
  if (key == "max_completion_tokens") {
    return read_token_limit(value, "max_completion_tokens", max_completion_tokens_);
  }
  if (key == "temperature") return read_optional_number(value, "temperature", out_.temperature);
  if (key == "top_p") return read_optional_number(value, "top_p", out_.top_p);
  if (key == "top_k") return read_optional_integer(value, "top_k", out_.top_k);
  if (key == "presence_penalty") {
    return read_optional_number(value, "presence_penalty", out_.presence_penalty);
  }
  if (key == "frequency_penalty") {
    return read_optional_number(value, "frequency_penalty", out_.frequency_penalty);
  }
  if (key == "seed") return read_optional_integer(value, "seed", out_.seed);
  if (key == "stop") return read_stop(value);
  if (key == "user") {
    if (value.is_null()) return true;
    std::string_view user;
    if (!read_string(value, "user", user)) return false;
    out_.user.assign(user);
    return true;
  }
  if (key == "stream") {
    std::optional<bool> stream;
    if (!read_optional_bool(value, "stream", stream)) return false;
    out_.stream = stream.value_or(false);
    return true;
  }
  if (key == "stream_options") return read_stream_options(value);
  if (key == "n") return read_n(value);
  // Defaults that ask for nothing need no upstream support.
  if (value.is_null()) return true;
  if (key == "logprobs" && value.is_bool() && !value.get_bool().value_unsafe()) return true;
  if (key == "modalities" && simdjson::minify(value) == R"(["text"])") return true;
  add_extra(key, value, is_droppable_extra(key));
  return true;
}

// ---------------------------------------------------------------------------------------------
// Tools and generation settings
// ---------------------------------------------------------------------------------------------

bool ChatRequestDecoder::read_tools(dom::element value) {
  if (value.is_null()) return true;
  dom::array tools;
  if (value.get_array().get(tools)) return fail_type("tools", "an array", value);
  std::size_t index = 0;
  for (dom::element element : tools) {
    const std::string param = index_path("tools", index++);
    dom::object tool;
    if (!read_object(element, param, tool)) return false;
    std::string_view type;
    if (!read_required_string(tool, "type", param, type)) return false;
    if (type == "function") {
      if (!read_tool(tool, param)) return false;
      continue;
    }
    // Custom and hosted tools: only an OpenAI-compatible upstream can run them.
    if (!other_tools_.empty()) other_tools_ += ',';
    other_tools_ += simdjson::minify(element);
  }
  return true;
}

bool ChatRequestDecoder::read_tool(dom::object tool, const std::string& param) {
  const std::string function_param = param + ".function";
  dom::element value;
  if (tool["function"].get(value)) return fail_missing(function_param);
  dom::object function;
  if (!read_object(value, function_param, function)) return false;
  ir::Tool out;
  std::string_view name;
  if (!read_required_string(function, "name", function_param, name)) return false;
  out.name.assign(name);
  if (!read_optional_string(function, "description", function_param, out.description)) {
    return false;
  }
  dom::element parameters;
  if (function["parameters"].get(parameters) == simdjson::SUCCESS && !parameters.is_null()) {
    if (!parameters.is_object()) {
      return fail_type(function_param + ".parameters", "an object", parameters);
    }
    out.parameters = simdjson::minify(parameters);
  }
  dom::element strict;
  if (function["strict"].get(strict) == simdjson::SUCCESS &&
      !read_optional_bool(strict, function_param + ".strict", out.strict)) {
    return false;
  }
  out_.tools.push_back(std::move(out));
  return true;
}

bool ChatRequestDecoder::read_tool_choice(dom::element value) {
  using Mode = ir::ToolChoice::Mode;
  if (value.is_null()) return true;
  if (value.is_string()) {
    const std::string_view choice = value.get_string().value_unsafe();
    if (choice == "auto") {
      out_.tool_choice.mode = Mode::auto_;
    } else if (choice == "none") {
      out_.tool_choice.mode = Mode::none;
    } else if (choice == "required") {
      out_.tool_choice.mode = Mode::required;
    } else {
      return fail_value(choice, "tool_choice", "'none', 'auto', and 'required'");
    }
    return true;
  }
  dom::object choice;
  if (!read_object(value, "tool_choice", choice)) return false;
  std::string_view type;
  if (!read_required_string(choice, "type", "tool_choice", type)) return false;
  if (type != "function") {  // allowed_tools, custom: OpenAI-compatible upstreams only
    add_extra("tool_choice", value, false);
    return true;
  }
  dom::element function_value;
  if (choice["function"].get(function_value)) return fail_missing("tool_choice.function");
  dom::object function;
  if (!read_object(function_value, "tool_choice.function", function)) return false;
  std::string_view name;
  if (!read_required_string(function, "name", "tool_choice.function", name)) return false;
  out_.tool_choice.mode = Mode::tool;
  out_.tool_choice.name.assign(name);
  return true;
}

bool ChatRequestDecoder::read_response_format(dom::element value) {
  using Type = ir::ResponseFormat::Type;
  if (value.is_null()) return true;
  dom::object format;
  if (!read_object(value, "response_format", format)) return false;
  std::string_view type;
  if (!read_required_string(format, "type", "response_format", type)) return false;
  ir::ResponseFormat& out = out_.response_format;
  if (type == "text") {
    out.type = Type::text;
    return true;
  }
  if (type == "json_object") {
    out.type = Type::json_object;
    return true;
  }
  if (type != "json_schema") {
    return fail_value(type, "response_format.type", "'text', 'json_object', and 'json_schema'");
  }
  out.type = Type::json_schema;
  const std::string param = "response_format.json_schema";
  dom::element schema_value;
  if (format["json_schema"].get(schema_value)) return fail_missing(param);
  dom::object json_schema;
  if (!read_object(schema_value, param, json_schema)) return false;
  std::string_view name;
  if (!read_required_string(json_schema, "name", param, name)) return false;
  out.name.assign(name);
  if (!read_optional_string(json_schema, "description", param, out.description)) return false;
  dom::element schema;
  if (json_schema["schema"].get(schema) == simdjson::SUCCESS && !schema.is_null()) {
    if (!schema.is_object()) return fail_type(param + ".schema", "an object", schema);
    out.schema = simdjson::minify(schema);
  }
  dom::element strict;
  return json_schema["strict"].get(strict) != simdjson::SUCCESS ||
         read_optional_bool(strict, param + ".strict", out.strict);
}

bool ChatRequestDecoder::read_reasoning_effort(dom::element value) {
  if (value.is_null()) return true;
  std::string_view effort;
  if (!read_string(value, "reasoning_effort", effort)) return false;
  if (effort == "none") {
    out_.reasoning.disabled = true;
    return true;
  }
  if (effort != "minimal" && effort != "low" && effort != "medium" && effort != "high" &&
      effort != "xhigh" && effort != "max") {
    return fail_value(effort, "reasoning_effort",
                      "'none', 'minimal', 'low', 'medium', 'high', 'xhigh', and 'max'");
  }
  out_.reasoning.enabled = true;
  out_.reasoning.effort.assign(effort);
  return true;
}

bool ChatRequestDecoder::read_stop(dom::element value) {
  if (value.is_null()) return true;
  if (value.is_string()) {
    out_.stop.emplace_back(value.get_string().value_unsafe());
    return true;
  }
  dom::array stops;
  if (value.get_array().get(stops)) return fail_type("stop", "a string or array of strings", value);
  std::size_t index = 0;
  for (dom::element stop : stops) {
    std::string_view text;
    if (!read_string(stop, index_path("stop", index++), text)) return false;
    out_.stop.emplace_back(text);
  }
  return true;
}

bool ChatRequestDecoder::read_stream_options(dom::element value) {
  if (value.is_null()) return true;
  dom::object options;
  if (!read_object(value, "stream_options", options)) return false;
  dom::element include_usage;
  if (options["include_usage"].get(include_usage)) return true;
  std::optional<bool> flag;
  if (!read_optional_bool(include_usage, "stream_options.include_usage", flag)) return false;
  out_.include_usage = flag.value_or(false);
  return true;
}

// One choice is all the IR carries; n > 1 needs an upstream that generates several.
bool ChatRequestDecoder::read_n(dom::element value) {
  std::optional<std::int64_t> n;
  if (!read_token_limit(value, "n", n)) return false;
  if (n && *n > 1) add_extra("n", value, false);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Typed reads: each records the error and returns false on a wrong type
// ---------------------------------------------------------------------------------------------

bool ChatRequestDecoder::read_object(dom::element value, const std::string& param,
                                     dom::object& out) {
  if (value.get_object().get(out)) return fail_type(param, "an object", value);
  return true;
}

bool ChatRequestDecoder::read_string(dom::element value, const std::string& param,
                                     std::string_view& out) {
  if (value.get_string().get(out)) return fail_type(param, "a string", value);
  return true;
}

// An absent or null member leaves `out` as it is.
bool ChatRequestDecoder::read_optional_string(dom::object object, std::string_view key,
                                              const std::string& parent, std::string& out) {
  dom::element value;
  if (object[key].get(value) || value.is_null()) return true;
  std::string_view text;
  if (!read_string(value, member_path(parent, key), text)) return false;
  out.assign(text);
  return true;
}

bool ChatRequestDecoder::read_required_string(dom::object object, std::string_view key,
                                              const std::string& parent, std::string_view& out) {
  dom::element value;
  if (object[key].get(value)) return fail_missing(member_path(parent, key));
  return read_string(value, member_path(parent, key), out);
}

bool ChatRequestDecoder::read_optional_bool(dom::element value, const std::string& param,
                                            std::optional<bool>& out) {
  if (value.is_null()) return true;
  bool flag = false;
  if (value.get_bool().get(flag)) return fail_type(param, "a boolean", value);
  out = flag;
  return true;
}

bool ChatRequestDecoder::read_optional_number(dom::element value, const std::string& param,
                                              std::optional<double>& out) {
  if (value.is_null()) return true;
  double number = 0;
  if (!value.is_number() || value.get_double().get(number)) {
    return fail_type(param, "a number", value);
  }
  out = number;
  return true;
}

bool ChatRequestDecoder::read_optional_integer(dom::element value, const std::string& param,
                                               std::optional<std::int64_t>& out) {
  if (value.is_null()) return true;
  std::int64_t number = 0;
  if (value.is_uint64() && !value.is_int64()) {
    return fail("Invalid '" + param + "': integer above maximum value.", param,
                "integer_above_max_value");
  }
  if (value.get_int64().get(number)) return fail_type(param, "an integer", value);
  out = number;
  return true;
}

// A positive integer, or null.
bool ChatRequestDecoder::read_token_limit(dom::element value, const std::string& param,
                                          std::optional<std::int64_t>& out) {
  if (!read_optional_integer(value, param, out)) return false;
  if (out && *out < 1) {
    return fail("Invalid '" + param +
                    "': integer below minimum value. Expected a value >= 1, but got " +
                    std::to_string(*out) + " instead.",
                param, "integer_below_min_value");
  }
  return true;
}

}  // namespace detail

std::optional<ir::Error> decode_request(std::string_view body, ir::Request& out) {
  detail::ChatRequestDecoder decoder(out);
  return decoder.decode(body);
}

}  // namespace tollgate::api::openai
