#include "api/json_text.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

#include "api/openai/errors.hpp"

namespace tollgate::api {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

// The decoded value of a JSON string produced by append_json_string, or "<invalid>".
std::string parse_back(const std::string& json) {
  boost::system::error_code error;
  const boost::json::value value = boost::json::parse(json, error);
  if (error || !value.is_string()) return "<invalid>";
  return std::string(value.as_string());
}

TEST(JsonText, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_escape(R"(say "hi" \ bye)"), R"(say \"hi\" \\ bye)");
  EXPECT_EQ(json_escape("\b\f\n\r\t"), R"(\b\f\n\r\t)");
  EXPECT_EQ(json_escape(std::string("\x00\x01\x1f", 3)), R"(\u0000\u0001\u001f)");
  EXPECT_EQ(json_escape("\x7f/"), "\x7f/");  // DEL and slash need no escape
}

TEST(JsonText, KeepsValidUtf8AsIs) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x91\x8B \xF4\x8F\xBF\xBF";
  EXPECT_EQ(json_escape(text), text);
}

TEST(JsonText, ReplacesEachMaximalIllFormedSubsequenceWithOneReplacementCharacter) {
  EXPECT_EQ(json_escape("a\xFF"
                        "b"),
            "a" + kReplacement + "b");
  EXPECT_EQ(json_escape("\xE2\x82"), kReplacement);  // truncated at the end
  EXPECT_EQ(json_escape("\xE2\x82"
                        "A"),
            kReplacement + "A");                                    // truncated by ASCII
  EXPECT_EQ(json_escape("\xF0\x9F\x98"), kReplacement);             // truncated 4-byte form
  EXPECT_EQ(json_escape("\xC0\xAF"), kReplacement + kReplacement);  // overlong
  EXPECT_EQ(json_escape("\xE0\x80\xAF"), kReplacement + kReplacement + kReplacement);
  EXPECT_EQ(json_escape("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);  // surrogate
  EXPECT_EQ(json_escape("\xF4\x90\x80\x80"),
            kReplacement + kReplacement + kReplacement + kReplacement);  // above U+10FFFF
  EXPECT_EQ(json_escape("\x80\x80"), kReplacement + kReplacement);       // lone continuations
  EXPECT_EQ(json_escape("\xC3\xA9\xC3"), "\xC3\xA9" + kReplacement);
}

TEST(JsonText, AppendJsonStringWritesAQuotedStringThatParsesBack) {
  std::string out = "x=";
  append_json_string(out, "line\n\"quoted\"");
  EXPECT_EQ(out, R"(x="line\n\"quoted\"")");
  EXPECT_EQ(json_string(""), R"("")");
  for (const std::string& text : {std::string("plain"), std::string("tab\there"),
                                  std::string("nul\0byte", 8), std::string("\xE2\x82\xAC")}) {
    EXPECT_EQ(parse_back(json_string(text)), text);
  }
}

TEST(JsonText, AnyByteSequenceGivesValidJson) {
  std::string every_byte;
  for (int byte = 0; byte < 256; ++byte) every_byte.push_back(static_cast<char>(byte));
  EXPECT_NE(parse_back(json_string(every_byte)), "<invalid>");
  EXPECT_NE(parse_back(json_string(every_byte + every_byte.substr(0xC0))), "<invalid>");
}

// The escaper reads plain text sixteen and eight bytes at a time: every byte that needs a look is
// found wherever it sits in a block, at every length and alignment, next to plain text on both
// sides.
TEST(JsonText, FindsEveryByteThatNeedsALookAtEveryPositionOfABlock) {
  const auto escape_one = [](unsigned char c) -> std::string {
    switch (c) {
      case '"': return R"(\")";
      case '\\': return R"(\\)";
      case '\n': return R"(\n)";
      case 0x1f: return R"(\u001f)";
      case 0x80:
      case 0xff:
        return kReplacement;  // never valid UTF-8 on its own
      default: return std::string(1, static_cast<char>(c));
    }
  };
  const std::string plain = "The quick brown fox jumps over the lazy dog, 0123456789~";
  for (unsigned char special : {'"', '\\', '\n', '\x1f', '\x7f', ' ', '~', '\x80', '\xff'}) {
    for (std::size_t length = 1; length <= 48; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string text = plain.substr(0, length);
        text[at] = static_cast<char>(special);
        std::string expected = text.substr(0, at) + escape_one(special) + text.substr(at + 1);
        ASSERT_EQ(json_escape(text), expected) << "byte " << int(special) << " at " << at << " of "
                                               << length;
      }
    }
  }
  // A UTF-8 sequence, valid or cut, across a block boundary.
  for (std::size_t at = 0; at < 40; ++at) {
    const std::string before(at, 'a');
    EXPECT_EQ(json_escape(before + "\xE2\x82\xAC" + "tail"), before + "\xE2\x82\xAC" + "tail");
    EXPECT_EQ(json_escape(before + "\xE2\x82" + "tail"), before + kReplacement + "tail");
  }
}

TEST(OpenAiErrorBody, HasTheOpenAiShapeWithNullParamWhenEmpty) {
  EXPECT_EQ(openai::error_body("Invalid API key.", "invalid_request_error", "invalid_api_key"),
            R"({"error":{"message":"Invalid API key.","type":"invalid_request_error",)"
            R"("param":null,"code":"invalid_api_key"}})");
  EXPECT_EQ(
      openai::error_body("Bad role.", "invalid_request_error", "invalid_value", "messages[3].role"),
      R"({"error":{"message":"Bad role.","type":"invalid_request_error",)"
      R"("param":"messages[3].role","code":"invalid_value"}})");
  EXPECT_EQ(openai::error_body("Upstream failed.", "server_error", ""),
            R"({"error":{"message":"Upstream failed.","type":"server_error",)"
            R"("param":null,"code":null}})");
}

TEST(OpenAiErrorBody, IsValidJsonWhateverTheMessageHolds) {
  const std::string message = "upstream said: \"boom\"\n\\ \x01 \xFF\xFE end";
  const std::string body = openai::error_body(message, "server_error", "upstream_error");
  boost::system::error_code error;
  const boost::json::value value = boost::json::parse(body, error);
  ASSERT_FALSE(error) << body;
  EXPECT_EQ(value.at("error").at("message").as_string(),
            "upstream said: \"boom\"\n\\ \x01 " + kReplacement + kReplacement + " end");
  EXPECT_TRUE(value.at("error").at("param").is_null());
}

}  // namespace
}  // namespace tollgate::api
