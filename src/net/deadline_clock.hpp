// The clock of the I/O deadlines that the loops' watchdogs check every 100 ms.
#pragma once

#include <chrono>
#include <ctime>

namespace tollgate::net {

// CLOCK_MONOTONIC_COARSE: the kernel's last tick, read from the vDSO without touching the TSC
// (a few nanoseconds, where steady_clock costs ~20 on this path and is read several times a
// request to arm deadlines). Its resolution is the tick (1–4 ms), far finer than the watchdogs'
// 100 ms period. Anything reported as a duration (latencies, overhead) is measured with
// std::chrono::steady_clock, never with this.
struct DeadlineClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<DeadlineClock>;
  static constexpr bool is_steady = true;

  static time_point now() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
};

}  // namespace tollgate::net
