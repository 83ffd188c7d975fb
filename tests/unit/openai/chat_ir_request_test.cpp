// decode_request: OpenAI chat bodies → ir::Request, field by field, and every client error.
#include <gtest/gtest.h>

#include <string>

#include "api/openai/chat_ir.hpp"
#include "api/openai/chat_request.hpp"

namespace tollgate::api::openai {
namespace {

using Kind = ir::Part::Kind;

ir::Request decoded(std::string_view body) {
  ir::Request request;
  const auto error = decode_request(body, request);
  EXPECT_FALSE(error) << (error ? error->message : "") << "\nbody: " << body;
  return request;
}

ir::Error rejected(std::string_view body) {
  ir::Request request;
  const auto error = decode_request(body, request);
  EXPECT_TRUE(error) << "accepted: " << body;
  return error.value_or(ir::Error{});
}

const ir::Extra* extra_named(const ir::Request& request, std::string_view name) {
  for (const ir::Extra& extra : request.extras) {
    if (extra.name == name) return &extra;
  }
  return nullptr;
}

TEST(ChatDecodeRequest, MapsSystemUserAndSettings) {
  const ir::Request r = decoded(R"({
    "model":"gpt-x","messages":[
      {"role":"system","content":"Be brief."},
      {"role":"developer","content":[{"type":"text","text":"Use metric."}]},
      {"role":"user","name":"ann","content":"Hi é"}],
    "max_tokens":50,"max_completion_tokens":100,"temperature":0.2,"top_p":1,
    "presence_penalty":-0.5,"frequency_penalty":0.5,"seed":7,"top_k":40,
    "stop":"END","user":"u-1","stream":true,"stream_options":{"include_usage":true},"n":1})");
  EXPECT_EQ(r.from, ir::Format::openai_chat);
  EXPECT_EQ(r.model, "gpt-x");
  ASSERT_EQ(r.system.size(), 2u);
  EXPECT_EQ(r.system[0].text, "Be brief.");
  EXPECT_EQ(r.system[1].text, "Use metric.");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].role, ir::Role::user);
  EXPECT_EQ(r.messages[0].name, "ann");
  ASSERT_EQ(r.messages[0].parts.size(), 1u);
  EXPECT_EQ(r.messages[0].parts[0].text, "Hi é");
  EXPECT_EQ(r.max_tokens, 100);
  EXPECT_EQ(r.temperature, 0.2);
  EXPECT_EQ(r.top_p, 1.0);
  EXPECT_EQ(r.presence_penalty, -0.5);
  EXPECT_EQ(r.frequency_penalty, 0.5);
  EXPECT_EQ(r.seed, 7);
  EXPECT_EQ(r.top_k, 40);
  EXPECT_EQ(r.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(r.user, "u-1");
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_TRUE(r.extras.empty());
  EXPECT_EQ(r.prompt_chars, 9u + 11u + 4u);
}

TEST(ChatDecodeRequest, KeepsALaterSystemMessageInPlace) {
  const ir::Request r = decoded(R"({"model":"m","messages":[{"role":"user","content":"a"},
    {"role":"system","content":"now French"}],"stop":["x","y"]})");
  EXPECT_TRUE(r.system.empty());
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[1].role, ir::Role::system);
  EXPECT_EQ(r.messages[1].parts[0].text, "now French");
  EXPECT_EQ(r.stop, (std::vector<std::string>{"x", "y"}));
}

TEST(ChatDecodeRequest, MapsMediaParts) {
  const ir::Request r = decoded(R"({"model":"m","messages":[{"role":"user","content":[
    {"type":"text","text":"look"},
    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR=","detail":"high"}},
    {"type":"image_url","image_url":{"url":"https://x.test/a.jpg"}},
    {"type":"input_audio","input_audio":{"data":"UklG","format":"wav"}},
    {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBE","filename":"a.pdf"}},
    {"type":"file","file":{"file_id":"file-123"}}]}]})");
  const auto& parts = r.messages.at(0).parts;
  ASSERT_EQ(parts.size(), 6u);
  EXPECT_EQ(parts[1].kind, Kind::image);
  EXPECT_EQ(parts[1].media_type, "image/png");
  EXPECT_EQ(parts[1].data, "iVBOR=");
  EXPECT_EQ(parts[1].detail, "high");
  EXPECT_TRUE(parts[1].url.empty());
  EXPECT_EQ(parts[2].url, "https://x.test/a.jpg");
  EXPECT_TRUE(parts[2].data.empty());
  EXPECT_EQ(parts[3].kind, Kind::audio);
  EXPECT_EQ(parts[3].media_type, "audio/wav");
  EXPECT_EQ(parts[3].data, "UklG");
  EXPECT_EQ(parts[4].kind, Kind::file);
  EXPECT_EQ(parts[4].media_type, "application/pdf");
  EXPECT_EQ(parts[4].data, "JVBE");
  EXPECT_EQ(parts[4].filename, "a.pdf");
  EXPECT_EQ(parts[5].file_id, "file-123");
}

TEST(ChatDecodeRequest, MapsParallelToolCallsAndTheirResults) {
  const ir::Request r = decoded(R"({"model":"m","messages":[
    {"role":"user","content":"weather?"},
    {"role":"assistant","reasoning_content":"two cities","content":null,"tool_calls":[
      {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}},
      {"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}]},
    {"role":"tool","tool_call_id":"call_a","content":"12C"},
    {"role":"tool","tool_call_id":"call_b","content":[{"type":"text","text":"09:00"}]}],
    "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather",
      "parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}},
      {"type":"function","function":{"name":"get_time"}}],
    "tool_choice":"required","parallel_tool_calls":true})");
  ASSERT_EQ(r.messages.size(), 4u);
  const auto& assistant = r.messages[1];
  EXPECT_EQ(assistant.role, ir::Role::assistant);
  ASSERT_EQ(assistant.parts.size(), 3u);
  EXPECT_EQ(assistant.parts[0].kind, Kind::thinking);
  EXPECT_EQ(assistant.parts[0].text, "two cities");
  EXPECT_EQ(assistant.parts[1].kind, Kind::tool_call);
  EXPECT_EQ(assistant.parts[1].id, "call_a");
  EXPECT_EQ(assistant.parts[1].name, "get_weather");
  EXPECT_EQ(assistant.parts[1].arguments, R"({"city":"Oslo"})");
  EXPECT_EQ(assistant.parts[2].arguments, "{}");
  for (int i : {2, 3}) {
    const auto& tool = r.messages[i];
    EXPECT_EQ(tool.role, ir::Role::tool);
    ASSERT_EQ(tool.parts.size(), 1u);
    EXPECT_EQ(tool.parts[0].kind, Kind::tool_result);
  }
  EXPECT_EQ(r.messages[2].parts[0].id, "call_a");
  EXPECT_EQ(r.messages[2].parts[0].name, "get_weather");
  EXPECT_EQ(r.messages[2].parts[0].content.at(0).text, "12C");
  EXPECT_EQ(r.messages[3].parts[0].name, "get_time");
  EXPECT_EQ(r.messages[3].parts[0].content.at(0).text, "09:00");
  ASSERT_EQ(r.tools.size(), 2u);
  EXPECT_EQ(r.tools[0].description, "Weather");
  EXPECT_EQ(r.tools[0].parameters, R"({"type":"object","properties":{"city":{"type":"string"}}})");
  EXPECT_EQ(r.tools[0].strict, true);
  EXPECT_EQ(r.tools[1].parameters, "{}");
  EXPECT_FALSE(r.tools[1].strict);
  EXPECT_EQ(r.tool_choice.mode, ir::ToolChoice::Mode::required);
  EXPECT_EQ(r.parallel_tool_calls, true);
}

TEST(ChatDecodeRequest, MapsANamedToolChoiceAndKeepsOtherToolsAsExtras) {
  const ir::Request r = decoded(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "tools":[{"type":"custom","custom":{"name":"grep"}},
             {"type":"function","function":{"name":"f"}}],
    "tool_choice":{"type":"function","function":{"name":"f"}}})");
  EXPECT_EQ(r.tool_choice.mode, ir::ToolChoice::Mode::tool);
  EXPECT_EQ(r.tool_choice.name, "f");
  ASSERT_EQ(r.tools.size(), 1u);
  const ir::Extra* tools = extra_named(r, "tools");
  ASSERT_NE(tools, nullptr);
  EXPECT_EQ(tools->json, R"([{"type":"custom","custom":{"name":"grep"}}])");
  EXPECT_FALSE(tools->droppable);
}

TEST(ChatDecodeRequest, MapsJsonSchemaAndReasoningEffort) {
  const ir::Request r = decoded(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "response_format":{"type":"json_schema","json_schema":{"name":"answer","description":"d",
      "schema":{"type":"object"},"strict":true}},"reasoning_effort":"high"})");
  EXPECT_EQ(r.response_format.type, ir::ResponseFormat::Type::json_schema);
  EXPECT_EQ(r.response_format.name, "answer");
  EXPECT_EQ(r.response_format.description, "d");
  EXPECT_EQ(r.response_format.schema, R"({"type":"object"})");
  EXPECT_EQ(r.response_format.strict, true);
  EXPECT_TRUE(r.reasoning.enabled);
  EXPECT_EQ(r.reasoning.effort, "high");

  const ir::Request off = decoded(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "response_format":{"type":"json_object"},"reasoning_effort":"none"})");
  EXPECT_EQ(off.response_format.type, ir::ResponseFormat::Type::json_object);
  EXPECT_TRUE(off.reasoning.disabled);
  EXPECT_FALSE(off.reasoning.enabled);
}

TEST(ChatDecodeRequest, SortsUnmappedFieldsIntoDroppableAndRequiredExtras) {
  const ir::Request r = decoded(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "store":true,"metadata":{"a":"b"},"service_tier":"auto","prompt_cache_key":"k",
    "logprobs":true,"top_logprobs":2,"logit_bias":{"50256":-100},"n":3,
    "modalities":["text"],"audio":null,"vendor_flag":{"x":1}})");
  for (std::string_view name : {"store", "metadata", "service_tier", "prompt_cache_key"}) {
    const ir::Extra* extra = extra_named(r, name);
    ASSERT_NE(extra, nullptr) << name;
    EXPECT_TRUE(extra->droppable) << name;
  }
  for (std::string_view name : {"logprobs", "top_logprobs", "logit_bias", "n", "vendor_flag"}) {
    const ir::Extra* extra = extra_named(r, name);
    ASSERT_NE(extra, nullptr) << name;
    EXPECT_FALSE(extra->droppable) << name;
  }
  EXPECT_EQ(extra_named(r, "metadata")->json, R"({"a":"b"})");
  EXPECT_EQ(extra_named(r, "n")->json, "3");
  // Values that ask for nothing beyond the default are not extras at all.
  EXPECT_EQ(extra_named(r, "modalities"), nullptr);
  EXPECT_EQ(extra_named(r, "audio"), nullptr);
  EXPECT_EQ(r.extras.size(), 9u);

  const ir::Request plain =
      decoded(R"({"model":"m","messages":[{"role":"user","content":"x"}],"logprobs":false,"n":1})");
  EXPECT_TRUE(plain.extras.empty());
}

TEST(ChatDecodeRequest, ReadsAssistantRefusalAndTextParts) {
  const ir::Request r = decoded(R"({"model":"m","messages":[{"role":"assistant","content":[
    {"type":"text","text":"a"},{"type":"refusal","refusal":"no"}]}]})");
  const auto& parts = r.messages.at(0).parts;
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].text, "a");
  EXPECT_EQ(parts[1].text, "no");
}

TEST(ChatDecodeRequest, AcceptsAByteOrderMark) {
  EXPECT_EQ(
      decoded("\xEF\xBB\xBF{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
          .model,
      "m");
}

struct ErrorCase {
  const char* body;
  const char* code;
  const char* param;
};

TEST(ChatDecodeRequest, RejectsBadInputWithCodeAndParam) {
  const ErrorCase cases[] = {
      {"", "invalid_json", ""},
      {"{", "invalid_json", ""},
      {"[1]", "invalid_type", ""},
      {"\"\xff\"", "invalid_encoding", ""},
      {R"({"messages":[{"role":"user","content":"x"}]})", "missing_required_parameter", "model"},
      {R"({"model":"m"})", "missing_required_parameter", "messages"},
      {R"({"model":"","messages":[]})", "invalid_value", "model"},
      {R"({"model":"m","model":"n","messages":[]})", "duplicate_parameter", "model"},
      {R"({"model":"m","messages":[]})", "empty_array", "messages"},
      {R"({"model":"m","messages":{}})", "invalid_type", "messages"},
      {R"({"model":"m","messages":[1]})", "invalid_type", "messages[0]"},
      {R"({"model":"m","messages":[{"content":"x"}]})", "missing_required_parameter",
       "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"bot","content":"x"}]})", "invalid_value",
       "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"function","name":"f","content":"x"}]})",
       "unsupported_parameter", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"user"}]})", "missing_required_parameter",
       "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":5}]})", "invalid_type",
       "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"video"}]}]})",
       "invalid_value", "messages[0].content[0].type"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"text":"x"}]}]})",
       "missing_required_parameter", "messages[0].content[0].type"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}]})",
       "invalid_value", "messages[0].content[0].image_url.url"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"x","format":"ogg"}}]}]})",
       "invalid_value", "messages[0].content[0].input_audio.format"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{}}]}]})",
       "missing_required_parameter", "messages[0].content[0].file.file_data"},
      {R"({"model":"m","messages":[{"role":"system","content":[{"type":"image_url"}]}]})",
       "invalid_value", "messages[0].content[0].type"},
      {R"({"model":"m","messages":[{"role":"assistant","function_call":{"name":"f"}}]})",
       "unsupported_parameter", "messages[0].function_call"},
      {R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f"}}]}]})",
       "missing_required_parameter", "messages[0].tool_calls[0].id"},
      {R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"custom","custom":{}}]}]})",
       "invalid_value", "messages[0].tool_calls[0].type"},
      {R"({"model":"m","messages":[{"role":"tool","content":"x"}]})", "missing_required_parameter",
       "messages[0].tool_call_id"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]})",
       "missing_required_parameter", "tools[0].function"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":[]}}]})",
       "invalid_type", "tools[0].function.parameters"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"any"})",
       "invalid_value", "tool_choice"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"yaml"}})",
       "invalid_value", "response_format.type"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"schema":{}}}})",
       "missing_required_parameter", "response_format.json_schema.name"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"extreme"})",
       "invalid_value", "reasoning_effort"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0})",
       "integer_below_min_value", "max_tokens"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":1.5})",
       "invalid_type", "max_tokens"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"seed":18446744073709551615})",
       "integer_above_max_value", "seed"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"})",
       "invalid_type", "temperature"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":[1]})", "invalid_type",
       "stop[0]"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})", "invalid_type",
       "stream"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":1}})",
       "invalid_type", "stream_options.include_usage"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"n":0})",
       "integer_below_min_value", "n"},
  };
  for (const ErrorCase& c : cases) {
    const ir::Error error = rejected(c.body);
    EXPECT_EQ(error.status, 400) << c.body;
    EXPECT_EQ(error.kind, ir::Error::Kind::invalid_request) << c.body;
    EXPECT_EQ(error.code, c.code) << c.body << "\n" << error.message;
    EXPECT_EQ(error.param, c.param) << c.body << "\n" << error.message;
    EXPECT_FALSE(error.message.empty()) << c.body;
  }
}

// Paths past index 9, and under a parent too long for a string's inline buffer.
TEST(ChatDecodeRequest, NamesTheParamOfALaterMessageAndPart) {
  std::string messages;
  for (int n = 0; n < 11; ++n) messages += R"({"role":"user","content":"ok"},)";
  std::string parts;
  for (int n = 0; n < 10; ++n) parts += R"({"type":"text","text":"ok"},)";
  const ir::Error bad_part =
      rejected(R"({"model":"m","messages":[)" + messages + R"({"role":"user","content":[)" + parts +
               R"({"type":"video"}]}]})");
  EXPECT_EQ(bad_part.param, "messages[11].content[10].type");
  const ir::Error bad_role =
      rejected(R"({"model":"m","messages":[)" + messages + R"({"role":"bot","content":"x"}]})");
  EXPECT_EQ(bad_role.param, "messages[11].role");
}

TEST(ChatDecodeRequest, EveryTruncationOfABodyIsInvalidJson) {
  const std::string body =
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"},)"
      R"({"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}],)"
      R"("tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]})";
  decoded(body);
  for (std::size_t length = 0; length < body.size(); ++length) {
    ir::Request request;
    const auto error = decode_request(std::string_view(body).substr(0, length), request);
    ASSERT_TRUE(error) << length;
    EXPECT_EQ(error->code, "invalid_json") << length;
  }
}

// The light read's limit (chat_request.cpp): the body object is level 1, so 127 arrays inside a
// field reach level 128, and one more is invalid JSON, with the same words.
TEST(ChatDecodeRequest, NestsAtMost128LevelsAsTheLightReadDoes) {
  const auto body = [](int depth) {
    return R"({"model":"m","messages":[{"role":"user","content":"x"}],"metadata":{"k":)" +
           std::string(static_cast<std::size_t>(depth - 2), '[') +
           std::string(static_cast<std::size_t>(depth - 2), ']') + "}}";
  };
  ir::Request request;
  const auto accepted = decode_request(body(128), request);
  EXPECT_FALSE(accepted && accepted->code == "invalid_json") << accepted->message;
  const ir::Error deep = rejected(body(129));
  EXPECT_EQ(deep.code, "invalid_json");
  EXPECT_EQ(deep.message, "The request body nests arrays and objects more than 128 levels deep.");
  EXPECT_EQ(rejected(std::string(10000, '[') + std::string(10000, ']')).code, "invalid_json");
}

// A body that starts with its model reaches this decoder unread when the model is served by
// translation (chat_completions.cpp): a broken one gets the light read's code and words.
TEST(ChatDecodeRequest, ABrokenBodyIsReportedInTheLightReadsWords) {
  for (const std::string& body :
       {std::string(R"({"model":"m","messages":[{"role":"user","content":"x"})"),
        std::string("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xFF\"}]}"),
        std::string(""), std::string(R"({"model":"m"} {})")}) {
    const ir::Error error = rejected(body);
    const auto light = parse_chat_request(body);
    ASSERT_TRUE(std::holds_alternative<RequestError>(light)) << body;
    EXPECT_EQ(error.code, std::get<RequestError>(light).code) << body;
    EXPECT_EQ(error.status, 400);
    EXPECT_TRUE(error.message.starts_with("We could not parse the JSON body of your request") ||
                error.message.starts_with("The request body is not valid UTF-8"))
        << error.message;
  }
  EXPECT_EQ(rejected("{\"model\":\"m\",\"x\":\"\xFF\"}").message,
            "The request body is not valid UTF-8. JSON bodies must be encoded as UTF-8.");
  EXPECT_EQ(rejected("").message,
            "We could not parse the JSON body of your request: the body is empty. The OpenAI API "
            "expects a JSON object as the body, sent with 'Content-Type: application/json'.");
}

TEST(ChatDecodeRequest, ExplainsATypeErrorTheWayOpenAIDoes) {
  EXPECT_EQ(
      rejected(R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_p":true})").message,
      "Invalid type for 'top_p': expected a number, but got a boolean instead.");
}

}  // namespace
}  // namespace tollgate::api::openai
