// encode_response and error_body: the exact JSON of the Responses `response` object and of
// OpenAI error bodies.
#include "api/responses/response.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "api/responses/request.hpp"

namespace tollgate::api::responses {
namespace {

// The expectation is written readably; the encoder writes minified JSON in the same key order.
std::string minified(std::string_view pretty) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  const auto error = parser.parse(pretty.data(), pretty.size()).get(element);
  EXPECT_EQ(error, simdjson::SUCCESS) << "bad expectation: " << pretty;
  return error ? std::string() : simdjson::minify(element);
}

ir::EncodeOptions options() {
  ir::EncodeOptions options;
  options.model = "public-model";
  options.id = "resp_gw1";
  options.created = 1700000000;
  return options;
}

ir::Part text(std::string value) {
  return ir::Part::make_text(std::move(value));
}

ir::Part thinking(std::string value, std::string signature) {
  ir::Part part;
  part.kind = ir::Part::Kind::thinking;
  part.text = std::move(value);
  part.signature = std::move(signature);
  return part;
}

ir::Part tool_call(std::string id, std::string name, std::string arguments) {
  ir::Part part;
  part.kind = ir::Part::Kind::tool_call;
  part.id = std::move(id);
  part.name = std::move(name);
  part.arguments = std::move(arguments);
  return part;
}

ir::Usage usage(std::int64_t input, std::int64_t output, std::int64_t cache_read,
                std::int64_t reasoning) {
  ir::Usage usage;
  usage.input = input;
  usage.output = output;
  usage.cache_read = cache_read;
  usage.reasoning = reasoning;
  usage.present = true;
  return usage;
}

// The echoed request fields when there is no request: OpenAI's defaults.
constexpr std::string_view kDefaultEcho = R"(
  "instructions": null, "max_output_tokens": null, "parallel_tool_calls": true,
  "previous_response_id": null, "reasoning": {"effort": null, "summary": null},
  "temperature": null, "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [],
  "top_p": null, "truncation": "disabled", "metadata": {})";

TEST(ResponsesResponse, TextOnly) {
  ir::Response response;
  response.id = "msg_upstream";
  response.content.push_back(text("Hello \"world\"\n"));
  response.stop_reason = ir::StopReason::end_turn;
  response.usage = usage(100, 20, 60, 0);
  const std::string expected = R"({
    "id": "resp_gw1", "object": "response", "created_at": 1700000000, "status": "completed",
    "background": false, "error": null, "incomplete_details": null, "model": "public-model",
    "output": [
      {"id": "msg_gw1_0", "type": "message", "status": "completed",
       "content": [{"type": "output_text", "annotations": [], "logprobs": [],
                    "text": "Hello \"world\"\n"}],
       "role": "assistant"}],
    "usage": {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 60},
              "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 0},
              "total_tokens": 120},)" +
                               std::string(kDefaultEcho) + "}";
  EXPECT_EQ(encode_response(response, options()), minified(expected));
}

TEST(ResponsesResponse, ReasoningThenTextEchoesTheRequest) {
  ir::Request request;
  ASSERT_FALSE(decode_request(R"({"model":"public-model","input":"hi","instructions":"Be kind.",
    "max_output_tokens":1000,"parallel_tool_calls":false,"temperature":0.5,"top_p":0.9,
    "reasoning":{"effort":"high","summary":"auto"},"user":"u-7","metadata":{"run":"42"},
    "tool_choice":"required","tools":[{"type":"function","name":"f","description":"does f",
    "parameters":{"type":"object"},"strict":true}],
    "text":{"format":{"type":"json_schema","name":"out","schema":{"type":"object"},"strict":true}}})",
                              request));
  ir::Response response;
  response.content.push_back(thinking("Let me think.", "sig=="));
  response.content.push_back(text("{}"));
  response.stop_reason = ir::StopReason::end_turn;
  response.usage = usage(10, 50, 0, 40);
  const std::string expected = R"({
    "id": "resp_gw1", "object": "response", "created_at": 1700000000, "status": "completed",
    "background": false, "error": null, "incomplete_details": null, "model": "public-model",
    "output": [
      {"id": "rs_gw1_0", "type": "reasoning",
       "summary": [{"type": "summary_text", "text": "Let me think."}],
       "encrypted_content": "sig=="},
      {"id": "msg_gw1_1", "type": "message", "status": "completed",
       "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": "{}"}],
       "role": "assistant"}],
    "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
              "output_tokens": 50, "output_tokens_details": {"reasoning_tokens": 40},
              "total_tokens": 60},
    "instructions": "Be kind.", "max_output_tokens": 1000, "parallel_tool_calls": false,
    "previous_response_id": null, "reasoning": {"effort": "high", "summary": "auto"},
    "temperature": 0.5,
    "text": {"format": {"type": "json_schema", "name": "out", "schema": {"type": "object"},
                        "strict": true}},
    "tool_choice": "required",
    "tools": [{"type": "function", "name": "f", "description": "does f",
               "parameters": {"type": "object"}, "strict": true}],
    "top_p": 0.9, "truncation": "disabled", "user": "u-7", "metadata": {"run": "42"}})";
  EXPECT_EQ(encode_response(response, options(), &request), minified(expected));
}

TEST(ResponsesResponse, TextAndParallelFunctionCalls) {
  ir::Response response;
  response.id = "resp_upstream";  // a Responses id from upstream is kept
  response.created = 1711111111;
  response.content.push_back(text("Checking both."));
  response.content.push_back(tool_call("call_a", "weather", R"({"city":"Paris"})"));
  response.content.push_back(tool_call("", "weather", ""));
  response.stop_reason = ir::StopReason::tool_use;
  response.usage = usage(30, 25, 0, 0);
  const std::string expected = R"({
    "id": "resp_upstream", "object": "response", "created_at": 1711111111, "status": "completed",
    "background": false, "error": null, "incomplete_details": null, "model": "public-model",
    "output": [
      {"id": "msg_upstream_0", "type": "message", "status": "completed",
       "content": [{"type": "output_text", "annotations": [], "logprobs": [],
                    "text": "Checking both."}],
       "role": "assistant"},
      {"id": "fc_upstream_1", "type": "function_call", "status": "completed",
       "arguments": "{\"city\":\"Paris\"}", "call_id": "call_a", "name": "weather"},
      {"id": "fc_upstream_2", "type": "function_call", "status": "completed",
       "arguments": "{}", "call_id": "call_upstream_2", "name": "weather"}],
    "usage": {"input_tokens": 30, "input_tokens_details": {"cached_tokens": 0},
              "output_tokens": 25, "output_tokens_details": {"reasoning_tokens": 0},
              "total_tokens": 55},)" +
                               std::string(kDefaultEcho) + "}";
  EXPECT_EQ(encode_response(response, options()), minified(expected));
}

TEST(ResponsesResponse, MaxTokensIsIncomplete) {
  ir::Response response;
  response.content.push_back(text("The answer is"));
  response.stop_reason = ir::StopReason::max_tokens;
  const std::string expected = R"({
    "id": "resp_gw1", "object": "response", "created_at": 1700000000, "status": "incomplete",
    "background": false, "error": null, "incomplete_details": {"reason": "max_output_tokens"},
    "model": "public-model",
    "output": [
      {"id": "msg_gw1_0", "type": "message", "status": "incomplete",
       "content": [{"type": "output_text", "annotations": [], "logprobs": [],
                    "text": "The answer is"}],
       "role": "assistant"}],
    "usage": null,)" + std::string(kDefaultEcho) +
                               "}";
  EXPECT_EQ(encode_response(response, options()), minified(expected));
}

TEST(ResponsesResponse, ContentFilterIsIncomplete) {
  ir::Response response;
  response.stop_reason = ir::StopReason::content_filter;
  const std::string out = encode_response(response, options());
  EXPECT_NE(out.find(R"("status":"incomplete")"), std::string::npos);
  EXPECT_NE(out.find(R"("incomplete_details":{"reason":"content_filter"})"), std::string::npos);
  EXPECT_NE(out.find(R"("output":[])"), std::string::npos);
}

TEST(ResponsesResponse, UpstreamErrorStopIsFailed) {
  ir::Response response;
  response.stop_reason = ir::StopReason::error;
  const std::string out = encode_response(response, options());
  EXPECT_NE(
      out.find(
          R"("status":"failed","background":false,"error":{"code":"server_error","message":"The upstream ended the generation with an error."})"),
      std::string::npos)
      << out;
}

TEST(ResponsesResponse, RedactedThinkingIsAnEncryptedReasoningItem) {
  ir::Response response;
  ir::Part redacted;
  redacted.kind = ir::Part::Kind::redacted_thinking;
  redacted.data = "b3BhcXVl";
  response.content.push_back(redacted);
  response.content.push_back(thinking("", "sig"));
  const std::string out = encode_response(response, options());
  EXPECT_NE(
      out.find(
          R"("output":[{"id":"rs_gw1_0","type":"reasoning","summary":[],"encrypted_content":"b3BhcXVl"},{"id":"rs_gw1_1","type":"reasoning","summary":[],"encrypted_content":"sig"}])"),
      std::string::npos)
      << out;
}

TEST(ResponsesResponse, ResponseIds) {
  ir::Response response;
  response.id = "chatcmpl-9";
  EXPECT_EQ(encode_response(response, options()).substr(0, 17), R"({"id":"resp_gw1",)");
  ir::EncodeOptions no_id = options();
  no_id.id.clear();
  EXPECT_EQ(encode_response(response, no_id).substr(0, 24), R"({"id":"resp_chatcmpl-9",)");
}

TEST(ResponsesResponse, HostileTextStaysValidJson) {
  ir::Response response;
  response.content.push_back(text(std::string("bad \xff utf8 \x01 \"</script>")));
  response.content.push_back(tool_call("c\"1", "n\n", "not json"));
  const std::string out = encode_response(response, options());
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  EXPECT_EQ(parser.parse(out).get(element), simdjson::SUCCESS) << out;
}

TEST(ResponsesErrorBody, ShapesPerKind) {
  EXPECT_EQ(
      error_body(ir::make_error(400, "Bad \"x\"", "invalid_value", "input[0].role")),
      R"({"error":{"message":"Bad \"x\"","type":"invalid_request_error","param":"input[0].role","code":"invalid_value"}})");
  EXPECT_EQ(
      error_body(ir::make_error(401, "Incorrect API key provided.", "invalid_api_key")),
      R"({"error":{"message":"Incorrect API key provided.","type":"authentication_error","param":null,"code":"invalid_api_key"}})");
  EXPECT_EQ(
      error_body(ir::make_error(429, "Slow down.", "")),
      R"({"error":{"message":"Slow down.","type":"rate_limit_error","param":null,"code":null}})");
  EXPECT_EQ(
      error_body(ir::make_error(402, "No credits.", "insufficient_credits")),
      R"({"error":{"message":"No credits.","type":"insufficient_quota","param":null,"code":"insufficient_credits"}})");
  EXPECT_EQ(
      error_body(ir::make_error(403, "No.", "model_not_allowed")),
      R"({"error":{"message":"No.","type":"permission_error","param":null,"code":"model_not_allowed"}})");
  EXPECT_EQ(
      error_body(ir::make_error(404, "No such model.", "model_not_found", "model")),
      R"({"error":{"message":"No such model.","type":"invalid_request_error","param":"model","code":"model_not_found"}})");
  EXPECT_EQ(
      error_body(ir::make_error(502, "Upstream failed.", "upstream_error")),
      R"({"error":{"message":"Upstream failed.","type":"server_error","param":null,"code":"upstream_error"}})");
  EXPECT_EQ(
      error_body(ir::make_error(503, "Busy.", "overloaded")),
      R"({"error":{"message":"Busy.","type":"server_error","param":null,"code":"overloaded"}})");
}

}  // namespace
}  // namespace tollgate::api::responses
