// Open loop: requests arrive at a constant rate whatever the server does, and each one's latency
// counts from the moment it was scheduled, not from when it could be sent. A server that falls
// behind therefore shows it in the latency instead of silently slowing the generator down
// ("coordinated omission"). Each loop owns an equal share of the rate, its arrivals interleaved
// with the other loops'; its connections take the next arrival as soon as they are free, so a
// request that waited for a connection is timed from its schedule too.
#include "loadgen/connection.hpp"
#include "loadgen/event_loops.hpp"
#include "loadgen/json_report.hpp"
#include "loadgen/latency_histogram.hpp"
#include "loadgen/modes.hpp"

#include <cmath>

namespace tollgate::loadgen {

namespace {

namespace asio = boost::asio;

struct OpenStats {
  LatencyHistogram latency;
  std::uint64_t sent = 0;  // requests scheduled in the window that went out
  std::uint64_t requests = 0;
  std::uint64_t non_2xx = 0;
  FailureCounts failures;
  // The loop's arrivals: first + k * period. Shared by its connections (one thread: no lock).
  Nanos first_arrival = 0;
  double period_ns = 0;
  std::uint64_t next_arrival = 0;

  Nanos take_arrival() {
    const double offset = static_cast<double>(next_arrival++) * period_ns;
    return first_arrival + static_cast<Nanos>(std::llround(offset));
  }
  void merge(const OpenStats& other) {
    latency.merge(other.latency);
    sent += other.sent;
    requests += other.requests;
    non_2xx += other.non_2xx;
    failures.merge(other.failures);
  }
};

asio::awaitable<void> drive(Connection& connection, const Window& window,
                            LoopShare<OpenStats>& share) {
  OpenStats& stats = share.stats;
  for (;;) {
    const Nanos due = stats.take_arrival();
    if (due >= window.end) break;
    if (due > now_ns()) {
      co_await connection.wait_until(due);
      if (share.stopping) break;
    }
    const bool measured = due >= window.measure_from;
    if (measured) ++stats.sent;
    const Exchange exchange = co_await connection.exchange(nullptr);
    if (share.stopping) break;
    const Nanos done = now_ns();
    if (!measured || done > window.end) continue;
    if (exchange.failure != Failure::none) {
      stats.failures.add(exchange.failure, connection);
      continue;
    }
    ++stats.requests;
    if (exchange.status < 200 || exchange.status > 299) ++stats.non_2xx;
    stats.latency.record(done - due);
  }
}

}  // namespace

std::string run_open(const RunOptions& options, const Target& target) {
  EventLoops loops(options.threads);
  // Each loop takes every loops.size()-th arrival of the one schedule, offset by its index.
  const double interval_ns = static_cast<double>(kNanosPerSecond) / options.rate;
  Window window;
  OpenStats total = run_connections<OpenStats>(
      loops, target, options.connections, kReadBufferBytes, options.warmup_s, options.duration_s,
      window, drive, [&](unsigned i, OpenStats& stats) {
        stats.period_ns = interval_ns * loops.size();
        stats.first_arrival = window.start + static_cast<Nanos>(interval_ns * i);
      });
  total.failures.print("open");
  const double seconds = window.measured_seconds();
  return JsonObject()
      .text("mode", "open")
      .count("connections", options.connections)
      .count("threads", loops.size())
      .number("duration_s", seconds)
      .count("requests", total.requests)
      .count("non_2xx", total.non_2xx)
      .count("errors", total.failures.total())
      .number("rps", static_cast<double>(total.requests) / seconds)
      .object("latency_us", latency_summary(total.latency))
      .number("target_rate", options.rate)
      .number("achieved_rate", static_cast<double>(total.sent) / seconds)
      .str();
}

}  // namespace tollgate::loadgen
