#include "net/sse/sse.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace tollgate::net::sse {

// Readable failure messages for EXPECT_EQ on events.
void PrintTo(const Event& event, std::ostream* out) {
  *out << "{event=\"" << event.event << "\" data=\"" << event.data << "\" id=\"" << event.id
       << "\" retry=" << (event.retry ? std::to_string(*event.retry) : "none") << "}";
}

namespace {

using namespace std::string_literals;

// ---------------------------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------------------------

TEST(SseEncoder, WritesOneDataLineAndBlankLine) {
  EXPECT_EQ(encode_event(R"({"a":1})"), "data: {\"a\":1}\n\n");
}

TEST(SseEncoder, WritesEventAndIdBeforeData) {
  EXPECT_EQ(encode_event("x", "message_start", "7"), "event: message_start\nid: 7\ndata: x\n\n");
  EXPECT_EQ(encode_event("x", {}, "7"), "id: 7\ndata: x\n\n");
  EXPECT_EQ(encode_event("x", "ping"), "event: ping\ndata: x\n\n");
}

TEST(SseEncoder, SplitsDataOnEveryKindOfLineBreak) {
  EXPECT_EQ(encode_event("a\nb\r\nc\rd"), "data: a\ndata: b\ndata: c\ndata: d\n\n");
}

TEST(SseEncoder, KeepsEmptyAndTrailingLines) {
  EXPECT_EQ(encode_event(""), "data: \n\n");
  EXPECT_EQ(encode_event("a\n"), "data: a\ndata: \n\n");
  EXPECT_EQ(encode_event("\n\n"), "data: \ndata: \ndata: \n\n");
}

TEST(SseEncoder, DropsLineBreaksFromEventAndIdSoTheyCannotForgeFields) {
  EXPECT_EQ(encode_event("x", "a\ndata: evil", "1\r\n2"),
            "event: adata: evil\nid: 12\ndata: x\n\n");
}

TEST(SseEncoder, AppendEventAddsToExistingBuffer) {
  std::string out = "data: first\n\n";
  append_event(out, "second");
  append_event(out, "third", "done");
  EXPECT_EQ(out, "data: first\n\ndata: second\n\nevent: done\ndata: third\n\n");
}

TEST(SseEncoder, WritesComments) {
  EXPECT_EQ(encode_comment("keep-alive"), ": keep-alive\n\n");
  EXPECT_EQ(encode_comment(""), ":\n\n");
  EXPECT_EQ(encode_comment("a\nb"), ": a\n: b\n\n");
  std::string out;
  append_comment(out, "ping");
  EXPECT_EQ(out, ": ping\n\n");
}

// ---------------------------------------------------------------------------------------------
// Decoder: a corpus of streams, each fed whole, in two pieces at every split point, and one byte
// at a time. Every way of feeding must yield the same events and comments.
// ---------------------------------------------------------------------------------------------

struct Decoded {
  std::vector<Event> events;
  std::vector<std::string> comments;
  bool cut_in_event = false;
};

Decoded decode_in_pieces(const std::vector<std::string_view>& pieces) {
  Decoded result;
  Decoder decoder;
  for (std::string_view piece : pieces) {
    decoder.feed(
        piece, [&](const Event& event) { result.events.push_back(event); },
        [&](std::string_view text) { result.comments.emplace_back(text); });
  }
  result.cut_in_event = decoder.finish();
  return result;
}

Event make_event(std::string data, std::string type = {}, std::string id = {},
                 std::optional<int> retry = std::nullopt) {
  return Event{std::move(type), std::move(data), std::move(id), retry};
}

struct StreamCase {
  std::string name;
  std::string stream;
  std::vector<Event> events;
  std::vector<std::string> comments;
  bool cut_in_event = false;
};

std::vector<StreamCase> stream_corpus() {
  const std::string role_chunk =
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})";
  const std::string content_chunk =
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hé 👋"},"finish_reason":null}]})";
  const std::string finish_chunk =
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})";
  return {
      {"openai_chat_stream",
       "data: " + role_chunk + "\n\ndata: " + content_chunk + "\n\ndata: " + finish_chunk +
           "\n\ndata: [DONE]\n\n",
       {make_event(role_chunk), make_event(content_chunk), make_event(finish_chunk),
        make_event("[DONE]")},
       {}},
      {"comments_are_not_events",
       ": OPENROUTER PROCESSING\n\n:no-space\ndata: a\n: inside an event\n\n",
       {make_event("a")},
       {"OPENROUTER PROCESSING", "no-space", "inside an event"}},
      {"multi_line_data_joined_with_lf",
       "data: line one\ndata: line two\ndata:\ndata:  two spaces\n\n",
       {make_event("line one\nline two\n\n two spaces")},
       {}},
      {"crlf_line_endings",
       "event: message_start\r\ndata: {\"a\":1}\r\n\r\ndata: b\r\ndata: c\r\n\r\n",
       {make_event("{\"a\":1}", "message_start"), make_event("b\nc")},
       {}},
      {"cr_only_line_endings",
       "data: a\rdata: b\r\rid: 9\rdata: c\r\r",
       {make_event("a\nb"), make_event("c", "", "9")},
       {}},
      {"mixed_line_endings",
       "data: a\r\ndata: b\ndata: c\r\n\n\r\ndata: d\r\r\n",
       {make_event("a\nb\nc"), make_event("d")},
       {}},
      {"leading_bom_is_ignored",
       "\xEF\xBB\xBF"
       "data: a\n\n",
       {make_event("a")},
       {}},
      {"bom_only_once",
       "\xEF\xBB\xBF\xEF\xBB\xBF"
       "data: a\n\n",
       // The second BOM is part of a field name that is not "data", so the line is ignored.
       {},
       {},
       false},
      {"bytes_like_a_bom_prefix_are_content",
       "\xEF\xBB"
       "data: a\n\ndata: b\n\n",
       {make_event("b")},
       {}},
      {"event_and_id_fields",
       "event: content_block_delta\nid: 1\ndata: x\n\ndata: y\n\nid\ndata: z\n\n",
       // The ID persists until changed; `id` without a value clears it. The type does not persist.
       {make_event("x", "content_block_delta", "1"), make_event("y", "", "1"),
        make_event("z", "", "")},
       {}},
      {"id_with_nul_is_ignored", "id: 1\n\nid: a\0b\ndata: x\n\n"s, {make_event("x", "", "1")}, {}},
      {"retry_field",
       "retry: 3000\ndata: x\n\nretry: 12a\ndata: y\n\nretry: 99999999999\ndata: z\n\n",
       {make_event("x", "", "", 3000), make_event("y"), make_event("z")},
       {}},
      {"field_without_colon_and_unknown_fields",
       "data\n\ndata\ndata\n\nfoo: bar\nevent\ndata: q\n\n",
       {make_event(""), make_event("\n"), make_event("q")},
       {}},
      {"only_one_leading_space_is_stripped",
       "data:no space\n\ndata:   three\n\n",
       {make_event("no space"), make_event("  three")},
       {}},
      {"colon_in_value_is_kept", "data: a: b: c\n\n", {make_event("a: b: c")}, {}},
      {"blank_lines_without_data_dispatch_nothing",
       "\n\n\nevent: ping\n\nid: 5\n\ndata: x\n\n",
       {make_event("x", "", "5")},
       {}},
      {"no_trailing_blank_line_discards_last_event",
       "data: a\n\ndata: [DONE]\n",
       {make_event("a")},
       {},
       true},
      {"unterminated_last_line_is_discarded",
       "data: a\n\ndata: [DONE]",
       {make_event("a")},
       {},
       true},
      {"stream_ending_in_event_fields_is_cut",
       "data: a\n\nevent: x\n",
       {make_event("a")},
       {},
       true},
      {"trailing_comment_is_not_a_cut", "data: a\n\n: bye\n", {make_event("a")}, {"bye"}, false},
      {"empty_stream", "", {}, {}, false},
      {"utf8_and_binary_bytes_pass_through",
       "data: \xE2\x82\xAC \xF0\x9F\x98\x80 \xFF\n\n",
       {make_event("\xE2\x82\xAC \xF0\x9F\x98\x80 \xFF")},
       {}},
  };
}

void PrintTo(const StreamCase& stream_case, std::ostream* out) {
  *out << stream_case.name;
}

class SseDecoderCorpus : public ::testing::TestWithParam<StreamCase> {};

void expect_decoded(const Decoded& got, const StreamCase& expected, const std::string& how) {
  EXPECT_EQ(got.events, expected.events) << how;
  EXPECT_EQ(got.comments, expected.comments) << how;
  EXPECT_EQ(got.cut_in_event, expected.cut_in_event) << how;
}

TEST_P(SseDecoderCorpus, FedWhole) {
  const StreamCase& c = GetParam();
  expect_decoded(decode_in_pieces({c.stream}), c, "whole");
}

TEST_P(SseDecoderCorpus, FedInTwoPiecesAtEverySplit) {
  const StreamCase& c = GetParam();
  const std::string_view stream = c.stream;
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    expect_decoded(decode_in_pieces({stream.substr(0, split), stream.substr(split)}), c,
                   "split at " + std::to_string(split));
  }
}

TEST_P(SseDecoderCorpus, FedInThreePiecesAtEverySplitPair) {
  const StreamCase& c = GetParam();
  const std::string_view stream = c.stream;
  if (stream.size() > 200) return;  // quadratic; the short streams of the corpus cover this
  for (std::size_t first = 0; first <= stream.size(); ++first) {
    for (std::size_t second = first; second <= stream.size(); ++second) {
      expect_decoded(
          decode_in_pieces({stream.substr(0, first), stream.substr(first, second - first),
                            stream.substr(second)}),
          c, "splits at " + std::to_string(first) + "," + std::to_string(second));
    }
  }
}

TEST_P(SseDecoderCorpus, FedOneByteAtATime) {
  const StreamCase& c = GetParam();
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < c.stream.size(); ++i)
    bytes.push_back(std::string_view(c.stream).substr(i, 1));
  expect_decoded(decode_in_pieces(bytes), c, "byte by byte");
}

INSTANTIATE_TEST_SUITE_P(Streams, SseDecoderCorpus, ::testing::ValuesIn(stream_corpus()),
                         [](const ::testing::TestParamInfo<StreamCase>& info) {
                           return info.param.name;
                         });

// ---------------------------------------------------------------------------------------------
// Decoder: state, limits and round trips
// ---------------------------------------------------------------------------------------------

TEST(SseDecoder, CrAtEndOfFeedThenLfAtStartOfNextIsOneLineBreak) {
  Decoder decoder;
  std::vector<Event> events;
  auto collect = [&](const Event& event) { events.push_back(event); };
  decoder.feed("data: a\r", collect);
  decoder.feed("\ndata: b\r", collect);
  decoder.feed("\n\r", collect);
  decoder.feed("\n", collect);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb");
  EXPECT_FALSE(decoder.has_partial_event());
}

TEST(SseDecoder, EmptyFeedsBetweenCrAndLfChangeNothing) {
  Decoder decoder;
  std::vector<Event> events;
  auto collect = [&](const Event& event) { events.push_back(event); };
  decoder.feed("data: a\r", collect);
  decoder.feed("", collect);
  decoder.feed("\n", collect);
  EXPECT_TRUE(events.empty());
  decoder.feed("\r\n", collect);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a");
}

TEST(SseDecoder, HasPartialEventTracksTheCurrentBlock) {
  Decoder decoder;
  auto ignore = [](const Event&) {};
  EXPECT_FALSE(decoder.has_partial_event());
  decoder.feed("data: [DO", ignore);
  EXPECT_TRUE(decoder.has_partial_event());
  decoder.feed("NE]\n", ignore);
  EXPECT_TRUE(decoder.has_partial_event());
  decoder.feed("\n", ignore);
  EXPECT_FALSE(decoder.has_partial_event());
  decoder.feed(": comment\n", ignore);
  EXPECT_FALSE(decoder.has_partial_event());
  EXPECT_FALSE(decoder.finish());
}

TEST(SseDecoder, FinishDiscardsTheIncompleteEventAndStartsAFreshStream) {
  Decoder decoder;
  std::vector<Event> events;
  auto collect = [&](const Event& event) { events.push_back(event); };
  decoder.feed("id: 4\ndata: half", collect);
  EXPECT_TRUE(decoder.finish());
  EXPECT_TRUE(events.empty());
  EXPECT_FALSE(decoder.has_partial_event());
  // A new stream: the BOM is recognised again and the last event ID is forgotten.
  decoder.feed(
      "\xEF\xBB\xBF"
      "data: next\n\n",
      collect);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], make_event("next"));
}

TEST(SseDecoder, OverflowStopsDecodingInsteadOfGrowing) {
  Decoder decoder(64);
  std::vector<Event> events;
  auto collect = [&](const Event& event) { events.push_back(event); };
  decoder.feed("data: small\n\n", collect);
  EXPECT_FALSE(decoder.overflowed());
  decoder.feed("data: " + std::string(100, 'x'), collect);  // an unterminated line too long
  EXPECT_TRUE(decoder.overflowed());
  decoder.feed("\n\ndata: after\n\n", collect);  // ignored once overflowed
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(decoder.has_partial_event());
  EXPECT_TRUE(decoder.finish());
  EXPECT_TRUE(decoder.overflowed());  // still reported after finish()
  decoder.reset();
  EXPECT_FALSE(decoder.overflowed());
}

TEST(SseDecoder, OverflowCountsDataAcrossLines) {
  Decoder decoder(64);
  int events = 0;
  auto count = [&](const Event&) { ++events; };
  for (int i = 0; i < 10 && !decoder.overflowed(); ++i) decoder.feed("data: 0123456789\n", count);
  EXPECT_TRUE(decoder.overflowed());
  EXPECT_EQ(events, 0);
}

TEST(SseDecoder, LineExactlyAtTheLimitIsAcceptedWhateverTheSplit) {
  const std::string stream = "data: 0123456789\n\n";  // a 16-byte line
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    Decoder decoder(16);
    std::vector<Event> events;
    auto collect = [&](const Event& event) { events.push_back(event); };
    decoder.feed(std::string_view(stream).substr(0, split), collect);
    decoder.feed(std::string_view(stream).substr(split), collect);
    EXPECT_FALSE(decoder.overflowed()) << split;
    ASSERT_EQ(events.size(), 1u) << split;
    EXPECT_EQ(events[0].data, "0123456789");
  }
}

TEST(SseDecoder, LineOneByteOverTheLimitOverflowsWhateverTheSplit) {
  const std::string stream = "data: 0123456789A\n\n";  // a 17-byte line
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    Decoder decoder(16);
    int events = 0;
    auto count = [&](const Event&) { ++events; };
    decoder.feed(std::string_view(stream).substr(0, split), count);
    decoder.feed(std::string_view(stream).substr(split), count);
    EXPECT_TRUE(decoder.overflowed()) << split;
    EXPECT_EQ(events, 0);
  }
}

TEST(SseDecoder, ReportsLastReconnectionTime) {
  Decoder decoder;
  decoder.feed("retry: 1500\n\n", [](const Event&) {});
  EXPECT_EQ(decoder.reconnection_time_ms(), 1500);
}

TEST(SseDecoder, AcceptsStdFunctionAndMutableCallables) {
  Decoder decoder;
  int count = 0;
  std::function<void(const Event&)> callback = [&](const Event&) { ++count; };
  decoder.feed("data: a\n\n", callback);
  decoder.feed("data: b\n\n", [count2 = 0, &count](const Event&) mutable { count += ++count2; });
  EXPECT_EQ(count, 2);
}

TEST(SseRoundTrip, DecoderReadsWhatTheEncoderWrites) {
  const std::vector<Event> originals = {
      make_event("plain"),
      make_event("multi\nline\n\ndata"),
      make_event("", "empty"),
      make_event("with trailing newline\n", "t", "id-1"),
      make_event(": looks like a comment", "", "id-1"),
      make_event("data: looks like a field", "", "id-1"),
  };
  std::string stream;
  for (const Event& event : originals) append_event(stream, event.data, event.event, event.id);
  append_comment(stream, "keep-alive");
  const Decoded decoded = decode_in_pieces({stream});
  EXPECT_EQ(decoded.events, originals);
  EXPECT_EQ(decoded.comments, std::vector<std::string>{"keep-alive"});
  EXPECT_FALSE(decoded.cut_in_event);
}

TEST(SseRoundTrip, CrlfInDataIsNormalisedToLf) {
  const Decoded decoded = decode_in_pieces({encode_event("a\r\nb\rc")});
  ASSERT_EQ(decoded.events.size(), 1u);
  EXPECT_EQ(decoded.events[0].data, "a\nb\nc");
}

}  // namespace
}  // namespace tollgate::net::sse
