// Google Benchmark: the cost of translation, per request and per stream chunk, for every
// (client surface, upstream family) pair that goes through the IR. Goal (issue 3): decode +
// encode of a typical ~1 KB request < 5 µs, one stream chunk < 1 µs. BM_PassthroughChunk and
// BM_PassthroughResponse: the chunk patch and the response patch of the one pair that skips the IR.
//
//   cmake --build build --target translate_bench && build/bin/translate_bench
#include "api/anthropic/messages.hpp"
#include "api/gemini/generate_content.hpp"
#include "api/openai/chat_ir.hpp"
#include "api/responses/request.hpp"
#include "api/responses/response.hpp"
#include "api/responses/stream.hpp"
#include "providers/anthropic/messages.hpp"
#include "providers/gemini/generate_content.hpp"
#include "providers/openai/chat_codec.hpp"
#include "providers/openai/passthrough.hpp"

#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <string>

namespace {

using namespace tollgate;

// The same ~1 KB conversation in each client format: a system prompt, three turns, one tool.
const std::string kSystem =
    "You are a concise assistant for a travel company. Answer in plain English, cite prices in "
    "euros, and call the weather tool whenever the user asks about conditions at a destination.";
const std::string kTool =
    R"({"type":"object","properties":{"city":{"type":"string","description":"City name"},)"
    R"("unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]})";

const std::string kChatBody =
    R"({"model":"m","max_tokens":512,"temperature":0.7,"messages":[{"role":"system","content":")" +
    kSystem +
    R"("},{"role":"user","content":"I am planning a weekend in Lisbon in March. What should I pack, and is it usually rainy then?"},)"
    R"({"role":"assistant","content":"Lisbon in March is mild, around 15 degrees, with some rain. Pack layers and a light waterproof jacket."},)"
    R"({"role":"user","content":"Great. Can you check the current weather there and suggest two day trips by train?"}],)"
    R"("tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather for a city","parameters":)" +
    kTool + "}}]}";

const std::string kMessagesBody =
    R"({"model":"m","max_tokens":512,"temperature":0.7,"system":")" + kSystem +
    R"(","messages":[{"role":"user","content":"I am planning a weekend in Lisbon in March. What should I pack, and is it usually rainy then?"},)"
    R"({"role":"assistant","content":"Lisbon in March is mild, around 15 degrees, with some rain. Pack layers and a light waterproof jacket."},)"
    R"({"role":"user","content":"Great. Can you check the current weather there and suggest two day trips by train?"}],)"
    R"("tools":[{"name":"get_weather","description":"Current weather for a city","input_schema":)" +
    kTool + "}]}";

const std::string kResponsesBody =
    R"({"model":"m","max_output_tokens":512,"temperature":0.7,"instructions":")" + kSystem +
    R"(","input":[{"role":"user","content":"I am planning a weekend in Lisbon in March. What should I pack, and is it usually rainy then?"},)"
    R"({"role":"assistant","content":"Lisbon in March is mild, around 15 degrees, with some rain. Pack layers and a light waterproof jacket."},)"
    R"({"role":"user","content":"Great. Can you check the current weather there and suggest two day trips by train?"}],)"
    R"("tools":[{"type":"function","name":"get_weather","description":"Current weather for a city","parameters":)" +
    kTool + "}]}";

const std::string kGeminiBody =
    R"({"systemInstruction":{"parts":[{"text":")" + kSystem +
    R"("}]},"contents":[{"role":"user","parts":[{"text":"I am planning a weekend in Lisbon in March. What should I pack, and is it usually rainy then?"}]},)"
    R"({"role":"model","parts":[{"text":"Lisbon in March is mild, around 15 degrees, with some rain. Pack layers and a light waterproof jacket."}]},)"
    R"({"role":"user","parts":[{"text":"Great. Can you check the current weather there and suggest two day trips by train?"}]}],)"
    R"("tools":[{"functionDeclarations":[{"name":"get_weather","description":"Current weather for a city","parameters":)" +
    kTool + R"(}]}],"generationConfig":{"maxOutputTokens":512,"temperature":0.7}})";

using Decode = std::function<std::optional<ir::Error>(ir::Request&)>;
using Encode = std::function<std::optional<ir::Error>(const ir::Request&, std::string&)>;

const Decode kDecoders[] = {
    [](ir::Request& r) { return api::openai::decode_request(kChatBody, r); },
    [](ir::Request& r) { return api::anthropic::decode_request(kMessagesBody, r); },
    [](ir::Request& r) { return api::responses::decode_request(kResponsesBody, r); },
    [](ir::Request& r) { return api::gemini::decode_request(kGeminiBody, "m", false, r); },
};
const char* const kSurfaceNames[] = {"chat", "messages", "responses", "gemini"};

const Encode kEncoders[] = {
    [](const ir::Request& r, std::string& b) {
      return providers::openai::encode_chat_request(r, "upstream", b);
    },
    [](const ir::Request& r, std::string& b) {
      return providers::anthropic::encode_request(r, "upstream", b);
    },
    [](const ir::Request& r, std::string& b) { return providers::gemini::encode_request(r, b); },
};
const char* const kFamilyNames[] = {"openai", "anthropic", "gemini"};

void BM_Request(benchmark::State& state) {
  const auto& decode = kDecoders[state.range(0)];
  const auto& encode = kEncoders[state.range(1)];
  std::string body;
  for (auto _ : state) {
    ir::Request request;
    body.clear();
    if (decode(request) || encode(request, body)) state.SkipWithError("translation failed");
    benchmark::DoNotOptimize(body.data());
  }
  state.SetLabel(std::string(kSurfaceNames[state.range(0)]) + " -> " +
                 kFamilyNames[state.range(1)]);
}

// --- stream chunks: one upstream text delta through the family's decoder and the surface's
// encoder, after the stream's opening events.

struct Chunk {
  std::string type;
  std::string data;
};
struct StreamScript {
  std::vector<Chunk> opening;
  Chunk delta;
};

const StreamScript kStreams[] = {
    {{{"", R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"u","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})"}},
     {"", R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"u","choices":[{"index":0,"delta":{"content":" token"},"finish_reason":null}]})"}},
    {{{"message_start", R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"u","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}})"},
      {"content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"}},
     {"content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" token"}})"}},
    {{},
     {"", R"({"candidates":[{"content":{"role":"model","parts":[{"text":" token"}]},"index":0}],"modelVersion":"u","responseId":"r1"})"}},
};

std::unique_ptr<ir::EventSink> make_encoder(int surface, std::string& out) {
  ir::EncodeOptions options{"m", "id_1", 1, false};
  switch (surface) {
    case 0: return std::make_unique<api::openai::ChatStreamEncoder>(out, options);
    case 1: return std::make_unique<api::anthropic::StreamEncoder>(out, options);
    case 2: return std::make_unique<api::responses::StreamEncoder>(out, options, nullptr);
    default: return std::make_unique<api::gemini::StreamEncoder>(out, options);
  }
}

template <class Decoder>
void run_chunks(benchmark::State& state, const StreamScript& script) {
  std::string out;
  auto encoder = make_encoder(static_cast<int>(state.range(0)), out);
  Decoder decoder;
  for (const auto& c : script.opening) decoder.feed(c.type, c.data, *encoder);
  for (auto _ : state) {
    out.clear();
    decoder.feed(script.delta.type, script.delta.data, *encoder);
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_Chunk(benchmark::State& state) {
  switch (state.range(1)) {
    case 0: run_chunks<providers::openai::ChatStreamDecoder>(state, kStreams[0]); break;
    case 1: run_chunks<providers::anthropic::StreamDecoder>(state, kStreams[1]); break;
    default: run_chunks<providers::gemini::StreamDecoder>(state, kStreams[2]); break;
  }
  state.SetLabel(std::string(kFamilyNames[state.range(1)]) + " -> " +
                 kSurfaceNames[state.range(0)]);
}

void every_pair(benchmark::internal::Benchmark* b) {
  for (int surface = 0; surface < 4; ++surface) {
    for (int family = 0; family < 3; ++family) {
      if (surface == 0 && family == 0) continue;  // the passthrough: nothing is translated
      b->Args({surface, family});
    }
  }
}

// --- the passthrough (OpenAI surface, OpenAI-compatible upstream): one chunk through
// StreamChunkPatcher::patch, which restores the model and reads usage, finish reason and content.
// The chunks have the mock upstream's shape (tools/mock_upstream/openai_wire.cpp) with
// include_usage on, as the gateway always asks upstream.

const std::string kPassthroughChunkHead =
    R"({"id":"chatcmpl-mock-1f3a9c2e","object":"chat.completion.chunk","created":1735689600,)"
    R"("model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_mock",)";
const std::string kPassthroughChunks[] = {
    kPassthroughChunkHead +
        R"("choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}],"usage":null})",
    kPassthroughChunkHead +
        R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Lis"}}]},"logprobs":null,"finish_reason":null}],"usage":null})",
    kPassthroughChunkHead +
        R"("choices":[],"usage":{"prompt_tokens":57,"completion_tokens":120,"total_tokens":177,)"
        R"("prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":)"
        R"({"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}})",
};
const char* const kPassthroughChunkNames[] = {"content", "tool call arguments", "usage"};

void BM_PassthroughChunk(benchmark::State& state) {
  const std::string& chunk = kPassthroughChunks[state.range(0)];
  providers::openai::StreamChunkPatcher patcher;
  providers::openai::ChunkResult result;  // reused, as on the hot path
  for (auto _ : state) {
    patcher.patch(chunk, "gpt-4o-mini", false, result);
    benchmark::DoNotOptimize(result.data.data());
  }
  if (result.malformed) state.SkipWithError("the chunk did not parse");
  state.SetLabel(kPassthroughChunkNames[state.range(0)]);
}

// --- the same pair, not streaming: the mock upstream's whole response (16 output tokens)
// through ResponseScanner::restore_model, which restores the model, reads usage and checks that
// the body is valid JSON.

const std::string kPassthroughResponse =
    R"({"id":"chatcmpl-mock-1f3a9c2e","object":"chat.completion","created":1735689600,)"
    R"("model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_mock",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":" meadow oyster lantern )"
    R"(glacier model velvet glacier kettle nectar over packet umbra jasmine island stream token",)"
    R"("refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":6,"completion_tokens":16,"total_tokens":22,)"
    R"("prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":)"
    R"({"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}})";

void BM_PassthroughResponse(benchmark::State& state) {
  providers::openai::ResponseScanner scanner;
  providers::openai::ResponseScan scan;
  for (auto _ : state) {
    scan = scanner.restore_model(kPassthroughResponse, "gpt-4o-mini");
    benchmark::DoNotOptimize(scan.body.data());
  }
  if (!scan.valid_json || !scan.usage.present) state.SkipWithError("the response did not parse");
}

BENCHMARK(BM_Request)->Apply(every_pair);
BENCHMARK(BM_Chunk)->Apply(every_pair);
BENCHMARK(BM_PassthroughChunk)->DenseRange(0, 2);
BENCHMARK(BM_PassthroughResponse);

}  // namespace

BENCHMARK_MAIN();
