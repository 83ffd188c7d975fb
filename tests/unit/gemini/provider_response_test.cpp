// providers::gemini: decode_response, decode_error and the StreamDecoder (a recorded stream fed
// through the SSE decoder split at every byte boundary).
#include <gtest/gtest.h>

#include "api/gemini/generate_content.hpp"
#include "net/sse/sse.hpp"
#include "providers/gemini/generate_content.hpp"
#include "event_log.hpp"

namespace tollgate::providers::gemini {
namespace {

using gemini_test::EventLog;

TEST(GeminiDecodeResponse, ThoughtsTextCallsAndUsage) {
  const std::string_view body = R"({
    "candidates": [{"content": {"parts": [
        {"text": "Plan", "thought": true},
        {"text": " more", "thought": true, "thoughtSignature": "t1"},
        {"text": "Calling.", "thoughtSignature": "x1"},
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": "s1"},
        {"functionCall": {"id": "own", "name": "get_time"}},
        {"inlineData": {"mimeType": "image/png", "data": "AAA"}}],
      "role": "model"}, "finishReason": "STOP", "index": 0}],
    "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 20, "totalTokenCount": 150,
                      "cachedContentTokenCount": 60, "thoughtsTokenCount": 30, "toolUsePromptTokenCount": 5},
    "modelVersion": "gemini-2.5-pro", "responseId": "r-1/2"})";
  ir::Response response;
  ASSERT_FALSE(decode_response(body, response).has_value());
  EXPECT_EQ(response.id, "r-1/2");
  EXPECT_EQ(response.model, "gemini-2.5-pro");
  ASSERT_EQ(response.content.size(), 4u);
  EXPECT_EQ(response.content[0].kind, ir::Part::Kind::thinking);
  EXPECT_EQ(response.content[0].text, "Plan more");
  EXPECT_EQ(response.content[0].signature, "t1");
  EXPECT_EQ(response.content[1].kind, ir::Part::Kind::text);
  EXPECT_EQ(response.content[1].signature, "x1");
  EXPECT_EQ(response.content[2].kind, ir::Part::Kind::tool_call);
  EXPECT_EQ(response.content[2].id, "call_r-12_0");
  EXPECT_EQ(response.content[2].arguments, R"({"city":"Paris"})");
  EXPECT_EQ(response.content[2].signature, "s1");
  EXPECT_EQ(response.content[3].id, "own");
  EXPECT_EQ(response.content[3].arguments, "{}");
  EXPECT_EQ(response.stop_reason, ir::StopReason::tool_use);
  EXPECT_EQ(response.usage, (ir::Usage{.input = 105, .output = 50, .cache_read = 60,
                                       .cache_write = 0, .reasoning = 30, .present = true}));
}

TEST(GeminiDecodeResponse, FinishReasons) {
  auto reason_of = [](std::string_view finish) {
    std::string body = R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":")";
    body += finish;
    body += R"("}]})";
    ir::Response response;
    EXPECT_FALSE(decode_response(body, response).has_value());
    return response.stop_reason;
  };
  EXPECT_EQ(reason_of("STOP"), ir::StopReason::end_turn);
  EXPECT_EQ(reason_of("MAX_TOKENS"), ir::StopReason::max_tokens);
  for (auto filtered : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"}) {
    EXPECT_EQ(reason_of(filtered), ir::StopReason::content_filter) << filtered;
  }
  EXPECT_EQ(reason_of("MALFORMED_FUNCTION_CALL"), ir::StopReason::error);
  EXPECT_EQ(reason_of("OTHER"), ir::StopReason::end_turn);
}

TEST(GeminiDecodeResponse, BlockedPromptAndMalformedBodies) {
  ir::Response response;
  ASSERT_FALSE(decode_response(R"({"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":9}})", response).has_value());
  EXPECT_TRUE(response.content.empty());
  EXPECT_EQ(response.stop_reason, ir::StopReason::content_filter);
  EXPECT_EQ(response.usage.input, 9);
  for (std::string_view bad : {"", "nope", "[1]", R"({"candidates":)"}) {
    const auto error = decode_response(bad, response);
    ASSERT_TRUE(error.has_value()) << bad;
    EXPECT_EQ(error->status, 502);
    EXPECT_EQ(error->code, "bad_upstream_response");
  }
}

TEST(GeminiDecodeError, GoogleStatusBodies) {
  const ir::Error error = decode_error(
      429, R"({"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}})");
  EXPECT_EQ(error.status, 429);
  EXPECT_EQ(error.kind, ir::Error::Kind::rate_limit);
  EXPECT_EQ(error.message, "Resource has been exhausted");
  EXPECT_EQ(error.code, "resource_exhausted");
  const ir::Error wrapped = decode_error(
      400, R"([{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}])");
  EXPECT_EQ(wrapped.message, "API key not valid.");
  EXPECT_EQ(wrapped.code, "invalid_argument");
  const ir::Error html = decode_error(502, "<html>Bad Gateway</html>");
  EXPECT_EQ(html.message, "The upstream returned HTTP 502.");
  EXPECT_EQ(html.code, "upstream_error");
  EXPECT_EQ(html.kind, ir::Error::Kind::api_error);
}

// Recorded from streamGenerateContent?alt=sse (gemini-2.5-flash, includeThoughts, two tools).
constexpr std::string_view kRecordedStream =
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"**Planning**\\n\\nI need weather\",\"thought\": true}],\"role\": \"model\"},\"index\": 0}],"
    "\"usageMetadata\": {\"promptTokenCount\": 120,\"totalTokenCount\": 120,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 120}]},"
    "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc-XYZ_1\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" for two cities.\",\"thought\": true}],\"role\": \"model\"},\"index\": 0}],"
    "\"usageMetadata\": {\"promptTokenCount\": 120,\"totalTokenCount\": 150,\"thoughtsTokenCount\": 30},"
    "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc-XYZ_1\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Let me check \"}],\"role\": \"model\"},\"index\": 0}],"
    "\"usageMetadata\": {\"promptTokenCount\": 120,\"candidatesTokenCount\": 3,\"totalTokenCount\": 173,\"thoughtsTokenCount\": 50},"
    "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc-XYZ_1\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"both \\u00e9t\\u00e9.\"}],\"role\": \"model\"},\"index\": 0}],"
    "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc-XYZ_1\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": ["
    "{\"functionCall\": {\"name\": \"get_weather\",\"args\": {\"city\": \"Paris\"}},\"thoughtSignature\": \"CiQBcsjafE=\"},"
    "{\"functionCall\": {\"name\": \"get_weather\",\"args\": {\"city\": \"Tokyo\"}}}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],"
    "\"usageMetadata\": {\"promptTokenCount\": 120,\"candidatesTokenCount\": 40,\"totalTokenCount\": 210,\"cachedContentTokenCount\": 64,\"thoughtsTokenCount\": 50},"
    "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc-XYZ_1\"}\r\n\r\n";

const std::vector<std::string> kRecordedEvents = {
    "message_start id=abc-XYZ_1 model=gemini-2.5-flash in=120 out=0 cache_read=0 reasoning=0",
    "block_start 0 thinking",
    "text_delta 0 **Planning**\n\nI need weather",
    "text_delta 0  for two cities.",
    "block_stop 0",
    "block_start 1 text",
    "text_delta 1 Let me check ",
    "text_delta 1 both \xC3\xA9t\xC3\xA9.",
    "block_stop 1",
    "block_start 2 tool_call id=call_abc-XYZ_1_0 name=get_weather",
    "arguments_delta 2 {\"city\":\"Paris\"}",
    "signature_delta 2 CiQBcsjafE=",
    "block_stop 2",
    "block_start 3 tool_call id=call_abc-XYZ_1_1 name=get_weather",
    "arguments_delta 3 {\"city\":\"Tokyo\"}",
    "block_stop 3",
    "usage in=120 out=90 cache_read=64 reasoning=50",
    "stop tool_use",
    "end",
};

// Feeds `stream` in pieces cut at `cuts` (byte offsets) and returns the event lines.
std::vector<std::string> decode_stream(std::string_view stream, const std::vector<std::size_t>& cuts,
                                       bool* finished = nullptr) {
  EventLog log;
  StreamDecoder decoder;
  net::sse::Decoder sse;
  std::size_t from = 0;
  auto on_event = [&](const net::sse::Event& event) { decoder.feed(event.event, event.data, log); };
  for (std::size_t cut : cuts) {
    sse.feed(stream.substr(from, cut - from), on_event);
    from = cut;
  }
  sse.feed(stream.substr(from), on_event);
  const bool saw_finish = decoder.finish(log);
  if (finished) *finished = saw_finish;
  return log.lines;
}

TEST(GeminiStreamDecoder, RecordedStreamInOnePiece) {
  bool finished = false;
  EXPECT_EQ(decode_stream(kRecordedStream, {}, &finished), kRecordedEvents);
  EXPECT_TRUE(finished);
}

TEST(GeminiStreamDecoder, RecordedStreamSplitAtEveryByteBoundary) {
  for (std::size_t cut = 1; cut < kRecordedStream.size(); ++cut) {
    ASSERT_EQ(decode_stream(kRecordedStream, {cut}), kRecordedEvents) << "cut at " << cut;
  }
}

TEST(GeminiStreamDecoder, RecordedStreamOneByteAtATime) {
  std::vector<std::size_t> cuts;
  for (std::size_t cut = 1; cut < kRecordedStream.size(); ++cut) cuts.push_back(cut);
  EXPECT_EQ(decode_stream(kRecordedStream, cuts), kRecordedEvents);
}

TEST(GeminiStreamDecoder, ThoughtSignatureEndsTheThinkingBlockAndTextSignaturesAreDropped) {
  EventLog log;
  StreamDecoder decoder;
  decoder.feed("", R"({"candidates":[{"content":{"parts":[{"text":"a","thought":true},{"text":"","thought":true,"thoughtSignature":"S"},{"text":"b","thought":true}]}}]})", log);
  decoder.feed("", R"({"candidates":[{"content":{"parts":[{"text":"Hi","thoughtSignature":"T"},{"text":"","thoughtSignature":"U"}]},"finishReason":"MAX_TOKENS"}]})", log);
  EXPECT_TRUE(decoder.finish(log));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "message_start id= model=",
                           "block_start 0 thinking", "text_delta 0 a", "signature_delta 0 S",
                           "block_stop 0", "block_start 1 thinking", "text_delta 1 b",
                           "block_stop 1", "block_start 2 text", "text_delta 2 Hi", "block_stop 2",
                           "stop max_tokens", "end"}));
}

TEST(GeminiStreamDecoder, ErrorChunkMalformedChunkAndTruncation) {
  {
    EventLog log;
    StreamDecoder decoder;
    decoder.feed("", R"({"candidates":[{"content":{"parts":[{"text":"x"}]}}]})", log);
    decoder.feed("", R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})", log);
    decoder.feed("", R"({"candidates":[{"content":{"parts":[{"text":"ignored"}]}}]})", log);
    EXPECT_TRUE(decoder.failed());
    EXPECT_FALSE(decoder.finish(log));
    EXPECT_EQ(log.lines, (std::vector<std::string>{
                             "message_start id= model=", "block_start 0 text", "text_delta 0 x",
                             "error 503 unavailable The model is overloaded."}));
  }
  {
    EventLog log;
    StreamDecoder decoder;
    decoder.feed("", "{not json", log);
    EXPECT_TRUE(decoder.failed());
    EXPECT_EQ(log.lines, (std::vector<std::string>{
                             "error 502 bad_upstream_response The upstream sent a stream chunk "
                             "that is not a JSON object."}));
  }
  {
    EventLog log;
    StreamDecoder decoder;
    decoder.feed("", R"({"candidates":[{"content":{"parts":[{"text":"cut"}]}}]})", log);
    EXPECT_FALSE(decoder.finish(log));
    EXPECT_FALSE(decoder.failed());
    EXPECT_EQ(log.lines.back(), "text_delta 0 cut");
  }
}

TEST(GeminiStreamDecoder, BlockedPromptEndsWithContentFilter) {
  EventLog log;
  StreamDecoder decoder;
  decoder.feed("", R"({"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7},"responseId":"b"})", log);
  EXPECT_TRUE(decoder.finish(log));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "message_start id=b model= in=7 out=0 cache_read=0 reasoning=0",
                           "usage in=7 out=0 cache_read=0 reasoning=0", "stop content_filter",
                           "end"}));
}

// Upstream stream → IR → the Gemini surface's frames: the client sees Gemini's own shapes again.
TEST(GeminiStreamDecoder, RoundTripThroughTheSurfaceEncoder) {
  std::string out;
  ir::EncodeOptions options;
  options.model = "public-flash";
  api::gemini::StreamEncoder encoder(out, options);
  StreamDecoder decoder;
  net::sse::Decoder sse;
  sse.feed(kRecordedStream, [&](const net::sse::Event& event) { decoder.feed(event.event, event.data, encoder); });
  ASSERT_TRUE(decoder.finish(encoder));
  const std::string tail = R"("modelVersion":"public-flash","responseId":"abc-XYZ_1"})" "\r\n\r\n";
  auto frame = [&](std::string_view part) {
    return R"(data: {"candidates":[{"content":{"parts":[)" + std::string(part) +
           R"(],"role":"model"},"index":0}],)" + tail;
  };
  std::string expected = frame(R"({"text":"**Planning**\n\nI need weather","thought":true})") +
                         frame(R"({"text":" for two cities.","thought":true})") +
                         frame(R"({"text":"Let me check "})") +
                         frame("{\"text\":\"both \xC3\xA9t\xC3\xA9.\"}") +
                         frame(R"({"functionCall":{"id":"call_abc-XYZ_1_0","name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"CiQBcsjafE="})") +
                         frame(R"({"functionCall":{"id":"call_abc-XYZ_1_1","name":"get_weather","args":{"city":"Tokyo"}}})") +
                         R"(data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],)"
                         R"("usageMetadata":{"promptTokenCount":120,"candidatesTokenCount":40,"totalTokenCount":210,)"
                         R"("cachedContentTokenCount":64,"thoughtsTokenCount":50},)" + tail;
  EXPECT_EQ(out, expected);
}

// Whole response → IR → the Gemini surface: the same JSON modulo formatting and synthesized ids.
TEST(GeminiDecodeResponse, RoundTripThroughTheSurfaceEncoder) {
  const std::string_view upstream =
      R"({"candidates":[{"content":{"parts":[{"text":"Hi","thought":true,"thoughtSignature":"s"},)"
      R"({"text":"Hello"},{"functionCall":{"id":"f1","name":"f","args":{"a":[1,2]}}}],"role":"model"},)"
      R"("finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,)"
      R"("totalTokenCount":18,"thoughtsTokenCount":3},"modelVersion":"up","responseId":"rid"})";
  ir::Response response;
  ASSERT_FALSE(decode_response(upstream, response).has_value());
  ir::EncodeOptions options;
  options.model = "up";
  EXPECT_EQ(api::gemini::encode_response(response, options), upstream);
}

}  // namespace
}  // namespace tollgate::providers::gemini
