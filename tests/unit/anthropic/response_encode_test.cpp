// The Anthropic surface's encoders: a whole `message`, error bodies, and the SSE stream.
#include <gtest/gtest.h>

#include "api/anthropic/messages.hpp"
#include "event_text.hpp"

namespace tollgate::api::anthropic {
namespace {

ir::EncodeOptions options() {
  ir::EncodeOptions o;
  o.model = "claude-public";
  o.id = "msg_gateway01";
  return o;
}

ir::Part tool_call(std::string id, std::string name, std::string arguments) {
  ir::Part p;
  p.kind = ir::Part::Kind::tool_call;
  p.id = std::move(id);
  p.name = std::move(name);
  p.arguments = std::move(arguments);
  return p;
}

TEST(AnthropicResponseEncode, TextThinkingToolUseAndCacheUsage) {
  ir::Response r;
  r.id = "chatcmpl-123";  // not an Anthropic id: the gateway's is used
  r.model = "upstream-model";
  ir::Part thinking;
  thinking.kind = ir::Part::Kind::thinking;
  thinking.text = "Hmm";
  thinking.signature = "sig";
  r.content.push_back(thinking);
  ir::Part redacted;
  redacted.kind = ir::Part::Kind::redacted_thinking;
  redacted.data = "opaque";
  r.content.push_back(redacted);
  r.content.push_back(ir::Part::make_text("Say \"hi\""));
  r.content.push_back(tool_call("call_1", "f", R"({"a": 1})"));
  r.stop_reason = ir::StopReason::tool_use;
  r.usage = {.input = 100,
             .output = 50,
             .cache_read = 60,
             .cache_write = 10,
             .reasoning = 20,
             .present = true};
  EXPECT_EQ(encode_response(r, options()),
            R"({"id":"msg_gateway01","type":"message","role":"assistant","model":"claude-public",)"
            R"("content":[{"type":"thinking","thinking":"Hmm","signature":"sig"},)"
            R"({"type":"redacted_thinking","data":"opaque"},)"
            R"({"type":"text","text":"Say \"hi\""},)"
            R"({"type":"tool_use","id":"call_1","name":"f","input":{"a":1}}],)"
            R"("stop_reason":"tool_use","stop_sequence":null,)"
            R"("usage":{"input_tokens":30,"cache_creation_input_tokens":10,)"
            R"("cache_read_input_tokens":60,"output_tokens":50,)"
            R"("output_tokens_details":{"thinking_tokens":20}}})");
}

TEST(AnthropicResponseEncode, StopSequenceAndAnthropicId) {
  ir::Response r;
  r.id = "msg_upstream";
  r.content.push_back(ir::Part::make_text("ok"));
  r.stop_reason = ir::StopReason::stop_sequence;
  r.stop_sequence = "END";
  r.usage = {.input = 5, .output = 2, .present = true};
  EXPECT_EQ(encode_response(r, options()),
            R"({"id":"msg_upstream","type":"message","role":"assistant","model":"claude-public",)"
            R"("content":[{"type":"text","text":"ok"}],"stop_reason":"stop_sequence",)"
            R"("stop_sequence":"END","usage":{"input_tokens":5,"cache_creation_input_tokens":0,)"
            R"("cache_read_input_tokens":0,"output_tokens":2}})");
}

TEST(AnthropicResponseEncode, StopReasonMapping) {
  auto reason_of = [](ir::StopReason reason, bool with_tool) {
    ir::Response r;
    r.stop_reason = reason;
    if (with_tool) r.content.push_back(tool_call("t", "f", "{}"));
    const std::string json = encode_response(r, options());
    const auto start = json.find(R"("stop_reason":")") + 15;
    return json.substr(start, json.find('"', start) - start);
  };
  EXPECT_EQ(reason_of(ir::StopReason::end_turn, false), "end_turn");
  EXPECT_EQ(reason_of(ir::StopReason::max_tokens, false), "max_tokens");
  EXPECT_EQ(reason_of(ir::StopReason::content_filter, false), "refusal");
  EXPECT_EQ(reason_of(ir::StopReason::pause_turn, false), "pause_turn");
  EXPECT_EQ(reason_of(ir::StopReason::unset, false), "end_turn");
  EXPECT_EQ(reason_of(ir::StopReason::unset, true), "tool_use");
}

TEST(AnthropicResponseEncode, BrokenToolArgumentsBecomeAnEmptyObject) {
  ir::Response r;
  r.content.push_back(tool_call("t1", "f", R"({"a": )"));
  r.content.push_back(tool_call("t2", "g", ""));
  r.content.push_back(tool_call("t3", "h", "[1]"));
  const std::string json = encode_response(r, options());
  EXPECT_NE(json.find(R"("id":"t1","name":"f","input":{}})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("id":"t2","name":"g","input":{}})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("id":"t3","name":"h","input":{}})"), std::string::npos) << json;
}

TEST(AnthropicErrorBody, EveryKindHasAnthropicsType) {
  const std::vector<std::pair<int, std::string>> cases = {{400, "invalid_request_error"},
                                                          {401, "authentication_error"},
                                                          {402, "billing_error"},
                                                          {403, "permission_error"},
                                                          {404, "not_found_error"},
                                                          {413, "request_too_large"},
                                                          {429, "rate_limit_error"},
                                                          {500, "api_error"},
                                                          {502, "api_error"},
                                                          {503, "overloaded_error"},
                                                          {529, "overloaded_error"},
                                                          {504, "timeout_error"}};
  for (const auto& [status, type] : cases) {
    const ir::Error error = ir::make_error(status, "boom", "x");
    EXPECT_EQ(error_body(error), R"({"type":"error","error":{"type":")" + type +
                                     R"(","message":"boom"},"request_id":null})")
        << status;
  }
  EXPECT_EQ(
      error_body(ir::make_error(400, "bad \"x\"\n", "c"), "req_1"),
      R"({"type":"error","error":{"type":"invalid_request_error","message":"bad \"x\"\n"},"request_id":"req_1"})");
}

// ---------------------------------------------------------------------------------------------
// Stream encoder
// ---------------------------------------------------------------------------------------------

ir::Event make(ir::Event::Kind kind, int index = 0) {
  ir::Event e;
  e.kind = kind;
  e.index = index;
  return e;
}

ir::Event block_start(int index, ir::Part::Kind block, std::string id = {}, std::string name = {}) {
  ir::Event e = make(ir::Event::Kind::block_start, index);
  e.block = block;
  e.id = std::move(id);
  e.name = std::move(name);
  return e;
}

ir::Event delta(ir::Event::Kind kind, int index, std::string text) {
  ir::Event e = make(kind, index);
  e.text = std::move(text);
  return e;
}

std::string frame(std::string_view event, std::string_view data) {
  return "event: " + std::string(event) + "\ndata: " + std::string(data) + "\n\n";
}

TEST(AnthropicStreamEncoder, ThinkingTextAndToolUseWithUsageAfterStop) {
  std::string out;
  StreamEncoder encoder(out, options());
  ir::Event start = make(ir::Event::Kind::message_start);
  start.id = "msg_01abc";
  start.usage = {.input = 120, .output = 1, .cache_read = 100, .present = true};
  encoder.on_event(start);
  encoder.on_event(block_start(0, ir::Part::Kind::thinking));
  encoder.on_event(delta(ir::Event::Kind::text_delta, 0, "Let me see"));
  encoder.on_event(delta(ir::Event::Kind::signature_delta, 0, "EqQB"));
  encoder.on_event(make(ir::Event::Kind::block_stop, 0));
  encoder.on_event(block_start(1, ir::Part::Kind::text));
  encoder.on_event(delta(ir::Event::Kind::text_delta, 1, "Checking"));
  encoder.on_event(make(ir::Event::Kind::block_stop, 1));
  encoder.on_event(block_start(2, ir::Part::Kind::tool_call, "toolu_1", "get_weather"));
  encoder.on_event(delta(ir::Event::Kind::arguments_delta, 2, R"({"city":)"));
  encoder.on_event(delta(ir::Event::Kind::arguments_delta, 2, R"( "Paris"})"));
  encoder.on_event(make(ir::Event::Kind::block_stop, 2));
  ir::Event stop = make(ir::Event::Kind::stop);
  stop.stop_reason = ir::StopReason::tool_use;
  encoder.on_event(stop);
  ir::Event usage = make(ir::Event::Kind::usage);
  usage.usage = {.input = 120,
                 .output = 42,
                 .cache_read = 100,
                 .cache_write = 0,
                 .reasoning = 7,
                 .present = true};
  encoder.on_event(usage);
  // Nothing after the stop is written until the end: usage may still come.
  const std::size_t before_end = out.size();
  encoder.on_event(make(ir::Event::Kind::end));
  EXPECT_EQ(out.find("message_delta"), before_end + 7);

  const std::string expected =
      frame(
          "message_start",
          R"({"type":"message_start","message":{"id":"msg_01abc","type":"message","role":"assistant",)"
          R"("model":"claude-public","content":[],"stop_reason":null,"stop_sequence":null,)"
          R"("usage":{"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":1}}})") +
      frame("ping", R"({"type":"ping"})") +
      frame(
          "content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}})") +
      frame(
          "content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me see"}})") +
      frame(
          "content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}})") +
      frame("content_block_stop", R"({"type":"content_block_stop","index":0})") +
      frame(
          "content_block_start",
          R"({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}})") +
      frame(
          "content_block_delta",
          R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Checking"}})") +
      frame("content_block_stop", R"({"type":"content_block_stop","index":1})") +
      frame(
          "content_block_start",
          R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}})") +
      frame(
          "content_block_delta",
          R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}})") +
      frame(
          "content_block_delta",
          R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":" \"Paris\"}"}})") +
      frame("content_block_stop", R"({"type":"content_block_stop","index":2})") +
      frame(
          "message_delta",
          R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},)"
          R"("usage":{"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,)"
          R"("output_tokens":42,"output_tokens_details":{"thinking_tokens":7}}})") +
      frame("message_stop", R"({"type":"message_stop"})");
  EXPECT_EQ(out, expected);
}

TEST(AnthropicStreamEncoder, MissingStartAndStopsAreSynthesisedAndOpenBlocksClosed) {
  std::string out;
  StreamEncoder encoder(out, options());
  encoder.on_event(block_start(0, ir::Part::Kind::text));
  encoder.on_event(delta(ir::Event::Kind::text_delta, 0, "Hi"));
  encoder.on_event(make(ir::Event::Kind::end));
  encoder.on_event(delta(ir::Event::Kind::text_delta, 0, "ignored"));
  EXPECT_EQ(
      out,
      frame(
          "message_start",
          R"({"type":"message_start","message":{"id":"msg_gateway01","type":"message","role":"assistant",)"
          R"("model":"claude-public","content":[],"stop_reason":null,"stop_sequence":null,)"
          R"("usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}})") +
          frame("ping", R"({"type":"ping"})") +
          frame(
              "content_block_start",
              R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
          frame(
              "content_block_delta",
              R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})") +
          frame("content_block_stop", R"({"type":"content_block_stop","index":0})") +
          frame(
              "message_delta",
              R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},)"
              R"("usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}})") +
          frame("message_stop", R"({"type":"message_stop"})"));
}

TEST(AnthropicStreamEncoder, ErrorFrameEndsTheStream) {
  std::string out;
  StreamEncoder encoder(out, options());
  ir::Event start = make(ir::Event::Kind::message_start);
  start.id = "msg_x";
  encoder.on_event(start);
  encoder.on_event(block_start(0, ir::Part::Kind::text));
  out.clear();
  ir::Event failure = make(ir::Event::Kind::error);
  failure.error = ir::make_error(529, "Overloaded", "overloaded_error");
  encoder.on_event(failure);
  encoder.on_event(make(ir::Event::Kind::end));
  EXPECT_EQ(
      out,
      frame(
          "error",
          R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":null})"));
}

TEST(AnthropicStreamEncoder, RedactedThinkingAndStopSequence) {
  std::string out;
  StreamEncoder encoder(out, options());
  encoder.on_event(make(ir::Event::Kind::message_start));
  ir::Event redacted = block_start(0, ir::Part::Kind::redacted_thinking);
  redacted.text = "EmwK";
  encoder.on_event(redacted);
  encoder.on_event(make(ir::Event::Kind::block_stop, 0));
  ir::Event stop = make(ir::Event::Kind::stop);
  stop.stop_reason = ir::StopReason::stop_sequence;
  stop.stop_sequence = "###";
  encoder.on_event(stop);
  encoder.on_event(make(ir::Event::Kind::end));
  EXPECT_NE(
      out.find(frame(
          "content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking","data":"EmwK"}})")),
      std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("delta":{"stop_reason":"stop_sequence","stop_sequence":"###"})"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace tollgate::api::anthropic
