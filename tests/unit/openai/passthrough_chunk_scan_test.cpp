// StreamChunkPatcher's two ways of reading a chunk: by hand for the common shape
// (detail::scan_common_chunk), by simdjson for everything else. Whatever the payload, patch()
// must answer exactly as simdjson alone does; and a payload the hand-written scan accepts must be
// valid JSON.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

// The fuzz targets' oracle for valid JSON: library parsers add limits of their own.
#include "../../fuzz/json_grammar.hpp"
#include "providers/openai/passthrough.hpp"
#include "providers/openai/passthrough_detail.hpp"
#include "random_json.hpp"

namespace tollgate::providers::openai {
namespace {

constexpr std::string_view kPublicModel = "public \"model\"";

// Every field, so that a mismatch shows which.
std::string describe(const ChunkResult& result) {
  const Usage& usage = result.usage;
  std::ostringstream out;
  out << "data=" << result.data << " forward=" << result.forward << " done=" << result.done
      << " usage={present=" << usage.present << " " << usage.prompt_tokens << " "
      << usage.completion_tokens << " " << usage.total_tokens << " " << usage.cached_tokens << " "
      << usage.reasoning_tokens << "} is_error=" << result.is_error
      << " finish_reason=" << result.finish_reason << " has_content=" << result.has_content
      << " malformed=" << result.malformed;
  return out.str();
}

bool takes_fast_path(std::string_view payload) {
  detail::CommonChunk chunk;
  return detail::scan_common_chunk(payload, chunk);
}

// patch() on `payload`, checked against simdjson alone, and, when the fast path took it, against
// the JSON grammar. `patcher` is reused across calls, as on the hot path.
ChunkResult patch_checked(StreamChunkPatcher& patcher, std::string_view payload,
                          bool client_wants_usage = false) {
  ChunkResult result;
  patcher.patch(payload, kPublicModel, client_wants_usage, result);
  const ChunkResult slow =
      detail::patch_with_simdjson_only(payload, kPublicModel, client_wants_usage);
  EXPECT_EQ(describe(result), describe(slow)) << ::testing::PrintToString(std::string(payload));
  if (takes_fast_path(payload)) {
    EXPECT_TRUE(fuzz::JsonGrammar::is_valid(payload))
        << "the fast path accepted invalid JSON: "
        << ::testing::PrintToString(std::string(payload));
  }
  return result;
}

ChunkResult patch_checked(std::string_view payload, bool client_wants_usage = false) {
  StreamChunkPatcher patcher;
  return patch_checked(patcher, payload, client_wants_usage);
}

const std::string kHead =
    R"({"id":"chatcmpl-mock-1f3a9c2e","object":"chat.completion.chunk","created":1735689600,)"
    R"("model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_mock",)";
const std::string kHeadWithPublicModel =
    R"({"id":"chatcmpl-mock-1f3a9c2e","object":"chat.completion.chunk","created":1735689600,)"
    R"("model":"public \"model\"","service_tier":"default","system_fingerprint":"fp_mock",)";

// A chunk of the mock upstream's shape with one choice whose delta is `delta`.
std::string chunk_with_delta(const std::string& delta, const std::string& finish_reason = "null") {
  return kHead + R"("choices":[{"index":0,"delta":)" + delta +
         R"(,"logprobs":null,"finish_reason":)" + finish_reason + R"(}],"usage":null})";
}

// ---------------------------------------------------------------------------------------------
// Representative chunks
// ---------------------------------------------------------------------------------------------

TEST(CommonChunkScan, RoleChunkTakesTheFastPathWithoutContent) {
  const std::string payload =
      chunk_with_delta(R"({"role":"assistant","content":"","refusal":null})");
  EXPECT_TRUE(takes_fast_path(payload));
  const ChunkResult result = patch_checked(payload);
  EXPECT_FALSE(result.malformed);
  EXPECT_TRUE(result.forward);
  EXPECT_FALSE(result.has_content);
  EXPECT_EQ(result.finish_reason, "");
  EXPECT_FALSE(result.usage.present);
  EXPECT_EQ(result.data.substr(0, kHeadWithPublicModel.size()), kHeadWithPublicModel);
}

TEST(CommonChunkScan, ContentChunkRestoresTheModelAndCountsContent) {
  const std::string payload = chunk_with_delta(R"({"content":" token"})");
  EXPECT_TRUE(takes_fast_path(payload));
  const ChunkResult result = patch_checked(payload);
  EXPECT_TRUE(result.has_content);
  EXPECT_EQ(result.data, kHeadWithPublicModel +
                             R"("choices":[{"index":0,"delta":{"content":" token"},)"
                             R"("logprobs":null,"finish_reason":null}],"usage":null})");
}

TEST(CommonChunkScan, EscapesAndUnicodeInStringsAreValidated) {
  for (const std::string content : {
           R"("line\nbreak \"quoted\" back\\slash \/ \b\f\r\t")",
           R"("\u00e9\u6f22\u0000 and a pair \ud83d\ude00")",
           "\"raw UTF-8: \xC3\xA9 \xE6\xBC\xA2 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\"",
           "\"DEL is allowed: \x7F\"",
           R"("\\")",
       }) {
    const std::string payload = chunk_with_delta(R"({"content":)" + content + "}");
    EXPECT_TRUE(takes_fast_path(payload)) << content;
    EXPECT_TRUE(patch_checked(payload).has_content) << content;
  }
}

TEST(CommonChunkScan, ToolCallDeltasCountAsContentUnlessEmpty) {
  const std::string first = chunk_with_delta(
      R"({"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]})");
  const std::string arguments = chunk_with_delta(
      R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Lis"}}]})");
  const std::string none = chunk_with_delta(R"({"content":null,"tool_calls":[ ]})");
  for (const std::string& payload : {first, arguments, none}) {
    EXPECT_TRUE(takes_fast_path(payload)) << payload;
  }
  EXPECT_TRUE(patch_checked(first).has_content);
  EXPECT_TRUE(patch_checked(arguments).has_content);
  EXPECT_FALSE(patch_checked(none).has_content);
  // Not an array: not tool calls.
  EXPECT_FALSE(patch_checked(chunk_with_delta(R"({"tool_calls":{"index":0}})")).has_content);
}

TEST(CommonChunkScan, RefusalAndReasoningCountAsContent) {
  for (const std::string delta :
       {R"({"refusal":"I can't help with that."})", R"({"reasoning_content":"Let me think"})",
        R"({"reasoning":"Let me think"})", R"({"content":"","reasoning":"x"})"}) {
    const std::string payload = chunk_with_delta(delta);
    EXPECT_TRUE(takes_fast_path(payload)) << delta;
    EXPECT_TRUE(patch_checked(payload).has_content) << delta;
  }
  for (const std::string delta : {R"({"refusal":null,"reasoning_content":""})",
                                  R"({"content":17,"role":"assistant"})", R"({})", "null"}) {
    const std::string payload = chunk_with_delta(delta);
    EXPECT_TRUE(takes_fast_path(payload)) << delta;
    EXPECT_FALSE(patch_checked(payload).has_content) << delta;
  }
}

TEST(CommonChunkScan, FinishChunkReadsTheFinishReason) {
  const std::string payload = chunk_with_delta("{}", R"("stop")");
  EXPECT_TRUE(takes_fast_path(payload));
  const ChunkResult result = patch_checked(payload);
  EXPECT_EQ(result.finish_reason, "stop");
  EXPECT_FALSE(result.has_content);
}

TEST(CommonChunkScan, FinishReasonIsTheFirstNonEmptyStringAmongChoices) {
  const std::string payload =
      kHead + R"("choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null},"odd",)"
              R"({"index":1,"finish_reason":""},{"index":2,"finish_reason":"length"},)"
              R"({"index":3,"finish_reason":"stop"}]})";
  EXPECT_TRUE(takes_fast_path(payload));
  const ChunkResult result = patch_checked(payload);
  EXPECT_EQ(result.finish_reason, "length");
  EXPECT_TRUE(result.has_content);
}

TEST(CommonChunkScan, EmptyChoicesWithoutUsageAreForwarded) {
  const std::string payload = kHead + R"("choices":[],"usage":null})";
  EXPECT_TRUE(takes_fast_path(payload));
  EXPECT_TRUE(patch_checked(payload, false).forward);
  EXPECT_TRUE(takes_fast_path(R"({})"));
  EXPECT_TRUE(patch_checked(R"({})", false).forward);
}

TEST(CommonChunkScan, WhitespaceAndMemberOrderDoNotMatter) {
  const std::string payload =
      " \r\n\t{ \"choices\" : [ { \"finish_reason\" : \"stop\" , \"delta\" : { \"content\" : "
      "\"x\" } } ] ,\n \"model\"\t:\t\"up\" , \"created\" : -1.5e+3 } \n";
  EXPECT_TRUE(takes_fast_path(payload));
  const ChunkResult result = patch_checked(payload);
  EXPECT_EQ(result.finish_reason, "stop");
  EXPECT_TRUE(result.has_content);
  EXPECT_NE(result.data.find("\"model\"\t:\t\"public \\\"model\\\"\" ,"), std::string::npos)
      << result.data;
}

TEST(CommonChunkScan, EveryTopLevelStringModelIsReplacedAndNoOther) {
  const std::string payload =
      R"({"model":"a","choices":[{"delta":{"model":"nested"}}],"x":{"model":"deep"},"model":"b"})";
  EXPECT_TRUE(takes_fast_path(payload));
  EXPECT_EQ(patch_checked(payload).data,
            R"({"model":"public \"model\"","choices":[{"delta":{"model":"nested"}}],)"
            R"("x":{"model":"deep"},"model":"public \"model\""})");
  const std::string number_model = R"({"model":42,"choices":[]})";
  EXPECT_TRUE(takes_fast_path(number_model));
  EXPECT_EQ(patch_checked(number_model).data, number_model);
}

TEST(CommonChunkScan, UsageChunkIsLeftToSimdjson) {
  const std::string payload = kHead +
                              R"("choices":[],"usage":{"prompt_tokens":57,"completion_tokens":120,)"
                              R"("total_tokens":177,"prompt_tokens_details":{"cached_tokens":5},)"
                              R"("completion_tokens_details":{"reasoning_tokens":7}}})";
  EXPECT_FALSE(takes_fast_path(payload));
  const ChunkResult withheld = patch_checked(payload, false);
  EXPECT_FALSE(withheld.forward);
  EXPECT_EQ(withheld.usage, (Usage{57, 120, 177, 5, 7, true}));
  EXPECT_TRUE(patch_checked(payload, true).forward);
  // A usage that is not an object is nothing to read, so the fast path takes it.
  EXPECT_TRUE(takes_fast_path(R"({"choices":[],"usage":[1,2]})"));
  EXPECT_FALSE(patch_checked(R"({"choices":[],"usage":[1,2]})").usage.present);
}

TEST(CommonChunkScan, ErrorChunkIsLeftToSimdjsonButANullErrorIsNot) {
  const std::string error =
      R"({"error":{"message":"The server is overloaded","type":"server_error"}})";
  EXPECT_FALSE(takes_fast_path(error));
  EXPECT_TRUE(patch_checked(error).is_error);
  EXPECT_FALSE(takes_fast_path(R"({"error":false})"));
  EXPECT_TRUE(patch_checked(R"({"error":false})").is_error);
  const std::string null_error = R"({"model":"m","error":null,"choices":[]})";
  EXPECT_TRUE(takes_fast_path(null_error));
  EXPECT_FALSE(patch_checked(null_error).is_error);
}

TEST(CommonChunkScan, UnusualShapesAreLeftToSimdjson) {
  std::string deep_arrays = R"({"choices":[{"delta":{"x":)";
  std::string deep_objects = deep_arrays;
  for (int i = 0; i < 20; ++i) deep_arrays += "[";
  for (int i = 0; i < 20; ++i) deep_arrays += "]";
  for (int i = 0; i < 20; ++i) deep_objects += R"({"y":)";
  deep_objects += "1";
  for (int i = 0; i < 20; ++i) deep_objects += "}";
  deep_arrays += "}}]}";
  deep_objects += "}}]}";
  for (const std::string& payload : std::vector<std::string>{
           // simdjson compares keys unescaped
           R"({"mod\u0065l":"up","choices":[]})", chunk_with_delta(R"({"cont\u0065nt":"x"})"),
           // and unescapes finish reasons
           chunk_with_delta("{}", R"("st\u006fp")"),
           // and rejects lone surrogates in what it unescapes
           chunk_with_delta(R"({"content":"\ud800"})"), chunk_with_delta(R"({"content":"\udc00"})"),
           chunk_with_delta(R"({"content":"\ud800\u0041"})"),
           chunk_with_delta(R"({"content":"\udc00\udc00"})"), deep_arrays, deep_objects,
           "\xEF\xBB\xBF{\"model\":\"up\",\"choices\":[]}",  // a byte order mark
       }) {
    EXPECT_FALSE(takes_fast_path(payload)) << ::testing::PrintToString(payload);
    patch_checked(payload);
  }
}

TEST(CommonChunkScan, MalformedPayloadsAreLeftToSimdjson) {
  const std::string good = chunk_with_delta(R"({"content":"hi"})");
  // simdjson finds these malformed too.
  const std::vector<std::string> malformed = {
      good.substr(0, good.size() - 1),  // truncated
      good.substr(0, good.size() / 2),  // truncated inside a string
      chunk_with_delta("{\"content\":\"raw\nnewline\"}"),
      chunk_with_delta("{\"content\":\"\xC3\"}"),  // truncated UTF-8
      chunk_with_delta("{\"content\":\"\xFF\"}"),
      R"({"choices":[{"delta":{}]})",      // unbalanced
      R"([{"model":"up","choices":[]}])",  // a top-level array
      R"("model")",
      "",
      "{",
  };
  // simdjson skips what it does not read without checking all of it, so it may or may not find
  // these malformed: patch() must only agree with it.
  const std::vector<std::string> invalid = {
      good + "x",    // trailing garbage
      good + "}",    // an extra brace
      good + " {}",  // a second value
      chunk_with_delta(R"({"content":"bad \x escape"})"),
      chunk_with_delta(R"({"content":"bad \u12G4 escape"})"),
      chunk_with_delta(R"({"content":"short \u12"})"),
      chunk_with_delta(std::string("{\"content\":\"nul") + '\0' + "byte\"}"),
      chunk_with_delta("{\"content\":\"tab\there\"}"),
      chunk_with_delta("{\"content\":\"\xC0\x80\"}"),          // overlong
      chunk_with_delta("{\"content\":\"\xED\xA0\x80\"}"),      // a surrogate in UTF-8
      chunk_with_delta("{\"content\":\"\xF4\x90\x80\x80\"}"),  // above U+10FFFF
      R"({"choices":[{"delta":{}}})",
      R"({"choices":[{"delta":{}}]]})",
      R"({"model":"up",})",              // trailing comma
      R"({"model" "up"})",               // no colon
      R"({"model":"up" "choices":[]})",  // no comma
      R"({model:"up"})",
      R"({'model':'up'})",
      R"({"created":01})",
      R"({"created":1.})",
      R"({"created":-})",
      R"({"created":1e})",
      R"({"created":.5})",
      R"({"created":+1})",
      R"({"created":0x10})",
      R"({"created":NaN})",
      R"({"created":nul})",
      R"({"created":True})",
      R"({"error":nulL})",
      " \n",
      "}",
  };
  for (const std::string& payload : malformed) {
    EXPECT_FALSE(takes_fast_path(payload)) << ::testing::PrintToString(payload);
    EXPECT_TRUE(patch_checked(payload).malformed) << ::testing::PrintToString(payload);
  }
  for (const std::string& payload : invalid) {
    EXPECT_FALSE(takes_fast_path(payload)) << ::testing::PrintToString(payload);
    patch_checked(payload);
  }
}

TEST(CommonChunkScan, AReusedPatcherIsNotMisledByALongerEarlierChunk) {
  StreamChunkPatcher patcher;
  const std::string long_chunk = chunk_with_delta(R"({"content":"a long piece of text"})");
  patch_checked(patcher, long_chunk);
  // The same chunk cut short: the bytes after it in the scanner's buffer must not complete it.
  for (std::size_t size = long_chunk.size(); size-- > 0;) {
    EXPECT_TRUE(patch_checked(patcher, long_chunk.substr(0, size)).malformed) << size;
  }
}

// ---------------------------------------------------------------------------------------------
// Differential: random chunks, valid and broken
// ---------------------------------------------------------------------------------------------

// Writes random chunks: mostly of the common shape, and now and then with a member that sends
// them to simdjson.
class RandomChunkWriter : public random_json::RandomJsonWriter {
 public:
  explicit RandomChunkWriter(std::uint32_t seed) : RandomJsonWriter(seed) {}

  std::string chunk() {
    out_.clear();
    whitespace();
    std::vector<std::function<void()>> members = {
        [&] { member("id", [&] { string_value(); }); },
        [&] { member("object", [&] { out_ += "\"chat.completion.chunk\""; }); },
        [&] { member("created", [&] { number(); }); },
        [&] { member("model", [&] { one_in(10) ? value(2) : string_value(); }); },
        [&] { member("system_fingerprint", [&] { one_in(4) ? null_value() : string_value(); }); },
        [&] { member("choices", [&] { one_in(20) ? value(2) : choices(); }); },
    };
    if (one_in(2)) members.push_back([&] { member("usage", [&] { usage(); }); });
    if (one_in(10)) {
      members.push_back([&] { member("error", [&] { one_in(2) ? null_value() : value(2); }); });
    }
    if (one_in(5)) members.push_back([&] { member("model", [&] { string_value(); }); });
    if (one_in(4)) members.push_back([&] { member(random_key(), [&] { value(3); }); });
    shuffle_and_write_object(members);
    whitespace();
    return out_;
  }

 private:
  void choices() {
    out_ += "[";
    const int count = one_in(6) ? 0 : 1 + (one_in(4) ? below(3) : 0);
    for (int index = 0; index < count; ++index) {
      if (index > 0) out_ += ",";
      whitespace();
      if (one_in(15)) {
        value(2);
      } else {
        choice(index);
      }
      whitespace();
    }
    out_ += "]";
  }

  void choice(int index) {
    std::vector<std::function<void()>> members = {
        [&, index] { member("index", [&] { out_ += std::to_string(index); }); },
        [&] { member("delta", [&] { one_in(15) ? value(2) : delta(); }); },
        [&] { member("logprobs", [&] { one_in(5) ? value(3) : null_value(); }); },
        [&] { member("finish_reason", [&] { finish_reason(); }); },
    };
    if (one_in(5)) members.push_back([&] { member(random_key(), [&] { value(2); }); });
    if (one_in(8)) members.erase(members.begin() + below(static_cast<int>(members.size())));
    shuffle_and_write_object(members);
  }

  void finish_reason() {
    static const std::vector<std::string> kReasons = {"null",           "null",
                                                      "null",           "\"stop\"",
                                                      "\"length\"",     "\"tool_calls\"",
                                                      "\"\"",           "\"content_filter\"",
                                                      "\"st\\u006fp\"", "7"};
    out_ += pick(kReasons);
  }

  void delta() {
    std::vector<std::function<void()>> members;
    static const std::vector<std::string> kTextKeys = {"content", "refusal", "reasoning_content",
                                                       "reasoning"};
    if (one_in(3)) members.push_back([&] { member("role", [&] { out_ += "\"assistant\""; }); });
    const int texts = below(3);
    for (int index = 0; index < texts; ++index) {
      members.push_back(
          [&] { member(pick(kTextKeys), [&] { one_in(4) ? null_value() : string_value(); }); });
    }
    if (one_in(3)) members.push_back([&] { member("tool_calls", [&] { tool_calls(); }); });
    if (one_in(6)) members.push_back([&] { member(random_key(), [&] { value(3); }); });
    shuffle_and_write_object(members);
  }

  void tool_calls() {
    if (one_in(5)) {
      out_ += one_in(2) ? "[]" : "null";
      return;
    }
    out_ +=
        R"([{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":)";
    string_value();
    out_ += "}}]";
  }

  void usage() {
    if (!one_in(3)) {
      null_value();
      return;
    }
    out_ += R"({"prompt_tokens":)";
    number();
    out_ +=
        R"(,"completion_tokens":3,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":2}})";
  }
};

TEST(CommonChunkScanDifferential, RandomChunksReadAsSimdjsonReadsThem) {
  RandomChunkWriter writer(20240611);
  StreamChunkPatcher patcher;
  int fast = 0;
  constexpr int kChunks = 50000;
  for (int index = 0; index < kChunks; ++index) {
    const std::string payload = writer.chunk();
    ASSERT_TRUE(fuzz::JsonGrammar::is_valid(payload)) << payload;  // the writer's own check
    fast += takes_fast_path(payload) ? 1 : 0;
    patch_checked(patcher, payload, index % 2 == 0);
    if (HasFailure()) return;
  }
  // Most are of the common shape; the rest have a usage object, an error, an escaped key...
  RecordProperty("fast_path", fast);
  EXPECT_GT(fast, kChunks / 2);
  EXPECT_LT(fast, kChunks);
}

TEST(CommonChunkScanDifferential, MutatedChunksReadAsSimdjsonReadsThem) {
  RandomChunkWriter writer(7);
  std::mt19937 random(11);
  std::vector<std::string> seeds = {
      chunk_with_delta(R"({"role":"assistant","content":"","refusal":null})"),
      chunk_with_delta(R"({"content":" token"})"),
      chunk_with_delta(R"({"content":"\u00e9\n\"x\" \ud83d\ude00 \xC3\xA9"})"),
      chunk_with_delta(
          R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Lis"}}]})"),
      chunk_with_delta("{}", R"("stop")"),
      kHead +
          R"("choices":[],"usage":{"prompt_tokens":8,"completion_tokens":3,"total_tokens":11}})",
      R"({"error":{"message":"overloaded","type":"server_error"}})",
  };
  for (int index = 0; index < 200; ++index) seeds.push_back(writer.chunk());
  StreamChunkPatcher patcher;
  int fast = 0;
  int inputs = 0;
  for (const std::string& seed : seeds) {
    std::string payload = seed;
    for (int round = 0; round < 300; ++round) {
      // Mostly one edit away from the seed, sometimes an accumulation of edits.
      payload = random_json::mutate(round % 4 == 0 ? payload : seed, random);
      fast += takes_fast_path(payload) ? 1 : 0;
      ++inputs;
      patch_checked(patcher, payload, round % 3 == 0);
      if (HasFailure()) return;
    }
  }
  RecordProperty("inputs", inputs);
  RecordProperty("fast_path", fast);
  EXPECT_GT(fast, inputs / 20);  // edits inside strings keep many of them valid
}

}  // namespace
}  // namespace tollgate::providers::openai
