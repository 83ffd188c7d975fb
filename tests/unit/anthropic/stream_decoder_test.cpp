// The Anthropic provider's stream decoder on a recorded stream, split at every byte boundary, and
// the round trip through the surface's stream encoder.
#include <gtest/gtest.h>

#include "api/anthropic/messages.hpp"
#include "event_text.hpp"
#include "net/sse/sse.hpp"
#include "providers/anthropic/messages.hpp"

namespace tollgate::providers::anthropic {
namespace {

using test::RecordingSink;

// Recorded from the Messages API (extended thinking + a tool call), ids shortened.
const std::string kStream =
    "event: message_start\n"
    R"(data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EU","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":2048,"output_tokens":2},"content":[],"stop_reason":null}})"
    "\n\n"
    "event: ping\n"
    R"(data: {"type": "ping"})"
    "\n\n"
    "event: content_block_start\n"
    R"(data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"I need the weather."}})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9G"}})"
    "\n\n"
    "event: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":0})"
    "\n\n"
    "event: content_block_start\n"
    R"(data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Okay, let's check"}})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":" the weather for San Francisco, CA:"}})"
    "\n\n"
    "event: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":1})"
    "\n\n"
    "event: content_block_start\n"
    R"(data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2t","name":"get_weather","input":{}}})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":" \"San Francisco, CA\"}"}})"
    "\n\n"
    "event: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":2})"
    "\n\n"
    "event: message_delta\n"
    R"(data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}})"
    "\n\n"
    "event: message_stop\n"
    R"(data: {"type":"message_stop"})"
    "\n\n";

const std::vector<std::string> kExpected = {
    "message_start id=msg_014p7gG3wDgGV9EU model=claude-sonnet-4-5-20250929 in=2520 out=2 cr=2048 "
    "cw=0",
    "block_start[0] thinking",
    "text[0] I need the weather.",
    "signature[0] EqQBCgIYAhIM1gbcDa9G",
    "block_stop[0]",
    "block_start[1] text",
    "text[1] Okay, let's check",
    "text[1]  the weather for San Francisco, CA:",
    "block_stop[1]",
    "block_start[2] tool_call id=toolu_01T1x1fJ34qAmk2t name=get_weather",
    R"(args[2] {"location":)",
    R"(args[2]  "San Francisco, CA"})",
    "block_stop[2]",
    "usage in=2520 out=89 cr=2048 cw=0 reasoning=0",
    "stop tool_use",
    "end",
};

// Feeds `chunks` through an SSE decoder and the stream decoder; returns the events and whether
// finish() reported a complete stream.
struct Decoded {
  std::vector<std::string> lines;
  std::vector<ir::Event> events;
  bool complete = false;
};

Decoded decode_chunks(const std::vector<std::string_view>& chunks) {
  net::sse::Decoder sse;
  StreamDecoder decoder;
  RecordingSink sink;
  for (std::string_view chunk : chunks) {
    sse.feed(chunk, [&](const net::sse::Event& e) {
      if (!decoder.failed()) decoder.feed(e.event, e.data, sink);
    });
  }
  Decoded out;
  out.complete = decoder.finish(sink);
  out.lines = sink.lines;
  out.events = sink.events;
  return out;
}

Decoded decode_whole(std::string_view bytes) {
  return decode_chunks({bytes});
}

TEST(AnthropicStreamDecoder, RecordedStream) {
  const Decoded decoded = decode_whole(kStream);
  EXPECT_EQ(decoded.lines, kExpected);
  EXPECT_TRUE(decoded.complete);
}

TEST(AnthropicStreamDecoder, SameEventsAtEveryByteBoundary) {
  const std::string_view bytes = kStream;
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    const Decoded decoded = decode_chunks({bytes.substr(0, cut), bytes.substr(cut)});
    ASSERT_EQ(decoded.lines, kExpected) << "split at " << cut;
    ASSERT_TRUE(decoded.complete);
  }
}

TEST(AnthropicStreamDecoder, SameEventsOneByteAtATime) {
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < kStream.size(); ++i)
    bytes.push_back(std::string_view(kStream).substr(i, 1));
  EXPECT_EQ(decode_chunks(bytes).lines, kExpected);
}

// Streams served by one event loop take turns: two decoders fed event by event in alternation
// (they share the thread's parser) each give their own stream's events.
TEST(AnthropicStreamDecoder, StreamsFedInTurnsOnOneThreadStayApart) {
  std::vector<net::sse::Event> events;
  net::sse::Decoder sse;
  sse.feed(kStream, [&](const net::sse::Event& e) { events.push_back(e); });
  StreamDecoder first;
  StreamDecoder second;
  RecordingSink first_sink;
  RecordingSink second_sink;
  for (std::size_t i = 0; i <= events.size(); ++i) {  // the second stream one event behind
    if (i < events.size()) first.feed(events[i].event, events[i].data, first_sink);
    if (i > 0) second.feed(events[i - 1].event, events[i - 1].data, second_sink);
  }
  EXPECT_TRUE(first.finish(first_sink));
  EXPECT_TRUE(second.finish(second_sink));
  EXPECT_EQ(first_sink.lines, kExpected);
  EXPECT_EQ(second_sink.lines, kExpected);
}

std::string sse(std::string_view type, std::string_view data) {
  return "event: " + std::string(type) + "\ndata: " + std::string(data) + "\n\n";
}

const std::string kStart = sse(
    "message_start",
    R"({"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":10,"output_tokens":1}}})");

TEST(AnthropicStreamDecoder, ServerToolBlocksAreSkippedAndTheRestRenumbered) {
  const std::string stream =
      kStart +
      sse("content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}})") +
      sse("content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"query\":\"x\"}"}})") +
      sse("content_block_stop", R"({"type":"content_block_stop","index":0})") +
      sse("content_block_start",
          R"({"type":"content_block_start","index":1,"content_block":{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]}})") +
      sse("content_block_stop", R"({"type":"content_block_stop","index":1})") +
      sse("content_block_start",
          R"({"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}})") +
      sse("content_block_delta",
          R"({"type":"content_block_delta","index":2,"delta":{"type":"citations_delta","citation":{}}})") +
      sse("content_block_delta",
          R"({"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"Found it"}})") +
      sse("content_block_stop", R"({"type":"content_block_stop","index":2})") +
      sse("message_delta",
          R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":10,"output_tokens":1}})") +
      sse("message_delta",
          R"({"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":30,"cache_read_input_tokens":5}})") +
      sse("message_stop", R"({"type":"message_stop"})");
  const Decoded decoded = decode_whole(stream);
  EXPECT_EQ(decoded.lines, (std::vector<std::string>{
                               "message_start id=msg_1 model=m in=10 out=1 cr=0 cw=0",
                               "block_start[0] text",
                               "text[0] Found it",
                               "block_stop[0]",
                               "stop end_turn",  // unchanged usage emits nothing
                               "usage in=15 out=30 cr=5 cw=0 reasoning=0",
                               "end",
                           }));
  EXPECT_TRUE(decoded.complete);
}

TEST(AnthropicStreamDecoder, StopSequenceAndThinkingTokens) {
  const std::string stream =
      kStart +
      sse("message_delta",
          R"({"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"###"},"usage":{"output_tokens":12,"output_tokens_details":{"thinking_tokens":4}}})") +
      sse("message_stop", R"({"type":"message_stop"})");
  EXPECT_EQ(decode_whole(stream).lines, (std::vector<std::string>{
                                            "message_start id=msg_1 model=m in=10 out=1 cr=0 cw=0",
                                            "usage in=10 out=12 cr=0 cw=0 reasoning=4",
                                            "stop stop_sequence seq=###",
                                            "end",
                                        }));
}

TEST(AnthropicStreamDecoder, UpstreamErrorEventEndsTheStream) {
  const std::string stream =
      kStart +
      sse("content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
      sse("error",
          R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})") +
      sse("content_block_stop", R"({"type":"content_block_stop","index":0})");
  const Decoded decoded = decode_whole(stream);
  EXPECT_EQ(decoded.lines, (std::vector<std::string>{
                               "message_start id=msg_1 model=m in=10 out=1 cr=0 cw=0",
                               "block_start[0] text",
                               "error 529 overloaded_error: Overloaded",
                           }));
  EXPECT_EQ(decoded.events.back().error.kind, ir::Error::Kind::overloaded);
  EXPECT_FALSE(decoded.complete);
}

TEST(AnthropicStreamDecoder, TruncatedStreamIsReportedOnce) {
  const Decoded decoded = decode_whole(kStream.substr(0, kStream.find("event: message_delta")));
  EXPECT_FALSE(decoded.complete);
  EXPECT_EQ(decoded.lines.back(),
            "error 502 upstream_stream_truncated: The upstream stream ended before message_stop");
}

TEST(AnthropicStreamDecoder, MalformedEventsFailTheStream) {
  const std::vector<std::string> bad = {
      sse("message_start", "{not json"),
      sse("content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"),
      kStart +
          sse("content_block_delta",
              R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}})"),
      kStart + sse("content_block_start", R"({"type":"content_block_start","index":0})"),
      kStart +
          sse("content_block_start",
              R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
          sse("content_block_stop", R"({"type":"content_block_stop","index":3})"),
      kStart + sse("message_delta", R"({"type":"message_delta"})"),
      kStart + kStart,
  };
  for (const std::string& stream : bad) {
    net::sse::Decoder sse_decoder;
    StreamDecoder decoder;
    RecordingSink sink;
    sse_decoder.feed(stream, [&](const net::sse::Event& e) {
      if (!decoder.failed()) decoder.feed(e.event, e.data, sink);
    });
    EXPECT_TRUE(decoder.failed()) << stream;
    ASSERT_FALSE(sink.events.empty());
    EXPECT_EQ(sink.events.back().kind, ir::Event::Kind::error);
    EXPECT_EQ(sink.events.back().error.code, "upstream_invalid_response") << stream;
    EXPECT_FALSE(decoder.finish(sink));
    EXPECT_EQ(sink.events.back().error.code, "upstream_invalid_response");  // no second error
  }
}

TEST(AnthropicStreamDecoder, EventTypeFromDataWhenTheEventFieldIsMissing) {
  std::string stream;
  net::sse::Decoder sse_decoder;
  StreamDecoder decoder;
  RecordingSink sink;
  decoder.feed("", R"({"type":"message_start","message":{"id":"msg_2","model":"m"}})", sink);
  decoder.feed("", R"({"type":"message_stop"})", sink);
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"message_start id=msg_2 model=m", "end"}));
  EXPECT_TRUE(decoder.finish(sink));
}

// Upstream Anthropic stream → IR → the surface's encoder → IR again: nothing is lost.
TEST(AnthropicStreamDecoder, RoundTripThroughTheSurfaceEncoder) {
  ir::EncodeOptions options;
  options.model = "claude-sonnet-4-5-20250929";
  options.id = "msg_fallback";
  std::string encoded;
  api::anthropic::StreamEncoder encoder(encoded, options);
  net::sse::Decoder sse_decoder;
  StreamDecoder decoder;
  sse_decoder.feed(kStream,
                   [&](const net::sse::Event& e) { decoder.feed(e.event, e.data, encoder); });
  ASSERT_TRUE(decoder.finish(encoder));
  EXPECT_EQ(decode_whole(encoded).lines, kExpected);
}

}  // namespace
}  // namespace tollgate::providers::anthropic
