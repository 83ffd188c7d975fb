// The byte-level fast path for an OpenAI-compatible upstream called through the OpenAI surface:
// the client's body goes upstream with only `model` (and, when streaming, `stream_options`)
// patched, and responses come back with only `model` restored, while usage is read on the way.
// Nothing is re-serialised, so fields the gateway does not know pass through exactly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api/openai/chat_request.hpp"

namespace tollgate::providers::openai {

// Token counts as the upstream reported them. `present` is false when there was no usage object
// (absent or null); any missing count inside a present object is 0.
struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total_tokens = 0;
  std::int64_t cached_tokens = 0;     // prompt_tokens_details.cached_tokens
  std::int64_t reasoning_tokens = 0;  // completion_tokens_details.reasoning_tokens
  bool present = false;

  friend bool operator==(const Usage&, const Usage&) = default;
};

// The upstream request body: the `model` value replaced by `upstream_model`, and for a streaming
// request `stream_options.include_usage` forced to true so the stream ends with a usage chunk
// (the gateway bills from it). Without stream_options, `"stream_options":{"include_usage":true},`
// goes right after the body's `{`; a null or empty stream_options becomes
// `{"include_usage":true}`; an include_usage of false or null becomes `true`; other options
// without include_usage get `"include_usage":true,` after their `{`, so they are kept.
// All other bytes are kept as they are, except a leading UTF-8 byte order mark, which is dropped.
// `view` must come from parsing `client_body`.
std::string build_upstream_body(std::string_view client_body,
                                const api::openai::ChatRequestView& view,
                                std::string_view upstream_model);

// Room a valid response's body is given beyond its size, for what the gateway adds before
// sending it (the cost echo, gateway/admission.hpp).
inline constexpr std::size_t kResponseScanRoom = 128;

// The result of scanning a non-streaming response.
struct ResponseScan {
  // The body to send: model restored (with kResponseScanRoom spare capacity), or the input when
  // not valid JSON.
  std::string body;
  Usage usage;              // from the top-level "usage"
  bool valid_json = false;  // the body was one valid JSON object
};

// Reads a non-streaming chat.completion response. Reuses its parser and buffer across calls: keep
// one per thread. Not thread-safe.
class ResponseScanner {
 public:
  ResponseScanner();
  ~ResponseScanner();
  ResponseScanner(ResponseScanner&&) noexcept;
  ResponseScanner& operator=(ResponseScanner&&) noexcept;

  // The body with the top-level "model" value replaced by `public_model` (nested "model" keys
  // are left alone), and `usage_out` filled from the top-level "usage". A body that is not valid
  // JSON, or not an object, is returned unchanged with usage_out.present = false.
  ResponseScan restore_model(std::string_view upstream_body, std::string_view public_model);

  // The same, for callers that only need the body.
  std::string restore_model(std::string_view upstream_body, std::string_view public_model,
                            Usage& usage_out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// What to do with one SSE `data:` payload of a chat.completion.chunk stream.
struct ChunkResult {
  std::string data;           // the payload to send, with the top-level "model" restored
  bool forward = true;        // false for a usage-only chunk the client did not ask for
  bool done = false;          // the payload is the `[DONE]` sentinel
  Usage usage;                // from a non-null top-level "usage"
  bool is_error = false;      // the payload has a top-level "error" (a mid-stream failure)
  std::string finish_reason;  // the first non-null finish_reason among the choices
  // A choice's delta carries generated output: non-empty content, refusal or reasoning text, or
  // tool calls. Counting such chunks estimates completion tokens when usage never arrives.
  bool has_content = false;
  bool malformed = false;  // not a JSON object: forwarded unchanged, nothing else read
};

// Patches the chunks of one or many streams; reuses its parser and buffer across calls, so keep
// one per thread (or per stream). Not thread-safe.
class StreamChunkPatcher {
 public:
  StreamChunkPatcher();
  ~StreamChunkPatcher();
  StreamChunkPatcher(StreamChunkPatcher&&) noexcept;
  StreamChunkPatcher& operator=(StreamChunkPatcher&&) noexcept;

  // `client_wants_usage` is the client's own stream_options.include_usage. When it is false the
  // usage-only chunk (no choices, or "choices":[], plus a usage object) exists only because the
  // gateway asked for it, so forward is false. A chunk with both choices and usage is forwarded
  // unchanged either way.
  ChunkResult patch(std::string_view data, std::string_view public_model, bool client_wants_usage);

  // The same, writing into `out` so its strings keep their capacity from chunk to chunk.
  void patch(std::string_view data, std::string_view public_model, bool client_wants_usage,
             ChunkResult& out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tollgate::providers::openai
