// A log-linear latency histogram in the manner of HdrHistogram: exact below 2,048 ns, then 1,024
// linear sub-buckets per power of two, so every recorded value is kept to better than 0.1 %
// (three significant digits: 1 µs at 1 ms) from 1 ns to 60 s in about 27,000 fixed counters
// (~220 KB). The streaming figures need that much: a stream's frame gaps are ~1 ms and the
// target for what a proxy adds to them is 10 µs, which two-digit buckets (8 µs wide there)
// could not resolve. Recording is an index computation and an increment (no allocation), and
// histograms of different threads merge by adding counters, so each event loop records into its
// own and they meet once at the end.
#pragma once

#include "loadgen/clock.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace tollgate::loadgen {

constexpr int kHistogramSubBucketBits = 10;  // 1,024 sub-buckets per power of two: < 0.1 %
constexpr Nanos kHistogramExactBelow = Nanos{2} << kHistogramSubBucketBits;  // 2,048

// The counter that `value` (>= 0) falls in.
constexpr std::size_t histogram_bucket_of(Nanos value) noexcept {
  if (value < kHistogramExactBelow) return static_cast<std::size_t>(value);
  const int magnitude = 63 - __builtin_clzll(static_cast<unsigned long long>(value));
  const int shift = magnitude - kHistogramSubBucketBits;
  const auto sub_bucket = static_cast<std::size_t>(value >> shift);  // 1,024..2,047
  constexpr std::size_t sub_buckets = std::size_t{1} << kHistogramSubBucketBits;
  return static_cast<std::size_t>(kHistogramExactBelow) +
         static_cast<std::size_t>(shift - 1) * sub_buckets + (sub_bucket - sub_buckets);
}

class LatencyHistogram {
 public:
  // Values above are counted in the top bucket (max() and mean() stay exact).
  static constexpr Nanos kHighest = 60 * kNanosPerSecond;

  // Records `value` `times` times (a negative value counts as 0).
  void record(Nanos value, std::uint64_t times = 1) noexcept;
  void merge(const LatencyHistogram& other) noexcept;

  std::uint64_t count() const noexcept { return count_; }
  Nanos max() const noexcept { return max_; }
  double mean() const noexcept;
  // The value at or below which `percent` % of the recorded values lie: the top of its bucket,
  // capped at max() (so p50 <= p99 <= max always). 0 when nothing was recorded.
  Nanos percentile(double percent) const noexcept;

 private:
  static Nanos highest_in_bucket(std::size_t index) noexcept;

  static constexpr std::size_t kBuckets = histogram_bucket_of(kHighest) + 1;

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  // 2^64 ns is 584 years of summed latency: no overflow in any run.
  std::uint64_t sum_ = 0;
  Nanos max_ = 0;
};

}  // namespace tollgate::loadgen
