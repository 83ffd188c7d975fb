// ResponseScanner's two ways of reading a non-streaming response: by hand for the common shape
// (detail::scan_common_response), by simdjson for everything else. Whatever the body,
// restore_model() must answer exactly as simdjson alone does; and a body the hand-written scan
// accepts must be valid JSON.
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
std::string describe(const ResponseScan& scan) {
  const Usage& usage = scan.usage;
  std::ostringstream out;
  out << "valid_json=" << scan.valid_json << " usage={present=" << usage.present << " "
      << usage.prompt_tokens << " " << usage.completion_tokens << " " << usage.total_tokens << " "
      << usage.cached_tokens << " " << usage.reasoning_tokens << "} body=" << scan.body;
  return out.str();
}

bool takes_fast_path(std::string_view body) {
  detail::CommonResponse response;
  return detail::scan_common_response(body, response);
}

// restore_model() on `body`, checked against simdjson alone, and, when the fast path took it,
// against the JSON grammar. `scanner` is reused across calls, as on the hot path.
ResponseScan restore_checked(ResponseScanner& scanner, std::string_view body) {
  const ResponseScan scan = scanner.restore_model(body, kPublicModel);
  const ResponseScan slow = detail::restore_model_with_simdjson_only(body, kPublicModel);
  EXPECT_EQ(describe(scan), describe(slow)) << ::testing::PrintToString(std::string(body));
  if (takes_fast_path(body)) {
    EXPECT_TRUE(fuzz::JsonGrammar::is_valid(body))
        << "the fast path accepted invalid JSON: " << ::testing::PrintToString(std::string(body));
  }
  return scan;
}

ResponseScan restore_checked(std::string_view body) {
  ResponseScanner scanner;
  return restore_checked(scanner, body);
}

const std::string kHead =
    R"({"id":"chatcmpl-mock-1f3a9c2e","object":"chat.completion","created":1735689600,)"
    R"("model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_mock",)";
const std::string kHeadWithPublicModel =
    R"({"id":"chatcmpl-mock-1f3a9c2e","object":"chat.completion","created":1735689600,)"
    R"("model":"public \"model\"","service_tier":"default","system_fingerprint":"fp_mock",)";
const std::string kMockUsage =
    R"({"prompt_tokens":6,"completion_tokens":16,"total_tokens":22,)"
    R"("prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":)"
    R"({"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}})";

// A response of the mock upstream's shape (tools/mock_upstream/openai_wire.cpp) with one choice
// whose message is `message`.
std::string response_with_message(const std::string& message, const std::string& usage = kMockUsage,
                                  const std::string& logprobs = "null") {
  return kHead + R"("choices":[{"index":0,"message":)" + message + R"(,"logprobs":)" + logprobs +
         R"(,"finish_reason":"stop"}],"usage":)" + usage + "}";
}

const std::string kMockMessage =
    R"({"role":"assistant","content":" meadow oyster lantern glacier model velvet glacier kettle )"
    R"(nectar over packet umbra jasmine island stream token","refusal":null,"annotations":[]})";

// ---------------------------------------------------------------------------------------------
// Representative responses
// ---------------------------------------------------------------------------------------------

TEST(CommonResponseScan, MockResponseTakesTheFastPath) {
  const std::string body = response_with_message(kMockMessage);
  EXPECT_TRUE(takes_fast_path(body));
  const ResponseScan scan = restore_checked(body);
  EXPECT_TRUE(scan.valid_json);
  EXPECT_EQ(scan.usage, (Usage{6, 16, 22, 0, 0, true}));
  std::string expected = body;
  expected.replace(0, kHead.size(), kHeadWithPublicModel);
  EXPECT_EQ(scan.body, expected);
}

TEST(CommonResponseScan, UsageDetailsAreRead) {
  const std::string body = response_with_message(
      kMockMessage,
      R"({"prompt_tokens":1200,"completion_tokens":345,"total_tokens":1545,)"
      R"("prompt_tokens_details":{"audio_tokens":0,"cached_tokens":1024},)"
      R"("completion_tokens_details":{"reasoning_tokens":128,"audio_tokens":0},"extra":[1,{"a":null}]})");
  EXPECT_TRUE(takes_fast_path(body));
  EXPECT_EQ(restore_checked(body).usage, (Usage{1200, 345, 1545, 1024, 128, true}));
}

TEST(CommonResponseScan, CountsThatAreNotNumbersAreZero) {
  const std::string body = response_with_message(
      kMockMessage,
      R"({"prompt_tokens":"12","completion_tokens":null,"total_tokens":[3],)"
      R"("prompt_tokens_details":null,"completion_tokens_details":{"reasoning_tokens":true}})");
  EXPECT_TRUE(takes_fast_path(body));
  EXPECT_EQ(restore_checked(body).usage, (Usage{0, 0, 0, 0, 0, true}));
  // The largest count read by hand, and the smallest.
  const std::string extremes = response_with_message(
      kMockMessage, R"({"prompt_tokens":999999999999999999,"completion_tokens":0})");
  EXPECT_TRUE(takes_fast_path(extremes));
  EXPECT_EQ(restore_checked(extremes).usage, (Usage{999999999999999999, 0, 0, 0, 0, true}));
}

TEST(CommonResponseScan, DuplicateCountsAndDetailsReadAsSimdjsonReadsThem) {
  // The last count wins; a details object without the wanted count keeps the earlier one.
  const std::string body = response_with_message(
      kMockMessage,
      R"({"prompt_tokens":5,"prompt_tokens":7,"total_tokens":3,"total_tokens":"x",)"
      R"("prompt_tokens_details":{"cached_tokens":2},"prompt_tokens_details":{"audio_tokens":1},)"
      R"("completion_tokens_details":{"reasoning_tokens":4},"completion_tokens_details":null})");
  EXPECT_TRUE(takes_fast_path(body));
  EXPECT_EQ(restore_checked(body).usage, (Usage{7, 0, 0, 2, 4, true}));
}

TEST(CommonResponseScan, NullOrMissingUsageIsNotPresent) {
  for (const std::string& body :
       {response_with_message(kMockMessage, "null"),
        kHead + R"("choices":[{"index":0,"message":)" + kMockMessage + "}]}", std::string(R"({})"),
        std::string(R"({"model":"up"})")}) {
    EXPECT_TRUE(takes_fast_path(body)) << body;
    const ResponseScan scan = restore_checked(body);
    EXPECT_TRUE(scan.valid_json);
    EXPECT_FALSE(scan.usage.present);
  }
  EXPECT_EQ(restore_checked(R"({"model":"up"})").body, R"({"model":"public \"model\""})");
}

TEST(CommonResponseScan, ToolCallsRefusalReasoningAndLogprobsTakeTheFastPath) {
  const std::string tool_calls = response_with_message(
      R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",)"
      R"("function":{"name":"get_weather","arguments":"{\"city\": \"Lisbon\", \"model\": \"x\"}"}},)"
      R"({"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}],)"
      R"("refusal":null,"annotations":[]})");
  const std::string refusal = response_with_message(
      R"({"role":"assistant","content":null,"refusal":"I can't help with that.","annotations":[]})");
  const std::string reasoning = response_with_message(
      R"({"role":"assistant","content":"42","reasoning_content":"Let me think: 6 \u00d7 7.",)"
      R"("refusal":null})");
  const std::string logprobs = response_with_message(
      R"({"role":"assistant","content":"Hi"})", kMockUsage,
      R"({"content":[{"token":"Hi","logprob":-0.31326166,"bytes":[72,105],"top_logprobs":)"
      R"([{"token":"Hi","logprob":-0.31326166,"bytes":[72,105]},)"
      R"({"token":"Hello","logprob":-1.2398e-05,"bytes":[72,101,108,108,111]}]}],"refusal":null})");
  for (const std::string& body : {tool_calls, refusal, reasoning, logprobs}) {
    EXPECT_TRUE(takes_fast_path(body)) << body;
    const ResponseScan scan = restore_checked(body);
    EXPECT_TRUE(scan.valid_json);
    EXPECT_EQ(scan.usage, (Usage{6, 16, 22, 0, 0, true}));
  }
}

TEST(CommonResponseScan, EveryTopLevelStringModelIsReplacedAndNoNestedOne) {
  const std::string body =
      R"({"model":"a","choices":[{"message":{"model":"nested","content":"{\"model\":\"x\"}"},)"
      R"("model":"in a choice"}],"x":{"model":"deep"},"usage":{"model":"u"},"model":"b"})";
  EXPECT_TRUE(takes_fast_path(body));
  EXPECT_EQ(restore_checked(body).body,
            R"({"model":"public \"model\"","choices":[{"message":{"model":"nested",)"
            R"("content":"{\"model\":\"x\"}"},"model":"in a choice"}],"x":{"model":"deep"},)"
            R"("usage":{"model":"u"},"model":"public \"model\""})");
  // Only a string is replaced; another kind of model is kept, and validated.
  for (const std::string other : {R"({"model":42})", R"({"model":null,"model":"s"})",
                                  R"({"model":{"id":"x"},"usage":null})"}) {
    EXPECT_TRUE(takes_fast_path(other)) << other;
    EXPECT_TRUE(restore_checked(other).valid_json) << other;
  }
  EXPECT_EQ(restore_checked(R"({"model":[1,"m"]})").body, R"({"model":[1,"m"]})");
}

TEST(CommonResponseScan, EscapesUnicodeAndWhitespaceAreValidated) {
  for (const std::string content : {
           R"("line\nbreak \"quoted\" back\\slash \/ \b\f\r\t")",
           R"("\u00e9\u6f22\u0000 and a pair \ud83d\ude00")",
           "\"raw UTF-8: \xC3\xA9 \xE6\xBC\xA2 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\"",
           "\"DEL is allowed: \x7F\"",
       }) {
    const std::string body =
        response_with_message(R"({"role":"assistant","content":)" + content + "}");
    EXPECT_TRUE(takes_fast_path(body)) << content;
    EXPECT_TRUE(restore_checked(body).valid_json) << content;
  }
  const std::string escaped_model = R"({"model":"gpt\u002d4o \"mini\"","usage":null})";
  EXPECT_TRUE(takes_fast_path(escaped_model));
  EXPECT_EQ(restore_checked(escaped_model).body, R"({"model":"public \"model\"","usage":null})");
}

TEST(CommonResponseScan, PrettyPrintedResponseTakesTheFastPath) {
  const std::string body =
      "\n{\n  \"id\": \"chatcmpl-1\",\n  \"object\": \"chat.completion\",\n  \"created\": "
      "1735689600,\n  \"model\" :\t\"gpt-4o\" ,\n  \"choices\": [\n    {\n      \"index\": 0,\n"
      "      \"message\": {\n        \"role\": \"assistant\",\n        \"content\": \"Hi\"\n"
      "      },\n      \"finish_reason\": \"stop\"\n    }\n  ],\n  \"usage\": {\n"
      "    \"prompt_tokens\": 9 ,\r\n    \"completion_tokens\" : 2,\n    \"total_tokens\": 11\n"
      "  }\n}\n";
  EXPECT_TRUE(takes_fast_path(body));
  const ResponseScan scan = restore_checked(body);
  EXPECT_EQ(scan.usage, (Usage{9, 2, 11, 0, 0, true}));
  EXPECT_NE(scan.body.find("\"model\" :\t\"public \\\"model\\\"\" ,"), std::string::npos)
      << scan.body;
}

TEST(CommonResponseScan, UnusualShapesAreLeftToSimdjson) {
  std::string deep = R"({"choices":[{"message":{"x":)";
  for (int i = 0; i < 20; ++i) deep += "[";
  for (int i = 0; i < 20; ++i) deep += "]";
  deep += "}}]}";
  const auto with_usage = [](const std::string& usage) {
    return response_with_message(kMockMessage, usage);
  };
  for (const std::string& body : std::vector<std::string>{
           // simdjson compares keys unescaped
           R"({"mod\u0065l":"up"})", with_usage(R"({"prompt_t\u006fkens":5})"),
           // simdjson keeps the last of several usage members
           with_usage(R"({"prompt_tokens":5},"usage":{"prompt_tokens":6})"),
           with_usage(R"(null,"usage":{"prompt_tokens":6})"),
           // a usage that is neither an object nor null
           with_usage("[]"), with_usage("0"), with_usage(R"("none")"),
           // counts simdjson reads by its own rules
           with_usage(R"({"prompt_tokens":-3})"), with_usage(R"({"prompt_tokens":-0})"),
           with_usage(R"({"prompt_tokens":7.9})"), with_usage(R"({"prompt_tokens":1e3})"),
           with_usage(R"({"prompt_tokens":1000000000000000000})"),
           with_usage(R"({"prompt_tokens_details":{"cached_tokens":99999999999999999999}})"),
           // numbers get_double() may refuse
           R"({"created":1e400})", R"({"created":1e0000})", R"({"created":0e0000000000000000000})",
           "{\"created\":1" + std::string(400, '0') + "}",
           // lone surrogates, which simdjson will not decode
           response_with_message(R"({"content":"\ud800"})"),
           response_with_message(R"({"content":"\udc00\ud800"})"), deep,
           "\xEF\xBB\xBF{\"model\":\"up\"}",  // a byte order mark
       }) {
    EXPECT_FALSE(takes_fast_path(body)) << ::testing::PrintToString(body);
    restore_checked(body);
  }
  // Numbers well inside a double's range do take it.
  for (const std::string& body : {std::string(R"({"created":1e300,"x":-0.5e-400})"),
                                  "{\"created\":" + std::string(300, '9') + ".5e8}"}) {
    EXPECT_TRUE(takes_fast_path(body)) << body;
    EXPECT_TRUE(restore_checked(body).valid_json) << body;
  }
}

TEST(CommonResponseScan, MalformedResponsesAreLeftToSimdjson) {
  const std::string good = response_with_message(kMockMessage);
  for (const std::string& body : std::vector<std::string>{
           good.substr(0, good.size() - 1),  // truncated
           good.substr(0, good.size() / 2),  // truncated inside a string
           good + "x",
           good + "}",
           good + " {}",
           response_with_message("{\"content\":\"raw\nnewline\"}"),
           response_with_message("{\"content\":\"tab\there\"}"),
           response_with_message(std::string("{\"content\":\"nul") + '\0' + "byte\"}"),
           response_with_message("{\"content\":\"\xC3\"}"),  // truncated UTF-8
           response_with_message("{\"content\":\"\xFF\"}"),
           response_with_message("{\"content\":\"\xC0\x80\"}"),      // overlong
           response_with_message("{\"content\":\"\xED\xA0\x80\"}"),  // a surrogate in UTF-8
           response_with_message(R"({"content":"bad \x escape"})"),
           response_with_message(R"({"content":"bad \u12G4 escape"})"),
           response_with_message(R"({"content":"short \u12"})"),
           response_with_message(kMockMessage, R"({"prompt_tokens":01})"),
           response_with_message(kMockMessage, R"({"prompt_tokens":1.})"),
           response_with_message(kMockMessage, R"({"prompt_tokens":+1})"),
           response_with_message(kMockMessage, R"({"prompt_tokens":1,})"),
           response_with_message(kMockMessage, "nul"),
           response_with_message(kMockMessage, R"({"prompt_tokens")"),
           R"({"choices":[{"message":{}]})",
           R"({"choices":[{"message":{}}]]})",
           R"({"model":"up",})",
           R"({"model" "up"})",
           R"({"model":"up" "x":1})",
           R"({model:"up"})",
           R"({"created":.5})",
           R"({"created":-})",
           R"({"created":1e})",
           R"({"created":NaN})",
           R"({"x":True})",
           R"({"x":nulL})",
           R"([{"model":"up"}])",
           R"("model")",
           "<html>502 Bad Gateway</html>",
           "",
           " \n",
           "{",
           "}",
       }) {
    EXPECT_FALSE(takes_fast_path(body)) << ::testing::PrintToString(body);
    const ResponseScan scan = restore_checked(body);
    EXPECT_FALSE(scan.valid_json) << ::testing::PrintToString(body);
    EXPECT_EQ(scan.body, body);
    EXPECT_FALSE(scan.usage.present);
  }
}

TEST(CommonResponseScan, AReusedScannerIsNotMisledByALongerEarlierResponse) {
  ResponseScanner scanner;
  const std::string body = response_with_message(kMockMessage);
  restore_checked(scanner, body);
  // The same response cut short: the bytes after it in the scanner's buffer must not complete it.
  for (std::size_t size = body.size(); size-- > 0;) {
    EXPECT_FALSE(restore_checked(scanner, body.substr(0, size)).valid_json) << size;
  }
}

// ---------------------------------------------------------------------------------------------
// Differential: random responses, valid and broken
// ---------------------------------------------------------------------------------------------

// Writes random chat.completion responses: mostly of the common shape, and now and then with a
// member or a count that sends them to simdjson.
class RandomResponseWriter : public random_json::RandomJsonWriter {
 public:
  explicit RandomResponseWriter(std::uint32_t seed) : RandomJsonWriter(seed) {}

  std::string response() {
    out_.clear();
    whitespace();
    std::vector<std::function<void()>> members = {
        [&] { member("id", [&] { string_value(); }); },
        [&] { member("object", [&] { out_ += "\"chat.completion\""; }); },
        [&] { member("created", [&] { number(); }); },
        [&] { member("model", [&] { one_in(10) ? value(2) : string_value(); }); },
        [&] { member("system_fingerprint", [&] { one_in(4) ? null_value() : string_value(); }); },
        [&] { member("choices", [&] { one_in(20) ? value(2) : choices(); }); },
    };
    if (!one_in(5)) members.push_back([&] { member("usage", [&] { usage(); }); });
    if (one_in(30)) members.push_back([&] { member("usage", [&] { usage(); }); });
    if (one_in(5)) members.push_back([&] { member("model", [&] { string_value(); }); });
    if (one_in(4)) members.push_back([&] { member(random_key(), [&] { value(3); }); });
    shuffle_and_write_object(members);
    whitespace();
    return out_;
  }

 private:
  void choices() {
    out_ += "[";
    const int count = one_in(10) ? 0 : 1 + (one_in(4) ? below(3) : 0);
    for (int index = 0; index < count; ++index) {
      if (index > 0) out_ += ",";
      whitespace();
      one_in(15) ? value(2) : choice(index);
      whitespace();
    }
    out_ += "]";
  }

  void choice(int index) {
    std::vector<std::function<void()>> members = {
        [&, index] { member("index", [&] { out_ += std::to_string(index); }); },
        [&] { member("message", [&] { one_in(15) ? value(2) : message(); }); },
        [&] { member("logprobs", [&] { one_in(4) ? logprobs() : null_value(); }); },
        [&] { member("finish_reason", [&] { one_in(8) ? value(1) : string_value(); }); },
    };
    if (one_in(5)) members.push_back([&] { member(random_key(), [&] { value(2); }); });
    shuffle_and_write_object(members);
  }

  void message() {
    std::vector<std::function<void()>> members = {
        [&] { member("role", [&] { out_ += "\"assistant\""; }); },
        [&] { member("content", [&] { one_in(4) ? null_value() : string_value(); }); },
        [&] { member("refusal", [&] { one_in(5) ? string_value() : null_value(); }); },
    };
    if (one_in(3)) members.push_back([&] { member("tool_calls", [&] { tool_calls(); }); });
    if (one_in(4)) members.push_back([&] { member("annotations", [&] { out_ += "[]"; }); });
    if (one_in(6)) members.push_back([&] { member("model", [&] { string_value(); }); });
    if (one_in(6)) members.push_back([&] { member(random_key(), [&] { value(3); }); });
    shuffle_and_write_object(members);
  }

  void tool_calls() {
    out_ += "[";
    const int count = below(3);
    for (int index = 0; index < count; ++index) {
      if (index > 0) out_ += ",";
      out_ += R"({"id":"call_)" + std::to_string(index) +
              R"(","type":"function","function":{"name":"get_weather","arguments":)";
      string_value();
      out_ += "}}";
    }
    out_ += "]";
  }

  void logprobs() {
    out_ += R"({"content":[{"token":)";
    string_value();
    out_ += R"(,"logprob":)";
    number();
    out_ +=
        R"(,"bytes":[72,105],"top_logprobs":[{"token":"Hi","logprob":-0.31326166,"bytes":null}]}],)"
        R"("refusal":null})";
  }

  void usage() {
    if (one_in(5)) {
      null_value();
      return;
    }
    if (one_in(20)) {
      value(2);
      return;
    }
    std::vector<std::function<void()>> members = {
        [&] { member("prompt_tokens", [&] { count(); }); },
        [&] { member("completion_tokens", [&] { count(); }); },
        [&] { member("total_tokens", [&] { count(); }); },
        [&] { member("prompt_tokens_details", [&] { details("cached_tokens"); }); },
        [&] { member("completion_tokens_details", [&] { details("reasoning_tokens"); }); },
    };
    if (one_in(8)) members.push_back([&] { member("prompt_tokens", [&] { count(); }); });
    if (one_in(8)) {
      members.push_back(
          [&] { member("prompt_tokens_details", [&] { details("cached_tokens"); }); });
    }
    if (one_in(4)) members.push_back([&] { member(random_key(), [&] { value(2); }); });
    if (one_in(6)) members.erase(members.begin() + below(static_cast<int>(members.size())));
    shuffle_and_write_object(members);
  }

  void details(const std::string& wanted_key) {
    if (one_in(8)) {
      one_in(2) ? null_value() : value(1);
      return;
    }
    std::vector<std::function<void()>> members = {
        [&] { member("audio_tokens", [&] { count(); }); },
    };
    if (!one_in(4)) members.push_back([&] { member(wanted_key, [&] { count(); }); });
    shuffle_and_write_object(members);
  }

  // Mostly what upstreams send; now and then a count simdjson reads by its own rules.
  void count() {
    if (one_in(6)) {
      static const std::vector<std::string> kOdd = {
          "-3",   "7.9", "1e3", "\"12\"", "null", "999999999999999999", "1000000000000000000",
          "-0.5", "[]",  "{}"};
      out_ += pick(kOdd);
      return;
    }
    out_ += std::to_string(below(100000));
  }
};

TEST(CommonResponseScanDifferential, RandomResponsesReadAsSimdjsonReadsThem) {
  RandomResponseWriter writer(20240612);
  ResponseScanner scanner;
  int fast = 0;
  constexpr int kResponses = 30000;
  for (int index = 0; index < kResponses; ++index) {
    const std::string body = writer.response();
    ASSERT_TRUE(fuzz::JsonGrammar::is_valid(body)) << body;  // the writer's own check
    fast += takes_fast_path(body) ? 1 : 0;
    restore_checked(scanner, body);
    if (HasFailure()) return;
  }
  // Many are of the common shape; the rest have an odd count, an escaped key, a large number...
  RecordProperty("fast_path", fast);
  EXPECT_GT(fast, kResponses / 4);
  EXPECT_LT(fast, kResponses);
}

TEST(CommonResponseScanDifferential, MutatedResponsesReadAsSimdjsonReadsThem) {
  RandomResponseWriter writer(8);
  std::mt19937 random(12);
  std::vector<std::string> seeds = {
      response_with_message(kMockMessage),
      response_with_message(kMockMessage, "null"),
      response_with_message(
          R"({"role":"assistant","content":"\u00e9\n\"x\" \ud83d\ude00 \xC3\xA9"})"),
      response_with_message(
          R"({"role":"assistant","tool_calls":[{"id":"c","function":{"arguments":"{\"city\": 1}"}}]})"),
  };
  for (int index = 0; index < 150; ++index) seeds.push_back(writer.response());
  ResponseScanner scanner;
  int fast = 0;
  int inputs = 0;
  for (const std::string& seed : seeds) {
    std::string body = seed;
    for (int round = 0; round < 300; ++round) {
      // Mostly one edit away from the seed, sometimes an accumulation of edits.
      body = random_json::mutate(round % 4 == 0 ? body : seed, random);
      fast += takes_fast_path(body) ? 1 : 0;
      ++inputs;
      restore_checked(scanner, body);
      if (HasFailure()) return;
    }
  }
  RecordProperty("inputs", inputs);
  RecordProperty("fast_path", fast);
  EXPECT_GT(fast, inputs / 20);  // edits inside strings keep many of them valid
}

}  // namespace
}  // namespace tollgate::providers::openai
