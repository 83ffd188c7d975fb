// Counters the tests read through GET /_mock/stats. Shared by every loop thread, so atomics
// (relaxed: each counter is read on its own, no ordering between them is promised).
#pragma once

#include "mock_upstream/json_text.hpp"

#include <atomic>
#include <cstdint>
#include <string>

namespace tollgate::mock {

struct MockStats {
  std::atomic<uint64_t> requests{0};         // model requests (any format), any outcome
  std::atomic<uint64_t> connections{0};      // ... that were the first request of their connection
  std::atomic<uint64_t> streams_started{0};  // SSE responses whose status line went out
  std::atomic<uint64_t> streams_completed{0};  // ... that wrote their last frame and ended cleanly
  std::atomic<uint64_t> streams_aborted_by_client{0};  // ... where a write failed: client left
  std::atomic<int64_t> open_streams{0};                // started and not yet ended (a gauge)

  static void bump(std::atomic<uint64_t>& counter) {
    counter.fetch_add(1, std::memory_order_relaxed);
  }

  // The gauge is left alone: streams still open stay open across a reset.
  void reset() {
    for (auto* counter : {&requests, &connections, &streams_started, &streams_completed,
                          &streams_aborted_by_client}) {
      counter->store(0, std::memory_order_relaxed);
    }
  }

  std::string to_json() const {
    std::string out;
    out.reserve(160);
    out.append(R"({"requests":)");
    append_uint(out, requests.load(std::memory_order_relaxed));
    out.append(R"(,"connections":)");
    append_uint(out, connections.load(std::memory_order_relaxed));
    out.append(R"(,"streams_started":)");
    append_uint(out, streams_started.load(std::memory_order_relaxed));
    out.append(R"(,"streams_completed":)");
    append_uint(out, streams_completed.load(std::memory_order_relaxed));
    out.append(R"(,"streams_aborted_by_client":)");
    append_uint(out, streams_aborted_by_client.load(std::memory_order_relaxed));
    out.append(R"(,"open_streams":)");
    append_int(out, open_streams.load(std::memory_order_relaxed));
    out.push_back('}');
    return out;
  }
};

// Counts one stream as open for its lifetime (whichever way the handler leaves).
class OpenStreamGuard {
 public:
  explicit OpenStreamGuard(MockStats& stats) : stats_(stats) {
    MockStats::bump(stats_.streams_started);
    stats_.open_streams.fetch_add(1, std::memory_order_relaxed);
  }
  ~OpenStreamGuard() { stats_.open_streams.fetch_sub(1, std::memory_order_relaxed); }
  OpenStreamGuard(const OpenStreamGuard&) = delete;
  OpenStreamGuard& operator=(const OpenStreamGuard&) = delete;

 private:
  MockStats& stats_;
};

}  // namespace tollgate::mock
