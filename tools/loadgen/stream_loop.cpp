// Stream: a closed loop over SSE responses. Each connection asks for a stream, reads it to its
// end, and asks for the next. Per stream, the time from the send to the first complete `data:`
// event (TTFT) and the gaps between consecutive events; frames that arrive in the same read are
// 0 apart, which is what a client reading that socket would see.
#include "loadgen/connection.hpp"
#include "loadgen/event_loops.hpp"
#include "loadgen/json_report.hpp"
#include "loadgen/latency_histogram.hpp"
#include "loadgen/modes.hpp"
#include "loadgen/sse_event_counter.hpp"

namespace tollgate::loadgen {

namespace {

namespace asio = boost::asio;

struct StreamStats {
  LatencyHistogram ttft;
  LatencyHistogram frame_gap;
  std::uint64_t streams = 0;  // complete 2xx streams begun and ended inside the window
  std::uint64_t frames = 0;   // data events of those streams
  std::uint64_t non_2xx = 0;
  FailureCounts failures;

  void merge(const StreamStats& other) {
    ttft.merge(other.ttft);
    frame_gap.merge(other.frame_gap);
    streams += other.streams;
    frames += other.frames;
    non_2xx += other.non_2xx;
    failures.merge(other.failures);
  }
};

// Times the data events of one stream as its body arrives.
class FrameClock final : public ResponseObserver {
 public:
  explicit FrameClock(StreamStats& stats) : stats_(stats) {}

  void begin(Nanos sent, bool recording) {
    counter_.reset();
    sent_ = sent;
    last_frame_ = sent;
    frames_ = 0;
    recording_ = recording;
  }
  std::uint64_t frames() const { return frames_; }

  void on_status(int) override {}
  void on_body(std::string_view bytes) override {
    const std::size_t events = counter_.feed(bytes);
    if (events == 0) return;
    const Nanos now = now_ns();
    if (recording_) {
      if (frames_ == 0) {
        stats_.ttft.record(now - sent_);
      } else {
        stats_.frame_gap.record(now - last_frame_);
      }
      // The others completed by this read arrived together with the first.
      if (events > 1) stats_.frame_gap.record(0, events - 1);
    }
    frames_ += events;
    last_frame_ = now;
  }

 private:
  StreamStats& stats_;
  SseEventCounter counter_;
  Nanos sent_ = 0;
  Nanos last_frame_ = 0;
  std::uint64_t frames_ = 0;
  bool recording_ = false;
};

asio::awaitable<void> drive(Connection& connection, const Window& window,
                            LoopShare<StreamStats>& share) {
  StreamStats& stats = share.stats;
  FrameClock clock(stats);
  for (;;) {
    const Nanos began = now_ns();
    if (began >= window.end) break;
    clock.begin(began, began >= window.measure_from);
    const Exchange exchange = co_await connection.exchange(&clock);
    if (share.stopping) break;
    const Nanos done = now_ns();
    if (!window.measures(began, done)) continue;
    if (exchange.failure != Failure::none) {
      stats.failures.add(exchange.failure, connection);
    } else if (exchange.status < 200 || exchange.status > 299) {
      ++stats.non_2xx;
    } else {
      ++stats.streams;
      stats.frames += clock.frames();
    }
  }
}

}  // namespace

std::string run_stream(const RunOptions& options, const Target& target) {
  EventLoops loops(options.threads);
  Window window;
  StreamStats total = run_connections<StreamStats>(
      loops, target, options.connections, kReadBufferBytes, options.warmup_s,
      options.duration_s, window, drive,
      [](unsigned, StreamStats&) {});
  total.failures.print("stream");
  return JsonObject()
      .text("mode", "stream")
      .count("connections", options.connections)
      .count("threads", loops.size())
      .number("duration_s", window.measured_seconds())
      .count("streams", total.streams)
      .count("frames", total.frames)
      .count("non_2xx", total.non_2xx)
      .count("errors", total.failures.total())
      .object("ttft_us", latency_summary(total.ttft, true))
      .object("frame_gap_us", latency_summary(total.frame_gap, true))
      .str();
}

}  // namespace tollgate::loadgen
