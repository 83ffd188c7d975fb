#include "loadgen/latency_histogram.hpp"

#include <gtest/gtest.h>

namespace tollgate::loadgen {
namespace {

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram histogram;
  for (Nanos value : {0, 1, 999, 2047}) histogram.record(value);
  EXPECT_EQ(histogram.percentile(25), 0);
  EXPECT_EQ(histogram.percentile(50), 1);
  EXPECT_EQ(histogram.percentile(75), 999);
  EXPECT_EQ(histogram.percentile(100), 2047);
}

// The streaming target is judged on ~1 ms frame gaps to 10 µs: two gaps 2 µs apart must land in
// different buckets, and each is reported to within 0.1 %.
TEST(LatencyHistogram, AMillisecondIsResolvedToAMicrosecond) {
  LatencyHistogram histogram;
  histogram.record(1'056'800);
  histogram.record(1'058'800, 3);
  const Nanos p25 = histogram.percentile(25);
  const Nanos p100 = histogram.percentile(100);
  EXPECT_LT(p25, p100);
  EXPECT_GE(p25, 1'056'800);
  EXPECT_LE(p25, 1'056'800 + 1'056);  // the top of its bucket: less than 0.1 % above
  EXPECT_EQ(p100, 1'058'800);         // capped at the maximum
  EXPECT_EQ(histogram.percentile(50), p100);
}

TEST(LatencyHistogram, EveryValueStaysWithinATenthOfAPercent) {
  for (Nanos value = 2048; value < 60 * kNanosPerSecond; value = value * 3 / 2 + 7) {
    LatencyHistogram histogram;
    histogram.record(value);
    histogram.record(60 * kNanosPerSecond);  // so the percentile is not capped at max()
    const Nanos reported = histogram.percentile(50);
    EXPECT_GE(reported, value);
    EXPECT_LE(reported - value, value / 1000) << value;
  }
}

TEST(LatencyHistogram, MergeAddsCounts) {
  LatencyHistogram a, b;
  a.record(5'000, 99);
  b.record(2'000'000);
  a.merge(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_EQ(a.max(), 2'000'000);
  EXPECT_LE(a.percentile(99), 5'005);
  EXPECT_EQ(a.percentile(100), 2'000'000);
}

}  // namespace
}  // namespace tollgate::loadgen
