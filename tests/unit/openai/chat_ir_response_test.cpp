// encode_response, error_body(ir::Error) and ChatStreamEncoder: exact chat.completion JSON and
// exact chunk frames.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/openai/chat_ir.hpp"

namespace tollgate::api::openai {
namespace {

using Kind = ir::Part::Kind;
using EventKind = ir::Event::Kind;

ir::EncodeOptions options(bool include_usage = false) {
  ir::EncodeOptions o;
  o.model = "public-model";
  o.id = "chatcmpl-fallback";
  o.created = 1700000000;
  o.include_usage = include_usage;
  return o;
}

ir::Part tool_call(std::string id, std::string name, std::string arguments) {
  ir::Part part;
  part.kind = Kind::tool_call;
  part.id = std::move(id);
  part.name = std::move(name);
  part.arguments = std::move(arguments);
  return part;
}

ir::Usage usage() {
  ir::Usage u;
  u.input = 120;
  u.output = 40;
  u.cache_read = 100;
  u.cache_write = 10;
  u.reasoning = 25;
  u.present = true;
  return u;
}

TEST(ChatEncodeResponse, WritesTextReasoningToolCallsAndUsage) {
  ir::Response response;
  response.id = "msg_01";
  response.model = "claude-upstream";
  ir::Part thinking;
  thinking.kind = Kind::thinking;
  thinking.text = "Let me \"think\".";
  response.content.push_back(thinking);
  response.content.push_back(ir::Part::make_text("Checking."));
  response.content.push_back(tool_call("toolu_1", "get_weather", R"({"city":"Oslo"})"));
  response.content.push_back(tool_call("toolu_2", "get_time", ""));
  response.stop_reason = ir::StopReason::tool_use;
  response.usage = usage();
  EXPECT_EQ(
      encode_response(response, options()),
      R"({"id":"chatcmpl-msg_01","object":"chat.completion","created":1700000000,)"
      R"("model":"public-model","choices":[{"index":0,"message":{"role":"assistant",)"
      R"("content":"Checking.","reasoning_content":"Let me \"think\".","tool_calls":[)"
      R"({"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}},)"
      R"({"id":"toolu_2","type":"function","function":{"name":"get_time","arguments":"{}"}}],)"
      R"("refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"tool_calls"}],)"
      R"("usage":{"prompt_tokens":120,"completion_tokens":40,"total_tokens":160,)"
      R"("prompt_tokens_details":{"cached_tokens":100},)"
      R"("completion_tokens_details":{"reasoning_tokens":25}}})");
}

TEST(ChatEncodeResponse, ContentIsNullOnlyForAToolCallOnlyMessage) {
  ir::Response calls;
  calls.id = "chatcmpl-abc";
  calls.created = 5;
  calls.content.push_back(tool_call("c1", "f", "{}"));
  calls.stop_reason = ir::StopReason::end_turn;  // Gemini's STOP for a turn with calls
  const std::string body = encode_response(calls, options());
  EXPECT_NE(body.find(R"("id":"chatcmpl-abc","object":"chat.completion","created":5,)"),
            std::string::npos);
  EXPECT_NE(body.find(R"("content":null,"tool_calls")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("finish_reason":"tool_calls")"), std::string::npos) << body;

  ir::Response empty;
  const std::string empty_body = encode_response(empty, options());
  EXPECT_NE(empty_body.find(R"("id":"chatcmpl-fallback")"), std::string::npos);
  EXPECT_NE(empty_body.find(R"({"role":"assistant","content":"","refusal":null,)"),
            std::string::npos)
      << empty_body;
  EXPECT_NE(empty_body.find(R"("finish_reason":"stop")"), std::string::npos);
}

TEST(ChatEncodeResponse, MapsEveryStopReason) {
  using ir::StopReason;
  EXPECT_EQ(finish_reason(StopReason::end_turn, false), "stop");
  EXPECT_EQ(finish_reason(StopReason::stop_sequence, false), "stop");
  EXPECT_EQ(finish_reason(StopReason::unset, false), "stop");
  EXPECT_EQ(finish_reason(StopReason::pause_turn, false), "stop");
  EXPECT_EQ(finish_reason(StopReason::error, false), "stop");
  EXPECT_EQ(finish_reason(StopReason::max_tokens, true), "length");
  EXPECT_EQ(finish_reason(StopReason::tool_use, false), "tool_calls");
  EXPECT_EQ(finish_reason(StopReason::end_turn, true), "tool_calls");
  EXPECT_EQ(finish_reason(StopReason::content_filter, false), "content_filter");
}

TEST(ChatErrorBody, UsesOpenAITypesPerStatus) {
  EXPECT_EQ(
      error_body(ir::make_error(400, "bad", "invalid_value", "messages[0].role")),
      R"({"error":{"message":"bad","type":"invalid_request_error","param":"messages[0].role","code":"invalid_value"}})");
  EXPECT_EQ(
      error_body(ir::make_error(401, "key", "invalid_api_key")),
      R"({"error":{"message":"key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");
  EXPECT_EQ(
      error_body(ir::make_error(429, "slow down", "")),
      R"({"error":{"message":"slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}})");
  EXPECT_EQ(
      error_body(ir::make_error(402, "pay", "insufficient_credits")),
      R"({"error":{"message":"pay","type":"insufficient_quota","param":null,"code":"insufficient_credits"}})");
  for (int status : {500, 502, 503, 504, 529}) {
    EXPECT_NE(error_body(ir::make_error(status, "x", "y")).find(R"("type":"server_error")"),
              std::string::npos)
        << status;
  }
}

// ---------------------------------------------------------------------------------------------
// ChatStreamEncoder
// ---------------------------------------------------------------------------------------------

ir::Event event(EventKind kind, int index = 0) {
  ir::Event e;
  e.kind = kind;
  e.index = index;
  return e;
}

ir::Event start_block(int index, Kind block, std::string id = {}, std::string name = {}) {
  ir::Event e = event(EventKind::block_start, index);
  e.block = block;
  e.id = std::move(id);
  e.name = std::move(name);
  return e;
}

ir::Event delta(EventKind kind, int index, std::string text) {
  ir::Event e = event(kind, index);
  e.text = std::move(text);
  return e;
}

// A turn with reasoning, text and two parallel tool calls, as the IR carries it.
std::vector<ir::Event> mixed_turn() {
  ir::Event start = event(EventKind::message_start);
  start.id = "msg_9";
  ir::Event usage_event = event(EventKind::usage);
  usage_event.usage = usage();
  ir::Event stop = event(EventKind::stop);
  stop.stop_reason = ir::StopReason::tool_use;
  return {start,
          start_block(0, Kind::thinking),
          delta(EventKind::text_delta, 0, "hmm"),
          delta(EventKind::signature_delta, 0, "sig"),
          event(EventKind::block_stop, 0),
          start_block(1, Kind::text),
          delta(EventKind::text_delta, 1, "On it."),
          event(EventKind::block_stop, 1),
          start_block(2, Kind::tool_call, "call_a", "get_weather"),
          delta(EventKind::arguments_delta, 2, R"({"city":)"),
          delta(EventKind::arguments_delta, 2, R"("Oslo"})"),
          event(EventKind::block_stop, 2),
          start_block(3, Kind::tool_call, "call_b", "get_time"),
          delta(EventKind::arguments_delta, 3, "{}"),
          event(EventKind::block_stop, 3),
          usage_event,
          stop,
          event(EventKind::end)};
}

std::string encode_stream(const std::vector<ir::Event>& events, bool include_usage) {
  std::string out;
  ChatStreamEncoder encoder(out, options(include_usage));
  for (const ir::Event& e : events) encoder.on_event(e);
  return out;
}

constexpr std::string_view kHead =
    R"(data: {"id":"chatcmpl-msg_9","object":"chat.completion.chunk","created":1700000000,"model":"public-model","choices":)";

std::string chunk(std::string_view delta, std::string_view finish = "null") {
  return std::string(kHead) + R"([{"index":0,"delta":)" + std::string(delta) +
         R"(,"logprobs":null,"finish_reason":)" + std::string(finish) + "}]}\n\n";
}

std::string mixed_turn_frames() {
  return chunk(R"({"role":"assistant","content":""})") + chunk(R"({"reasoning_content":"hmm"})") +
         chunk(R"({"content":"On it."})") +
         chunk(
             R"({"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]})") +
         chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]})") +
         chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"\"Oslo\"}"}}]})") +
         chunk(
             R"({"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}]})") +
         chunk(R"({"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]})") +
         chunk("{}", R"("tool_calls")");
}

TEST(ChatStreamEncoder, WritesExactFramesWithoutUsage) {
  EXPECT_EQ(encode_stream(mixed_turn(), false), mixed_turn_frames() + "data: [DONE]\n\n");
}

TEST(ChatStreamEncoder, WritesTheUsageChunkWhenAskedFor) {
  EXPECT_EQ(encode_stream(mixed_turn(), true),
            mixed_turn_frames() + std::string(kHead) +
                R"([],"usage":{"prompt_tokens":120,"completion_tokens":40,"total_tokens":160,)"
                R"("prompt_tokens_details":{"cached_tokens":100},)"
                R"("completion_tokens_details":{"reasoning_tokens":25}}})"
                "\n\ndata: [DONE]\n\n");
}

TEST(ChatStreamEncoder, MapsMaxTokensAndFallsBackToTheOptionsId) {
  ir::Event stop = event(EventKind::stop);
  stop.stop_reason = ir::StopReason::max_tokens;
  const std::string out =
      encode_stream({event(EventKind::message_start), start_block(0, Kind::text),
                     delta(EventKind::text_delta, 0, "a\nb"), delta(EventKind::text_delta, 0, ""),
                     stop, event(EventKind::end)},
                    false);
  const std::string head =
      R"(data: {"id":"chatcmpl-fallback","object":"chat.completion.chunk","created":1700000000,"model":"public-model","choices":[{"index":0,"delta":)";
  EXPECT_EQ(out, head +
                     R"({"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})"
                     "\n\n" +
                     head +
                     R"({"content":"a\nb"},"logprobs":null,"finish_reason":null}]})"
                     "\n\n" +
                     head +
                     R"({},"logprobs":null,"finish_reason":"length"}]})"
                     "\n\n" +
                     "data: [DONE]\n\n");
}

TEST(ChatStreamEncoder, AnErrorEndsTheStreamWithoutDone) {
  ir::Event error = event(EventKind::error);
  error.error = ir::make_error(503, "Overloaded", "upstream_overloaded");
  const std::string out =
      encode_stream({event(EventKind::message_start), start_block(0, Kind::text),
                     delta(EventKind::text_delta, 0, "par"), error, event(EventKind::end)},
                    true);
  const std::string expected_tail =
      "data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\",\"param\":null,"
      "\"code\":\"upstream_overloaded\"}}\n\n";
  ASSERT_GE(out.size(), expected_tail.size());
  EXPECT_EQ(out.substr(out.size() - expected_tail.size()), expected_tail);
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
  EXPECT_EQ(out.find("finish_reason\":\"stop"), std::string::npos);
}

TEST(ChatStreamEncoder, AnEndWithoutStopStillFinishes) {
  const std::string out =
      encode_stream({event(EventKind::message_start), event(EventKind::end)}, false);
  EXPECT_NE(out.find(R"("delta":{},"logprobs":null,"finish_reason":"stop")"), std::string::npos)
      << out;
  EXPECT_EQ(out.substr(out.size() - 14), "data: [DONE]\n\n");
}

}  // namespace
}  // namespace tollgate::api::openai
