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
  std::vector<LoopShare<ClosedStats>> shares;
  open_connections(loops, target, options.connections, kReadBufferBytes, shares);

  Window window;
  window.start = now_ns();
  window.measure_from = window.start + seconds_to_ns(options.warmup_s);
  window.end = window.measure_from + seconds_to_ns(options.duration_s);
  for (unsigned i = 0; i < loops.size(); ++i) {
    for (auto& connection : shares[i].connections) {
      spawn(loops.loop(i), drive(*connection, window, shares[i]));
    }
    stop_at(loops.loop(i), window.end, shares[i]);
  }
  loops.run();

  ClosedStats total;
  for (const auto& share : shares) total.merge(share.stats);
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
