// ChatStreamDecoder: recorded chat SSE streams → the exact ir::Event sequence, whatever the split
// of the bytes; vendor variations (usage with finish_reason, no [DONE]); errors and cut streams.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/sse/sse.hpp"
#include "providers/openai/chat_codec.hpp"

namespace tollgate::providers::openai {
namespace {

std::string_view kind_name(ir::Event::Kind kind) {
  using K = ir::Event::Kind;
  switch (kind) {
    case K::message_start:
      return "message_start";
    case K::block_start:
      return "block_start";
    case K::text_delta:
      return "text_delta";
    case K::arguments_delta:
      return "arguments_delta";
    case K::signature_delta:
      return "signature_delta";
    case K::block_stop:
      return "block_stop";
    case K::usage:
      return "usage";
    case K::stop:
      return "stop";
    case K::end:
      return "end";
    case K::error:
      return "error";
  }
  return "?";
}

std::string_view block_name(ir::Part::Kind kind) {
  switch (kind) {
    case ir::Part::Kind::text:
      return "text";
    case ir::Part::Kind::thinking:
      return "thinking";
    case ir::Part::Kind::tool_call:
      return "tool_call";
    default:
      return "other";
  }
}

// One line per event, with the fields that kind of event carries.
std::string describe(const ir::Event& e) {
  using K = ir::Event::Kind;
  std::string s(kind_name(e.kind));
  const auto add = [&s](std::string_view label, std::string_view value) {
    s.append(" ").append(label).append(value);
  };
  switch (e.kind) {
    case K::message_start:
      add("id=", e.id);
      add("model=", e.model);
      break;
    case K::block_start:
      add("", std::to_string(e.index));
      add("", block_name(e.block));
      if (e.block == ir::Part::Kind::tool_call) {
        add("id=", e.id);
        add("name=", e.name);
      }
      break;
    case K::text_delta:
    case K::arguments_delta:
    case K::signature_delta:
      add("", std::to_string(e.index));
      s.append(" [").append(e.text).append("]");
      break;
    case K::block_stop:
      add("", std::to_string(e.index));
      break;
    case K::usage:
      add("in=", std::to_string(e.usage.input));
      add("out=", std::to_string(e.usage.output));
      add("cache_read=", std::to_string(e.usage.cache_read));
      add("reasoning=", std::to_string(e.usage.reasoning));
      break;
    case K::stop:
      add("", ir::to_string(e.stop_reason));
      break;
    case K::end:
      break;
    case K::error:
      add("", std::to_string(e.error.status));
      add("", e.error.code);
      add("", e.error.message);
      break;
  }
  return s;
}

struct Recorder final : ir::EventSink {
  std::vector<std::string> events;
  void on_event(const ir::Event& event) override { events.push_back(describe(event)); }
};

struct Outcome {
  std::vector<std::string> events;
  bool completed = false;
  bool failed = false;
};

// Feeds `stream` through the SSE decoder in the given pieces, then finishes.
Outcome decode(const std::vector<std::string_view>& pieces) {
  net::sse::Decoder sse;
  ChatStreamDecoder decoder;
  Recorder recorder;
  for (std::string_view piece : pieces) {
    sse.feed(piece, [&](const net::sse::Event& event) {
      decoder.feed(event.event, event.data, recorder);
    });
  }
  sse.finish();
  Outcome outcome;
  outcome.completed = decoder.finish(recorder);
  outcome.failed = decoder.failed();
  outcome.events = std::move(recorder.events);
  return outcome;
}

Outcome decode(std::string_view stream) {
  return decode(std::vector<std::string_view>{stream});
}

// Every split into two pieces, and one byte at a time, gives the same events as the whole.
void expect_split_invariant(std::string_view stream, const Outcome& whole) {
  for (std::size_t i = 1; i < stream.size(); ++i) {
    const Outcome split = decode({stream.substr(0, i), stream.substr(i)});
    ASSERT_EQ(split.events, whole.events) << "split at byte " << i;
    ASSERT_EQ(split.completed, whole.completed) << "split at byte " << i;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < stream.size(); ++i) bytes.push_back(stream.substr(i, 1));
  EXPECT_EQ(decode(bytes).events, whole.events) << "one byte at a time";
}

#define CHUNK_HEAD \
  R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"ds-r1","choices":)"

// Reasoning, text and two parallel tool calls with argument fragments, as DeepSeek / OpenAI send
// them (with a keep-alive comment and CRLF line ends mixed in).
constexpr std::string_view kRecordedStream = CHUNK_HEAD
    R"([{"index":0,"delta":{"role":"assistant","content":"","reasoning_content":null},"logprobs":null,"finish_reason":null}],"usage":null})"
    "\n\n"
    ": keep-alive\n\n" CHUNK_HEAD
    R"([{"index":0,"delta":{"reasoning_content":"User wants"},"finish_reason":null}]})"
    "\n\n" CHUNK_HEAD
    R"([{"index":0,"delta":{"reasoning_content":" two things."},"finish_reason":null}]})"
    "\r\n\r\n" CHUNK_HEAD R"([{"index":0,"delta":{"content":"Checking "},"finish_reason":null}]})"
    "\n\n" CHUNK_HEAD R"([{"index":0,"delta":{"content":"both."},"finish_reason":null}]})"
    "\n\n" CHUNK_HEAD
    R"([{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]})"
    "\n\n" CHUNK_HEAD
    R"([{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\""}}]},"finish_reason":null}]})"
    "\n\n" CHUNK_HEAD
    R"([{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":\"Oslo\"}"}}]},"finish_reason":null}]})"
    "\n\n" CHUNK_HEAD
    R"([{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}]},"finish_reason":null}]})"
    "\n\n" CHUNK_HEAD
    R"([{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]},"finish_reason":null}]})"
    "\n\n" CHUNK_HEAD
    R"([{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null})"
    "\n\n" CHUNK_HEAD
    R"([],"usage":{"prompt_tokens":50,"completion_tokens":20,"total_tokens":70,"prompt_tokens_details":{"cached_tokens":32},"completion_tokens_details":{"reasoning_tokens":8}}})"
    "\n\n"
    "data: [DONE]\n\n";

const std::vector<std::string> kRecordedEvents = {
    "message_start id=chatcmpl-1 model=ds-r1",
    "block_start 0 thinking",
    "text_delta 0 [User wants]",
    "text_delta 0 [ two things.]",
    "block_stop 0",
    "block_start 1 text",
    "text_delta 1 [Checking ]",
    "text_delta 1 [both.]",
    "block_stop 1",
    "block_start 2 tool_call id=call_a name=get_weather",
    R"(arguments_delta 2 [{"city"])",
    R"(arguments_delta 2 [:"Oslo"}])",
    "block_stop 2",
    "block_start 3 tool_call id=call_b name=get_time",
    "arguments_delta 3 [{}]",
    "block_stop 3",
    "usage in=50 out=20 cache_read=32 reasoning=8",
    "stop tool_use",
    "end",
};

TEST(ChatStreamDecoder, DecodesARecordedStreamAtEverySplit) {
  const Outcome whole = decode(kRecordedStream);
  EXPECT_EQ(whole.events, kRecordedEvents);
  EXPECT_TRUE(whole.completed);
  EXPECT_FALSE(whole.failed);
  expect_split_invariant(kRecordedStream, whole);
}

// vLLM-style: usage in the same chunk as finish_reason, and no [DONE] at all.
TEST(ChatStreamDecoder, AcceptsUsageWithTheFinishReasonAndNoDone) {
  constexpr std::string_view stream = CHUNK_HEAD
      R"([{"index":0,"delta":{"role":"assistant","content":"Hi"}}]})"
      "\n\n" CHUNK_HEAD
      R"([{"index":0,"delta":{"content":"!"},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":2}})"
      "\n\n";
  const Outcome outcome = decode(stream);
  EXPECT_EQ(outcome.events, (std::vector<std::string>{
                                "message_start id=chatcmpl-1 model=ds-r1",
                                "block_start 0 text",
                                "text_delta 0 [Hi]",
                                "text_delta 0 [!]",
                                "block_stop 0",
                                "usage in=3 out=2 cache_read=0 reasoning=0",
                                "stop max_tokens",
                                "end",
                            }));
  EXPECT_TRUE(outcome.completed);
  expect_split_invariant(stream, outcome);
}

// Usage on every chunk (vLLM's continuous usage stats) waits until the blocks are done.
TEST(ChatStreamDecoder, HoldsUsageThatArrivesWhileContentStreams) {
  const Outcome outcome = decode(
      CHUNK_HEAD
      R"([{"index":0,"delta":{"content":"a"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}})"
      "\n\n" CHUNK_HEAD
      R"([{"index":0,"delta":{"content":"b"}}],"usage":{"prompt_tokens":3,"completion_tokens":2}})"
      "\n\n" CHUNK_HEAD
      R"([{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}})"
      "\n\n"
      "data: [DONE]\n\n");
  EXPECT_EQ(outcome.events, (std::vector<std::string>{
                                "message_start id=chatcmpl-1 model=ds-r1",
                                "block_start 0 text",
                                "text_delta 0 [a]",
                                "text_delta 0 [b]",
                                "block_stop 0",
                                "usage in=3 out=2 cache_read=0 reasoning=0",
                                "stop end_turn",
                                "end",
                            }));
}

// Some servers send each call whole, without `index`, and end a tool turn with "stop".
TEST(ChatStreamDecoder, AcceptsWholeToolCallsWithoutIndex) {
  const Outcome outcome = decode(
      CHUNK_HEAD
      R"([{"index":0,"delta":{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}},{"id":"c2","type":"function","function":{"name":"g","arguments":"{}"}}]}}]})"
      "\n\n" CHUNK_HEAD R"([{"index":0,"delta":{},"finish_reason":"stop"}]})"
      "\n\n"
      "data: [DONE]\n\n");
  EXPECT_EQ(outcome.events, (std::vector<std::string>{
                                "message_start id=chatcmpl-1 model=ds-r1",
                                "block_start 0 tool_call id=c1 name=f",
                                R"(arguments_delta 0 [{"a":1}])",
                                "block_stop 0",
                                "block_start 1 tool_call id=c2 name=g",
                                "arguments_delta 1 [{}]",
                                "block_stop 1",
                                "stop tool_use",
                                "end",
                            }));
}

TEST(ChatStreamDecoder, WaitsForAToolNameAndMakesUpAMissingId) {
  const Outcome outcome = decode(
      CHUNK_HEAD
      R"([{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"q\""}}]}}]})"
      "\n\n" CHUNK_HEAD
      R"([{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"search","arguments":":1}"}}]}}]})"
      "\n\n" CHUNK_HEAD R"([{"index":0,"delta":{},"finish_reason":"tool_calls"}]})"
      "\n\n"
      "data: [DONE]\n\n");
  EXPECT_EQ(outcome.events, (std::vector<std::string>{
                                "message_start id=chatcmpl-1 model=ds-r1",
                                "block_start 0 tool_call id=call_0 name=search",
                                R"(arguments_delta 0 [{"q":1}])",
                                "block_stop 0",
                                "stop tool_use",
                                "end",
                            }));
}

TEST(ChatStreamDecoder, AnErrorChunkFailsTheStream) {
  const Outcome outcome = decode(
      CHUNK_HEAD
      R"([{"index":0,"delta":{"content":"par"}}]})"
      "\n\n"
      R"(data: {"error":{"message":"The server had an error","type":"server_error","code":null}})"
      "\n\n" CHUNK_HEAD R"([{"index":0,"delta":{"content":"ignored"}}]})"
      "\n\n"
      "data: [DONE]\n\n");
  EXPECT_EQ(outcome.events, (std::vector<std::string>{
                                "message_start id=chatcmpl-1 model=ds-r1",
                                "block_start 0 text",
                                "text_delta 0 [par]",
                                "error 502 server_error The server had an error",
                            }));
  EXPECT_TRUE(outcome.failed);
  EXPECT_FALSE(outcome.completed);
}

TEST(ChatStreamDecoder, AnUnreadableChunkFailsTheStream) {
  const Outcome outcome = decode("data: {\"choices\":[\n\n");
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].rfind("error 502 upstream_invalid_response", 0), 0u);
  EXPECT_TRUE(outcome.failed);
}

TEST(ChatStreamDecoder, InterleavedToolArgumentsFailTheStream) {
  const Outcome outcome = decode(
      CHUNK_HEAD
      R"([{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{"}}]}}]})"
      "\n\n" CHUNK_HEAD
      R"([{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"g","arguments":"{"}}]}}]})"
      "\n\n" CHUNK_HEAD
      R"([{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"}"}}]}}]})"
      "\n\n");
  ASSERT_FALSE(outcome.events.empty());
  EXPECT_EQ(outcome.events.back().rfind("error 502 upstream_invalid_response", 0), 0u);
  EXPECT_TRUE(outcome.failed);
}

TEST(ChatStreamDecoder, ACutStreamIsNotComplete) {
  const Outcome outcome = decode(CHUNK_HEAD R"([{"index":0,"delta":{"content":"Hel"}}]})"
                                            "\n\n");
  EXPECT_FALSE(outcome.completed);
  EXPECT_FALSE(outcome.failed);
  EXPECT_EQ(outcome.events.back(), "text_delta 0 [Hel]");
}

TEST(ChatStreamDecoder, AnEmptyStreamWithDoneStillHasAStartAndAStop) {
  const Outcome outcome = decode("data: [DONE]\n\n");
  EXPECT_EQ(outcome.events,
            (std::vector<std::string>{"message_start id= model=", "stop end_turn", "end"}));
  EXPECT_TRUE(outcome.completed);
}

}  // namespace
}  // namespace tollgate::providers::openai
