// api::gemini::decode_request: a GenerateContentRequest body → ir::Request, field by field, and
// every client error.
#include <gtest/gtest.h>

#include "api/gemini/generate_content.hpp"

namespace tollgate::api::gemini {
namespace {

ir::Request decode_ok(std::string_view body, bool stream = false) {
  ir::Request request;
  const auto error = decode_request(body, "gemini-2.5-pro", stream, request);
  EXPECT_FALSE(error.has_value()) << (error ? error->message : "");
  return request;
}

ir::Error decode_error(std::string_view body) {
  ir::Request request;
  const auto error = decode_request(body, "m", false, request);
  EXPECT_TRUE(error.has_value()) << body;
  return error.value_or(ir::Error{});
}

TEST(GeminiDecodeRequest, TextConversationWithSystemInstruction) {
  const ir::Request request = decode_ok(R"({
    "systemInstruction": {"parts": [{"text": "Be brief."}]},
    "contents": [
      {"role": "user", "parts": [{"text": "Hi"}]},
      {"role": "model", "parts": [{"text": "Hello!"}]},
      {"parts": [{"text": "Bye"}, {"text": " now"}]}
    ]})", true);
  EXPECT_EQ(request.from, ir::Format::gemini);
  EXPECT_EQ(request.model, "gemini-2.5-pro");
  EXPECT_TRUE(request.stream);
  ASSERT_EQ(request.system.size(), 1u);
  EXPECT_EQ(request.system[0].text, "Be brief.");
  ASSERT_EQ(request.messages.size(), 3u);
  EXPECT_EQ(request.messages[0].role, ir::Role::user);
  EXPECT_EQ(request.messages[1].role, ir::Role::assistant);
  EXPECT_EQ(request.messages[1].parts[0].text, "Hello!");
  EXPECT_EQ(request.messages[2].role, ir::Role::user);  // a missing role is user
  ASSERT_EQ(request.messages[2].parts.size(), 2u);
  EXPECT_EQ(request.messages[2].parts[1].text, " now");
  EXPECT_EQ(request.prompt_chars, 2u + 6u + 3u + 4u + 9u);
}

TEST(GeminiDecodeRequest, SnakeCaseFieldNamesAreAccepted) {
  const ir::Request request = decode_ok(R"({
    "system_instruction": {"parts": [{"text": "S"}]},
    "contents": [{"role": "user", "parts": [{"inline_data": {"mime_type": "image/png", "data": "AAA="}}]}],
    "generation_config": {"max_output_tokens": 50, "stop_sequences": ["x"]}})");
  ASSERT_EQ(request.messages[0].parts.size(), 1u);
  EXPECT_EQ(request.messages[0].parts[0].kind, ir::Part::Kind::image);
  EXPECT_EQ(request.messages[0].parts[0].media_type, "image/png");
  EXPECT_EQ(request.max_tokens, 50);
  EXPECT_EQ(request.stop, std::vector<std::string>{"x"});
}

TEST(GeminiDecodeRequest, MediaPartsByMimeType) {
  const ir::Request request = decode_ok(R"({"contents": [{"role": "user", "parts": [
    {"inlineData": {"mimeType": "audio/wav", "data": "UklG"}},
    {"inlineData": {"mimeType": "application/pdf", "data": "JVBE"}},
    {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/cat.jpg"}},
    {"fileData": {"mimeType": "application/pdf", "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc"}}
  ]}]})");
  const auto& parts = request.messages[0].parts;
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0].kind, ir::Part::Kind::audio);
  EXPECT_EQ(parts[0].data, "UklG");
  EXPECT_EQ(parts[1].kind, ir::Part::Kind::file);
  EXPECT_EQ(parts[1].media_type, "application/pdf");
  EXPECT_EQ(parts[2].kind, ir::Part::Kind::image);
  EXPECT_EQ(parts[2].url, "https://example.com/cat.jpg");
  EXPECT_TRUE(parts[2].file_id.empty());
  EXPECT_EQ(parts[3].kind, ir::Part::Kind::file);
  EXPECT_EQ(parts[3].file_id, "https://generativelanguage.googleapis.com/v1beta/files/abc");
  EXPECT_TRUE(parts[3].url.empty());
}

TEST(GeminiDecodeRequest, ThoughtsMergeAndKeepTheirSignature) {
  const ir::Request request = decode_ok(R"({"contents": [
    {"role": "user", "parts": [{"text": "Q"}]},
    {"role": "model", "parts": [
      {"text": "Let me ", "thought": true},
      {"text": "think.", "thought": true, "thoughtSignature": "c2ln"},
      {"text": "Answer", "thoughtSignature": "dHh0"}]}]})");
  const auto& parts = request.messages[1].parts;
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].kind, ir::Part::Kind::thinking);
  EXPECT_EQ(parts[0].text, "Let me think.");
  EXPECT_EQ(parts[0].signature, "c2ln");
  EXPECT_EQ(parts[1].kind, ir::Part::Kind::text);
  EXPECT_EQ(parts[1].signature, "dHh0");
}

TEST(GeminiDecodeRequest, FunctionCallsWithoutIdsGetIdsAndResponsesMatchByName) {
  const ir::Request request = decode_ok(R"({"contents": [
    {"role": "user", "parts": [{"text": "Weather in Paris and Rome?"}]},
    {"role": "model", "parts": [
      {"functionCall": {"name": "weather", "args": {"city": "Paris"}}, "thoughtSignature": "U0lH"},
      {"functionCall": {"name": "weather", "args": {"city": "Rome"}}},
      {"functionCall": {"name": "time"}}]},
    {"role": "user", "parts": [
      {"functionResponse": {"name": "time", "response": {"now": "noon"}}},
      {"functionResponse": {"name": "weather", "response": {"t": 20}}},
      {"functionResponse": {"name": "weather", "response": {"t": 25}}},
      {"text": "Thanks"}]}]})");
  ASSERT_EQ(request.messages.size(), 6u);
  const auto& calls = request.messages[1].parts;
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].kind, ir::Part::Kind::tool_call);
  EXPECT_EQ(calls[0].id, "call_0");
  EXPECT_EQ(calls[0].name, "weather");
  EXPECT_EQ(calls[0].arguments, R"({"city":"Paris"})");
  EXPECT_EQ(calls[0].signature, "U0lH");
  EXPECT_EQ(calls[1].id, "call_1");
  EXPECT_EQ(calls[2].id, "call_2");
  EXPECT_EQ(calls[2].arguments, "{}");
  const std::string expected_ids[] = {"call_2", "call_0", "call_1"};
  const std::string expected_content[] = {R"({"now":"noon"})", R"({"t":20})", R"({"t":25})"};
  for (int i = 0; i < 3; ++i) {
    const ir::Message& tool = request.messages[2 + i];
    EXPECT_EQ(tool.role, ir::Role::tool);
    ASSERT_EQ(tool.parts.size(), 1u);
    EXPECT_EQ(tool.parts[0].kind, ir::Part::Kind::tool_result);
    EXPECT_EQ(tool.parts[0].id, expected_ids[i]);
    EXPECT_EQ(tool.parts[0].name, i == 0 ? "time" : "weather");
    ASSERT_EQ(tool.parts[0].content.size(), 1u);
    EXPECT_EQ(tool.parts[0].content[0].text, expected_content[i]);
  }
  EXPECT_EQ(request.messages[5].role, ir::Role::user);
  EXPECT_EQ(request.messages[5].parts[0].text, "Thanks");
}

TEST(GeminiDecodeRequest, ExplicitIdsAreKept) {
  const ir::Request request = decode_ok(R"({"contents": [
    {"role": "model", "parts": [{"functionCall": {"id": "a1", "name": "f", "args": {}}}]},
    {"role": "user", "parts": [{"functionResponse": {"id": "a1", "name": "f", "response": {}}}]}]})");
  EXPECT_EQ(request.messages[0].parts[0].id, "a1");
  EXPECT_EQ(request.messages[1].parts[0].id, "a1");
}

TEST(GeminiDecodeRequest, ToolsAndToolConfig) {
  const ir::Request request = decode_ok(R"({"contents": [{"parts": [{"text": "x"}]}],
    "tools": [{"functionDeclarations": [
        {"name": "a", "description": "A", "parameters": {"type": "OBJECT", "properties": {"q": {"type": "STRING"}}}},
        {"name": "b", "parametersJsonSchema": {"type": "object", "additionalProperties": false}},
        {"name": "c"}]},
      {"googleSearch": {}}, {"codeExecution": {}}],
    "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["b"]}}})");
  ASSERT_EQ(request.tools.size(), 3u);
  EXPECT_EQ(request.tools[0].name, "a");
  EXPECT_EQ(request.tools[0].description, "A");
  EXPECT_EQ(request.tools[0].parameters, R"({"type":"object","properties":{"q":{"type":"string"}}})");
  EXPECT_EQ(request.tools[1].parameters, R"({"type":"object","additionalProperties":false})");
  EXPECT_EQ(request.tools[2].parameters, "{}");
  EXPECT_EQ(request.tool_choice.mode, ir::ToolChoice::Mode::tool);
  EXPECT_EQ(request.tool_choice.name, "b");
  ASSERT_EQ(request.extras.size(), 1u);
  EXPECT_EQ(request.extras[0].name, "tools");
  EXPECT_EQ(request.extras[0].json, R"([{"googleSearch":{}},{"codeExecution":{}}])");
  EXPECT_FALSE(request.extras[0].droppable);
}

TEST(GeminiDecodeRequest, FunctionCallingModes) {
  auto mode_of = [](std::string_view config) {
    std::string body = R"({"contents":[{"parts":[{"text":"x"}]}],"toolConfig":{"functionCallingConfig":)";
    body += config;
    body += "}}";
    return decode_ok(body).tool_choice.mode;
  };
  using Mode = ir::ToolChoice::Mode;
  EXPECT_EQ(mode_of(R"({"mode":"AUTO"})"), Mode::auto_);
  EXPECT_EQ(mode_of(R"({"mode":"ANY"})"), Mode::required);
  EXPECT_EQ(mode_of(R"({"mode":"NONE"})"), Mode::none);
  EXPECT_EQ(mode_of(R"({"mode":"MODE_UNSPECIFIED"})"), Mode::unset);
}

TEST(GeminiDecodeRequest, GenerationConfig) {
  const ir::Request request = decode_ok(R"({"contents": [{"parts": [{"text": "x"}]}],
    "generationConfig": {"temperature": 0.5, "topP": 0.9, "topK": 40.0, "maxOutputTokens": 100,
      "stopSequences": ["END", "STOP"], "seed": 7, "presencePenalty": 0.1, "frequencyPenalty": -0.2,
      "candidateCount": 1, "responseMimeType": "application/json",
      "responseJsonSchema": {"type": "object"}, "responseModalities": ["TEXT"],
      "thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": true},
      "mediaResolution": "MEDIA_RESOLUTION_LOW", "responseLogprobs": true}})");
  EXPECT_EQ(request.temperature, 0.5);
  EXPECT_EQ(request.top_p, 0.9);
  EXPECT_EQ(request.top_k, 40);
  EXPECT_EQ(request.max_tokens, 100);
  EXPECT_EQ(request.stop, (std::vector<std::string>{"END", "STOP"}));
  EXPECT_EQ(request.seed, 7);
  EXPECT_EQ(request.presence_penalty, 0.1);
  EXPECT_EQ(request.frequency_penalty, -0.2);
  EXPECT_EQ(request.response_format.type, ir::ResponseFormat::Type::json_schema);
  EXPECT_EQ(request.response_format.name, "response");
  EXPECT_EQ(request.response_format.schema, R"({"type":"object"})");
  EXPECT_TRUE(request.reasoning.enabled);
  EXPECT_EQ(request.reasoning.budget_tokens, 2048);
  EXPECT_EQ(request.reasoning.include_thoughts, true);
  ASSERT_EQ(request.extras.size(), 2u);
  EXPECT_EQ(request.extras[0].name, "generationConfig.mediaResolution");
  EXPECT_EQ(request.extras[0].json, R"("MEDIA_RESOLUTION_LOW")");
  EXPECT_TRUE(request.extras[0].droppable);
  EXPECT_EQ(request.extras[1].name, "generationConfig.responseLogprobs");
  EXPECT_FALSE(request.extras[1].droppable);
}

TEST(GeminiDecodeRequest, ThinkingConfigForms) {
  auto reasoning_of = [](std::string_view config) {
    std::string body = R"({"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":)";
    body += config;
    body += "}}";
    return decode_ok(body).reasoning;
  };
  EXPECT_TRUE(reasoning_of(R"({"thinkingBudget":0})").disabled);
  const ir::Reasoning dynamic = reasoning_of(R"({"thinkingBudget":-1})");
  EXPECT_TRUE(dynamic.enabled);
  EXPECT_FALSE(dynamic.budget_tokens.has_value());
  const ir::Reasoning level = reasoning_of(R"({"thinkingLevel":"HIGH"})");
  EXPECT_TRUE(level.enabled);
  EXPECT_EQ(level.effort, "high");
}

TEST(GeminiDecodeRequest, ResponseMimeTypeWithoutSchemaIsJsonObject) {
  const ir::Request request = decode_ok(R"({"contents":[{"parts":[{"text":"x"}]}],
    "generationConfig":{"responseMimeType":"application/json"}})");
  EXPECT_EQ(request.response_format.type, ir::ResponseFormat::Type::json_object);
}

TEST(GeminiDecodeRequest, SafetySettingsLabelsAndCachedContentBecomeExtras) {
  const ir::Request request = decode_ok(R"({"contents":[{"parts":[{"text":"x"}]}],
    "safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}],
    "labels":{"team":"a"}, "cachedContent":"cachedContents/abc", "model":"ignored"})");
  ASSERT_EQ(request.extras.size(), 3u);
  EXPECT_EQ(request.extras[0].name, "safetySettings");
  EXPECT_EQ(request.extras[0].json, R"([{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}])");
  EXPECT_TRUE(request.extras[0].droppable);
  EXPECT_EQ(request.extras[1].name, "labels");
  EXPECT_TRUE(request.extras[1].droppable);
  EXPECT_EQ(request.extras[2].name, "cachedContent");
  EXPECT_EQ(request.extras[2].json, R"("cachedContents/abc")");
  EXPECT_FALSE(request.extras[2].droppable);
  EXPECT_EQ(request.model, "gemini-2.5-pro");
}

struct ErrorCase {
  std::string_view body;
  std::string_view code;
  std::string_view param;
  std::string_view message;  // empty: not checked
};

class GeminiDecodeRequestErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(GeminiDecodeRequestErrors, Rejects) {
  const ErrorCase& c = GetParam();
  const ir::Error error = decode_error(c.body);
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.kind, ir::Error::Kind::invalid_request);
  EXPECT_EQ(error.code, c.code);
  EXPECT_EQ(error.param, c.param);
  if (!c.message.empty()) {
    EXPECT_EQ(error.message, c.message);
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllErrors, GeminiDecodeRequestErrors,
    testing::Values(
        ErrorCase{"not json", "invalid_json", "", ""},
        ErrorCase{"[1]", "invalid_json", "", ""},
        ErrorCase{"{}", "invalid_argument", "contents", ""},
        ErrorCase{R"({"contents":[]})", "invalid_argument", "contents", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"foo":1})", "unknown_field", "foo",
                  "Invalid JSON payload received. Unknown name \"foo\": Cannot find field."},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"bar":1}})",
                  "unknown_field", "generation_config.bar",
                  "Invalid JSON payload received. Unknown name \"bar\" at 'generation_config': "
                  "Cannot find field."},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"temperature":"hot"}})",
                  "invalid_value", "generation_config.temperature",
                  "Invalid value at 'generation_config.temperature' (TYPE_FLOAT), \"hot\""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"maxOutputTokens":1.5}})",
                  "invalid_value", "generation_config.maxOutputTokens", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"candidateCount":2}})",
                  "unsupported_parameter", "generation_config.candidateCount", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"text/x.enum"}})",
                  "unsupported_parameter", "generation_config.response_mime_type", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingLevel":"EXTREME"}}})",
                  "invalid_value", "generation_config.thinkingConfig.thinking_level", ""},
        ErrorCase{R"({"contents":[{"role":"bot","parts":[{"text":"x"}]}]})", "invalid_argument",
                  "contents[0].role", "Please use a valid role: user, model."},
        ErrorCase{R"({"contents":[{"role":"user"}]})", "invalid_argument", "contents[0].parts", ""},
        ErrorCase{R"({"contents":[{"parts":[]}]})", "invalid_argument", "contents[0].parts", ""},
        ErrorCase{R"({"contents":[{"parts":[{}]}]})", "invalid_argument", "contents[0].parts[0]", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"a","inlineData":{"mimeType":"image/png","data":"A"}}]}]})",
                  "invalid_argument", "contents[0].parts[0]", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":5}]}]})", "invalid_value",
                  "contents[0].parts[0].text", ""},
        ErrorCase{R"({"contents":[{"parts":[{"txt":"a"}]}]})", "unknown_field",
                  "contents[0].parts[0].txt", ""},
        ErrorCase{R"({"contents":[{"parts":[{"executableCode":{"language":"PYTHON","code":"1"}}]}]})",
                  "unsupported_parameter", "contents[0].parts[0].executableCode", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"a","videoMetadata":{}}]}]})",
                  "unsupported_parameter", "contents[0].parts[0].video_metadata", ""},
        ErrorCase{R"({"contents":[{"role":"model","parts":[{"functionCall":{"args":{}}}]}]})",
                  "invalid_argument", "contents[0].parts[0].functionCall.name", ""},
        ErrorCase{R"({"contents":[{"role":"model","parts":[{"functionCall":{"name":"f","args":[1]}}]}]})",
                  "invalid_value", "contents[0].parts[0].functionCall.args", ""},
        ErrorCase{R"({"contents":[{"role":"model","parts":[{"functionResponse":{"name":"f","response":{}}}]}]})",
                  "invalid_argument", "contents[0].parts[0]", ""},
        ErrorCase{R"({"contents":[{"parts":[{"inlineData":{"mimeType":"image/png"}}]}]})",
                  "invalid_argument", "contents[0].parts[0].inlineData", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"description":"d"}]}]})",
                  "invalid_argument", "tools[0].function_declarations[0].name", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"tools":[{"webSearch":{}}]})",
                  "unknown_field", "tools[0].webSearch", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["a","b"]}}})",
                  "unsupported_parameter", "tool_config.function_calling_config.allowed_function_names", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"toolConfig":{"functionCallingConfig":{"mode":"SOMETIMES"}}})",
                  "invalid_value", "tool_config.function_calling_config.mode", ""},
        ErrorCase{R"({"contents":[{"parts":[{"text":"x"}]}],"systemInstruction":{"parts":[{"inlineData":{"mimeType":"image/png","data":"A"}}]}})",
                  "unsupported_parameter", "system_instruction.parts[0]", ""}));

TEST(GeminiDecodeRequest, DeepNestingIsRejectedNotCrashed) {
  std::string body = R"({"contents":[{"parts":[{"text":"x"}]}],"labels":)";
  body += std::string(5000, '[');
  body += std::string(5000, ']');
  body += '}';
  EXPECT_EQ(decode_error(body).code, "invalid_json");
}

}  // namespace
}  // namespace tollgate::api::gemini

namespace tollgate::api::gemini {
namespace {

// Google's OpenAPI schemas (types in upper case) become JSON Schema, the IR's convention, so an
// OpenAI or Anthropic upstream accepts them; literal values keep their case.
TEST(GeminiDecodeRequest, OpenApiSchemasBecomeJsonSchema) {
  ir::Request request;
  ASSERT_FALSE(decode_request(R"({"contents": [{"parts": [{"text": "x"}]}],
    "tools": [{"functionDeclarations": [{"name": "a", "parameters": {"type": "OBJECT",
      "properties": {"unit": {"type": "STRING", "enum": ["C", "F"], "default": "C"},
                     "tags": {"type": "ARRAY", "items": {"type": "STRING"}},
                     "type": {"type": "INTEGER", "nullable": true}}}}]}],
    "generationConfig": {"responseMimeType": "application/json",
      "responseSchema": {"type": "OBJECT", "properties": {"n": {"type": "NUMBER"}}}}})",
                              "m", false, request));
  EXPECT_EQ(request.tools[0].parameters,
            R"({"type":"object","properties":{"unit":{"type":"string","enum":["C","F"],)"
            R"("default":"C"},"tags":{"type":"array","items":{"type":"string"}},)"
            R"("type":{"type":"integer","nullable":true}}})");
  EXPECT_EQ(request.response_format.schema,
            R"({"type":"object","properties":{"n":{"type":"number"}}})");
}

}  // namespace
}  // namespace tollgate::api::gemini
