// Time in the load generator: nanoseconds on the steady clock as a plain integer, so that
// schedules, windows and latencies are cheap arithmetic, and the one measurement window every
// mode shares.
#pragma once

#include <chrono>
#include <cstdint>

namespace tollgate::loadgen {

using Nanos = std::int64_t;

constexpr Nanos kNanosPerSecond = 1'000'000'000;

inline Nanos now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline std::chrono::steady_clock::time_point to_time_point(Nanos t) noexcept {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(t));
}

inline Nanos seconds_to_ns(double seconds) noexcept {
  return static_cast<Nanos>(seconds * static_cast<double>(kNanosPerSecond));
}

// [start, measure_from) is the warm-up, [measure_from, end) the measurement. A request counts
// when it began inside the measurement and was complete before its end, so requests cut short
// by the end, or begun in the warm-up, are never half counted.
struct Window {
  Nanos start = 0;
  Nanos measure_from = 0;
  Nanos end = 0;

  bool measures(Nanos began, Nanos done) const noexcept {
    return began >= measure_from && done <= end;
  }
  double measured_seconds() const noexcept {
    return static_cast<double>(end - measure_from) / static_cast<double>(kNanosPerSecond);
  }
};

}  // namespace tollgate::loadgen
