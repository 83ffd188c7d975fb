// providers::gemini::encode_request: ir::Request → GenerateContentRequest, exact JSON.
#include <gtest/gtest.h>

#include "api/gemini/generate_content.hpp"
#include "providers/gemini/generate_content.hpp"

namespace tollgate::providers::gemini {
namespace {

ir::Part part_of(ir::Part::Kind kind) {
  ir::Part part;
  part.kind = kind;
  return part;
}

ir::Part call(std::string id, std::string name, std::string arguments) {
  ir::Part part = part_of(ir::Part::Kind::tool_call);
  part.id = std::move(id);
  part.name = std::move(name);
  part.arguments = std::move(arguments);
  return part;
}

ir::Part result(std::string id, std::string text, bool is_error = false) {
  ir::Part part = part_of(ir::Part::Kind::tool_result);
  part.id = std::move(id);
  part.content.push_back(ir::Part::make_text(std::move(text)));
  part.is_error = is_error;
  return part;
}

ir::Message message(ir::Role role, std::vector<ir::Part> parts) {
  return ir::Message{role, std::move(parts), {}};
}

std::string encode_ok(const ir::Request& request) {
  std::string body;
  const auto error = encode_request(request, body);
  EXPECT_FALSE(error.has_value()) << (error ? error->message : "");
  return body;
}

ir::Error encode_error(const ir::Request& request) {
  std::string body;
  const auto error = encode_request(request, body);
  EXPECT_TRUE(error.has_value());
  return error.value_or(ir::Error{});
}

// An OpenAI-style conversation: system message, parallel calls, one tool message per result
// (names looked up by id), an error result and a non-object result.
TEST(GeminiEncodeRequest, OpenAiConversationWithParallelToolCalls) {
  ir::Request request;
  request.from = ir::Format::openai_chat;
  request.messages.push_back(message(ir::Role::system, {ir::Part::make_text("Be brief.")}));
  request.messages.push_back(message(ir::Role::user, {ir::Part::make_text("Weather?")}));
  ir::Part thinking = part_of(ir::Part::Kind::thinking);
  thinking.text = "foreign thought";
  thinking.signature = "anthropic-sig";
  request.messages.push_back(message(
      ir::Role::assistant, {thinking, ir::Part::make_text("Checking."),
                            call("call_1", "weather", R"({"city": "Paris"})"),
                            call("call_2", "time", "")}));
  request.messages.push_back(message(ir::Role::tool, {result("call_1", R"({"temp":20})")}));
  request.messages.push_back(message(ir::Role::tool, {result("call_2", "noon")}));
  request.messages.push_back(message(ir::Role::user, {ir::Part::make_text("And tomorrow?")}));
  request.messages.push_back(message(ir::Role::assistant, {call("call_3", "weather", "{}")}));
  request.messages.push_back(message(ir::Role::tool, {result("call_3", "42", true)}));
  request.user = "u1";
  request.parallel_tool_calls = false;
  EXPECT_EQ(encode_ok(request),
            R"({"contents":[)"
            R"({"role":"user","parts":[{"text":"Weather?"}]},)"
            R"({"role":"model","parts":[{"text":"Checking."},)"
            R"({"functionCall":{"id":"call_1","name":"weather","args":{"city":"Paris"}}},)"
            R"({"functionCall":{"id":"call_2","name":"time","args":{}}}]},)"
            R"({"role":"user","parts":[)"
            R"({"functionResponse":{"id":"call_1","name":"weather","response":{"temp":20}}},)"
            R"({"functionResponse":{"id":"call_2","name":"time","response":{"result":"noon"}}},)"
            R"({"text":"And tomorrow?"}]},)"
            R"({"role":"model","parts":[{"functionCall":{"id":"call_3","name":"weather","args":{}}}]},)"
            R"({"role":"user","parts":[{"functionResponse":{"id":"call_3","name":"weather","response":{"error":42}}}]}],)"
            R"("systemInstruction":{"parts":[{"text":"Be brief."}]}})");
}

TEST(GeminiEncodeRequest, ToolResultNameLooksUpTheLatestCallWithThatId) {
  ir::Request request;
  request.messages.push_back(message(ir::Role::assistant, {call("call_0", "first", "{}")}));
  request.messages.push_back(message(ir::Role::tool, {result("call_0", "{}")}));
  request.messages.push_back(message(ir::Role::assistant, {call("call_0", "second", "{}")}));
  request.messages.push_back(message(ir::Role::tool, {result("call_0", "{}")}));
  const std::string body = encode_ok(request);
  EXPECT_NE(body.find(R"("name":"first","response")"), std::string::npos);
  EXPECT_NE(body.find(R"("name":"second","response")"), std::string::npos);
}

TEST(GeminiEncodeRequest, SettingsToolsAndReasoning) {
  ir::Request request;
  request.from = ir::Format::anthropic;
  request.system.push_back(ir::Part::make_text("S"));
  request.messages.push_back(message(ir::Role::user, {ir::Part::make_text("x")}));
  request.tools.push_back(ir::Tool{"search", "Search the web", R"({"type":"object","properties":{"q":{"type":"string"}}})", true, {}});
  request.tools.push_back(ir::Tool{"legacy", "", R"({"type":"OBJECT"})", std::nullopt, {}});
  request.tools.push_back(ir::Tool{"noargs", "", "{}", std::nullopt, {}});
  request.tool_choice = {ir::ToolChoice::Mode::tool, "search"};
  request.temperature = 0.7;
  request.top_p = 1;
  request.top_k = 40;
  request.max_tokens = 1024;
  request.seed = 3;
  request.stop = {"END"};
  request.reasoning.enabled = true;
  request.reasoning.budget_tokens = 2000;
  request.reasoning.include_thoughts = true;
  request.response_format = {ir::ResponseFormat::Type::json_schema, "out", "", R"({"type":"object"})", true};
  request.extras.push_back(ir::Extra{"service_tier", R"("auto")", true});
  EXPECT_EQ(encode_ok(request),
            R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],)"
            R"("systemInstruction":{"parts":[{"text":"S"}]},)"
            R"("tools":[{"functionDeclarations":[)"
            R"({"name":"search","description":"Search the web","parametersJsonSchema":{"type":"object","properties":{"q":{"type":"string"}}}},)"
            R"({"name":"legacy","parameters":{"type":"OBJECT"}},)"
            R"({"name":"noargs"}]}],)"
            R"("toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["search"]}},)"
            R"("generationConfig":{"stopSequences":["END"],"temperature":0.7,"topP":1,"topK":40,)"
            R"("maxOutputTokens":1024,"seed":3,"responseMimeType":"application/json",)"
            R"("responseJsonSchema":{"type":"object"},)"
            R"("thinkingConfig":{"thinkingBudget":2000,"includeThoughts":true}}})");
}

TEST(GeminiEncodeRequest, ReasoningForms) {
  auto thinking_of = [](ir::Reasoning reasoning, ir::Format from) {
    ir::Request request;
    request.from = from;
    request.messages.push_back(message(ir::Role::user, {ir::Part::make_text("x")}));
    request.reasoning = std::move(reasoning);
    const std::string body = encode_ok(request);
    const auto start = body.find("\"thinkingConfig\":");
    return start == std::string::npos ? std::string() : body.substr(start, body.size() - start - 2);
  };
  auto effort = [](std::string level) {
    ir::Reasoning reasoning;
    reasoning.enabled = true;
    reasoning.effort = std::move(level);
    return reasoning;
  };
  ir::Reasoning disabled;
  disabled.disabled = true;
  EXPECT_EQ(thinking_of(effort("high"), ir::Format::openai_chat),
            R"("thinkingConfig":{"thinkingBudget":24576})");
  EXPECT_EQ(thinking_of(effort("low"), ir::Format::gemini),
            R"("thinkingConfig":{"thinkingLevel":"LOW"})");
  EXPECT_EQ(thinking_of(disabled, ir::Format::anthropic),
            R"("thinkingConfig":{"thinkingBudget":0})");
  EXPECT_EQ(thinking_of({}, ir::Format::anthropic), "");
}

TEST(GeminiEncodeRequest, MediaParts) {
  ir::Request request;
  ir::Part inline_image = part_of(ir::Part::Kind::image);
  inline_image.media_type = "image/png";
  inline_image.data = "iVBO";
  ir::Part url_image = part_of(ir::Part::Kind::image);
  url_image.url = "https://example.com/a/cat.JPG?size=2";
  ir::Part pdf = part_of(ir::Part::Kind::file);
  pdf.url = "https://example.com/doc";
  pdf.media_type = "application/pdf";
  request.messages.push_back(message(ir::Role::user, {inline_image, url_image, pdf}));
  EXPECT_EQ(encode_ok(request),
            R"({"contents":[{"role":"user","parts":[)"
            R"({"inlineData":{"mimeType":"image/png","data":"iVBO"}},)"
            R"({"fileData":{"mimeType":"image/jpeg","fileUri":"https://example.com/a/cat.JPG?size=2"}},)"
            R"({"fileData":{"mimeType":"application/pdf","fileUri":"https://example.com/doc"}}]}]})");
}

TEST(GeminiEncodeRequest, Rejections) {
  ir::Request unknown_type;
  ir::Part image = part_of(ir::Part::Kind::image);
  image.url = "https://example.com/image";
  unknown_type.messages.push_back(message(ir::Role::user, {image}));
  EXPECT_EQ(encode_error(unknown_type).param, "messages[0].content[0]");

  ir::Request foreign_file;
  ir::Part file = part_of(ir::Part::Kind::file);
  file.file_id = "file-abc";
  foreign_file.messages.push_back(message(ir::Role::user, {file}));
  EXPECT_EQ(encode_error(foreign_file).code, "unsupported_parameter");

  ir::Request orphan;
  orphan.messages.push_back(message(ir::Role::tool, {result("nope", "x")}));
  EXPECT_EQ(encode_error(orphan).code, "unknown_tool_call_id");

  ir::Request bad_arguments;
  bad_arguments.messages.push_back(message(ir::Role::assistant, {call("c", "f", "[1,2]")}));
  EXPECT_EQ(encode_error(bad_arguments).code, "invalid_tool_arguments");

  ir::Request image_result;
  ir::Part with_image = result("c", "x");
  with_image.content.push_back(image);
  image_result.messages.push_back(message(ir::Role::assistant, {call("c", "f", "{}")}));
  image_result.messages.push_back(message(ir::Role::tool, {with_image}));
  EXPECT_EQ(encode_error(image_result).param, "messages[1].content[0]");

  ir::Request logprobs;
  logprobs.messages.push_back(message(ir::Role::user, {ir::Part::make_text("x")}));
  logprobs.extras.push_back(ir::Extra{"logprobs", "true", false});
  const ir::Error error = encode_error(logprobs);
  EXPECT_EQ(error.code, "unsupported_parameter");
  EXPECT_EQ(error.param, "logprobs");
}

// A Gemini client's request travels to a Gemini upstream with its extras put back in place.
TEST(GeminiEncodeRequest, GeminiRequestRoundTrip) {
  const std::string_view client_body = R"({"contents":[)"
      R"({"role":"user","parts":[{"text":"Hi"},{"fileData":{"mimeType":"application/pdf","fileUri":"https://generativelanguage.googleapis.com/v1beta/files/f1"}}]},)"
      R"({"role":"model","parts":[{"text":"T","thought":true,"thoughtSignature":"s1"},{"text":"Yo","thoughtSignature":"s2"},)"
      R"({"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"s3"}]},)"
      R"({"role":"user","parts":[{"functionResponse":{"name":"f","response":{"ok":true}}}]}],)"
      R"("tools":[{"functionDeclarations":[{"name":"f","parametersJsonSchema":{"type":"object"}}]},{"googleSearch":{}}],)"
      R"("toolConfig":{"functionCallingConfig":{"mode":"AUTO"},"retrievalConfig":{"languageCode":"en"}},)"
      R"("generationConfig":{"temperature":1,"responseModalities":["TEXT","IMAGE"],"thinkingConfig":{"thinkingLevel":"HIGH","includeThoughts":true}},)"
      R"("safetySettings":[{"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"BLOCK_NONE"}],)"
      R"("cachedContent":"cachedContents/c1"})";
  ir::Request request;
  ASSERT_FALSE(api::gemini::decode_request(client_body, "m", false, request).has_value());
  EXPECT_EQ(encode_ok(request),
            R"({"contents":[)"
            R"({"role":"user","parts":[{"text":"Hi"},{"fileData":{"mimeType":"application/pdf","fileUri":"https://generativelanguage.googleapis.com/v1beta/files/f1"}}]},)"
            R"({"role":"model","parts":[{"text":"T","thought":true,"thoughtSignature":"s1"},{"text":"Yo","thoughtSignature":"s2"},)"
            R"({"functionCall":{"id":"call_0","name":"f","args":{"a":1}},"thoughtSignature":"s3"}]},)"
            R"({"role":"user","parts":[{"functionResponse":{"id":"call_0","name":"f","response":{"ok":true}}}]}],)"
            R"("tools":[{"functionDeclarations":[{"name":"f","parametersJsonSchema":{"type":"object"}}]},{"googleSearch":{}}],)"
            R"("toolConfig":{"functionCallingConfig":{"mode":"AUTO"},"retrievalConfig":{"languageCode":"en"}},)"
            R"("generationConfig":{"temperature":1,"thinkingConfig":{"thinkingLevel":"HIGH","includeThoughts":true},)"
            R"("responseModalities":["TEXT","IMAGE"]},)"
            R"("safetySettings":[{"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"BLOCK_NONE"}],)"
            R"("cachedContent":"cachedContents/c1"})");
}

}  // namespace
}  // namespace tollgate::providers::gemini
