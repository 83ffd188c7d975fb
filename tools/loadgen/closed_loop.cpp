// Closed loop: each connection sends its next request as soon as the previous answer is
// complete, so the offered load is whatever the server sustains at that concurrency (the
// throughput figure). Latency runs from the send to the end of the response.
#include "loadgen/connection.hpp"
#include "loadgen/event_loops.hpp"
#include "loadgen/json_report.hpp"
#include "loadgen/latency_histogram.hpp"
#include "loadgen/modes.hpp"

namespace tollgate::loadgen {

namespace {

namespace asio = boost::asio;

struct ClosedStats {
  LatencyHistogram latency;
  std::uint64_t requests = 0;
  std::uint64_t non_2xx = 0;
  FailureCounts failures;

  void merge(const ClosedStats& other) {
    latency.merge(other.latency);
    requests += other.requests;
    non_2xx += other.non_2xx;
    failures.merge(other.failures);
  }
};

asio::awaitable<void> drive(Connection& connection, const Window& window,
                            LoopShare<ClosedStats>& share) {
  ClosedStats& stats = share.stats;
  for (;;) {
    const Nanos began = now_ns();
    if (began >= window.end) break;
    const Exchange exchange = co_await connection.exchange(nullptr);
    if (share.stopping) break;
    const Nanos done = now_ns();
    if (!window.measures(began, done)) continue;
    if (exchange.failure != Failure::none) {
      stats.failures.add(exchange.failure, connection);
      continue;
    }
    ++stats.requests;
    if (exchange.status < 200 || exchange.status > 299) ++stats.non_2xx;
    stats.latency.record(done - began);
  }
}

}  // namespace

std::string run_closed(const RunOptions& options, const Target& target) {
  EventLoops loops(options.threads);
  Window window;
  ClosedStats total = run_connections<ClosedStats>(
      loops, target, options.connections, kReadBufferBytes, options.warmup_s,
      options.duration_s, window, drive,
      [](unsigned, ClosedStats&) {});
  total.failures.print("closed");
  return JsonObject()
      .text("mode", "closed")
      .count("connections", options.connections)
      .count("threads", loops.size())
      .number("duration_s", window.measured_seconds())
      .count("requests", total.requests)
      .count("non_2xx", total.non_2xx)
      .count("errors", total.failures.total())
      .number("rps", static_cast<double>(total.requests) / window.measured_seconds())
      .object("latency_us", latency_summary(total.latency))
      .str();
}

}  // namespace tollgate::loadgen
