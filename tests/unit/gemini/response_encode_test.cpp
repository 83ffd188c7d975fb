// api::gemini::encode_response, error_body and StreamEncoder: exact JSON and exact SSE frames.
#include <gtest/gtest.h>

#include "api/gemini/generate_content.hpp"

namespace tollgate::api::gemini {
namespace {

ir::EncodeOptions options() {
  ir::EncodeOptions o;
  o.model = "gemini-pro-public";
  o.id = "resp_fallback";
  return o;
}

ir::Part tool_call(std::string id, std::string name, std::string arguments, std::string signature = {}) {
  ir::Part part;
  part.kind = ir::Part::Kind::tool_call;
  part.id = std::move(id);
  part.name = std::move(name);
  part.arguments = std::move(arguments);
  part.signature = std::move(signature);
  return part;
}

TEST(GeminiEncodeResponse, TextThinkingToolCallsAndUsage) {
  ir::Response response;
  response.id = "r1";
  ir::Part thinking;
  thinking.kind = ir::Part::Kind::thinking;
  thinking.text = "Hmm";
  thinking.signature = "sig";
  response.content.push_back(thinking);
  response.content.push_back(ir::Part::make_text("Checking \"both\"."));
  ir::Part redacted;
  redacted.kind = ir::Part::Kind::redacted_thinking;
  redacted.data = "opaque";
  response.content.push_back(redacted);
  response.content.push_back(tool_call("call_a", "weather", R"({"city": "Paris"})", "csig"));
  response.content.push_back(tool_call("", "time", ""));
  response.stop_reason = ir::StopReason::tool_use;
  response.usage = {.input = 100, .output = 50, .cache_read = 40, .cache_write = 0,
                    .reasoning = 20, .present = true};
  EXPECT_EQ(encode_response(response, options()),
            R"({"candidates":[{"content":{"parts":[)"
            R"({"text":"Hmm","thought":true,"thoughtSignature":"sig"},)"
            R"({"text":"Checking \"both\"."},)"
            R"({"functionCall":{"id":"call_a","name":"weather","args":{"city":"Paris"}},"thoughtSignature":"csig"},)"
            R"({"functionCall":{"name":"time","args":{}}}],"role":"model"},"finishReason":"STOP","index":0}],)"
            R"("usageMetadata":{"promptTokenCount":100,"candidatesTokenCount":30,"totalTokenCount":150,)"
            R"("cachedContentTokenCount":40,"thoughtsTokenCount":20},)"
            R"("modelVersion":"gemini-pro-public","responseId":"r1"})");
}

TEST(GeminiEncodeResponse, EmptyContentHasRoleOnlyAndStopReasonsMap) {
  ir::Response response;
  response.stop_reason = ir::StopReason::content_filter;
  EXPECT_EQ(encode_response(response, options()),
            R"({"candidates":[{"content":{"role":"model"},"finishReason":"SAFETY","index":0}],)"
            R"("usageMetadata":{"promptTokenCount":0,"candidatesTokenCount":0,"totalTokenCount":0},)"
            R"("modelVersion":"gemini-pro-public","responseId":"resp_fallback"})");
  auto reason_of = [](ir::StopReason reason) {
    ir::Response r;
    r.stop_reason = reason;
    const std::string body = encode_response(r, options());
    const auto start = body.find("\"finishReason\":\"") + 16;
    return body.substr(start, body.find('"', start) - start);
  };
  EXPECT_EQ(reason_of(ir::StopReason::end_turn), "STOP");
  EXPECT_EQ(reason_of(ir::StopReason::stop_sequence), "STOP");
  EXPECT_EQ(reason_of(ir::StopReason::max_tokens), "MAX_TOKENS");
  EXPECT_EQ(reason_of(ir::StopReason::error), "OTHER");
}

TEST(GeminiEncodeResponse, MalformedArgumentsBecomeAnEmptyObject) {
  ir::Response response;
  response.content.push_back(tool_call("c", "f", "{not json"));
  const std::string body = encode_response(response, options());
  EXPECT_NE(body.find(R"({"functionCall":{"id":"c","name":"f","args":{}}})"), std::string::npos);
}

TEST(GeminiErrorBody, StatusNamesAndDetails) {
  EXPECT_EQ(error_body(ir::make_error(400, "Bad \"x\"", "invalid_value", "generation_config.top_k")),
            R"({"error":{"code":400,"message":"Bad \"x\"","status":"INVALID_ARGUMENT","details":[)"
            R"({"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"invalid_value",)"
            R"("domain":"tollgate","metadata":{"param":"generation_config.top_k"}}]}})");
  EXPECT_EQ(error_body(ir::make_error(429, "Slow down", "")),
            R"({"error":{"code":429,"message":"Slow down","status":"RESOURCE_EXHAUSTED"}})");
  auto status_of = [](int status) {
    const std::string body = error_body(ir::make_error(status, "m", ""));
    const auto start = body.find("\"status\":\"") + 10;
    return body.substr(start, body.find('"', start) - start);
  };
  EXPECT_EQ(status_of(401), "UNAUTHENTICATED");
  EXPECT_EQ(status_of(402), "FAILED_PRECONDITION");
  EXPECT_EQ(status_of(403), "PERMISSION_DENIED");
  EXPECT_EQ(status_of(404), "NOT_FOUND");
  EXPECT_EQ(status_of(500), "INTERNAL");
  EXPECT_EQ(status_of(502), "INTERNAL");
  EXPECT_EQ(status_of(503), "UNAVAILABLE");
  EXPECT_EQ(status_of(504), "DEADLINE_EXCEEDED");
}

// Builds events tersely.
ir::Event event(ir::Event::Kind kind, int index = 0, std::string text = {}) {
  ir::Event e;
  e.kind = kind;
  e.index = index;
  e.text = std::move(text);
  return e;
}

ir::Event block_start(int index, ir::Part::Kind block, std::string id = {}, std::string name = {}) {
  ir::Event e = event(ir::Event::Kind::block_start, index);
  e.block = block;
  e.id = std::move(id);
  e.name = std::move(name);
  return e;
}

constexpr std::string_view kTail = R"("modelVersion":"gemini-pro-public","responseId":"r9"})";

std::string frame(std::string_view part) {
  std::string out = R"(data: {"candidates":[{"content":{"parts":[)";
  out += part;
  out += R"(],"role":"model"},"index":0}],)";
  out += kTail;
  out += "\r\n\r\n";
  return out;
}

TEST(GeminiStreamEncoder, ThinkingTextAndParallelToolCalls) {
  using Kind = ir::Event::Kind;
  std::string out;
  StreamEncoder encoder(out, options());
  ir::Event start = event(Kind::message_start);
  start.id = "r9";
  encoder.on_event(start);
  encoder.on_event(block_start(0, ir::Part::Kind::thinking));
  encoder.on_event(event(Kind::text_delta, 0, "Think"));
  encoder.on_event(event(Kind::signature_delta, 0, "tsig"));
  encoder.on_event(event(Kind::block_stop, 0));
  encoder.on_event(block_start(1, ir::Part::Kind::text));
  encoder.on_event(event(Kind::text_delta, 1, "Hi\n"));
  encoder.on_event(event(Kind::text_delta, 1, ""));
  encoder.on_event(event(Kind::block_stop, 1));
  encoder.on_event(block_start(2, ir::Part::Kind::tool_call, "c1", "weather"));
  encoder.on_event(event(Kind::arguments_delta, 2, R"({"city":)"));
  encoder.on_event(event(Kind::arguments_delta, 2, R"("Paris"})"));
  encoder.on_event(event(Kind::signature_delta, 2, "fsig"));
  encoder.on_event(event(Kind::block_stop, 2));
  encoder.on_event(block_start(3, ir::Part::Kind::tool_call, "c2", "time"));
  encoder.on_event(event(Kind::block_stop, 3));
  ir::Event usage = event(Kind::usage);
  usage.usage = {.input = 10, .output = 7, .cache_read = 2, .cache_write = 0, .reasoning = 3,
                 .present = true};
  encoder.on_event(usage);
  ir::Event stop = event(Kind::stop);
  stop.stop_reason = ir::StopReason::tool_use;
  encoder.on_event(stop);
  encoder.on_event(event(Kind::end));
  encoder.on_event(event(Kind::text_delta, 1, "after the end"));

  std::string expected;
  expected += frame(R"({"text":"Think","thought":true})");
  expected += frame(R"({"text":"","thought":true,"thoughtSignature":"tsig"})");
  expected += frame(R"({"text":"Hi\n"})");
  expected += frame(R"({"functionCall":{"id":"c1","name":"weather","args":{"city":"Paris"}},"thoughtSignature":"fsig"})");
  expected += frame(R"({"functionCall":{"id":"c2","name":"time","args":{}}})");
  expected += R"(data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],)"
              R"("usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":4,"totalTokenCount":17,)"
              R"("cachedContentTokenCount":2,"thoughtsTokenCount":3},)";
  expected += kTail;
  expected += "\r\n\r\n";
  EXPECT_EQ(out, expected);
}

TEST(GeminiStreamEncoder, ErrorBecomesAnErrorFrameAndEndsTheStream) {
  using Kind = ir::Event::Kind;
  std::string out;
  StreamEncoder encoder(out, options());
  encoder.on_event(event(Kind::message_start));
  encoder.on_event(block_start(0, ir::Part::Kind::text));
  encoder.on_event(event(Kind::text_delta, 0, "Hel"));
  ir::Event error = event(Kind::error);
  error.error = ir::make_error(503, "Upstream overloaded", "");
  encoder.on_event(error);
  encoder.on_event(event(Kind::end));
  EXPECT_EQ(out,
            R"(data: {"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"},"index":0}],)"
            R"("modelVersion":"gemini-pro-public","responseId":"resp_fallback"})"
            "\r\n\r\n"
            R"(data: {"error":{"code":503,"message":"Upstream overloaded","status":"UNAVAILABLE"}})"
            "\r\n\r\n");
}

TEST(GeminiStreamEncoder, MaxTokensWithoutUsage) {
  using Kind = ir::Event::Kind;
  std::string out;
  StreamEncoder encoder(out, options());
  encoder.on_event(event(Kind::message_start));
  ir::Event stop = event(Kind::stop);
  stop.stop_reason = ir::StopReason::max_tokens;
  encoder.on_event(stop);
  encoder.on_event(event(Kind::end));
  EXPECT_EQ(out,
            R"(data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"MAX_TOKENS","index":0}],)"
            R"("modelVersion":"gemini-pro-public","responseId":"resp_fallback"})"
            "\r\n\r\n");
}

}  // namespace
}  // namespace tollgate::api::gemini
