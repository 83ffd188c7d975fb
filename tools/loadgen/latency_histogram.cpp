// The log-linear histogram: bucket arithmetic and the percentile walk.
#include "loadgen/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace tollgate::loadgen {

void LatencyHistogram::record(Nanos value, std::uint64_t times) noexcept {
  if (value < 0) value = 0;
  counts_[histogram_bucket_of(std::min(value, kHighest))] += times;
  count_ += times;
  sum_ += static_cast<std::uint64_t>(value) * times;
  max_ = std::max(max_, value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

double LatencyHistogram::mean() const noexcept {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

Nanos LatencyHistogram::highest_in_bucket(std::size_t index) noexcept {
  if (index < static_cast<std::size_t>(kHistogramExactBelow)) return static_cast<Nanos>(index);
  const std::size_t linear = index - static_cast<std::size_t>(kHistogramExactBelow);
  constexpr std::size_t sub_buckets = std::size_t{1} << kHistogramSubBucketBits;
  const int shift = static_cast<int>(linear >> kHistogramSubBucketBits) + 1;
  const auto sub_bucket = static_cast<Nanos>((linear & (sub_buckets - 1)) + sub_buckets);
  return ((sub_bucket + 1) << shift) - 1;
}

Nanos LatencyHistogram::percentile(double percent) const noexcept {
  if (count_ == 0) return 0;
  const double wanted =
      std::ceil(std::clamp(percent, 0.0, 100.0) / 100.0 * static_cast<double>(count_));
  const std::uint64_t rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_in_bucket(i), max_);
  }
  return max_;
}

}  // namespace tollgate::loadgen
