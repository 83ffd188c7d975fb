#include "providers/openai/passthrough.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace tollgate::providers::openai {
namespace {

using api::openai::ChatRequestResult;
using api::openai::ChatRequestView;

ChatRequestView view_of(std::string_view body) {
  ChatRequestResult result = api::openai::parse_chat_request(body);
  if (auto* error = std::get_if<api::openai::RequestError>(&result)) {
    ADD_FAILURE() << error->message << "\nbody: " << body;
    return {};
  }
  return std::get<ChatRequestView>(std::move(result));
}

bool is_valid_json(std::string_view text) {
  boost::system::error_code error;
  boost::json::parse(text, error);
  return !error;
}

std::string upstream_body_for(std::string_view client_body, std::string_view upstream_model) {
  const std::string body = build_upstream_body(client_body, view_of(client_body), upstream_model);
  EXPECT_TRUE(is_valid_json(body)) << body;
  return body;
}

// ---------------------------------------------------------------------------------------------
// build_upstream_body
// ---------------------------------------------------------------------------------------------

TEST(BuildUpstreamBody, ReplacesOnlyTheModelOfANonStreamingRequest) {
  EXPECT_EQ(
      upstream_body_for(
          R"({"model":"fast",  "messages":[{"role":"user","content":"model"}],"x":{"model":"y"}})",
          "gpt-4o-mini-2024-07-18"),
      R"({"model":"gpt-4o-mini-2024-07-18",  "messages":[{"role":"user","content":"model"}],"x":{"model":"y"}})");
}

TEST(BuildUpstreamBody, EscapesTheUpstreamModelAndReplacesAnEscapedClientModel) {
  EXPECT_EQ(upstream_body_for(R"({ "model" : "my\u002dmodel\"" , "messages":[{"role":"user"}]})",
                              "acme/\"q\"\\v1"),
            R"({ "model" : "acme/\"q\"\\v1" , "messages":[{"role":"user"}]})");
}

TEST(BuildUpstreamBody, InsertsStreamOptionsWhenAStreamHasNone) {
  EXPECT_EQ(
      upstream_body_for(R"({"model":"m","messages":[{"role":"user"}],"stream":true})", "u"),
      R"({"stream_options":{"include_usage":true},"model":"u","messages":[{"role":"user"}],"stream":true})");
  EXPECT_EQ(upstream_body_for(
                " \n{ \"stream\":true, \"model\":\"m\",\"messages\":[{\"role\":\"user\"}]}", "u"),
            " \n{\"stream_options\":{\"include_usage\":true}, \"stream\":true, \"model\":\"u\","
            "\"messages\":[{\"role\":\"user\"}]}");
}

TEST(BuildUpstreamBody, SetsIncludeUsageFalseToTrueAndKeepsOtherStreamOptions) {
  EXPECT_EQ(
      upstream_body_for(
          R"({"stream_options": {"include_obfuscation":false, "include_usage" : false },"model":"m","messages":[{"role":"user"}],"stream":true})",
          "u"),
      R"({"stream_options": {"include_obfuscation":false, "include_usage" : true },"model":"u","messages":[{"role":"user"}],"stream":true})");
  EXPECT_EQ(
      upstream_body_for(
          R"({"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":null}})",
          "u"),
      R"({"model":"u","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":true}})");
}

TEST(BuildUpstreamBody, AddsIncludeUsageToStreamOptionsWithoutIt) {
  EXPECT_EQ(
      upstream_body_for(
          R"({"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_obfuscation":false}})",
          "u"),
      R"({"model":"u","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false}})");
}

TEST(BuildUpstreamBody, ReplacesEmptyOrNullStreamOptions) {
  EXPECT_EQ(
      upstream_body_for(
          R"({"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":{ }})", "u"),
      R"({"model":"u","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":true}})");
  EXPECT_EQ(
      upstream_body_for(
          R"({"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":null })",
          "u"),
      R"({"model":"u","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":true} })");
}

TEST(BuildUpstreamBody, LeavesStreamOptionsThatAlreadyAskForUsage) {
  const std::string client =
      R"({"stream_options":{"include_usage":true},"model":"m","messages":[{"role":"user"}],"stream":true})";
  EXPECT_EQ(
      upstream_body_for(client, "u"),
      R"({"stream_options":{"include_usage":true},"model":"u","messages":[{"role":"user"}],"stream":true})");
}

TEST(BuildUpstreamBody, LeavesStreamOptionsAloneWhenNotStreaming) {
  EXPECT_EQ(
      upstream_body_for(
          R"({"model":"m","messages":[{"role":"user"}],"stream":false,"stream_options":{"include_usage":false}})",
          "u"),
      R"({"model":"u","messages":[{"role":"user"}],"stream":false,"stream_options":{"include_usage":false}})");
}

TEST(BuildUpstreamBody, DropsAByteOrderMark) {
  EXPECT_EQ(
      upstream_body_for("\xEF\xBB\xBF{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}]}", "u"),
      R"({"model":"u","messages":[{"role":"user"}]})");
}

// ---------------------------------------------------------------------------------------------
// ResponseScanner
// ---------------------------------------------------------------------------------------------

const std::string kCompletion =
    R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,)"
    R"("model" : "gpt-4o-2024-08-06" ,"choices":[{"index":0,"message":{"role":"assistant",)"
    R"("content":"{\"model\":\"x\"}","model":"nested"},"logprobs":null,"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,)"
    R"("prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},)"
    R"("completion_tokens_details":{"reasoning_tokens":4,"audio_tokens":0}},)"
    R"("system_fingerprint":"fp_1"})";

TEST(ResponseScanner, RestoresOnlyTheTopLevelModelAndReadsUsage) {
  ResponseScanner scanner;
  Usage usage;
  const std::string body = scanner.restore_model(kCompletion, "smart", usage);
  std::string expected = kCompletion;
  expected.replace(expected.find("\"gpt-4o-2024-08-06\""), 19, "\"smart\"");
  EXPECT_EQ(body, expected);
  EXPECT_EQ(usage, (Usage{19, 10, 29, 3, 4, true}));
}

TEST(ResponseScanner, ScanResultReportsValidityBodyAndUsage) {
  ResponseScanner scanner;
  const ResponseScan scan = scanner.restore_model(kCompletion, "smart");
  EXPECT_TRUE(scan.valid_json);
  EXPECT_NE(scan.body.find(R"("model" : "smart" ,)"), std::string::npos);
  EXPECT_EQ(scan.usage, (Usage{19, 10, 29, 3, 4, true}));
  const ResponseScan broken = scanner.restore_model(R"({"model":"a",)", "smart");
  EXPECT_FALSE(broken.valid_json);
  EXPECT_EQ(broken.body, R"({"model":"a",)");
  EXPECT_FALSE(broken.usage.present);
}

TEST(ResponseScanner, EscapesThePublicModel) {
  ResponseScanner scanner;
  Usage usage;
  EXPECT_EQ(scanner.restore_model(R"({"model":"a","usage":null})", "we\"ird\n", usage),
            R"({"model":"we\"ird\n","usage":null})");
  EXPECT_FALSE(usage.present);
}

TEST(ResponseScanner, MissingDetailsAreZero) {
  ResponseScanner scanner;
  Usage usage;
  scanner.restore_model(R"({"model":"a","usage":{"prompt_tokens":5,"completion_tokens":2}})", "p",
                        usage);
  EXPECT_EQ(usage, (Usage{5, 2, 0, 0, 0, true}));
  scanner.restore_model(
      R"({"usage":{"prompt_tokens":5,"prompt_tokens_details":null,"completion_tokens_details":{}}})",
      "p", usage);
  EXPECT_EQ(usage, (Usage{5, 0, 0, 0, 0, true}));
}

TEST(ResponseScanner, OddCountsAreReadSafely) {
  ResponseScanner scanner;
  Usage usage;
  scanner.restore_model(
      R"({"usage":{"prompt_tokens":7.9,"completion_tokens":-3,"total_tokens":"12",)"
      R"("prompt_tokens_details":{"cached_tokens":99999999999999999999}}})",
      "p", usage);
  EXPECT_EQ(usage, (Usage{7, 0, 0, INT64_MAX, 0, true}));
}

TEST(ResponseScanner, NoUsageMeansNotPresent) {
  ResponseScanner scanner;
  Usage usage;
  usage.present = true;
  EXPECT_EQ(scanner.restore_model(R"({"model":"a"})", "p", usage), R"({"model":"p"})");
  EXPECT_FALSE(usage.present);
}

TEST(ResponseScanner, ReplacesEveryDuplicateTopLevelModel) {
  ResponseScanner scanner;
  Usage usage;
  EXPECT_EQ(scanner.restore_model(R"({"model":"a","x":1,"model":"b"})", "p", usage),
            R"({"model":"p","x":1,"model":"p"})");
}

TEST(ResponseScanner, InvalidJsonIsReturnedUnchanged) {
  ResponseScanner scanner;
  for (const std::string& body :
       {std::string(R"({"model":"a","usage":{"prompt_tokens":1})"),  // truncated
        std::string(R"({"model":"a","choices":[1,,2],"usage":{"prompt_tokens":1}})"),
        std::string(R"({"model":"a","usage":{"prompt_tokens":1}} trailing)"),
        std::string(R"({"model":"a","usage":{"prompt_tokens":1},"x":tru})"),
        std::string("<html>502 Bad Gateway</html>"), std::string(""), std::string(R"(["model"])"),
        std::string(10000, '[')}) {
    Usage usage;
    usage.present = true;
    EXPECT_EQ(scanner.restore_model(body, "p", usage), body);
    EXPECT_FALSE(usage.present) << body;
  }
}

// ---------------------------------------------------------------------------------------------
// StreamChunkPatcher
// ---------------------------------------------------------------------------------------------

std::string chunk(const std::string& choices, const std::string& usage = "") {
  return R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1700000000,)"
         R"("model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1","choices":)" +
         choices + (usage.empty() ? "" : ",\"usage\":" + usage) + "}";
}

std::string with_public_model(std::string payload) {
  payload.replace(payload.find("\"gpt-4o-2024-08-06\""), 19, "\"fast\"");
  return payload;
}

const std::vector<std::string> kOpenAiStream = {
    chunk(
        R"([{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}])",
        "null"),
    chunk(R"([{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}])",
          "null"),
    chunk(
        R"([{"index":0,"delta":{"content":"lo \"model\""},"logprobs":null,"finish_reason":null}])",
        "null"),
    chunk(R"([{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}])", "null"),
    chunk(
        "[]",
        R"({"prompt_tokens":8,"completion_tokens":3,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}})"),
    "[DONE]",
};

TEST(StreamChunkPatcher, ClientThatAskedForUsageGetsEveryChunk) {
  StreamChunkPatcher patcher;
  std::vector<ChunkResult> results;
  for (const std::string& payload : kOpenAiStream)
    results.push_back(patcher.patch(payload, "fast", true));
  for (std::size_t i = 0; i + 1 < results.size(); ++i) {
    EXPECT_TRUE(results[i].forward) << i;
    EXPECT_FALSE(results[i].done) << i;
    EXPECT_FALSE(results[i].malformed) << i;
    EXPECT_FALSE(results[i].is_error) << i;
    EXPECT_EQ(results[i].data, with_public_model(kOpenAiStream[i])) << i;
  }
  EXPECT_FALSE(results[0].usage.present);  // "usage": null
  EXPECT_EQ(
      (std::vector<bool>{results[0].has_content, results[1].has_content, results[2].has_content,
                         results[3].has_content, results[4].has_content, results[5].has_content}),
      (std::vector<bool>{false, true, true, false, false, false}));
  EXPECT_EQ(results[2].finish_reason, "");
  EXPECT_EQ(results[3].finish_reason, "stop");
  EXPECT_EQ(results[4].usage, (Usage{8, 3, 11, 0, 0, true}));
  EXPECT_TRUE(results[5].done);
  EXPECT_TRUE(results[5].forward);
  EXPECT_EQ(results[5].data, "[DONE]");
}

TEST(StreamChunkPatcher, UsageOnlyChunkIsWithheldWhenTheGatewayAskedForIt) {
  StreamChunkPatcher patcher;
  ChunkResult result;  // reused across chunks, as on the hot path
  std::vector<bool> forwarded;
  Usage usage;
  for (const std::string& payload : kOpenAiStream) {
    patcher.patch(payload, "fast", false, result);
    forwarded.push_back(result.forward);
    if (result.usage.present) usage = result.usage;
  }
  EXPECT_EQ(forwarded, (std::vector<bool>{true, true, true, true, false, true}));
  EXPECT_EQ(usage, (Usage{8, 3, 11, 0, 0, true}));  // still read for billing
}

TEST(StreamChunkPatcher, UsageWithoutAChoicesKeyIsAlsoUsageOnly) {
  StreamChunkPatcher patcher;
  const ChunkResult result =
      patcher.patch(R"({"id":"x","model":"up","usage":{"prompt_tokens":1,"completion_tokens":2}})",
                    "fast", false);
  EXPECT_FALSE(result.forward);
  EXPECT_EQ(result.usage, (Usage{1, 2, 0, 0, 0, true}));
}

TEST(StreamChunkPatcher, ChunkWithChoicesAndUsageIsForwardedUnchanged) {
  StreamChunkPatcher patcher;
  const std::string payload =
      chunk(R"([{"index":0,"delta":{},"finish_reason":"length"}])",
            R"({"prompt_tokens":8,"completion_tokens":3,"total_tokens":11})");
  const ChunkResult result = patcher.patch(payload, "fast", false);
  EXPECT_TRUE(result.forward);
  EXPECT_EQ(result.data, with_public_model(payload));
  EXPECT_EQ(result.finish_reason, "length");
  EXPECT_EQ(result.usage, (Usage{8, 3, 11, 0, 0, true}));
}

TEST(StreamChunkPatcher, FirstFinishReasonAmongSeveralChoices) {
  StreamChunkPatcher patcher;
  const ChunkResult result = patcher.patch(
      chunk(
          R"([{"index":0,"delta":{"content":"a"},"finish_reason":null},{"index":1,"delta":{},"finish_reason":"tool_calls"},"odd"])"),
      "fast", true);
  EXPECT_EQ(result.finish_reason, "tool_calls");
  EXPECT_FALSE(result.malformed);
}

TEST(StreamChunkPatcher, ToolCallsRefusalAndReasoningCountAsContent) {
  StreamChunkPatcher patcher;
  EXPECT_TRUE(
      patcher
          .patch(
              chunk(
                  R"([{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\""}}]},"finish_reason":null}])"),
              "fast", true)
          .has_content);
  EXPECT_TRUE(
      patcher.patch(chunk(R"([{"index":0,"delta":{"refusal":"no"}}])"), "fast", true).has_content);
  EXPECT_TRUE(
      patcher
          .patch(chunk(R"([{"index":0,"delta":{"content":null,"reasoning_content":"hm"}}])"),
                 "fast", true)
          .has_content);
  EXPECT_FALSE(
      patcher.patch(chunk(R"([{"index":0,"delta":{"content":"","tool_calls":[]}}])"), "fast", true)
          .has_content);
}

TEST(StreamChunkPatcher, ErrorPayloadIsFlaggedAndForwarded) {
  StreamChunkPatcher patcher;
  const std::string payload =
      R"({"error":{"message":"The server is overloaded","type":"server_error","param":null,"code":null}})";
  const ChunkResult result = patcher.patch(payload, "fast", false);
  EXPECT_TRUE(result.is_error);
  EXPECT_TRUE(result.forward);
  EXPECT_FALSE(result.malformed);
  EXPECT_EQ(result.data, payload);
  EXPECT_FALSE(patcher.patch(R"({"model":"m","error":null,"choices":[]})", "p", true).is_error);
}

TEST(StreamChunkPatcher, MalformedPayloadIsForwardedUnchanged) {
  StreamChunkPatcher patcher;
  for (const std::string& payload :
       {std::string(R"({"id":"x","model":"up","choices":[{"finish_reason":"st)"),
        std::string("not json"), std::string(""), std::string(R"("a string")"),
        std::string("\xFF\xFE"), std::string(10000, '{')}) {
    const ChunkResult result = patcher.patch(payload, "fast", false);
    EXPECT_TRUE(result.malformed) << payload;
    EXPECT_TRUE(result.forward);
    EXPECT_FALSE(result.done);
    EXPECT_FALSE(result.usage.present);
    EXPECT_EQ(result.finish_reason, "");
    EXPECT_EQ(result.data, payload);
  }
}

TEST(StreamChunkPatcher, DoneSentinelToleratesSurroundingWhitespace) {
  StreamChunkPatcher patcher;
  EXPECT_TRUE(patcher.patch(" [DONE] ", "fast", false).done);
  EXPECT_FALSE(patcher.patch("[DONE]x", "fast", false).done);
}

}  // namespace
}  // namespace tollgate::providers::openai
