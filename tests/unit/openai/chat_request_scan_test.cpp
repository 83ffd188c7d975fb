// ChatRequestParser's two ways of reading a chat request: by hand for the common shape
// (detail::scan_common_request), by simdjson for everything else, every error included. Whatever
// the body, parse() must answer exactly as simdjson alone does; and a body the hand-written
// reading accepts must be valid JSON.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

// The fuzz targets' oracle for valid JSON: library parsers add limits of their own.
#include "../../fuzz/json_grammar.hpp"
#include "api/openai/chat_request.hpp"
#include "api/openai/chat_request_detail.hpp"
#include "random_json.hpp"

namespace tollgate::api::openai {
namespace {

// Every field, so that a mismatch shows which.
std::string describe(const ChatRequestResult& result) {
  if (const auto* error = std::get_if<RequestError>(&result)) {
    return "error " + error->code + " / " + error->param + " / " + error->message;
  }
  const auto& view = std::get<ChatRequestView>(result);
  const auto range = [](const std::optional<ByteRange>& r) {
    return r ? std::to_string(r->offset) + "+" + std::to_string(r->length) : std::string("-");
  };
  return "model=" + view.model + " at " + range(view.model_value) +
         " stream=" + std::to_string(view.stream) +
         " include_usage=" + std::to_string(view.include_usage) +
         " stream_options=" + range(view.stream_options_value) +
         " include_usage_value=" + range(view.include_usage_value) +
         " max_tokens=" + (view.max_tokens ? std::to_string(*view.max_tokens) : "-") +
         " messages=" + std::to_string(view.message_count) +
         " prompt_chars=" + std::to_string(view.prompt_chars);
}

bool takes_fast_path(std::string_view body) {
  ChatRequestView view;
  return detail::scan_common_request(body, view);
}

// parse() on `body`, checked against simdjson alone, and, when the fast path took it, against the
// JSON grammar. `parser` is reused across calls, as on the hot path; index() then read() must
// give the same answer.
ChatRequestResult parse_checked(ChatRequestParser& parser, std::string_view body) {
  ChatRequestResult result = parser.parse(body);
  EXPECT_EQ(describe(result), describe(detail::parse_with_simdjson_only(body)))
      << ::testing::PrintToString(std::string(body));
  parser.index(body);
  EXPECT_EQ(parser.read(), result) << ::testing::PrintToString(std::string(body));
  if (takes_fast_path(body)) {
    EXPECT_TRUE(fuzz::JsonGrammar::is_valid(body))
        << "the fast path accepted invalid JSON: " << ::testing::PrintToString(std::string(body));
    EXPECT_TRUE(std::holds_alternative<ChatRequestView>(result));
  }
  return result;
}

ChatRequestResult parse_checked(std::string_view body) {
  ChatRequestParser parser;
  return parse_checked(parser, body);
}

// The benchmark's request (bench/chat_request.mjs): a system prompt and a short conversation.
const std::string kBenchRequest =
    R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a concise )"
    R"(assistant. "},{"role":"user","content":"Summarise the benefits of connection pooling )"
    R"(in two sentences. "},{"role":"assistant","content":"Pooling reuses TCP and TLS )"
    R"(sessions, cutting handshakes. "},{"role":"user","content":"And the drawbacks?"}],)"
    R"("max_tokens":16,"temperature":0})";

TEST(CommonRequestScan, TheBenchmarkRequestTakesTheFastPath) {
  EXPECT_TRUE(takes_fast_path(kBenchRequest));
  const ChatRequestResult result = parse_checked(kBenchRequest);
  const auto& view = std::get<ChatRequestView>(result);
  EXPECT_EQ(view.model, "gpt-4o-mini");
  EXPECT_EQ(view.max_tokens, 16);
  EXPECT_EQ(view.message_count, 4u);
}

TEST(CommonRequestScan, EscapedTextIsCountedAsItsCharacters) {
  // \n, \" and \\ are one character each; \u00e9 one; a surrogate pair one; \u0000 one.
  const std::string body =
      R"({"model":"m","messages":[{"role":"user","content":"a\nb\"c\\d\u00e9\ud83d\ude00\u0000"},)"
      R"({"role":"user","content":[{"type":"text","text":"\t\u20AC"}]}]})";
  ASSERT_TRUE(takes_fast_path(body));
  const ChatRequestResult result = parse_checked(body);
  EXPECT_EQ(std::get<ChatRequestView>(result).prompt_chars, 10u + 2u);
}

TEST(CommonRequestScan, EveryFieldItReadsTakesTheFastPath) {
  const std::string body =
      " \n{ \"model\" : \"gpt-4o\" , \"messages\" : [ {\"role\":\"developer\",\"content\":null},"
      "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}},"
      "{\"type\":\"text\",\"text\":\"h\xC3\xA9\"}],\"name\":\"n\"},{\"role\":\"tool\","
      "\"tool_call_id\":\"c\",\"content\":\"ok\"}], \"stream\" : true, \"stream_options\" : "
      "{ \"x\" : 1 , \"include_usage\" : null } , \"max_tokens\" : 100, "
      "\"max_completion_tokens\":50, \"n\":2, \"temperature\":-1.5e-3, \"tools\":[{\"a\":[]}], "
      "\"seed\":123456789012345678901234567890, \"user\":\"u\"}\r\n";
  ASSERT_TRUE(takes_fast_path(body));
  const ChatRequestResult result = parse_checked(body);
  const auto& view = std::get<ChatRequestView>(result);
  EXPECT_TRUE(view.stream);
  EXPECT_FALSE(view.include_usage);
  EXPECT_EQ(view.max_tokens, 50);
  EXPECT_EQ(view.prompt_chars, 2u + 2u);
  ASSERT_TRUE(view.include_usage_value);
  EXPECT_EQ(body.substr(view.include_usage_value->offset, view.include_usage_value->length),
            "null");
  ASSERT_TRUE(view.stream_options_value);
  EXPECT_EQ(body.substr(view.stream_options_value->offset, view.stream_options_value->length),
            R"({ "x" : 1 , "include_usage" : null })");
}

TEST(CommonRequestScan, UnusualShapesAreLeftToSimdjson) {
  const std::string messages = R"([{"role":"user","content":"hi"}])";
  const std::vector<std::string> bodies = {
      // Escapes where the hand-written reading compares or copies bytes.
      R"({"model":"gpt\u002d4o","messages":)" + messages + "}",
      R"({"model":"m","messages":[{"role":"us\u0065r","content":"hi"}]})",
      R"({"mod\u0065l":"m","messages":)" + messages + "}",
      // A byte order mark, a number beyond the scanner's rules, nesting beyond 16.
      "\xEF\xBB\xBF{\"model\":\"m\",\"messages\":" + messages + "}",
      R"({"model":"m","messages":)" + messages + R"(,"max_tokens":1234567890123456789})",
      R"({"model":"m","messages":)" + messages + R"(,"temperature":1e400})",
      R"({"model":"m","messages":)" + messages + R"(,"x":)" + std::string(20, '[') +
          std::string(20, ']') + "}",
      // Errors: the hand-written reading reports none.
      R"({"model":"m","model":"n","messages":)" + messages + "}",
      R"({"model":"m","messages":)" + messages +
          R"(,"stream_options":{"include_usage":true,"include_usage":false}})",
      R"({"model":"m","messages":[]})",
      R"({"model":"","messages":)" + messages + "}",
      R"({"model":"m","messages":[{"content":"hi"}]})",
      R"({"model":"m","messages":[{"role":"robot","content":"hi"}]})",
      R"({"model":"m","messages":[{"role":"user","content":7}]})",
      R"({"model":"m","messages":)" + messages + R"(,"max_tokens":0})",
      R"({"model":"m","messages":)" + messages + R"(,"max_tokens":1.0})",
      R"({"model":"m","messages":)" + messages + R"(,"stream":"yes"})",
      R"({"model":"m","messages":)" + messages + R"(,"tools":{}})",
      R"({"model":"m"})",
      R"({"model":"m","messages":)" + messages + "} {}",
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xFF\"}]}",
  };
  for (const std::string& body : bodies) {
    EXPECT_FALSE(takes_fast_path(body)) << body;
    parse_checked(body);
  }
}

// Chat requests with members in any order and of any kind, mostly of the common shape, now and
// then with a value of the wrong type or range, a duplicate, an escape or a number beyond the
// scanner's rules — each of which sends the body to simdjson.
class RandomRequestWriter : public providers::openai::random_json::RandomJsonWriter {
 public:
  explicit RandomRequestWriter(std::uint32_t seed) : RandomJsonWriter(seed) {}

  std::string request() {
    out_.clear();
    whitespace();
    std::vector<std::function<void()>> members;
    if (!one_in(30)) members.push_back([&] { member("model", [&] { model(); }); });
    if (!one_in(30)) members.push_back([&] { member("messages", [&] { messages(); }); });
    if (one_in(2)) members.push_back([&] { member("stream", [&] { boolean(); }); });
    if (one_in(3)) members.push_back([&] { member("stream_options", [&] { stream_options(); }); });
    if (one_in(2)) members.push_back([&] { member("max_tokens", [&] { count(); }); });
    if (one_in(4)) members.push_back([&] { member("max_completion_tokens", [&] { count(); }); });
    if (one_in(6)) members.push_back([&] { member("n", [&] { count(); }); });
    if (one_in(3)) {
      members.push_back([&] { member("temperature", [&] { one_in(20) ? value(1) : number(); }); });
    }
    if (one_in(5))
      members.push_back([&] { member("tools", [&] { one_in(6) ? value(2) : tools(); }); });
    if (one_in(4)) members.push_back([&] { member(random_key(), [&] { value(3); }); });
    if (one_in(40)) members.push_back([&] { member("stream", [&] { boolean(); }); });
    shuffle_and_write_object(members);
    whitespace();
    return out_;
  }

 private:
  void model() {
    static const std::vector<std::string> kModels = {"\"gpt-4o-mini\"", "\"claude-x\"", "\"o3\""};
    static const std::vector<std::string> kOdd = {"\"\"", "\"gpt\\u002d4o\""};
    if (one_in(30)) return value(1);
    if (one_in(10)) return string_value();
    out_ += pick(one_in(10) ? kOdd : kModels);
  }

  void messages() {
    if (one_in(40)) return value(2);
    out_ += "[";
    const int count = one_in(30) ? 0 : 1 + below(4);
    for (int index = 0; index < count; ++index) {
      if (index > 0) out_ += ",";
      whitespace();
      one_in(50) ? value(1) : message();
      whitespace();
    }
    out_ += "]";
  }

  void message() {
    std::vector<std::function<void()>> members;
    if (!one_in(40)) members.push_back([&] { member("role", [&] { role(); }); });
    if (!one_in(6)) members.push_back([&] { member("content", [&] { content(); }); });
    if (one_in(6)) members.push_back([&] { member("name", [&] { string_value(); }); });
    if (one_in(6)) members.push_back([&] { member(random_key(), [&] { value(2); }); });
    if (one_in(30)) members.push_back([&] { member("role", [&] { role(); }); });
    if (one_in(30)) members.push_back([&] { member("content", [&] { content(); }); });
    shuffle_and_write_object(members);
  }

  void role() {
    static const std::vector<std::string> kRoles = {
        "\"system\"",   "\"developer\"", "\"user\"", "\"assistant\"",  "\"tool\"",
        "\"function\"", "\"robot\"",     "\"User\"", "\"us\\u0065r\"", "7"};
    out_ += one_in(12) ? pick(kRoles) : kRoles[static_cast<std::size_t>(below(6))];
  }

  void content() {
    switch (below(24)) {
      case 0:
      case 1:
        return null_value();
      case 2:
        return value(1);
      case 3:
      case 4:
      case 5:
      case 6:
        break;
      default:
        return string_value();
    }
    out_ += "[";
    const int count = below(4);
    for (int index = 0; index < count; ++index) {
      if (index > 0) out_ += ",";
      if (one_in(15)) {
        value(1);
        continue;
      }
      std::vector<std::function<void()>> members = {
          [&] { member("type", [&] { out_ += one_in(3) ? "\"image_url\"" : "\"text\""; }); },
          [&] { member("text", [&] { one_in(8) ? value(1) : string_value(); }); },
      };
      if (one_in(4)) members.push_back([&] { member(random_key(), [&] { value(2); }); });
      shuffle_and_write_object(members);
    }
    out_ += "]";
  }

  void boolean() {
    static const std::vector<std::string> kValues = {"true", "false", "null"};
    one_in(20) ? value(1) : void(out_ += pick(kValues));
  }

  void stream_options() {
    if (one_in(5)) return null_value();
    if (one_in(10)) return value(1);
    std::vector<std::function<void()>> members;
    if (!one_in(4)) members.push_back([&] { member("include_usage", [&] { boolean(); }); });
    if (one_in(4)) members.push_back([&] { member(random_key(), [&] { value(2); }); });
    if (one_in(30)) members.push_back([&] { member("include_usage", [&] { boolean(); }); });
    shuffle_and_write_object(members);
  }

  void count() {
    static const std::vector<std::string> kOdd = {"0",
                                                  "-1",
                                                  "1.5",
                                                  "1e3",
                                                  "null",
                                                  "\"16\"",
                                                  "-0",
                                                  "1.0",
                                                  "123456789012345678",
                                                  "1234567890123456789",
                                                  "99999999999999999999"};
    if (one_in(12)) return void(out_ += pick(kOdd));
    out_ += std::to_string(1 + below(100000));
  }

  void tools() {
    out_ += R"([{"type":"function","function":{"name":"get_weather","parameters":)";
    value(3);
    out_ += "}}]";
  }
};

TEST(CommonRequestScanDifferential, RandomRequestsReadAsSimdjsonReadsThem) {
  RandomRequestWriter writer(20261208);
  ChatRequestParser parser;
  int fast = 0;
  constexpr int kRequests = 30000;
  for (int index = 0; index < kRequests; ++index) {
    const std::string body = writer.request();
    ASSERT_TRUE(fuzz::JsonGrammar::is_valid(body)) << body;  // the writer's own check
    fast += takes_fast_path(body) ? 1 : 0;
    parse_checked(parser, body);
    if (HasFailure()) return;
  }
  // Many are of the common shape; the rest have an error, an escape, a large number...
  RecordProperty("fast_path", fast);
  EXPECT_GT(fast, kRequests / 4);
  EXPECT_LT(fast, kRequests);
}

TEST(CommonRequestScanDifferential, MutatedRequestsReadAsSimdjsonReadsThem) {
  RandomRequestWriter writer(9);
  std::mt19937 random(13);
  std::vector<std::string> seeds = {
      kBenchRequest,
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"h\u00e9\n"}]}],)"
      R"("stream":true,"stream_options":{"include_usage":true},"max_tokens":10,"x":[1.5,null]})",
  };
  for (int index = 0; index < 150; ++index) seeds.push_back(writer.request());
  ChatRequestParser parser;
  int fast = 0;
  int inputs = 0;
  for (const std::string& seed : seeds) {
    std::string body = seed;
    for (int round = 0; round < 300; ++round) {
      // Mostly one edit away from the seed, sometimes an accumulation of edits.
      body = providers::openai::random_json::mutate(round % 4 == 0 ? body : seed, random);
      fast += takes_fast_path(body) ? 1 : 0;
      ++inputs;
      parse_checked(parser, body);
      if (HasFailure()) return;
    }
  }
  RecordProperty("inputs", inputs);
  RecordProperty("fast_path", fast);
  EXPECT_GT(fast, inputs / 20);  // edits inside strings keep many of them valid
}

}  // namespace
}  // namespace tollgate::api::openai
