// Hold: opens N streaming requests, one socket each, at a steady ramp, keeps reading them all,
// and at the end tells how many the server kept alive. It answers "how many concurrent streams
// does the gateway hold" (BENCH.md, streaming), so the target is expected to stream for longer
// than the run (a gateway in front of `tollgate-mock --itl-ms 500 --tokens 100000`).
//
// Every stream is held for at least --duration: the clock for it starts once the last stream
// has been started. A stream is
//   opened   when its status was 200 and its first data event arrived;
//   held     when, at the end, it was still open and had received an event in the last
//            --stall seconds, or it had finished cleanly;
//   stalled  when it was still open at the end but silent for longer;
//   waiting  when, at the end, it had not opened yet (no answer, or no first event).
#include "loadgen/connection.hpp"
#include "loadgen/event_loops.hpp"
#include "loadgen/json_report.hpp"
#include "loadgen/modes.hpp"
#include "loadgen/sse_event_counter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <cmath>

namespace tollgate::loadgen {

namespace {

namespace asio = boost::asio;

// Thousands of sockets are open at once; a stream frame is a few hundred bytes.
constexpr std::size_t kHoldBufferBytes = 4 * 1024;

// Streams open right now across all loops, and the most there ever were.
class OpenStreamGauge {
 public:
  void up() {
    const std::int64_t now = current_.fetch_add(1, std::memory_order_relaxed) + 1;
    std::int64_t peak = peak_.load(std::memory_order_relaxed);
    while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
  }
  void down() { current_.fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t peak() const { return peak_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> current_{0};
  std::atomic<std::int64_t> peak_{0};
};

struct HoldCounts {
  std::uint64_t opened = 0;
  std::uint64_t held = 0;
  std::uint64_t finished = 0;
  std::uint64_t stalled = 0;
  std::uint64_t waiting = 0;
  std::uint64_t non_2xx = 0;
  std::uint64_t ended_without_frames = 0;  // a 200 whose body ended before any data event
  FailureCounts failures;

  void merge(const HoldCounts& other) {
    opened += other.opened;
    held += other.held;
    finished += other.finished;
    stalled += other.stalled;
    waiting += other.waiting;
    non_2xx += other.non_2xx;
    ended_without_frames += other.ended_without_frames;
    failures.merge(other.failures);
  }
};

class HeldStream final : public ResponseObserver {
 public:
  enum class Phase { waiting, open, finished, failed };

  HeldStream(asio::io_context& io, const Target& target, HoldCounts& counts, OpenStreamGauge& gauge)
      : connection(io, target, kHoldBufferBytes), counts_(counts), gauge_(gauge) {}

  void on_status(int status) override { status_ok_ = status == 200; }
  void on_body(std::string_view bytes) override {
    // Only a 200 stream opens: an error body that happens to look like SSE does not.
    if (!status_ok_ || counter_.feed(bytes) == 0) return;
    last_frame = now_ns();
    if (phase == Phase::waiting) {
      phase = Phase::open;
      ++counts_.opened;
      gauge_.up();
    }
  }

  // The response ended (cleanly or not) before the run did.
  void ended(const Exchange& exchange) {
    const bool was_open = phase == Phase::open;
    if (was_open) gauge_.down();
    phase = Phase::failed;
    if (exchange.failure != Failure::none) {
      counts_.failures.add(exchange.failure, connection);
    } else if (exchange.status != 200) {
      ++counts_.non_2xx;
    } else if (!was_open) {
      ++counts_.ended_without_frames;
    } else {
      phase = Phase::finished;
      ++counts_.finished;
    }
  }

  // Sorts the stream into held / stalled / waiting at the end of the run.
  void count_at_end(Nanos now, Nanos stall) {
    switch (phase) {
      case Phase::open:
        ++(now - last_frame <= stall ? counts_.held : counts_.stalled);
        break;
      case Phase::finished:
        ++counts_.held;
        break;
      case Phase::waiting:
        ++counts_.waiting;
        break;
      case Phase::failed:
        break;
    }
  }

  Connection connection;
  Phase phase = Phase::waiting;
  Nanos last_frame = 0;

 private:
  HoldCounts& counts_;
  OpenStreamGauge& gauge_;
  SseEventCounter counter_;
  bool status_ok_ = false;
};

struct HoldShare {
  std::vector<std::unique_ptr<HeldStream>> streams;
  bool stopping = false;
  HoldCounts counts;
};

asio::awaitable<void> hold(HeldStream& stream, const HoldShare& share) {
  const Exchange exchange = co_await stream.connection.exchange(&stream);
  if (!share.stopping) stream.ended(exchange);
}

// Starts this loop's streams at their places in the global ramp (stream j of the run starts at
// start + j / rate and belongs to loop j % loops).
asio::awaitable<void> ramp(asio::io_context& io, HoldShare& share, unsigned loop_index,
                           unsigned loops, Nanos start, double interval_ns) {
  asio::steady_timer timer(io);
  for (std::size_t k = 0; k < share.streams.size(); ++k) {
    const double place = static_cast<double>(k * loops + loop_index) * interval_ns;
    const Nanos due = start + static_cast<Nanos>(std::llround(place));
    if (due > now_ns()) {
      timer.expires_at(to_time_point(due));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (share.stopping) co_return;
    spawn(io, hold(*share.streams[k], share));
  }
}

}  // namespace

std::string run_hold(const RunOptions& options, const Target& target) {
  EventLoops loops(options.threads);
  OpenStreamGauge gauge;
  std::vector<HoldShare> shares(loops.size());
  // Every stream is allocated now, so the ramp allocates nothing but its coroutine frames.
  for (unsigned j = 0; j < options.streams; ++j) {
    const unsigned index = j % loops.size();
    shares[index].streams.push_back(
        std::make_unique<HeldStream>(loops.loop(index), target, shares[index].counts, gauge));
  }

  const double interval_ns = static_cast<double>(kNanosPerSecond) / options.ramp_per_second;
  const Nanos start = now_ns();
  const Nanos ramp_end =
      start + static_cast<Nanos>(std::llround(interval_ns * static_cast<double>(options.streams)));
  const Nanos end = ramp_end + seconds_to_ns(options.duration_s);
  const Nanos stall = seconds_to_ns(options.stall_s);
  for (unsigned i = 0; i < loops.size(); ++i) {
    HoldShare& share = shares[i];
    spawn(loops.loop(i), ramp(loops.loop(i), share, i, loops.size(), start, interval_ns));
    call_at(loops.loop(i), end, [&share, stall] {
      const Nanos now = now_ns();
      for (auto& stream : share.streams) stream->count_at_end(now, stall);
      share.stopping = true;
      for (auto& stream : share.streams) stream->connection.close();
    });
  }
  loops.run();

  HoldCounts total;
  for (const auto& share : shares) total.merge(share.counts);
  total.failures.print("hold");
  const auto seconds = [](Nanos span) {
    return static_cast<double>(span) / static_cast<double>(kNanosPerSecond);
  };
  return JsonObject()
      .text("mode", "hold")
      .count("streams", options.streams)
      .count("threads", loops.size())
      .number("ramp_s", seconds(ramp_end - start))
      .number("duration_s", seconds(end - ramp_end))
      .count("opened", total.opened)
      .count("held", total.held)
      .count("finished", total.finished)
      .count("stalled", total.stalled)
      .count("waiting", total.waiting)
      .count("non_2xx", total.non_2xx)
      .count("errors", total.failures.total() + total.ended_without_frames)
      .count("peak_concurrent", static_cast<std::uint64_t>(gauge.peak()))
      .str();
}

}  // namespace tollgate::loadgen
