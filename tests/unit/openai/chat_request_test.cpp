#include "api/openai/chat_request.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace tollgate::api::openai {
namespace {

const std::string kMessages = R"([{"role":"user","content":"Hi"}])";

ChatRequestView parse_ok(std::string_view body) {
  ChatRequestResult result = parse_chat_request(body);
  if (auto* error = std::get_if<RequestError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << error->code << " / " << error->param << " / "
                  << error->message << "\nbody: " << body;
    return {};
  }
  return std::get<ChatRequestView>(std::move(result));
}

RequestError parse_error(std::string_view body) {
  ChatRequestResult result = parse_chat_request(body);
  if (!std::holds_alternative<RequestError>(result)) {
    ADD_FAILURE() << "expected an error for: " << body;
    return {};
  }
  return std::get<RequestError>(std::move(result));
}

std::string_view bytes_of(std::string_view body, ByteRange range) {
  return body.substr(range.offset, range.length);
}

// ---------------------------------------------------------------------------------------------
// Valid requests
// ---------------------------------------------------------------------------------------------

TEST(ChatRequest, ReadsAMinimalRequest) {
  const std::string body = R"({"model":"gpt-4o","messages":)" + kMessages + "}";
  const ChatRequestView view = parse_ok(body);
  EXPECT_EQ(view.model, "gpt-4o");
  EXPECT_EQ(view.model_value, (ByteRange{9, 8}));
  EXPECT_FALSE(view.stream);
  EXPECT_FALSE(view.include_usage);
  EXPECT_FALSE(view.stream_options_value);
  EXPECT_FALSE(view.include_usage_value);
  EXPECT_FALSE(view.max_tokens);
  EXPECT_EQ(view.message_count, 1u);
  EXPECT_EQ(view.prompt_chars, 2u);
}

TEST(ChatRequest, OffsetsAreExactAroundWhitespaceUnicodeAndEscapes) {
  const std::string body =
      " \n\t{ \"messages\" : [ {\"role\":\"user\", \"content\":\"h\xC3\xA9llo \xF0\x9F\x91\x8B\"} "
      "] "
      ",\r\n  \"model\"  :  \"g\\u00e9pt\\\"x\\n\"  \t, \"stream\" : true , \"stream_options\" "
      ": { \"include_usage\" : false , \"x\" : [1, 2] }  \n}  \n";
  const ChatRequestView view = parse_ok(body);
  EXPECT_EQ(view.model, "g\xC3\xA9pt\"x\n");
  EXPECT_EQ(bytes_of(body, view.model_value), R"("g\u00e9pt\"x\n")");
  EXPECT_TRUE(view.stream);
  EXPECT_FALSE(view.include_usage);
  ASSERT_TRUE(view.stream_options_value);
  EXPECT_EQ(bytes_of(body, *view.stream_options_value),
            R"({ "include_usage" : false , "x" : [1, 2] })");
  ASSERT_TRUE(view.include_usage_value);
  EXPECT_EQ(bytes_of(body, *view.include_usage_value), "false");
  EXPECT_EQ(view.prompt_chars, 7u);  // "héllo 👋" is 7 characters
}

TEST(ChatRequest, OffsetsCountFromTheStartOfABodyWithAByteOrderMark) {
  const std::string body = "\xEF\xBB\xBF{\"model\":\"m\",\"messages\":" + kMessages + "}";
  const ChatRequestView view = parse_ok(body);
  EXPECT_EQ(view.model_value, (ByteRange{12, 3}));
  EXPECT_EQ(bytes_of(body, view.model_value), "\"m\"");
}

TEST(ChatRequest, ReadsStreamOptionsNullAsPresent) {
  const std::string body =
      R"({"model":"m","messages":)" + kMessages + R"(,"stream":true,"stream_options":null  })";
  const ChatRequestView view = parse_ok(body);
  ASSERT_TRUE(view.stream_options_value);
  EXPECT_EQ(bytes_of(body, *view.stream_options_value), "null");
  EXPECT_FALSE(view.include_usage);
}

TEST(ChatRequest, ReadsIncludeUsage) {
  const ChatRequestView view =
      parse_ok(R"({"model":"m","messages":)" + kMessages +
               R"(,"stream":true,"stream_options":{"include_usage":true}})");
  EXPECT_TRUE(view.include_usage);
}

TEST(ChatRequest, MaxCompletionTokensWinsOverMaxTokensInAnyOrder) {
  EXPECT_EQ(
      parse_ok(R"({"model":"m","messages":)" + kMessages + R"(,"max_tokens":100})").max_tokens,
      100);
  EXPECT_EQ(parse_ok(R"({"model":"m","messages":)" + kMessages +
                     R"(,"max_tokens":100,"max_completion_tokens":50})")
                .max_tokens,
            50);
  EXPECT_EQ(parse_ok(R"({"max_completion_tokens":50,"model":"m","messages":)" + kMessages +
                     R"(,"max_tokens":100})")
                .max_tokens,
            50);
  EXPECT_EQ(parse_ok(R"({"model":"m","messages":)" + kMessages +
                     R"(,"max_tokens":100,"max_completion_tokens":null})")
                .max_tokens,
            100);
  EXPECT_EQ(parse_ok(R"({"max_completion_tokens":null,"model":"m","messages":)" + kMessages +
                     R"(,"max_tokens":100})")
                .max_tokens,
            100);
  EXPECT_FALSE(
      parse_ok(R"({"model":"m","messages":)" + kMessages + R"(,"max_tokens":null})").max_tokens);
}

TEST(ChatRequest, CountsTextOfContentPartsButNotOtherParts) {
  const ChatRequestView view = parse_ok(R"({"model":"m","messages":[
      {"role":"system","content":"abc"},
      {"role":"user","content":[{"type":"text","text":"de"},
                                {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},
                                {"text":"f","type":"text"}]},
      {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
        "function":{"name":"f","arguments":"{\"a\":1}"}}]},
      {"role":"tool","tool_call_id":"c1","content":"ok"}]})");
  EXPECT_EQ(view.message_count, 4u);
  EXPECT_EQ(view.prompt_chars, 3u + 2u + 1u + 2u);
}

TEST(ChatRequest, AcceptsEveryRole) {
  for (const char* role : {"system", "developer", "user", "assistant", "tool", "function"}) {
    parse_ok(std::string(R"({"model":"m","messages":[{"role":")") + role + R"("}]})");
  }
}

TEST(ChatRequest, AcceptsAndSkipsUnknownFieldsAndValidOptionalValues) {
  const ChatRequestView view = parse_ok(R"({"model":"m","messages":)" + kMessages + R"(,
      "temperature":0.7,"top_p":1,"n":2,"seed":123456789012345678901234567890,
      "tools":[{"type":"function","function":{"name":"get","parameters":{"type":"object",
        "properties":{"a":{"type":"array","items":{"type":"string"}}}}}}],
      "response_format":{"type":"json_schema"},"stop":["\n\n"],"logit_bias":{"50256":-100},
      "user":"u\u0000x","metadata":null,"stream":false,"x":[true,false,null,-1.5e-3]})");
  EXPECT_EQ(view.model, "m");
  EXPECT_FALSE(view.stream);
}

TEST(ChatRequest, ParserCanBeReusedAcrossBodiesOfAnySize) {
  ChatRequestParser parser;
  const std::string big = R"({"model":"big","messages":[{"role":"user","content":")" +
                          std::string(100000, 'x') + R"("}]})";
  const std::string small = R"({"model":"small","messages":)" + kMessages + "}";
  for (int round = 0; round < 3; ++round) {
    auto big_result = parser.parse(big);
    ASSERT_TRUE(std::holds_alternative<ChatRequestView>(big_result));
    EXPECT_EQ(std::get<ChatRequestView>(big_result).prompt_chars, 100000u);
    auto small_result = parser.parse(small);
    ASSERT_TRUE(std::holds_alternative<ChatRequestView>(small_result));
    EXPECT_EQ(std::get<ChatRequestView>(small_result).model, "small");
    EXPECT_TRUE(std::holds_alternative<RequestError>(parser.parse("{")));
  }
}

// ---------------------------------------------------------------------------------------------
// Invalid requests: every message, param and code is pinned, because clients see them.
// ---------------------------------------------------------------------------------------------

struct InvalidCase {
  std::string name;
  std::string body;
  RequestError expected;
};

void PrintTo(const InvalidCase& invalid_case, std::ostream* out) {
  *out << invalid_case.name;
}

const std::string kJsonHint =
    "). The OpenAI API expects a JSON object as the body, sent with 'Content-Type: "
    "application/json'.";

std::string with_messages(const std::string& rest) {
  return R"({"model":"m","messages":)" + kMessages + rest + "}";
}

std::vector<InvalidCase> invalid_corpus() {
  return {
      {"empty_body",
       "",
       {"We could not parse the JSON body of your request: the body is empty. The OpenAI API "
        "expects a JSON object as the body, sent with 'Content-Type: application/json'.",
        "", "invalid_json"}},
      {"whitespace_body",
       "  \n",
       {"We could not parse the JSON body of your request: the body is empty. The OpenAI API "
        "expects a JSON object as the body, sent with 'Content-Type: application/json'.",
        "", "invalid_json"}},
      {"not_json",
       "model=gpt-4o",
       {"We could not parse the JSON body of your request (The JSON document has an improper "
        "structure: missing or superfluous commas, braces, missing keys, etc." +
            kJsonHint,
        "", "invalid_json"}},
      {"truncated",
       R"({"model":"m","messages":[)",
       {"We could not parse the JSON body of your request (JSON document ended early in the "
        "middle of an object or array." +
            kJsonHint,
        "", "invalid_json"}},
      {"array_body",
       "[1,2]",
       {"The request body must be a JSON object, but got an array instead.", "", "invalid_type"}},
      {"bad_array_body",
       "[1,,2]",
       {"We could not parse the JSON body of your request (The JSON document has an improper "
        "structure: missing or superfluous commas, braces, missing keys, etc." +
            kJsonHint,
        "", "invalid_json"}},
      {"array_body_with_trailing_content",
       "[1] [2]",
       {"We could not parse the JSON body of your request (unexpected data after the JSON "
        "value). The OpenAI API expects a single JSON object as the body.",
        "", "invalid_json"}},
      {"null_body",
       "null",
       {"The request body must be a JSON object, but got null instead.", "", "invalid_type"}},
      {"bad_literal_body",
       "nul",
       {"We could not parse the JSON body of your request (Problem while parsing an atom "
        "starting with the letter 'n'" +
            kJsonHint,
        "", "invalid_json"}},
      {"string_body",
       R"("hello")",
       {"The request body must be a JSON object, but got a string instead.", "", "invalid_type"}},
      {"invalid_utf8",
       "{\"model\":\"gpt\xFF\",\"messages\":[]}",
       {"The request body is not valid UTF-8. JSON bodies must be encoded as UTF-8.", "",
        "invalid_encoding"}},
      {"trailing_content",
       with_messages("") + R"({"model":"x"})",
       {"We could not parse the JSON body of your request (unexpected data after the JSON "
        "value). The OpenAI API expects a single JSON object as the body.",
        "", "invalid_json"}},
      {"missing_comma_in_unknown_field",
       with_messages(R"(,"x":[1,,2])"),
       {"We could not parse the JSON body of your request (The JSON document has an improper "
        "structure: missing or superfluous commas, braces, missing keys, etc." +
            kJsonHint,
        "", "invalid_json"}},
      {"bad_literal_in_unknown_field",
       with_messages(R"(,"x":tru)"),
       {"We could not parse the JSON body of your request (The JSON element does not have the "
        "requested type." +
            kJsonHint,
        "", "invalid_json"}},
      {"bad_escape_in_unknown_field",
       with_messages(R"(,"x":"\q")"),
       {"We could not parse the JSON body of your request (Problem while parsing a string" +
            kJsonHint,
        "", "invalid_json"}},
      {"bad_literal_where_a_string_is_expected",
       R"({"model":nul,"messages":[]})",
       {"We could not parse the JSON body of your request (The JSON element does not have the "
        "requested type." +
            kJsonHint,
        "", "invalid_json"}},
      {"missing_model",
       R"({"messages":)" + kMessages + "}",
       {"Missing required parameter: 'model'.", "model", "missing_required_parameter"}},
      {"missing_messages",
       R"({"model":"m"})",
       {"Missing required parameter: 'messages'.", "messages", "missing_required_parameter"}},
      {"model_not_a_string",
       R"({"model":5,"messages":)" + kMessages + "}",
       {"Invalid type for 'model': expected a string, but got an integer instead.", "model",
        "invalid_type"}},
      {"model_null",
       R"({"model":null,"messages":)" + kMessages + "}",
       {"Invalid type for 'model': expected a string, but got null instead.", "model",
        "invalid_type"}},
      {"model_empty",
       R"({"model":"","messages":)" + kMessages + "}",
       {"Invalid 'model': empty string. Expected the id of a model.", "model", "invalid_value"}},
      {"duplicate_model",
       R"({"model":"cheap","messages":)" + kMessages + R"(,"model":"dear"})",
       {"Duplicate parameter 'model': each parameter may appear only once in the request body.",
        "model", "duplicate_parameter"}},
      {"duplicate_model_spelled_with_an_escape",
       R"({"model":"cheap","messages":)" + kMessages + R"(,"mod\u0065l":"dear"})",
       {"Duplicate parameter 'model': each parameter may appear only once in the request body.",
        "model", "duplicate_parameter"}},
      {"duplicate_stream",
       with_messages(R"(,"stream":false,"stream":true)"),
       {"Duplicate parameter 'stream': each parameter may appear only once in the request body.",
        "stream", "duplicate_parameter"}},
      {"messages_not_an_array",
       R"({"model":"m","messages":{"role":"user"}})",
       {"Invalid type for 'messages': expected an array of objects, but got an object instead.",
        "messages", "invalid_type"}},
      {"messages_empty",
       R"({"model":"m","messages":[]})",
       {"Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
        "empty array instead.",
        "messages", "empty_array"}},
      {"message_not_an_object",
       R"({"model":"m","messages":[{"role":"user"},"hi"]})",
       {"Invalid type for 'messages[1]': expected an object, but got a string instead.",
        "messages[1]", "invalid_type"}},
      {"unknown_role",
       R"({"model":"m","messages":[{"role":"user"},{"role":"user"},{"role":"user"},{"role":"wizard"}]})",
       {"Invalid value: 'wizard'. Supported values are: 'system', 'developer', 'user', "
        "'assistant', 'tool', and 'function'.",
        "messages[3].role", "invalid_value"}},
      {"long_unknown_role_is_cut_in_the_message",
       R"({"model":"m","messages":[{"role":")" + std::string(100, 'r') + R"("}]})",
       {"Invalid value: '" + std::string(64, 'r') +
            "...'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', "
            "and 'function'.",
        "messages[0].role", "invalid_value"}},
      {"role_not_a_string",
       R"({"model":"m","messages":[{"role":1}]})",
       {"Invalid type for 'messages[0].role': expected a string, but got an integer instead.",
        "messages[0].role", "invalid_type"}},
      {"role_missing",
       R"({"model":"m","messages":[{"content":"hi"}]})",
       {"Missing required parameter: 'messages[0].role'.", "messages[0].role",
        "missing_required_parameter"}},
      {"content_wrong_type",
       R"({"model":"m","messages":[{"role":"user","content":5}]})",
       {"Invalid type for 'messages[0].content': expected one of a string or array of objects, "
        "but got an integer instead.",
        "messages[0].content", "invalid_type"}},
      {"content_part_not_an_object",
       R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},"b"]}]})",
       {"Invalid type for 'messages[0].content[1]': expected an object, but got a string "
        "instead.",
        "messages[0].content[1]", "invalid_type"}},
      {"stream_not_a_boolean",
       with_messages(R"(,"stream":"yes")"),
       {"Invalid type for 'stream': expected a boolean, but got a string instead.", "stream",
        "invalid_type"}},
      {"stream_options_not_an_object",
       with_messages(R"(,"stream_options":[])"),
       {"Invalid type for 'stream_options': expected an object, but got an array instead.",
        "stream_options", "invalid_type"}},
      {"include_usage_not_a_boolean",
       with_messages(R"(,"stream_options":{"include_usage":"1"})"),
       {"Invalid type for 'stream_options.include_usage': expected a boolean, but got a string "
        "instead.",
        "stream_options.include_usage", "invalid_type"}},
      {"include_usage_twice",
       with_messages(R"(,"stream_options":{"include_usage":false,"include_usage":true})"),
       {"Duplicate parameter 'stream_options.include_usage': each parameter may appear only "
        "once in the request body.",
        "stream_options.include_usage", "duplicate_parameter"}},
      {"max_tokens_zero",
       with_messages(R"(,"max_tokens":0)"),
       {"Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 "
        "instead.",
        "max_tokens", "integer_below_min_value"}},
      {"max_tokens_negative",
       with_messages(R"(,"max_tokens":-5)"),
       {"Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got -5 "
        "instead.",
        "max_tokens", "integer_below_min_value"}},
      {"max_tokens_decimal",
       with_messages(R"(,"max_tokens":1.5)"),
       {"Invalid type for 'max_tokens': expected an integer, but got a decimal instead.",
        "max_tokens", "invalid_type"}},
      {"max_tokens_string",
       with_messages(R"(,"max_tokens":"100")"),
       {"Invalid type for 'max_tokens': expected an integer, but got a string instead.",
        "max_tokens", "invalid_type"}},
      {"max_tokens_huge",
       with_messages(R"(,"max_tokens":99999999999999999999)"),
       {"Invalid 'max_tokens': integer above maximum value. Expected a value <= "
        "9223372036854775807, but got 99999999999999999999 instead.",
        "max_tokens", "integer_above_max_value"}},
      {"max_completion_tokens_zero",
       with_messages(R"(,"max_completion_tokens":0)"),
       {"Invalid 'max_completion_tokens': integer below minimum value. Expected a value >= 1, "
        "but got 0 instead.",
        "max_completion_tokens", "integer_below_min_value"}},
      {"n_zero",
       with_messages(R"(,"n":0)"),
       {"Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.", "n",
        "integer_below_min_value"}},
      {"temperature_not_a_number",
       with_messages(R"(,"temperature":"hot")"),
       {"Invalid type for 'temperature': expected a number, but got a string instead.",
        "temperature", "invalid_type"}},
      {"tools_not_an_array",
       with_messages(R"(,"tools":{})"),
       {"Invalid type for 'tools': expected an array, but got an object instead.", "tools",
        "invalid_type"}},
  };
}

class ChatRequestInvalid : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(ChatRequestInvalid, ReportsTheExpectedError) {
  const RequestError error = parse_error(GetParam().body);
  EXPECT_EQ(error.message, GetParam().expected.message);
  EXPECT_EQ(error.param, GetParam().expected.param);
  EXPECT_EQ(error.code, GetParam().expected.code);
}

INSTANTIATE_TEST_SUITE_P(Bodies, ChatRequestInvalid, ::testing::ValuesIn(invalid_corpus()),
                         [](const ::testing::TestParamInfo<InvalidCase>& info) {
                           return info.param.name;
                         });

// ---------------------------------------------------------------------------------------------
// Hostile input: errors, never crashes
// ---------------------------------------------------------------------------------------------

TEST(ChatRequestHostile, TenThousandOpenBracketsIsAnError) {
  EXPECT_EQ(parse_error(std::string(10000, '[')).code, "invalid_json");
  EXPECT_EQ(parse_error(std::string(10000, '[') + std::string(10000, ']')).message,
            "The request body nests arrays and objects more than 128 levels deep.");
}

TEST(ChatRequestHostile, DeepNestingInsideAFieldIsAnError) {
  const std::string deep_arrays = std::string(10000, '[') + std::string(10000, ']');
  RequestError error = parse_error(with_messages(",\"x\":" + deep_arrays));
  EXPECT_EQ(error.code, "invalid_json");
  EXPECT_EQ(error.message, "The request body nests arrays and objects more than 128 levels deep.");

  std::string deep_objects;
  for (int i = 0; i < 10000; ++i) deep_objects += "{\"a\":";
  deep_objects += '1';
  deep_objects.append(10000, '}');
  EXPECT_EQ(parse_error(with_messages(",\"x\":" + deep_objects)).code, "invalid_json");

  // Nesting inside the interpreted fields is bounded the same way.
  EXPECT_EQ(parse_error(R"({"model":"m","messages":[{"role":"user","content":[{"type":"x","y":)" +
                        deep_arrays + "}]}]}")
                .code,
            "invalid_json");
}

TEST(ChatRequestHostile, NestingUpToTheLimitIsAccepted) {
  // The body object is level 1 and "x" is level 2, so 127 arrays reach level 128.
  parse_ok(with_messages(",\"x\":" + std::string(127, '[') + std::string(127, ']')));
  EXPECT_EQ(
      parse_error(with_messages(",\"x\":" + std::string(128, '[') + std::string(128, ']'))).code,
      "invalid_json");
}

TEST(ChatRequestHostile, EveryPrefixOfAValidBodyIsAnError) {
  const std::string body =
      R"({"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"h\u00e9"}]}],)"
      R"("stream":true,"stream_options":{"include_usage":true},"max_tokens":10,"x":[1.5,null]})";
  parse_ok(body);
  for (std::size_t length = 0; length < body.size(); ++length) {
    EXPECT_TRUE(std::holds_alternative<RequestError>(parse_chat_request(body.substr(0, length))))
        << body.substr(0, length);
  }
}

TEST(ChatRequestHostile, SingleByteMutationsNeverCrash) {
  const std::string body =
      R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true,)"
      R"("stream_options":{"include_usage":false},"max_tokens":10,"tools":[{"a":[{}]}]})";
  ChatRequestParser parser;
  std::size_t accepted = 0;
  for (std::size_t position = 0; position < body.size(); ++position) {
    for (const char replacement :
         {'\0', '"', '\\', '{', '}', '[', ']', ',', ':', ' ', '1', 'n', '\xFF', '\xC3'}) {
      std::string mutated = body;
      mutated[position] = replacement;
      ChatRequestResult result = parser.parse(mutated);
      if (auto* view = std::get_if<ChatRequestView>(&result)) {
        ++accepted;
        // Whatever was accepted has ranges inside the body.
        EXPECT_LE(view->model_value.offset + view->model_value.length, mutated.size());
        EXPECT_EQ(mutated[view->model_value.offset], '"');
      }
    }
  }
  EXPECT_GT(accepted, 0u);
}

// ---------------------------------------------------------------------------------------------
// In two steps: index() for the model, then read()
// ---------------------------------------------------------------------------------------------

TEST(ChatRequestInTwoSteps, IndexReadsTheTopLevelModelAndNothingElse) {
  ChatRequestParser parser;
  EXPECT_EQ(parser.index(R"({"messages":[{"role":"user","content":"hi"}],"model":"gpt-4o"})"),
            "gpt-4o");
  // Unescaped; the rest is not looked at (no messages here, an unknown field).
  EXPECT_EQ(parser.index(R"({"model":"gpt\u002d4o","x":{"model":"inner"}})"), "gpt-4o");
  EXPECT_EQ(parser.index(R"({"x":{"model":"inner"},"model":"outer"})"), "outer");
  EXPECT_EQ(parser.index(R"({"model":"first","model":"second"})"), "first");
  for (std::string_view body :
       {std::string_view(""), std::string_view("[1]"), std::string_view(R"("gpt-4o")"),
        std::string_view(R"({"messages":[]})"), std::string_view(R"({"model":7})"),
        std::string_view(R"({"model":""})"), std::string_view(R"({"model":"a)"),
        std::string_view("{\"model\":\"\xFF\"}")}) {
    EXPECT_EQ(parser.index(body), std::nullopt) << body;
  }
}

TEST(ChatRequestInTwoSteps, ReadAfterIndexIsParse) {
  std::vector<std::string> bodies = {
      with_messages(""),
      R"({"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"h\u00e9"}]}],)"
      R"("stream":true,"stream_options":{"include_usage":true},"max_tokens":10,"x":[1.5,null]})",
      "\xEF\xBB\xBF" + with_messages(R"(,"stream":false)"),
      R"({"messages":[{"role":"user","content":"hi"}],"model":"late"})",
  };
  for (const InvalidCase& invalid : invalid_corpus()) bodies.push_back(invalid.body);
  // Every byte of a valid body replaced: index() stops at errors anywhere before or after the
  // model, and read() must report them as parse() does.
  const std::string base = R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],)"
                           R"("stream_options":{"include_usage":false},"max_tokens":10})";
  for (std::size_t position = 0; position < base.size(); ++position) {
    for (const char replacement : {'\0', '"', '\\', '{', '}', ',', ':', '1', '\xFF'}) {
      bodies.push_back(base);
      bodies.back()[position] = replacement;
    }
  }
  ChatRequestParser two_steps;
  ChatRequestParser one_step;
  std::size_t indexed = 0;
  for (const std::string& body : bodies) {
    if (two_steps.index(body)) ++indexed;
    EXPECT_EQ(two_steps.read(), one_step.parse(body)) << body;
  }
  EXPECT_GT(indexed, bodies.size() / 4);  // the comparison covered both of read()'s starts
  EXPECT_LT(indexed, bodies.size());
}

TEST(ChatRequestLeadingModel, ReadsAModelSentFirstAndNothingAfterIt) {
  EXPECT_EQ(leading_model(R"({"model":"gpt-4o","messages":[)"), "gpt-4o");
  EXPECT_EQ(leading_model(" \r\n{ \"model\" :\t\"claude x\" , broken"), "claude x");
  EXPECT_EQ(leading_model("{\"model\":\"\xC3\xA9\"}"), "\xC3\xA9");
  for (std::string_view body :
       {std::string_view(""), std::string_view("{"),
        std::string_view(R"({"messages":[],"model":"m"})"),
        std::string_view(R"({"model":"gpt\u002d4o"})"), std::string_view(R"({"model":""})"),
        std::string_view(R"({"model":"m)"), std::string_view("{\"model\":\"a\nb\"}"),
        std::string_view(R"({"model":7})"), std::string_view(R"({"modelx":"m"})"),
        std::string_view(R"({"model""m"})"), std::string_view("\xEF\xBB\xBF{\"model\":\"m\"}"),
        std::string_view(R"(["model","m"])")}) {
    EXPECT_EQ(leading_model(body), std::nullopt) << body;
  }
}

TEST(ChatRequestErrorBody, IsTheOpenAiInvalidRequestShape) {
  EXPECT_EQ(request_error_body(
                {"Missing required parameter: 'model'.", "model", "missing_required_parameter"}),
            R"({"error":{"message":"Missing required parameter: 'model'.",)"
            R"("type":"invalid_request_error","param":"model",)"
            R"("code":"missing_required_parameter"}})");
}

}  // namespace
}  // namespace tollgate::api::openai
