// What every handler of the mock shares: its options (read-only after start-up), its counters,
// the last-request and last-reply recorders, the sticky fault and the shutdown flag.
#pragma once

#include "mock_upstream/reply_recorder.hpp"
#include "mock_upstream/request_recorder.hpp"
#include "mock_upstream/stats.hpp"
#include "mock_upstream/sticky_fault.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace tollgate::mock {

struct MockOptions {
  std::chrono::milliseconds ttft{0};  // before the first piece of a stream (and a JSON reply)
  std::chrono::milliseconds itl{0};   // between pieces
  uint32_t tokens = 16;               // reply length when neither header nor max_tokens cut it
  std::string require_key;            // empty: any non-empty key is accepted (every format)
  std::string instance_name;          // --name: sent as x-mock-instance on every response
};

struct MockContext {
  MockContext(MockOptions opts, unsigned threads) : options(std::move(opts)), recorder(threads) {}

  const MockOptions options;
  MockStats stats;
  RequestRecorder recorder;
  ReplyRecorder replies;
  StickyFault sticky_fault;
  std::atomic<uint64_t> next_completion_id{1};
  // Set once on SIGTERM/SIGINT: pending delays end early and hung requests are dropped.
  std::atomic<bool> stopping{false};
};

}  // namespace tollgate::mock
