// decode_request: every Responses request field into the IR, and every client error.
#include "api/responses/request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tollgate::api::responses {
namespace {

using Kind = ir::Part::Kind;

ir::Request decode_ok(std::string_view body) {
  ir::Request request;
  const auto error = decode_request(body, request);
  EXPECT_FALSE(error.has_value()) << (error ? error->message + " [" + error->param + "]" : "");
  return request;
}

ir::Error decode_error(std::string_view body) {
  ir::Request request;
  const auto error = decode_request(body, request);
  EXPECT_TRUE(error.has_value()) << "decoded without error: " << body;
  return error.value_or(ir::Error{});
}

void expect_error(std::string_view body, std::string_view code, std::string_view param) {
  const ir::Error error = decode_error(body);
  EXPECT_EQ(error.status, 400) << body;
  EXPECT_EQ(error.kind, ir::Error::Kind::invalid_request) << body;
  EXPECT_EQ(error.code, code) << body << " → " << error.message;
  EXPECT_EQ(error.param, param) << body << " → " << error.message;
  EXPECT_FALSE(error.message.empty());
}

const ir::Extra* find_extra(const ir::Request& request, std::string_view name) {
  for (const ir::Extra& extra : request.extras) {
    if (extra.name == name) return &extra;
  }
  return nullptr;
}

TEST(ResponsesRequest, StringInputIsOneUserMessage) {
  const ir::Request request = decode_ok(R"({"model":"gpt-4.1","input":"Hé there"})");
  EXPECT_EQ(request.from, ir::Format::openai_responses);
  EXPECT_EQ(request.model, "gpt-4.1");
  ASSERT_EQ(request.messages.size(), 1u);
  EXPECT_EQ(request.messages[0].role, ir::Role::user);
  ASSERT_EQ(request.messages[0].parts.size(), 1u);
  EXPECT_EQ(request.messages[0].parts[0].kind, Kind::text);
  EXPECT_EQ(request.messages[0].parts[0].text, "Hé there");
  EXPECT_EQ(request.prompt_chars, 8u);  // characters, not bytes
  EXPECT_FALSE(request.stream);
  EXPECT_TRUE(request.extras.empty());
}

TEST(ResponsesRequest, InstructionsBecomeTheSystemPrompt) {
  const ir::Request request = decode_ok(R"({"model":"m","instructions":"Be brief.","input":"hi"})");
  ASSERT_EQ(request.system.size(), 1u);
  EXPECT_EQ(request.system[0].text, "Be brief.");
  EXPECT_EQ(request.prompt_chars, 11u);
}

TEST(ResponsesRequest, SystemAndDeveloperMessagesAreSystemMessagesInPlace) {
  const ir::Request request = decode_ok(R"({"model":"m","input":[
    {"role":"developer","content":"dev rules"},
    {"type":"message","role":"user","content":[{"type":"input_text","text":"q"}]},
    {"role":"system","content":[{"type":"input_text","text":"sys"}]}]})");
  ASSERT_EQ(request.messages.size(), 3u);
  EXPECT_EQ(request.messages[0].role, ir::Role::system);
  EXPECT_EQ(request.messages[0].parts[0].text, "dev rules");
  EXPECT_EQ(request.messages[1].role, ir::Role::user);
  EXPECT_EQ(request.messages[1].parts[0].text, "q");
  EXPECT_EQ(request.messages[2].role, ir::Role::system);
  EXPECT_EQ(request.messages[2].parts[0].text, "sys");
}

TEST(ResponsesRequest, UserImagesAndFiles) {
  const ir::Request request = decode_ok(R"({"model":"m","input":[{"role":"user","content":[
    {"type":"input_text","text":"look"},
    {"type":"input_image","image_url":"https://example.com/a.png","detail":"high"},
    {"type":"input_image","image_url":"data:image/png;base64,iVBORw0="},
    {"type":"input_image","file_id":"file-123","detail":"low"},
    {"type":"input_file","file_data":"data:application/pdf;base64,JVBERi0=","filename":"a.pdf"},
    {"type":"input_file","file_data":"JVBERi0xLjQ=","filename":"b.pdf"},
    {"type":"input_file","file_id":"file-9"},
    {"type":"input_file","file_url":"https://example.com/c.pdf"}]}]})");
  ASSERT_EQ(request.messages.size(), 1u);
  const auto& parts = request.messages[0].parts;
  ASSERT_EQ(parts.size(), 8u);
  EXPECT_EQ(parts[0].text, "look");
  EXPECT_EQ(parts[1].kind, Kind::image);
  EXPECT_EQ(parts[1].url, "https://example.com/a.png");
  EXPECT_EQ(parts[1].detail, "high");
  EXPECT_EQ(parts[2].kind, Kind::image);
  EXPECT_EQ(parts[2].url, "");
  EXPECT_EQ(parts[2].media_type, "image/png");
  EXPECT_EQ(parts[2].data, "iVBORw0=");
  EXPECT_EQ(parts[3].file_id, "file-123");
  EXPECT_EQ(parts[3].detail, "low");
  EXPECT_EQ(parts[4].kind, Kind::file);
  EXPECT_EQ(parts[4].media_type, "application/pdf");
  EXPECT_EQ(parts[4].data, "JVBERi0=");
  EXPECT_EQ(parts[4].filename, "a.pdf");
  EXPECT_EQ(parts[5].media_type, "application/pdf");  // bare base64 is taken as a PDF
  EXPECT_EQ(parts[5].data, "JVBERi0xLjQ=");
  EXPECT_EQ(parts[6].kind, Kind::file);
  EXPECT_EQ(parts[6].file_id, "file-9");
  EXPECT_EQ(parts[7].url, "https://example.com/c.pdf");
}

TEST(ResponsesRequest, AssistantTurnItemsMergeIntoOneMessage) {
  const ir::Request request = decode_ok(R"({"model":"m","input":[
    {"role":"user","content":"weather in Paris and Rome?"},
    {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Two cities."},
                                                {"type":"summary_text","text":"Call twice."}],
     "encrypted_content":"sig-abc"},
    {"type":"message","id":"msg_1","role":"assistant","status":"completed",
     "content":[{"type":"output_text","text":"Checking.","annotations":[]}]},
    {"type":"function_call","id":"fc_1","call_id":"call_a","name":"weather","arguments":"{\"city\":\"Paris\"}"},
    {"type":"function_call","call_id":"call_b","name":"weather","arguments":""},
    {"type":"function_call_output","call_id":"call_a","output":"18C"},
    {"type":"function_call_output","call_id":"call_b","output":[{"type":"input_text","text":"21C"},
      {"type":"input_image","image_url":"https://example.com/map.png"}]},
    {"role":"assistant","content":[{"type":"refusal","refusal":"No more."}]}]})");
  ASSERT_EQ(request.messages.size(), 5u);
  const ir::Message& turn = request.messages[1];
  EXPECT_EQ(turn.role, ir::Role::assistant);
  ASSERT_EQ(turn.parts.size(), 4u);
  EXPECT_EQ(turn.parts[0].kind, Kind::thinking);
  EXPECT_EQ(turn.parts[0].text, "Two cities.\n\nCall twice.");
  EXPECT_EQ(turn.parts[0].signature, "sig-abc");
  EXPECT_EQ(turn.parts[1].kind, Kind::text);
  EXPECT_EQ(turn.parts[1].text, "Checking.");
  EXPECT_EQ(turn.parts[2].kind, Kind::tool_call);
  EXPECT_EQ(turn.parts[2].id, "call_a");
  EXPECT_EQ(turn.parts[2].name, "weather");
  EXPECT_EQ(turn.parts[2].arguments, R"({"city":"Paris"})");
  EXPECT_EQ(turn.parts[3].id, "call_b");
  EXPECT_EQ(turn.parts[3].arguments, "{}");

  const ir::Message& first = request.messages[2];
  EXPECT_EQ(first.role, ir::Role::tool);
  ASSERT_EQ(first.parts.size(), 1u);
  EXPECT_EQ(first.parts[0].kind, Kind::tool_result);
  EXPECT_EQ(first.parts[0].id, "call_a");
  EXPECT_EQ(first.parts[0].name, "weather");
  ASSERT_EQ(first.parts[0].content.size(), 1u);
  EXPECT_EQ(first.parts[0].content[0].text, "18C");

  const ir::Part& second = request.messages[3].parts.at(0);
  EXPECT_EQ(second.id, "call_b");
  ASSERT_EQ(second.content.size(), 2u);
  EXPECT_EQ(second.content[0].text, "21C");
  EXPECT_EQ(second.content[1].kind, Kind::image);
  EXPECT_EQ(second.content[1].url, "https://example.com/map.png");

  EXPECT_EQ(request.messages[4].role, ir::Role::assistant);
  EXPECT_EQ(request.messages[4].parts.at(0).text, "No more.");
}

TEST(ResponsesRequest, ReasoningItems) {
  const ir::Request request = decode_ok(R"({"model":"m","input":[
    {"role":"user","content":"x"},
    {"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"opaque"},
    {"type":"reasoning","id":"rs_2","summary":[],"content":[{"type":"reasoning_text","text":"raw"}]},
    {"type":"reasoning","id":"rs_3","summary":[],"encrypted_content":null},
    {"role":"assistant","content":"done"}]})");
  ASSERT_EQ(request.messages.size(), 2u);
  const auto& parts = request.messages[1].parts;
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].kind, Kind::redacted_thinking);
  EXPECT_EQ(parts[0].data, "opaque");
  EXPECT_EQ(parts[1].kind, Kind::thinking);
  EXPECT_EQ(parts[1].text, "raw");
  EXPECT_EQ(parts[1].signature, "");
  EXPECT_EQ(parts[2].text, "done");
}

TEST(ResponsesRequest, FunctionToolsAndToolChoice) {
  const ir::Request request = decode_ok(R"({"model":"m","input":"x","tools":[
    {"type":"function","name":"weather","description":"Get weather",
     "parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true},
    {"type":"function","name":"noop","parameters":null,"strict":null}],
    "tool_choice":{"type":"function","name":"weather"},"parallel_tool_calls":false})");
  ASSERT_EQ(request.tools.size(), 2u);
  EXPECT_EQ(request.tools[0].name, "weather");
  EXPECT_EQ(request.tools[0].description, "Get weather");
  EXPECT_EQ(request.tools[0].parameters,
            R"({"type":"object","properties":{"city":{"type":"string"}}})");
  EXPECT_EQ(request.tools[0].strict, true);
  EXPECT_EQ(request.tools[1].parameters, "{}");
  EXPECT_FALSE(request.tools[1].strict.has_value());
  EXPECT_EQ(request.tool_choice.mode, ir::ToolChoice::Mode::tool);
  EXPECT_EQ(request.tool_choice.name, "weather");
  EXPECT_EQ(request.parallel_tool_calls, false);
}

TEST(ResponsesRequest, ToolChoiceModes) {
  const std::pair<const char*, ir::ToolChoice::Mode> cases[] = {
      {"auto", ir::ToolChoice::Mode::auto_},
      {"none", ir::ToolChoice::Mode::none},
      {"required", ir::ToolChoice::Mode::required},
  };
  for (const auto& [mode, expected] : cases) {
    const ir::Request request =
        decode_ok(std::string(R"({"model":"m","input":"x","tool_choice":")") + mode + "\"}");
    EXPECT_EQ(request.tool_choice.mode, expected) << mode;
  }
}

TEST(ResponsesRequest, TextFormats) {
  EXPECT_EQ(decode_ok(R"({"model":"m","input":"x","text":{"format":{"type":"text"}}})")
                .response_format.type,
            ir::ResponseFormat::Type::text);
  EXPECT_EQ(decode_ok(R"({"model":"m","input":"x","text":{"format":{"type":"json_object"}}})")
                .response_format.type,
            ir::ResponseFormat::Type::json_object);
  const ir::Request request = decode_ok(R"({"model":"m","input":"x","text":{"format":{
    "type":"json_schema","name":"person","description":"A person",
    "schema":{"type":"object","properties":{"name":{"type":"string"}}},"strict":true},
    "verbosity":"low"}})");
  const ir::ResponseFormat& format = request.response_format;
  EXPECT_EQ(format.type, ir::ResponseFormat::Type::json_schema);
  EXPECT_EQ(format.name, "person");
  EXPECT_EQ(format.description, "A person");
  EXPECT_EQ(format.schema, R"({"type":"object","properties":{"name":{"type":"string"}}})");
  EXPECT_EQ(format.strict, true);
  const ir::Extra* verbosity = find_extra(request, "text.verbosity");
  ASSERT_NE(verbosity, nullptr);
  EXPECT_EQ(verbosity->json, R"("low")");
  EXPECT_TRUE(verbosity->droppable);
}

TEST(ResponsesRequest, Reasoning) {
  ir::Request request =
      decode_ok(R"({"model":"m","input":"x","reasoning":{"effort":"low","summary":"detailed"}})");
  EXPECT_TRUE(request.reasoning.enabled);
  EXPECT_EQ(request.reasoning.effort, "low");
  EXPECT_EQ(request.reasoning.include_thoughts, true);
  EXPECT_FALSE(request.reasoning.disabled);

  request = decode_ok(R"({"model":"m","input":"x","reasoning":{"effort":"xhigh"}})");
  EXPECT_EQ(request.reasoning.effort, "high");
  EXPECT_FALSE(request.reasoning.include_thoughts.has_value());

  request = decode_ok(R"({"model":"m","input":"x","reasoning":{"effort":"none"}})");
  EXPECT_TRUE(request.reasoning.disabled);
  EXPECT_FALSE(request.reasoning.enabled);

  request = decode_ok(R"({"model":"m","input":"x","reasoning":{"generate_summary":"auto"}})");
  EXPECT_TRUE(request.reasoning.enabled);
  EXPECT_EQ(request.reasoning.include_thoughts, true);
  EXPECT_EQ(request.reasoning.effort, "");
}

TEST(ResponsesRequest, SamplingLimitsAndFlags) {
  const ir::Request request = decode_ok(R"({"model":"m","input":"x","max_output_tokens":512,
    "temperature":0.7,"top_p":1,"stream":true,"user":"u-1","safety_identifier":"s-1"})");
  EXPECT_EQ(request.max_tokens, 512);
  EXPECT_EQ(request.temperature, 0.7);
  EXPECT_EQ(request.top_p, 1.0);
  EXPECT_TRUE(request.stream);
  EXPECT_EQ(request.user, "u-1");
}

TEST(ResponsesRequest, SafetyIdentifierIsTheUserWhenNoUserIsSent) {
  EXPECT_EQ(decode_ok(R"({"model":"m","input":"x","safety_identifier":"s-1"})").user, "s-1");
  EXPECT_EQ(decode_ok(R"({"safety_identifier":"s-1","user":"u-1","model":"m","input":"x"})").user,
            "u-1");
}

TEST(ResponsesRequest, ExtrasKeepTheirJsonAndDroppability) {
  const ir::Request request = decode_ok(R"({"model":"m","input":"x","metadata":{"k": "v"},
    "store":false,"service_tier":"flex","truncation":"auto","include":["reasoning.encrypted_content"],
    "stream_options":{"include_obfuscation":false},"prompt_cache_key":"pk","prompt_cache_retention":"24h",
    "top_logprobs":3,"max_tool_calls":2,"prompt":{"id":"pmpt_1"}})");
  const std::tuple<const char*, const char*, bool> expected[] = {
      {"metadata", R"({"k":"v"})", true},
      {"store", "false", true},
      {"service_tier", R"("flex")", true},
      {"truncation", R"("auto")", true},
      {"include", R"(["reasoning.encrypted_content"])", true},
      {"stream_options", R"({"include_obfuscation":false})", true},
      {"prompt_cache_key", R"("pk")", true},
      {"prompt_cache_retention", R"("24h")", true},
      {"top_logprobs", "3", false},
      {"max_tool_calls", "2", false},
      {"prompt", R"({"id":"pmpt_1"})", false},
  };
  ASSERT_EQ(request.extras.size(), std::size(expected));
  for (const auto& [name, json, droppable] : expected) {
    const ir::Extra* extra = find_extra(request, name);
    ASSERT_NE(extra, nullptr) << name;
    EXPECT_EQ(extra->json, json) << name;
    EXPECT_EQ(extra->droppable, droppable) << name;
  }
}

TEST(ResponsesRequest, NullMeansNotSet) {
  const ir::Request request = decode_ok(R"({"model":"m","input":"x","instructions":null,
    "tools":null,"tool_choice":null,"text":null,"reasoning":null,"max_output_tokens":null,
    "temperature":null,"previous_response_id":null,"conversation":null,"background":false,
    "metadata":null,"store":null})");
  EXPECT_TRUE(request.system.empty());
  EXPECT_FALSE(request.max_tokens.has_value());
  EXPECT_FALSE(request.temperature.has_value());
  EXPECT_TRUE(request.extras.empty());
}

TEST(ResponsesRequest, BodyErrors) {
  expect_error("{\"model\":", "invalid_json", "");
  expect_error("", "invalid_json", "");
  expect_error("{\"model\":\"m\",\"input\":\"\xff\"}", "invalid_encoding", "");
  expect_error("[1,2]", "invalid_type", "");
  expect_error(R"({"input":"x"})", "missing_required_parameter", "model");
  expect_error(R"({"model":"","input":"x"})", "invalid_value", "model");
  expect_error(R"({"model":null,"input":"x"})", "invalid_type", "model");
  expect_error(R"({"model":"m"})", "missing_required_parameter", "input");
  expect_error(R"({"model":"m","input":[]})", "empty_array", "input");
  expect_error(R"({"model":"m","input":42})", "invalid_type", "input");
  expect_error(R"({"model":"m","input":"x","n":2})", "unknown_parameter", "n");
  expect_error(R"({"model":"m","input":"x","stream":"yes"})", "invalid_type", "stream");
}

TEST(ResponsesRequest, InputItemErrors) {
  expect_error(R"({"model":"m","input":["x"]})", "invalid_type", "input[0]");
  expect_error(R"({"model":"m","input":[{"content":"x"}]})", "missing_required_parameter",
               "input[0].type");
  expect_error(R"({"model":"m","input":[{"type":"item_reference","id":"msg_1"}]})",
               "unsupported_parameter", "input[0].type");
  expect_error(R"({"model":"m","input":[{"type":"web_search_call","id":"ws_1"}]})",
               "unsupported_parameter", "input[0].type");
  expect_error(R"({"model":"m","input":[{"role":"bot","content":"x"}]})", "invalid_value",
               "input[0].role");
  expect_error(R"({"model":"m","input":[{"role":"user"}]})", "missing_required_parameter",
               "input[0].content");
  expect_error(R"({"model":"m","input":[{"role":"user","content":7}]})", "invalid_type",
               "input[0].content");
  expect_error(R"({"model":"m","input":[{"role":"user","content":[{"type":"input_text"}]}]})",
               "missing_required_parameter", "input[0].content[0].text");
  expect_error(R"({"model":"m","input":[{"role":"user","content":[{"text":"x"}]}]})",
               "missing_required_parameter", "input[0].content[0].type");
  expect_error(
      R"({"model":"m","input":[{"role":"system","content":[{"type":"input_image","image_url":"https://a/b.png"}]}]})",
      "invalid_value", "input[0].content[0].type");
  expect_error(
      R"({"model":"m","input":[{"role":"user","content":[{"type":"output_text","text":"x"}]}]})",
      "invalid_value", "input[0].content[0].type");
  expect_error(R"({"model":"m","input":[{"role":"user","content":[{"type":"input_audio"}]}]})",
               "invalid_value", "input[0].content[0].type");
  expect_error(
      R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"ftp://a/b.png"}]}]})",
      "invalid_value", "input[0].content[0].image_url");
  expect_error(
      R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"data:image/png,abc"}]}]})",
      "invalid_value", "input[0].content[0].image_url");
  expect_error(
      R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"data:;base64,abc"}]}]})",
      "invalid_value", "input[0].content[0].image_url");
  expect_error(R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image"}]}]})",
               "missing_required_parameter", "input[0].content[0].image_url");
  expect_error(R"({"model":"m","input":[{"role":"user","content":[{"type":"input_file"}]}]})",
               "missing_required_parameter", "input[0].content[0].file_data");
  expect_error(R"({"model":"m","input":[{"type":"function_call","name":"f","arguments":"{}"}]})",
               "missing_required_parameter", "input[0].call_id");
  expect_error(
      R"({"model":"m","input":[{"type":"function_call","call_id":"c","name":"f","arguments":{}}]})",
      "invalid_type", "input[0].arguments");
  expect_error(R"({"model":"m","input":[{"type":"function_call_output","call_id":"c"}]})",
               "missing_required_parameter", "input[0].output");
  expect_error(
      R"({"model":"m","input":[{"type":"reasoning","summary":[{"type":"summary_text"}]}]})",
      "missing_required_parameter", "input[0].summary[0].text");
  expect_error(R"({"model":"m","input":[{"type":"reasoning","summary":"x"}]})", "invalid_type",
               "input[0].summary");
}

TEST(ResponsesRequest, ToolAndFormatErrors) {
  expect_error(R"({"model":"m","input":"x","tools":{}})", "invalid_type", "tools");
  expect_error(R"({"model":"m","input":"x","tools":[{"type":"web_search"}]})",
               "unsupported_parameter", "tools[0].type");
  expect_error(
      R"({"model":"m","input":"x","tools":[{"type":"function","name":"a"},{"type":"file_search"}]})",
      "unsupported_parameter", "tools[1].type");
  expect_error(R"({"model":"m","input":"x","tools":[{"type":"function"}]})",
               "missing_required_parameter", "tools[0].name");
  expect_error(
      R"({"model":"m","input":"x","tools":[{"type":"function","name":"a","parameters":[]}]})",
      "invalid_type", "tools[0].parameters");
  expect_error(R"({"model":"m","input":"x","tool_choice":"any"})", "invalid_value", "tool_choice");
  expect_error(R"({"model":"m","input":"x","tool_choice":{"type":"web_search_preview"}})",
               "unsupported_parameter", "tool_choice.type");
  expect_error(R"({"model":"m","input":"x","tool_choice":{"type":"function"}})",
               "missing_required_parameter", "tool_choice.name");
  expect_error(R"({"model":"m","input":"x","parallel_tool_calls":1})", "invalid_type",
               "parallel_tool_calls");
  expect_error(R"({"model":"m","input":"x","text":{"format":{"type":"xml"}}})", "invalid_value",
               "text.format.type");
  expect_error(R"({"model":"m","input":"x","text":{"format":{"type":"json_schema","schema":{}}}})",
               "missing_required_parameter", "text.format.name");
  expect_error(R"({"model":"m","input":"x","text":{"format":{"type":"json_schema","name":"n"}}})",
               "missing_required_parameter", "text.format.schema");
  expect_error(R"({"model":"m","input":"x","reasoning":{"effort":"max"}})", "invalid_value",
               "reasoning.effort");
  expect_error(R"({"model":"m","input":"x","reasoning":{"summary":"short"}})", "invalid_value",
               "reasoning.summary");
}

TEST(ResponsesRequest, NumberErrors) {
  expect_error(R"({"model":"m","input":"x","max_output_tokens":0})", "integer_below_min_value",
               "max_output_tokens");
  expect_error(R"({"model":"m","input":"x","max_output_tokens":1.5})", "invalid_type",
               "max_output_tokens");
  expect_error(R"({"model":"m","input":"x","max_output_tokens":18446744073709551615})",
               "integer_above_max_value", "max_output_tokens");
  expect_error(R"({"model":"m","input":"x","temperature":2.5})", "invalid_value", "temperature");
  expect_error(R"({"model":"m","input":"x","temperature":"hot"})", "invalid_type", "temperature");
  expect_error(R"({"model":"m","input":"x","top_p":-0.1})", "invalid_value", "top_p");
}

TEST(ResponsesRequest, ServerSideStateIsRejected) {
  expect_error(R"({"model":"m","input":"x","previous_response_id":"resp_1"})",
               "unsupported_parameter", "previous_response_id");
  expect_error(R"({"model":"m","input":"x","conversation":"conv_1"})", "unsupported_parameter",
               "conversation");
  expect_error(R"({"model":"m","input":"x","background":true})", "unsupported_parameter",
               "background");
}

}  // namespace
}  // namespace tollgate::api::responses
