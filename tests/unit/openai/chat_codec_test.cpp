// encode_chat_request (exact bodies), decode_chat_response and decode_chat_error, and a round trip
// through the chat surface: chat body → IR → chat body, chat.completion → IR → chat.completion.
#include <gtest/gtest.h>

#include <string>

#include "api/openai/chat_ir.hpp"
#include "providers/openai/chat_codec.hpp"

namespace tollgate::providers::openai {
namespace {

using Kind = ir::Part::Kind;

std::string encoded(const ir::Request& request, std::string_view model = "up-model") {
  std::string body;
  const auto error = encode_chat_request(request, model, body);
  EXPECT_FALSE(error) << (error ? error->message : "");
  return body;
}

ir::Error encode_error(const ir::Request& request) {
  std::string body;
  const auto error = encode_chat_request(request, "m", body);
  EXPECT_TRUE(error);
  return error.value_or(ir::Error{});
}

ir::Part part(Kind kind) {
  ir::Part p;
  p.kind = kind;
  return p;
}

ir::Message message(ir::Role role, std::vector<ir::Part> parts) {
  ir::Message m;
  m.role = role;
  m.parts = std::move(parts);
  return m;
}

ir::Part tool_call(std::string id, std::string name, std::string arguments) {
  ir::Part p = part(Kind::tool_call);
  p.id = std::move(id);
  p.name = std::move(name);
  p.arguments = std::move(arguments);
  return p;
}

ir::Part tool_result(std::string id, std::vector<ir::Part> content) {
  ir::Part p = part(Kind::tool_result);
  p.id = std::move(id);
  p.content = std::move(content);
  return p;
}

// An Anthropic-style request: top-level system blocks, thinking in the history, parallel tool
// calls answered in one user turn (one result holding an image), a thinking budget.
ir::Request anthropic_style_request() {
  ir::Request r;
  r.from = ir::Format::anthropic;
  r.model = "claude-public";
  r.system = {ir::Part::make_text("You are terse."), ir::Part::make_text("Use SI units.")};
  ir::Part thinking = part(Kind::thinking);
  thinking.text = "two lookups";
  thinking.signature = "sig";
  ir::Part image = part(Kind::image);
  image.media_type = "image/png";
  image.data = "iVBOR";
  r.messages = {
      message(ir::Role::user, {ir::Part::make_text("Weather and time in Oslo?")}),
      message(ir::Role::assistant, {thinking, ir::Part::make_text("Looking up."),
                                    tool_call("toolu_1", "get_weather", R"({"city":"Oslo"})"),
                                    tool_call("toolu_2", "get_time", "")}),
      message(ir::Role::user, {tool_result("toolu_1", {ir::Part::make_text("12C"), image}),
                               tool_result("toolu_2", {ir::Part::make_text("09:00")}),
                               ir::Part::make_text("Thanks")}),
  };
  ir::Tool weather;
  weather.name = "get_weather";
  weather.description = "Current weather";
  weather.parameters = R"({"type":"object","properties":{"city":{"type":"string"}}})";
  weather.cache_control = R"({"type":"ephemeral"})";
  ir::Tool time;
  time.name = "get_time";
  time.strict = true;
  r.tools = {weather, time};
  r.tool_choice.mode = ir::ToolChoice::Mode::tool;
  r.tool_choice.name = "get_weather";
  r.parallel_tool_calls = false;
  r.reasoning.enabled = true;
  r.reasoning.budget_tokens = 10000;
  r.max_tokens = 2048;
  r.temperature = 0.7;
  r.top_k = 5;
  r.stop = {"\n\nHuman:"};
  r.user = "user-42";
  r.stream = true;
  r.extras = {{"service_tier", R"("auto")", true}};
  return r;
}

TEST(EncodeChatRequest, WritesAnAnthropicStyleConversationExactly) {
  EXPECT_EQ(
      encoded(anthropic_style_request()),
      R"({"model":"up-model","messages":[)"
      R"({"role":"system","content":"You are terse.\nUse SI units."},)"
      R"({"role":"user","content":"Weather and time in Oslo?"},)"
      R"({"role":"assistant","content":"Looking up.","tool_calls":[)"
      R"({"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}},)"
      R"({"id":"toolu_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},)"
      R"({"role":"tool","tool_call_id":"toolu_1","content":"12C"},)"
      R"({"role":"tool","tool_call_id":"toolu_2","content":"09:00"},)"
      R"({"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}},)"
      R"({"type":"text","text":"Thanks"}]}],)"
      R"("tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",)"
      R"("parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},)"
      R"({"type":"function","function":{"name":"get_time","parameters":{},"strict":true}}],)"
      R"("parallel_tool_calls":false,)"
      R"("tool_choice":{"type":"function","function":{"name":"get_weather"}},)"
      R"("reasoning_effort":"medium","max_completion_tokens":2048,"temperature":0.7,"top_k":5,)"
      R"("stop":["\n\nHuman:"],"user":"user-42",)"
      R"("stream":true,"stream_options":{"include_usage":true}})");
}

TEST(EncodeChatRequest, WritesMediaPartsAndResponseFormat) {
  ir::Request r;
  r.from = ir::Format::gemini;
  ir::Part url_image = part(Kind::image);
  url_image.url = "https://x.test/a.png";
  url_image.detail = "low";
  ir::Part audio = part(Kind::audio);
  audio.media_type = "audio/mpeg";
  audio.data = "SUQz";
  ir::Part pdf = part(Kind::file);
  pdf.media_type = "application/pdf";
  pdf.data = "JVBE";
  pdf.filename = "r.pdf";
  ir::Part stored = part(Kind::file);
  stored.file_id = "file-1";
  r.messages = {message(ir::Role::user, {url_image, audio, pdf, stored})};
  r.response_format.type = ir::ResponseFormat::Type::json_schema;
  r.response_format.schema = R"({"type":"object"})";
  r.reasoning.effort = "low";
  r.seed = 3;
  r.top_p = 0.25;
  EXPECT_EQ(
      encoded(r),
      R"({"model":"up-model","messages":[{"role":"user","content":[)"
      R"({"type":"image_url","image_url":{"url":"https://x.test/a.png","detail":"low"}},)"
      R"({"type":"input_audio","input_audio":{"data":"SUQz","format":"mp3"}},)"
      R"({"type":"file","file":{"file_data":"data:application/pdf;base64,JVBE","filename":"r.pdf"}},)"
      R"({"type":"file","file":{"file_id":"file-1"}}]}],)"
      R"("response_format":{"type":"json_schema","json_schema":{"name":"response","schema":{"type":"object"}}},)"
      R"("reasoning_effort":"low","top_p":0.25,"seed":3})");
}

TEST(EncodeChatRequest, ForwardsExtrasOfAnOpenAIChatClientOnly) {
  ir::Request r;
  r.from = ir::Format::openai_chat;
  r.messages = {message(ir::Role::user, {ir::Part::make_text("x")})};
  ir::Tool f;
  f.name = "f";
  r.tools = {f};
  r.extras = {{"logprobs", "true", false},
              {"store", "false", true},
              {"tools", R"([{"type":"custom","custom":{"name":"grep"}}])", false}};
  EXPECT_EQ(encoded(r),
            R"({"model":"up-model","messages":[{"role":"user","content":"x"}],"tools":[)"
            R"({"type":"function","function":{"name":"f","parameters":{}}},)"
            R"({"type":"custom","custom":{"name":"grep"}}],"logprobs":true,"store":false})");

  r.from = ir::Format::anthropic;
  r.extras = {{"store", "false", true}};
  EXPECT_EQ(encoded(r),
            R"({"model":"up-model","messages":[{"role":"user","content":"x"}],)"
            R"("tools":[{"type":"function","function":{"name":"f","parameters":{}}}]})");
  r.extras = {{"top_logprobs", "2", false}};
  const ir::Error error = encode_error(r);
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.code, "unsupported_parameter");
  EXPECT_EQ(error.param, "top_logprobs");
}

TEST(EncodeChatRequest, RejectsWhatChatCannotCarry) {
  ir::Request r;
  r.from = ir::Format::gemini;
  ir::Part ogg = part(Kind::audio);
  ogg.media_type = "audio/ogg";
  ogg.data = "T2dn";
  r.messages = {message(ir::Role::user, {ir::Part::make_text("x"), ogg})};
  EXPECT_EQ(encode_error(r).param, "messages[0].content[1]");

  ir::Part remote = part(Kind::file);
  remote.url = "https://x.test/a.pdf";
  r.messages = {message(ir::Role::user, {remote})};
  EXPECT_EQ(encode_error(r).param, "messages[0].content[0]");

  ir::Part image = part(Kind::image);
  image.url = "https://x.test/a.png";
  r.messages = {message(ir::Role::assistant, {image})};
  EXPECT_EQ(encode_error(r).param, "messages[0].content[0]");

  r.messages = {message(ir::Role::user, {ir::Part::make_text("x")})};
  r.system = {image};
  EXPECT_EQ(encode_error(r).param, "system");
}

TEST(EncodeChatRequest, ThinkingBudgetsBecomeEffortLevels) {
  ir::Request r;
  r.messages = {message(ir::Role::user, {ir::Part::make_text("x")})};
  r.reasoning.enabled = true;
  r.reasoning.budget_tokens = 1024;
  EXPECT_NE(encoded(r).find(R"("reasoning_effort":"low")"), std::string::npos);
  r.reasoning.budget_tokens = 32000;
  EXPECT_NE(encoded(r).find(R"("reasoning_effort":"high")"), std::string::npos);
  r.reasoning.disabled = true;
  EXPECT_EQ(encoded(r).find("reasoning_effort"), std::string::npos);
}

TEST(EncodeChatRequest, TheTokenLimitTakesTheDialectsName) {
  ir::Request r;
  r.messages.push_back({ir::Role::user, {ir::Part::make_text("hi")}, ""});
  r.max_tokens = 7;
  std::string body;
  ASSERT_FALSE(encode_chat_request(r, "m", body, ChatDialect{"max_tokens"}));
  EXPECT_NE(body.find(R"("max_tokens":7)"), std::string::npos) << body;
  EXPECT_EQ(body.find("max_completion_tokens"), std::string::npos) << body;
}

TEST(EncodeChatRequest, RoundTripsAChatBodyThroughTheIR) {
  const std::string body =
      R"({"model":"up-model","messages":[{"role":"system","content":"s"},)"
      R"({"role":"user","content":"hi"},)"
      R"({"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},)"
      R"({"role":"tool","tool_call_id":"c1","content":"ok"}],)"
      R"("tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],)"
      R"("parallel_tool_calls":true,"tool_choice":"auto","max_completion_tokens":9,"seed":1})";
  ir::Request request;
  ASSERT_FALSE(api::openai::decode_request(body, request));
  EXPECT_EQ(encoded(request), body);
}

// ---------------------------------------------------------------------------------------------
// decode_chat_response / decode_chat_error
// ---------------------------------------------------------------------------------------------

TEST(DecodeChatResponse, ReadsReasoningTextToolCallsAndUsage) {
  ir::Response r;
  ASSERT_FALSE(decode_chat_response(
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000001,"model":"deepseek-r",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi.","reasoning_content":"think",)"
      R"("tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},)"
      R"({"id":"call_2","type":"function","function":{"name":"g","arguments":""}}]},)"
      R"("finish_reason":"tool_calls"}],"usage":{"prompt_tokens":100,"completion_tokens":30,)"
      R"("total_tokens":130,"prompt_tokens_details":{"cached_tokens":64},)"
      R"("completion_tokens_details":{"reasoning_tokens":12}}})",
      r));
  EXPECT_EQ(r.id, "chatcmpl-1");
  EXPECT_EQ(r.model, "deepseek-r");
  EXPECT_EQ(r.created, 1700000001);
  ASSERT_EQ(r.content.size(), 4u);
  EXPECT_EQ(r.content[0].kind, Kind::thinking);
  EXPECT_EQ(r.content[0].text, "think");
  EXPECT_EQ(r.content[1].kind, Kind::text);
  EXPECT_EQ(r.content[1].text, "Hi.");
  EXPECT_EQ(r.content[2].id, "call_1");
  EXPECT_EQ(r.content[2].arguments, R"({"x":1})");
  EXPECT_EQ(r.content[3].name, "g");
  EXPECT_EQ(r.content[3].arguments, "{}");
  EXPECT_EQ(r.stop_reason, ir::StopReason::tool_use);
  ir::Usage expected;
  expected.input = 100;
  expected.output = 30;
  expected.cache_read = 64;
  expected.reasoning = 12;
  expected.present = true;
  EXPECT_EQ(r.usage, expected);
}

TEST(DecodeChatResponse, MapsFinishReasons) {
  const std::pair<const char*, ir::StopReason> cases[] = {
      {"stop", ir::StopReason::end_turn},
      {"length", ir::StopReason::max_tokens},
      {"content_filter", ir::StopReason::content_filter},
      {"function_call", ir::StopReason::tool_use},
      {"insufficient_system_resource", ir::StopReason::error},
  };
  for (const auto& [reason, expected] : cases) {
    ir::Response r;
    const std::string body =
        std::string(R"({"choices":[{"message":{"content":"x"},"finish_reason":")") + reason +
        "\"}]}";
    ASSERT_FALSE(decode_chat_response(body, r)) << reason;
    EXPECT_EQ(r.stop_reason, expected) << reason;
    EXPECT_FALSE(r.usage.present);
  }
  ir::Response r;
  ASSERT_FALSE(decode_chat_response(
      R"({"choices":[{"message":{"content":null,"tool_calls":[{"id":"c","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"prompt_cache_hit_tokens":3}})",
      r));
  EXPECT_EQ(r.stop_reason, ir::StopReason::tool_use);
  EXPECT_EQ(r.content.size(), 1u);
  EXPECT_EQ(r.usage.cache_read, 3);
}

TEST(DecodeChatResponse, RejectsMalformedBodiesWith502) {
  for (std::string_view body : {"", "not json", "[]", R"({"choices":[]})", R"({"choices":[{}]})",
                                R"({"choices":[{"message":{"tool_calls":[1]}}]})"}) {
    ir::Response r;
    const auto error = decode_chat_response(body, r);
    ASSERT_TRUE(error) << body;
    EXPECT_EQ(error->status, 502) << body;
    EXPECT_EQ(error->code, "upstream_invalid_response") << body;
  }
  ir::Response r;
  const auto error =
      decode_chat_response(R"({"error":{"message":"boom","type":"server_error"}})", r);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 502);
  EXPECT_EQ(error->message, "boom");
  EXPECT_EQ(error->code, "server_error");
}

TEST(DecodeChatError, KeepsMessageCodeAndParam) {
  const ir::Error e = decode_chat_error(
      400,
      R"({"error":{"message":"Bad 'x'","type":"invalid_request_error","param":"x","code":"invalid_value"}})");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.kind, ir::Error::Kind::invalid_request);
  EXPECT_EQ(e.message, "Bad 'x'");
  EXPECT_EQ(e.code, "invalid_value");
  EXPECT_EQ(e.param, "x");

  const ir::Error typed =
      decode_chat_error(429, R"({"error":{"message":"slow","type":"requests","code":null}})");
  EXPECT_EQ(typed.kind, ir::Error::Kind::rate_limit);
  EXPECT_EQ(typed.code, "requests");

  const ir::Error vllm = decode_chat_error(
      400,
      R"({"object":"error","message":"too long","type":"BadRequestError","param":null,"code":400})");
  EXPECT_EQ(vllm.message, "too long");
  EXPECT_EQ(vllm.code, "BadRequestError");

  const ir::Error bare = decode_chat_error(503, "<html>down</html>");
  EXPECT_EQ(bare.kind, ir::Error::Kind::overloaded);
  EXPECT_EQ(bare.message, "The upstream provider returned HTTP 503.");
  EXPECT_EQ(bare.code, "upstream_error");
}

TEST(DecodeChatResponse, RoundTripsThroughTheChatSurface) {
  const std::string body =
      R"({"id":"chatcmpl-7","object":"chat.completion","created":1700000002,"model":"public-model",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello","reasoning_content":"r",)"
      R"("tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}],)"
      R"("refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"tool_calls"}],)"
      R"("usage":{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14,)"
      R"("prompt_tokens_details":{"cached_tokens":2},"completion_tokens_details":{"reasoning_tokens":1}}})";
  ir::Response response;
  ASSERT_FALSE(decode_chat_response(body, response));
  ir::EncodeOptions options;
  options.model = "public-model";
  EXPECT_EQ(api::openai::encode_response(response, options), body);
}

}  // namespace
}  // namespace tollgate::providers::openai
