// The Anthropic provider's request encoder: exact upstream bodies for IR requests from every
// family, the regrouping of messages, and each refusal.
#include <gtest/gtest.h>

#include "api/anthropic/messages.hpp"
#include "providers/anthropic/messages.hpp"

namespace tollgate::providers::anthropic {
namespace {

using Kind = ir::Part::Kind;

std::string encode_ok(const ir::Request& request) {
  std::string body;
  if (auto error = encode_request(request, "claude-upstream", body)) {
    ADD_FAILURE() << "unexpected error: " << error->code << " / " << error->message;
  }
  return body;
}

ir::Error encode_error(const ir::Request& request) {
  std::string body;
  std::optional<ir::Error> error = encode_request(request, "claude-upstream", body);
  if (!error) {
    ADD_FAILURE() << "expected an error, got " << body;
    return {};
  }
  EXPECT_EQ(error->status, 400);
  return *error;
}

ir::Message message(ir::Role role, std::vector<ir::Part> parts) {
  ir::Message m;
  m.role = role;
  m.parts = std::move(parts);
  return m;
}

ir::Part part(Kind kind) {
  ir::Part p;
  p.kind = kind;
  return p;
}

ir::Part tool_call(std::string id, std::string name, std::string arguments) {
  ir::Part p = part(Kind::tool_call);
  p.id = std::move(id);
  p.name = std::move(name);
  p.arguments = std::move(arguments);
  return p;
}

ir::Part tool_result(std::string id, std::string text) {
  ir::Part p = part(Kind::tool_result);
  p.id = std::move(id);
  p.content.push_back(ir::Part::make_text(std::move(text)));
  return p;
}

ir::Request openai_request() {
  ir::Request r;
  r.from = ir::Format::openai_chat;
  r.model = "public";
  return r;
}

TEST(AnthropicRequestEncode, MinimalRequestGetsTheDefaultMaxTokens) {
  ir::Request r = openai_request();
  r.messages.push_back(message(ir::Role::user, {ir::Part::make_text("Hi")}));
  EXPECT_EQ(
      encode_ok(r),
      R"({"model":"claude-upstream","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]})");
}

TEST(AnthropicRequestEncode, OpenAiConversationWithParallelToolCalls) {
  ir::Request r = openai_request();
  r.max_tokens = 500;
  r.temperature = 0.25;
  r.top_p = 1;
  r.stop = {"END"};
  r.user = "u-1";
  r.stream = true;
  r.seed = 7;  // dropped: Anthropic has no seed
  r.presence_penalty = 0.0;
  r.messages.push_back(message(ir::Role::system, {ir::Part::make_text("Be brief.")}));
  r.messages.push_back(
      message(ir::Role::user, {ir::Part::make_text("Weather in Paris and Rome?")}));
  r.messages.push_back(
      message(ir::Role::assistant,
              {ir::Part::make_text(""), tool_call("call_a", "get_weather", R"({"city":"Paris"})"),
               tool_call("call_b", "get_weather", R"({"city":"Rome"})")}));
  r.messages.push_back(message(ir::Role::tool, {tool_result("call_a", "18C")}));
  r.messages.push_back(message(ir::Role::tool, {tool_result("call_b", "21C")}));
  r.messages.push_back(message(ir::Role::user, {ir::Part::make_text("And tomorrow?")}));
  ir::Tool tool;
  tool.name = "get_weather";
  tool.description = "Weather";
  tool.parameters = R"({"type":"object","properties":{"city":{"type":"string"}}})";
  r.tools.push_back(tool);
  ir::Tool bare;
  bare.name = "now";
  r.tools.push_back(bare);
  r.tool_choice.mode = ir::ToolChoice::Mode::required;
  r.parallel_tool_calls = false;
  EXPECT_EQ(
      encode_ok(r),
      R"({"model":"claude-upstream","max_tokens":500,)"
      R"("system":[{"type":"text","text":"Be brief."}],)"
      R"("messages":[{"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},)"
      R"({"role":"assistant","content":[{"type":"tool_use","id":"call_a","name":"get_weather","input":{"city":"Paris"}},)"
      R"({"type":"tool_use","id":"call_b","name":"get_weather","input":{"city":"Rome"}}]},)"
      R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"call_a","content":"18C"},)"
      R"({"type":"tool_result","tool_use_id":"call_b","content":"21C"},)"
      R"({"type":"text","text":"And tomorrow?"}]}],)"
      R"("tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},)"
      R"({"name":"now","input_schema":{"type":"object","properties":{}}}],)"
      R"("tool_choice":{"type":"any","disable_parallel_tool_use":true},)"
      R"("temperature":0.25,"top_p":1,"stop_sequences":["END"],"metadata":{"user_id":"u-1"},"stream":true})");
}

TEST(AnthropicRequestEncode, ToolResultsLeadTheirTurnAndRichResultsAreBlocks) {
  ir::Request r = openai_request();
  r.messages.push_back(message(ir::Role::assistant, {tool_call("t1", "shot", "")}));
  ir::Part result = part(Kind::tool_result);
  result.id = "t1";
  result.is_error = true;
  result.content.push_back(ir::Part::make_text("partial"));
  ir::Part image = part(Kind::image);
  image.media_type = "image/png";
  image.data = "AAAA";
  result.content.push_back(image);
  r.messages.push_back(message(ir::Role::user, {ir::Part::make_text("see:"), result}));
  EXPECT_EQ(
      encode_ok(r),
      R"({"model":"claude-upstream","max_tokens":4096,"messages":[)"
      R"({"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"shot","input":{}}]},)"
      R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"partial"},)"
      R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}],"is_error":true},)"
      R"({"type":"text","text":"see:"}]}]})");
}

TEST(AnthropicRequestEncode, ImagesDocumentsAndCacheControl) {
  ir::Request r = openai_request();
  ir::Part url_image = part(Kind::image);
  url_image.url = "https://example.com/a.png";
  url_image.detail = "high";  // no Anthropic equivalent: dropped
  ir::Part pdf = part(Kind::file);
  pdf.media_type = "application/pdf";
  pdf.data = "JVBERi0=";
  pdf.filename = "report.pdf";
  pdf.cache_control = R"({"type":"ephemeral"})";
  ir::Part text_file = part(Kind::file);
  text_file.media_type = "text/plain";
  text_file.data = "SGkh";
  ir::Part file_ref = part(Kind::file);
  file_ref.file_id = "file_9";
  r.messages.push_back(message(ir::Role::user, {url_image, pdf, text_file, file_ref}));
  EXPECT_EQ(
      encode_ok(r),
      R"({"model":"claude-upstream","max_tokens":4096,"messages":[{"role":"user","content":[)"
      R"({"type":"image","source":{"type":"url","url":"https://example.com/a.png"}},)"
      R"({"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},"title":"report.pdf","cache_control":{"type":"ephemeral"}},)"
      R"({"type":"document","source":{"type":"text","media_type":"text/plain","data":"Hi!"}},)"
      R"({"type":"document","source":{"type":"file","file_id":"file_9"}}]}]})");
}

TEST(AnthropicRequestEncode, EffortBecomesAThinkingBudgetAndMaxTokensStaysAboveIt) {
  ir::Request r = openai_request();
  r.max_tokens = 1000;
  r.temperature = 0.2;  // Anthropic refuses it with thinking on: left out
  r.reasoning.enabled = true;
  r.reasoning.effort = "low";
  r.messages.push_back(message(ir::Role::user, {ir::Part::make_text("Q")}));
  EXPECT_EQ(
      encode_ok(r),
      R"({"model":"claude-upstream","max_tokens":2024,"messages":[{"role":"user","content":[{"type":"text","text":"Q"}]}],)"
      R"("thinking":{"type":"enabled","budget_tokens":1024}})");
  r.reasoning.effort = "minimal";  // 512 is below Anthropic's minimum
  r.reasoning.include_thoughts = false;
  EXPECT_NE(encode_ok(r).find(
                R"("thinking":{"type":"enabled","budget_tokens":1024,"display":"omitted"})"),
            std::string::npos);
}

TEST(AnthropicRequestEncode, ThinkingPartsWithoutSignatureAreLeftOut) {
  ir::Request r = openai_request();
  ir::Part summary = part(Kind::thinking);
  summary.text = "reasoning summary from another family";
  r.messages.push_back(message(ir::Role::assistant, {summary, ir::Part::make_text("A")}));
  EXPECT_EQ(
      encode_ok(r),
      R"({"model":"claude-upstream","max_tokens":4096,"messages":[{"role":"assistant","content":[{"type":"text","text":"A"}]}]})");
}

TEST(AnthropicRequestEncode, JsonSchemaBecomesOutputConfigFormat) {
  ir::Request r = openai_request();
  r.response_format.type = ir::ResponseFormat::Type::json_schema;
  r.response_format.name = "answer";
  r.response_format.schema = R"({"type":"object"})";
  r.messages.push_back(message(ir::Role::user, {ir::Part::make_text("Q")}));
  EXPECT_EQ(
      encode_ok(r),
      R"({"model":"claude-upstream","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"Q"}]}],)"
      R"("output_config":{"format":{"type":"json_schema","schema":{"type":"object"}}}})");
}

TEST(AnthropicRequestEncode, Refusals) {
  ir::Request audio = openai_request();
  ir::Part clip = part(Kind::audio);
  clip.media_type = "audio/wav";
  clip.data = "UklGRg==";
  audio.messages.push_back(message(ir::Role::user, {clip}));
  EXPECT_EQ(encode_error(audio).code, "unsupported_parameter");

  ir::Request json_object = openai_request();
  json_object.response_format.type = ir::ResponseFormat::Type::json_object;
  EXPECT_EQ(encode_error(json_object).param, "response_format");

  ir::Request penalty = openai_request();
  penalty.frequency_penalty = 0.5;
  EXPECT_EQ(encode_error(penalty).param, "frequency_penalty");

  ir::Request extra = openai_request();
  extra.extras.push_back(ir::Extra{"logprobs", "true", false});
  const ir::Error error = encode_error(extra);
  EXPECT_EQ(error.param, "logprobs");
  EXPECT_EQ(error.code, "unsupported_parameter");

  ir::Request droppable = openai_request();
  droppable.extras.push_back(ir::Extra{"store", "false", true});
  EXPECT_EQ(encode_ok(droppable), R"({"model":"claude-upstream","max_tokens":4096,"messages":[]})");
}

// An Anthropic client's request through the IR comes out as the same request.
TEST(AnthropicRequestEncode, AnthropicRequestRoundTripsThroughTheIr) {
  const std::string client =
      R"({"model":"claude-upstream","max_tokens":16000,)"
      R"("system":[{"type":"text","text":"Sys","cache_control":{"type":"ephemeral"}}],)"
      R"("messages":[{"role":"user","content":[{"type":"text","text":"Q"},)"
      R"({"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}]},)"
      R"({"role":"assistant","content":[{"type":"thinking","thinking":"T","signature":"S"},)"
      R"({"type":"redacted_thinking","data":"R"},{"type":"tool_use","id":"toolu_1","name":"f","input":{"x":[1,2]}}]},)"
      R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}],)"
      R"("tools":[{"name":"f","description":"F","input_schema":{"type":"object"},"strict":true},)"
      R"({"type":"web_search_20250305","name":"web_search"}],)"
      R"("tool_choice":{"type":"auto","disable_parallel_tool_use":true},)"
      R"("thinking":{"type":"enabled","budget_tokens":8000},)"
      R"("output_config":{"effort":"medium","format":{"type":"json_schema","schema":{"type":"object"}}},)"
      R"("temperature":1,"top_k":5,"stop_sequences":["x"],"metadata":{"user_id":"u"},"stream":true,)"
      R"("service_tier":"auto","container":"c1"})";
  ir::Request request;
  ASSERT_FALSE(api::anthropic::decode_request(client, request));
  EXPECT_EQ(
      encode_ok(request),
      R"({"model":"claude-upstream","max_tokens":16000,)"
      R"("system":[{"type":"text","text":"Sys","cache_control":{"type":"ephemeral"}}],)"
      R"("messages":[{"role":"user","content":[{"type":"text","text":"Q"},)"
      R"({"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}]},)"
      R"({"role":"assistant","content":[{"type":"thinking","thinking":"T","signature":"S"},)"
      R"({"type":"redacted_thinking","data":"R"},{"type":"tool_use","id":"toolu_1","name":"f","input":{"x":[1,2]}}]},)"
      R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}],)"
      R"("tools":[{"name":"f","description":"F","input_schema":{"type":"object"},"strict":true},)"
      R"({"type":"web_search_20250305","name":"web_search"}],)"
      R"("tool_choice":{"type":"auto","disable_parallel_tool_use":true},)"
      R"("thinking":{"type":"enabled","budget_tokens":8000},)"
      R"("output_config":{"effort":"medium","format":{"type":"json_schema","schema":{"type":"object"}}},)"
      R"("temperature":1,"top_k":5,"stop_sequences":["x"],"metadata":{"user_id":"u"},"stream":true,)"
      R"("service_tier":"auto","container":"c1"})");
}

TEST(AnthropicRequestEncode, AnthropicOnlyExtrasAreRefusedForOtherFamiliesButNotForAnthropic) {
  ir::Request request;
  ASSERT_FALSE(api::anthropic::decode_request(
      R"({"model":"m","max_tokens":5,"messages":[],"thinking":{"type":"adaptive","display":"summarized"}})",
      request));
  EXPECT_EQ(
      encode_ok(request),
      R"({"model":"claude-upstream","max_tokens":5,"messages":[],"thinking":{"type":"adaptive","display":"summarized"}})");
}

}  // namespace
}  // namespace tollgate::providers::anthropic
