// The Anthropic provider's response and error decoders, and the round trip through the surface's
// response encoder.
#include <gtest/gtest.h>

#include "api/anthropic/messages.hpp"
#include "providers/anthropic/messages.hpp"

namespace tollgate::providers::anthropic {
namespace {

const std::string kMessage =
    R"({"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",)"
    R"("content":[{"type":"thinking","thinking":"The user wants...","signature":"EqQBCgIYAh"},)"
    R"({"type":"redacted_thinking","data":"EmwKAhgBEgy"},)"
    R"({"type":"text","text":"I'll check."},)"
    R"({"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"x"}},)"
    R"({"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]},)"
    R"({"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"location": "San Francisco, CA"}}],)"
    R"("stop_reason":"tool_use","stop_sequence":null,)"
    R"("usage":{"input_tokens":2095,"cache_creation_input_tokens":300,"cache_read_input_tokens":1000,)"
    R"("cache_creation":{"ephemeral_5m_input_tokens":300,"ephemeral_1h_input_tokens":0},)"
    R"("output_tokens":503,"output_tokens_details":{"thinking_tokens":120},"service_tier":"standard"}})";

TEST(AnthropicResponseDecode, RealisticMessage) {
  ir::Response r;
  ASSERT_FALSE(decode_response(kMessage, r));
  EXPECT_EQ(r.id, "msg_01XFDUDYJgAACzvnptvVoYEL");
  EXPECT_EQ(r.model, "claude-sonnet-4-5-20250929");
  ASSERT_EQ(r.content.size(), 4u);  // server tool blocks are skipped
  EXPECT_EQ(r.content[0].kind, ir::Part::Kind::thinking);
  EXPECT_EQ(r.content[0].text, "The user wants...");
  EXPECT_EQ(r.content[0].signature, "EqQBCgIYAh");
  EXPECT_EQ(r.content[1].kind, ir::Part::Kind::redacted_thinking);
  EXPECT_EQ(r.content[1].data, "EmwKAhgBEgy");
  EXPECT_EQ(r.content[2].text, "I'll check.");
  EXPECT_EQ(r.content[3].kind, ir::Part::Kind::tool_call);
  EXPECT_EQ(r.content[3].id, "toolu_01A");
  EXPECT_EQ(r.content[3].name, "get_weather");
  EXPECT_EQ(r.content[3].arguments, R"({"location":"San Francisco, CA"})");
  EXPECT_EQ(r.stop_reason, ir::StopReason::tool_use);
  EXPECT_EQ(r.stop_sequence, "");
  EXPECT_EQ(r.usage, (ir::Usage{.input = 3395,
                                .output = 503,
                                .cache_read = 1000,
                                .cache_write = 300,
                                .reasoning = 120,
                                .present = true}));
}

TEST(AnthropicResponseDecode, StopReasons) {
  auto reason = [](std::string_view name) {
    ir::Response r;
    const std::string body = R"({"id":"msg_1","type":"message","content":[],"stop_reason":")" +
                             std::string(name) + R"("})";
    EXPECT_FALSE(decode_response(body, r));
    return r.stop_reason;
  };
  EXPECT_EQ(reason("end_turn"), ir::StopReason::end_turn);
  EXPECT_EQ(reason("max_tokens"), ir::StopReason::max_tokens);
  EXPECT_EQ(reason("stop_sequence"), ir::StopReason::stop_sequence);
  EXPECT_EQ(reason("tool_use"), ir::StopReason::tool_use);
  EXPECT_EQ(reason("pause_turn"), ir::StopReason::pause_turn);
  EXPECT_EQ(reason("refusal"), ir::StopReason::content_filter);
  EXPECT_EQ(reason("model_context_window_exceeded"), ir::StopReason::max_tokens);
}

TEST(AnthropicResponseDecode, MalformedBodiesAre502) {
  for (std::string_view body :
       {std::string_view(""), std::string_view("not json"), std::string_view("[]"),
        std::string_view(R"({"type":"message"})"),
        std::string_view(R"({"content":[{"type":"text"}]})"),
        std::string_view(R"({"content":[{"type":"tool_use","id":"t","name":"f"}]})"),
        std::string_view(R"({"content":[7]})")}) {
    ir::Response r;
    std::optional<ir::Error> error = decode_response(body, r);
    ASSERT_TRUE(error) << body;
    EXPECT_EQ(error->status, 502) << body;
    EXPECT_EQ(error->code, "upstream_invalid_response") << body;
  }
}

TEST(AnthropicResponseDecode, ErrorBodies) {
  const ir::Error overloaded = decode_error(
      529,
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"})");
  EXPECT_EQ(overloaded.status, 529);
  EXPECT_EQ(overloaded.kind, ir::Error::Kind::overloaded);
  EXPECT_EQ(overloaded.code, "overloaded_error");
  EXPECT_EQ(overloaded.message, "Overloaded");

  const ir::Error invalid = decode_error(
      400,
      R"({"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}})");
  EXPECT_EQ(invalid.kind, ir::Error::Kind::invalid_request);
  EXPECT_EQ(invalid.message, "max_tokens: Field required");

  const ir::Error html = decode_error(502, "<html>Bad gateway</html>");
  EXPECT_EQ(html.status, 502);
  EXPECT_EQ(html.kind, ir::Error::Kind::api_error);
  EXPECT_EQ(html.code, "upstream_error");
  EXPECT_EQ(html.message, "The upstream returned HTTP 502 without an Anthropic error body");

  const ir::Error rate = decode_error(429, "");
  EXPECT_EQ(rate.kind, ir::Error::Kind::rate_limit);
}

TEST(AnthropicResponseDecode, DecodedMessageEncodesBackForAnAnthropicClient) {
  ir::Response r;
  ASSERT_FALSE(decode_response(kMessage, r));
  ir::EncodeOptions options;
  options.model = "claude-sonnet";
  options.id = "msg_fallback";
  EXPECT_EQ(
      api::anthropic::encode_response(r, options),
      R"({"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet",)"
      R"("content":[{"type":"thinking","thinking":"The user wants...","signature":"EqQBCgIYAh"},)"
      R"({"type":"redacted_thinking","data":"EmwKAhgBEgy"},)"
      R"({"type":"text","text":"I'll check."},)"
      R"({"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"location":"San Francisco, CA"}}],)"
      R"("stop_reason":"tool_use","stop_sequence":null,)"
      R"("usage":{"input_tokens":2095,"cache_creation_input_tokens":300,"cache_read_input_tokens":1000,)"
      R"("output_tokens":503,"output_tokens_details":{"thinking_tokens":120}}})");
}

TEST(AnthropicResponseDecode, ErrorRoundTripKeepsTypeAndMessage) {
  const std::string upstream =
      R"({"type":"error","error":{"type":"rate_limit_error","message":"Slow down"},"request_id":null})";
  EXPECT_EQ(api::anthropic::error_body(decode_error(429, upstream)), upstream);
}

}  // namespace
}  // namespace tollgate::providers::anthropic
