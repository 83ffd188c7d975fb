// The Anthropic surface's request decoder: realistic bodies field by field, and every error.
#include <gtest/gtest.h>

#include "api/anthropic/messages.hpp"

namespace tollgate::api::anthropic {
namespace {

using Kind = ir::Part::Kind;

ir::Request decode_ok(std::string_view body) {
  ir::Request request;
  if (auto error = decode_request(body, request)) {
    ADD_FAILURE() << "unexpected error: " << error->code << " / " << error->param << " / "
                  << error->message;
  }
  return request;
}

ir::Error decode_error(std::string_view body) {
  ir::Request request;
  std::optional<ir::Error> error = decode_request(body, request);
  if (!error) {
    ADD_FAILURE() << "expected an error for " << body;
    return {};
  }
  EXPECT_EQ(error->status, 400);
  EXPECT_EQ(error->kind, ir::Error::Kind::invalid_request);
  return *error;
}

TEST(AnthropicRequestDecode, MinimalRequest) {
  const ir::Request r = decode_ok(
      R"({"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"Hello, Claude"}]})");
  EXPECT_EQ(r.from, ir::Format::anthropic);
  EXPECT_EQ(r.model, "claude-sonnet-4-5");
  EXPECT_EQ(r.max_tokens, 1024);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].role, ir::Role::user);
  ASSERT_EQ(r.messages[0].parts.size(), 1u);
  EXPECT_EQ(r.messages[0].parts[0].kind, Kind::text);
  EXPECT_EQ(r.messages[0].parts[0].text, "Hello, Claude");
  EXPECT_FALSE(r.stream);
  EXPECT_TRUE(r.extras.empty());
  EXPECT_EQ(r.prompt_chars, 13u);
}

TEST(AnthropicRequestDecode, SystemBlocksWithCacheControlAndSamplingFields) {
  const ir::Request r = decode_ok(R"({
    "model":"m","max_tokens":10,"stream":true,
    "system":[{"type":"text","text":"You are terse."},
              {"type":"text","text":"Big context","cache_control":{"type":"ephemeral","ttl":"1h"}}],
    "messages":[{"role":"user","content":"hé"}],
    "temperature":0.7,"top_p":0.9,"top_k":40,"stop_sequences":["END","\n\nHuman:"],
    "metadata":{"user_id":"user-42"},"service_tier":"auto"})");
  ASSERT_EQ(r.system.size(), 2u);
  EXPECT_EQ(r.system[0].text, "You are terse.");
  EXPECT_EQ(r.system[0].cache_control, "");
  EXPECT_EQ(r.system[1].text, "Big context");
  EXPECT_EQ(r.system[1].cache_control, R"({"type":"ephemeral","ttl":"1h"})");
  EXPECT_TRUE(r.stream);
  EXPECT_EQ(r.temperature, 0.7);
  EXPECT_EQ(r.top_p, 0.9);
  EXPECT_EQ(r.top_k, 40);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"END", "\n\nHuman:"}));
  EXPECT_EQ(r.user, "user-42");
  ASSERT_EQ(r.extras.size(), 1u);
  EXPECT_EQ(r.extras[0].name, "service_tier");
  EXPECT_EQ(r.extras[0].json, R"("auto")");
  EXPECT_TRUE(r.extras[0].droppable);
  EXPECT_EQ(r.prompt_chars, 14u + 11u + 2u);  // characters, not bytes
}

TEST(AnthropicRequestDecode, SystemStringAndSystemRoleMessage) {
  const ir::Request r = decode_ok(R"({"model":"m","max_tokens":1,"system":"Be nice",
    "messages":[{"role":"system","content":"Also be brief"},{"role":"user","content":"Hi"}]})");
  ASSERT_EQ(r.system.size(), 1u);
  EXPECT_EQ(r.system[0].text, "Be nice");
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].role, ir::Role::system);
  EXPECT_EQ(r.messages[0].parts[0].text, "Also be brief");
}

TEST(AnthropicRequestDecode, ToolsToolUseAndParallelToolResults) {
  const ir::Request r = decode_ok(R"({"model":"m","max_tokens":100,
    "tools":[{"name":"get_weather","description":"Weather for a city",
              "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},
              "cache_control":{"type":"ephemeral"},"strict":true},
             {"type":"custom","name":"noop","input_schema":{"type":"object"}}],
    "tool_choice":{"type":"any","disable_parallel_tool_use":true},
    "messages":[
      {"role":"user","content":"Weather in Paris and Rome?"},
      {"role":"assistant","content":[
        {"type":"text","text":"Checking both."},
        {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city": "Paris"}},
        {"type":"tool_use","id":"toolu_02","name":"get_weather","input":{"city":"Rome"}}]},
      {"role":"user","content":[
        {"type":"tool_result","tool_use_id":"toolu_01","content":"18C sunny"},
        {"type":"tool_result","tool_use_id":"toolu_02","is_error":true,
         "content":[{"type":"text","text":"timeout"}],"cache_control":{"type":"ephemeral"}},
        {"type":"text","text":"Thanks"}]}]})");
  ASSERT_EQ(r.tools.size(), 2u);
  EXPECT_EQ(r.tools[0].name, "get_weather");
  EXPECT_EQ(r.tools[0].description, "Weather for a city");
  EXPECT_EQ(r.tools[0].parameters,
            R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})");
  EXPECT_EQ(r.tools[0].cache_control, R"({"type":"ephemeral"})");
  EXPECT_EQ(r.tools[0].strict, true);
  EXPECT_EQ(r.tools[1].name, "noop");
  EXPECT_FALSE(r.tools[1].strict.has_value());
  EXPECT_EQ(r.tool_choice.mode, ir::ToolChoice::Mode::required);
  EXPECT_EQ(r.parallel_tool_calls, false);

  ASSERT_EQ(r.messages.size(), 3u);
  const auto& assistant = r.messages[1].parts;
  ASSERT_EQ(assistant.size(), 3u);
  EXPECT_EQ(assistant[1].kind, Kind::tool_call);
  EXPECT_EQ(assistant[1].id, "toolu_01");
  EXPECT_EQ(assistant[1].name, "get_weather");
  EXPECT_EQ(assistant[1].arguments, R"({"city":"Paris"})");
  const auto& results = r.messages[2].parts;
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].kind, Kind::tool_result);
  EXPECT_EQ(results[0].id, "toolu_01");
  EXPECT_EQ(results[0].name, "get_weather");  // looked up from the call
  ASSERT_EQ(results[0].content.size(), 1u);
  EXPECT_EQ(results[0].content[0].text, "18C sunny");
  EXPECT_FALSE(results[0].is_error);
  EXPECT_TRUE(results[1].is_error);
  EXPECT_EQ(results[1].cache_control, R"({"type":"ephemeral"})");
  EXPECT_EQ(results[1].content[0].text, "timeout");
  EXPECT_EQ(results[2].kind, Kind::text);
}

TEST(AnthropicRequestDecode, ToolChoiceVariants) {
  auto choice = [](std::string_view json) {
    return decode_ok(R"({"model":"m","max_tokens":1,"messages":[],"tool_choice":)" +
                     std::string(json) + "}");
  };
  EXPECT_EQ(choice(R"({"type":"auto"})").tool_choice.mode, ir::ToolChoice::Mode::auto_);
  EXPECT_FALSE(choice(R"({"type":"auto"})").parallel_tool_calls.has_value());
  EXPECT_EQ(choice(R"({"type":"none"})").tool_choice.mode, ir::ToolChoice::Mode::none);
  const ir::Request tool =
      choice(R"({"type":"tool","name":"x","disable_parallel_tool_use":false})");
  EXPECT_EQ(tool.tool_choice.mode, ir::ToolChoice::Mode::tool);
  EXPECT_EQ(tool.tool_choice.name, "x");
  EXPECT_EQ(tool.parallel_tool_calls, true);
}

TEST(AnthropicRequestDecode, ServerToolsAndAnthropicOnlyToolFieldsTravelAsOneExtra) {
  const ir::Request r = decode_ok(R"({"model":"m","max_tokens":1,"messages":[],
    "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":5},
             {"name":"f","input_schema":{"type":"object"},"eager_input_streaming":true},
             {"name":"g","input_schema":{"type":"object"},"defer_loading":true}]})");
  ASSERT_EQ(r.tools.size(), 1u);
  EXPECT_EQ(r.tools[0].name, "f");
  ASSERT_EQ(r.extras.size(), 1u);
  EXPECT_EQ(r.extras[0].name, "tools");
  EXPECT_EQ(r.extras[0].json,
            R"([{"type":"web_search_20250305","name":"web_search","max_uses":5},)"
            R"({"name":"g","input_schema":{"type":"object"},"defer_loading":true}])");
  EXPECT_FALSE(r.extras[0].droppable);
}

TEST(AnthropicRequestDecode, ImagesAndDocuments) {
  const ir::Request r =
      decode_ok(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":[
    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
    {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"},"cache_control":{"type":"ephemeral"}},
    {"type":"image","source":{"type":"file","file_id":"file_011"}},
    {"type":"document","title":"Report","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}},
    {"type":"document","source":{"type":"url","url":"https://example.com/a.pdf"}},
    {"type":"document","source":{"type":"text","media_type":"text/plain","data":"Hi!"}}]}]})");
  const auto& parts = r.messages[0].parts;
  ASSERT_EQ(parts.size(), 6u);
  EXPECT_EQ(parts[0].kind, Kind::image);
  EXPECT_EQ(parts[0].media_type, "image/png");
  EXPECT_EQ(parts[0].data, "iVBORw0KGgo=");
  EXPECT_EQ(parts[1].url, "https://example.com/cat.jpg");
  EXPECT_EQ(parts[1].cache_control, R"({"type":"ephemeral"})");
  EXPECT_EQ(parts[2].file_id, "file_011");
  EXPECT_EQ(parts[3].kind, Kind::file);
  EXPECT_EQ(parts[3].media_type, "application/pdf");
  EXPECT_EQ(parts[3].data, "JVBERi0=");
  EXPECT_EQ(parts[3].filename, "Report");
  EXPECT_EQ(parts[4].url, "https://example.com/a.pdf");
  EXPECT_EQ(parts[5].media_type, "text/plain");
  EXPECT_EQ(parts[5].data, "SGkh");  // base64 of "Hi!"
}

TEST(AnthropicRequestDecode, ThinkingBlocksAndConfig) {
  const ir::Request r = decode_ok(R"({"model":"m","max_tokens":16000,
    "thinking":{"type":"enabled","budget_tokens":10000,"display":"omitted"},
    "messages":[{"role":"user","content":"Q"},{"role":"assistant","content":[
      {"type":"thinking","thinking":"Let me think","signature":"sig=="},
      {"type":"redacted_thinking","data":"EmwKAhgB"},
      {"type":"text","text":"A"}]}]})");
  EXPECT_TRUE(r.reasoning.enabled);
  EXPECT_EQ(r.reasoning.budget_tokens, 10000);
  EXPECT_EQ(r.reasoning.include_thoughts, false);
  const auto& parts = r.messages[1].parts;
  EXPECT_EQ(parts[0].kind, Kind::thinking);
  EXPECT_EQ(parts[0].text, "Let me think");
  EXPECT_EQ(parts[0].signature, "sig==");
  EXPECT_EQ(parts[1].kind, Kind::redacted_thinking);
  EXPECT_EQ(parts[1].data, "EmwKAhgB");

  const ir::Request off =
      decode_ok(R"({"model":"m","max_tokens":1,"messages":[],"thinking":{"type":"disabled"}})");
  EXPECT_TRUE(off.reasoning.disabled);
  EXPECT_FALSE(off.reasoning.enabled);

  const ir::Request adaptive = decode_ok(
      R"({"model":"m","max_tokens":1,"messages":[],"thinking":{"type":"adaptive"},"output_config":{"effort":"max"}})");
  EXPECT_TRUE(adaptive.reasoning.enabled);
  EXPECT_FALSE(adaptive.reasoning.budget_tokens.has_value());
  EXPECT_EQ(adaptive.reasoning.effort, "high");

  const ir::Request between = decode_ok(
      R"({"model":"m","max_tokens":1,"messages":[],"thinking":{"type":"between_tools"}})");
  ASSERT_EQ(between.extras.size(), 1u);
  EXPECT_EQ(between.extras[0].name, "thinking");
  EXPECT_FALSE(between.extras[0].droppable);
}

TEST(AnthropicRequestDecode, StructuredOutput) {
  const ir::Request r = decode_ok(R"({"model":"m","max_tokens":1,"messages":[],
    "output_config":{"format":{"type":"json_schema","schema":{"type":"object","properties":{"a":{"type":"integer"}}}}}})");
  EXPECT_EQ(r.response_format.type, ir::ResponseFormat::Type::json_schema);
  EXPECT_EQ(r.response_format.schema, R"({"type":"object","properties":{"a":{"type":"integer"}}})");
  EXPECT_EQ(r.response_format.name, "response");
}

TEST(AnthropicRequestDecode, UnknownFieldsBecomeExtrasAndNullsAreAbsent) {
  const ir::Request r = decode_ok(R"({"model":"m","max_tokens":1,"messages":[],
    "container":"ctr_1","speed":"fast","temperature":null,"metadata":{"user_id":null}})");
  ASSERT_EQ(r.extras.size(), 2u);
  EXPECT_EQ(r.extras[0].name, "container");
  EXPECT_EQ(r.extras[0].json, R"("ctr_1")");
  EXPECT_FALSE(r.extras[0].droppable);
  EXPECT_EQ(r.extras[1].name, "speed");
  EXPECT_TRUE(r.extras[1].droppable);
  EXPECT_FALSE(r.temperature.has_value());
  EXPECT_EQ(r.user, "");
}

struct ErrorCase {
  std::string body;
  std::string code;
  std::string param;
  std::string message;
};

class AnthropicRequestErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(AnthropicRequestErrors, AreAnthropicStyle400s) {
  const ErrorCase& c = GetParam();
  const ir::Error error = decode_error(c.body);
  EXPECT_EQ(error.code, c.code);
  EXPECT_EQ(error.param, c.param);
  if (!c.message.empty()) {
    EXPECT_EQ(error.message, c.message);
  }
}

const std::string kOk = R"("model":"m","max_tokens":5,)";

INSTANTIATE_TEST_SUITE_P(
    All, AnthropicRequestErrors,
    testing::Values(
        ErrorCase{"", "invalid_json", "", "The request body is empty"},
        ErrorCase{"[1]", "invalid_type", "", "The request body should be a JSON object"},
        ErrorCase{R"({"model":"m","max_tokens":5,"messages":[],})", "invalid_json", "", ""},
        ErrorCase{R"({"model":"m","messages":[]})", "missing_required_parameter", "max_tokens",
                  "max_tokens: Field required"},
        ErrorCase{R"({"model":"m","max_tokens":5})", "missing_required_parameter", "messages",
                  "messages: Field required"},
        ErrorCase{R"({"max_tokens":5,"messages":[]})", "missing_required_parameter", "model",
                  "model: Field required"},
        ErrorCase{R"({"model":"m","max_tokens":"5","messages":[]})", "invalid_type", "max_tokens",
                  "max_tokens: Input should be a valid integer"},
        ErrorCase{R"({"model":"m","max_tokens":-1,"messages":[]})", "integer_below_min_value",
                  "max_tokens", "max_tokens: Input should be greater than or equal to 0"},
        ErrorCase{R"({"model":7,"max_tokens":5,"messages":[]})", "invalid_type", "model",
                  "model: Input should be a valid string"},
        ErrorCase{"{" + kOk + R"("messages":{}})", "invalid_type", "messages",
                  "messages: Input should be a valid list"},
        ErrorCase{"{" + kOk + R"("messages":[{"role":"bot","content":"x"}]})", "invalid_value",
                  "messages.0.role",
                  "messages.0.role: Input should be 'user', 'assistant' or 'system'"},
        ErrorCase{"{" + kOk + R"("messages":[{"role":"user"}]})", "missing_required_parameter",
                  "messages.0.content", "messages.0.content: Field required"},
        ErrorCase{"{" + kOk + R"("messages":[{"role":"user","content":5}]})", "invalid_type",
                  "messages.0.content", "messages.0.content: Input should be a valid list"},
        ErrorCase{"{" + kOk + R"("messages":[{"role":"user","content":[{"type":"text"}]}]})",
                  "missing_required_parameter", "messages.0.content.0.text",
                  "messages.0.content.0.text: Field required"},
        ErrorCase{
            "{" + kOk +
                R"("messages":[{"role":"user","content":[{"type":"server_tool_use","id":"s","name":"web_search","input":{}}]}]})",
            "unsupported_content_block", "messages.0.content.0.type",
            "messages.0.content.0.type: Content blocks of type 'server_tool_use' are not supported "
            "by this gateway"},
        ErrorCase{
            "{" + kOk +
                R"("messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","data":"x"}}]}]})",
            "missing_required_parameter", "messages.0.content.0.source.media_type",
            "messages.0.content.0.source.media_type: Field required"},
        ErrorCase{
            "{" + kOk +
                R"("messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"tool_result","tool_use_id":"u"}]}]}]})",
            "invalid_value", "messages.0.content.0.content.0.type",
            "messages.0.content.0.content.0.type: Input should be 'text', 'image' or 'document'"},
        ErrorCase{"{" + kOk + R"("messages":[],"system":[{"type":"image","source":{}}]})",
                  "invalid_value", "system.0.type", "system.0.type: Input should be 'text'"},
        ErrorCase{"{" + kOk + R"("messages":[],"tools":[{"name":"f"}]})",
                  "missing_required_parameter", "tools.0.input_schema",
                  "tools.0.input_schema: Field required"},
        ErrorCase{"{" + kOk + R"("messages":[],"tool_choice":{"type":"tool"}})",
                  "missing_required_parameter", "tool_choice.name",
                  "tool_choice.name: Field required"},
        ErrorCase{"{" + kOk + R"("messages":[],"thinking":{"type":"enabled"}})",
                  "missing_required_parameter", "thinking.budget_tokens",
                  "thinking.budget_tokens: Field required"},
        ErrorCase{"{" + kOk + R"("messages":[],"temperature":"hot"})", "invalid_type",
                  "temperature", "temperature: Input should be a valid number"},
        ErrorCase{"{" + kOk + R"("messages":[],"top_k":1.5})", "invalid_type", "top_k",
                  "top_k: Input should be a valid integer"},
        ErrorCase{"{" + kOk + R"("messages":[],"stop_sequences":["a",1]})", "invalid_type",
                  "stop_sequences.1", "stop_sequences.1: Input should be a valid string"},
        ErrorCase{"{" + kOk + R"("messages":[],"stream":"yes"})", "invalid_type", "stream",
                  "stream: Input should be a valid boolean"},
        ErrorCase{"{" + kOk + R"("messages":[],"metadata":{"session":"x"}})", "invalid_value",
                  "metadata.session", "metadata.session: Extra inputs are not permitted"},
        ErrorCase{
            "{" + kOk + R"("messages":[],"output_config":{"effort":"huge"}})", "invalid_value",
            "output_config.effort",
            "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'"}));

TEST(AnthropicRequestDecode, InvalidJsonMessageNamesTheProblem) {
  const ir::Error error = decode_error("{\"model\":");
  EXPECT_EQ(error.code, "invalid_json");
  EXPECT_TRUE(error.message.starts_with("The request body is not valid JSON: ")) << error.message;
}

TEST(AnthropicRequestDecode, InvalidUtf8IsRejected) {
  const ir::Error error = decode_error("{\"model\":\"\xff\",\"max_tokens\":1,\"messages\":[]}");
  EXPECT_EQ(error.code, "invalid_json");
}

}  // namespace
}  // namespace tollgate::api::anthropic
