// Per-request instructions to the mock, read from the `x-mock-*` request headers, with the
// command-line options as defaults and the instance's sticky fault (POST /_mock/fault) for a
// request that names no fault.
#pragma once

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/faults.hpp"
#include "mock_upstream/mock_context.hpp"
#include "net/http.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::mock {

struct MockDirectives {
  Fault fault = Fault::none;          // x-mock-fault
  std::chrono::milliseconds ttft{0};  // x-mock-ttft-ms, else --ttft-ms
  std::chrono::milliseconds itl{0};   // x-mock-itl-ms, else --itl-ms
  std::optional<uint32_t> tokens;     // x-mock-tokens (else --tokens)
  uint32_t cached_tokens = 0;         // x-mock-cached-tokens (capped at prompt tokens)
  uint32_t cache_write_tokens = 0;    // x-mock-cache-write-tokens (Anthropic only)
  uint32_t reasoning_tokens = 0;      // x-mock-reasoning-tokens: a thinking block first
  uint32_t cut_after = 3;             // x-mock-cut-after (cut-stream, stream-error)
  // x-mock-retry-after, verbatim: the retry-after of a 429 (default 1), 503 or 529 (default none).
  std::optional<std::string> retry_after;
};

inline constexpr uint32_t kMaxTokens = 100'000;
inline constexpr int64_t kMaxDelayMs = 3'600'000;

// An unknown x-mock-* header or a bad value is a 400 (code "mock_bad_directive") so that a typo
// in a test fails loudly instead of silently testing the wrong thing. A request without an
// x-mock-fault header takes the sticky fault, counting it down (any x-mock-fault header, even an
// empty one meaning "no fault", wins over it); the sticky retry-after applies unless the request
// gives x-mock-retry-after.
boost::system::result<MockDirectives, ApiError> read_mock_directives(const net::Headers& headers,
                                                                     const MockOptions& options,
                                                                     StickyFault& sticky_fault);

}  // namespace tollgate::mock
