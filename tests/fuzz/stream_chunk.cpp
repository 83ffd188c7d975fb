// Fuzzes the patch of one SSE `data:` payload of a streaming response
// (StreamChunkPatcher::patch). The first byte of the input chooses client_wants_usage; the rest is
// the payload.
//
// Invariants:
//   - never crashes; a reused patcher answers as a fresh one does (see fuzz_check.hpp);
//   - a malformed payload or the [DONE] sentinel is forwarded unchanged and nothing is read from
//     it; token counts are never negative; a usage-only chunk is dropped only when the client did
//     not ask for usage;
//   - a forwarded chunk that was not malformed, patched again, is still not malformed and gives
//     the same usage, finish reason, content flag and error flag, and the same bytes (the model
//     is already the public one);
//   - the result is exactly the one simdjson alone gives (patch() reads the common chunk by
//     hand), and a payload the hand-written scan accepts is valid JSON.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "json_grammar.hpp"
#include "providers/openai/passthrough.hpp"
#include "providers/openai/passthrough_detail.hpp"

namespace {

using tollgate::providers::openai::ChunkResult;
using tollgate::providers::openai::StreamChunkPatcher;
using tollgate::providers::openai::Usage;
namespace detail = tollgate::providers::openai::detail;

constexpr std::string_view kPublicModel = "public-model";

bool counts_are_non_negative(const Usage& usage) {
  return usage.prompt_tokens >= 0 && usage.completion_tokens >= 0 && usage.total_tokens >= 0 &&
         usage.cached_tokens >= 0 && usage.reasoning_tokens >= 0;
}

bool same_result(const ChunkResult& a, const ChunkResult& b) {
  return a.data == b.data && a.forward == b.forward && a.done == b.done && a.usage == b.usage &&
         a.is_error == b.is_error && a.finish_reason == b.finish_reason &&
         a.has_content == b.has_content && a.malformed == b.malformed;
}

void print_result(const char* label, const ChunkResult& r) {
  std::fprintf(stderr,
               "%s: malformed=%d done=%d forward=%d is_error=%d has_content=%d "
               "finish_reason='%s' usage.present=%d prompt=%lld completion=%lld total=%lld\n"
               "  data=%s\n",
               label, r.malformed, r.done, r.forward, r.is_error, r.has_content,
               r.finish_reason.c_str(), r.usage.present,
               static_cast<long long>(r.usage.prompt_tokens),
               static_cast<long long>(r.usage.completion_tokens),
               static_cast<long long>(r.usage.total_tokens), r.data.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static StreamChunkPatcher reused;  // fed chunk after chunk, as on the hot path
  static ChunkResult reused_result;  // whose strings keep their capacity, as in the gateway
  static tollgate::fuzz::PreviousInput previous;
  const bool client_wants_usage = (data[0] & 1) != 0;
  const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);

  const ChunkResult result = StreamChunkPatcher().patch(payload, kPublicModel, client_wants_usage);
  const ChunkResult slow =
      detail::patch_with_simdjson_only(payload, kPublicModel, client_wants_usage);
  if (!same_result(result, slow)) {
    print_result("patch", result);
    print_result("simdjson alone", slow);
  }
  FUZZ_CHECK(same_result(result, slow));
  detail::CommonChunk common;
  if (detail::scan_common_chunk(payload, common)) {
    FUZZ_CHECK(tollgate::fuzz::JsonGrammar::is_valid(payload));
  }
  if (tollgate::fuzz::reuse_parsers()) {
    reused.patch(payload, kPublicModel, client_wants_usage, reused_result);
    if (!same_result(reused_result, result)) {
      print_result("reused patcher", reused_result);
      print_result("fresh patcher", result);
      previous.print();
    }
    FUZZ_CHECK(same_result(reused_result, result));
    previous.remember(std::string_view(reinterpret_cast<const char*>(data), size));
  }

  FUZZ_CHECK(counts_are_non_negative(result.usage));
  if (!result.usage.present) FUZZ_CHECK(result.usage == Usage{});
  if (!result.forward) FUZZ_CHECK(!client_wants_usage && result.usage.present);
  if (result.done || result.malformed) {
    FUZZ_CHECK(!(result.done && result.malformed));
    FUZZ_CHECK(result.data == payload);
    FUZZ_CHECK(result.forward);
    FUZZ_CHECK(result.usage == Usage{});
    FUZZ_CHECK(!result.is_error && !result.has_content && result.finish_reason.empty());
    return 0;
  }
  if (!result.forward) return 0;

  const ChunkResult again =
      StreamChunkPatcher().patch(result.data, kPublicModel, client_wants_usage);
  if (again.malformed) {
    std::fprintf(stderr, "the patched chunk no longer parses:\n%s\n", result.data.c_str());
  }
  FUZZ_CHECK(!again.malformed);
  FUZZ_CHECK(!again.done);
  FUZZ_CHECK(again.forward);
  FUZZ_CHECK(again.usage == result.usage);
  FUZZ_CHECK(again.finish_reason == result.finish_reason);
  FUZZ_CHECK(again.has_content == result.has_content);
  FUZZ_CHECK(again.is_error == result.is_error);
  FUZZ_CHECK(again.data == result.data);
  return 0;
}
