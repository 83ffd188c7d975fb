#include "billing/pricing.hpp"

#include <gtest/gtest.h>

#include <random>

namespace tollgate::billing {
namespace {

TEST(Pricing, ExactWhenTheProductIsWhole) {
  // 1M prompt tokens at $0.15/M = 150,000 µUSD; 1M completion tokens at $0.60/M = 600,000 µUSD.
  EXPECT_EQ(cost_micros({1'000'000, 0, 1'000'000}, {150'000, 150'000, 600'000}), 750'000);
  EXPECT_EQ(cost_micros({0, 0, 0}, {150'000, 150'000, 600'000}), 0);
}

TEST(Pricing, RoundsTheExactSumUpOnce) {
  // 4 prompt × 0.15 + 16 completion × 0.60 = 0.6 + 9.6 = 10.2 µUSD → 11 (not 1 + 10 = 11 by luck:
  // rounding each part up separately would give ceil(0.6) + ceil(9.6) = 11 too, so also check a
  // case where per-part rounding differs).
  EXPECT_EQ(cost_micros({4, 0, 16}, {150'000, 150'000, 600'000}), 11);
  // 1 prompt × 0.5 + 1 completion × 0.5 = 1.0 exactly → 1 (per-part rounding would give 2).
  EXPECT_EQ(cost_micros({1, 0, 1}, {500'000, 500'000, 500'000}), 1);
}

TEST(Pricing, CachedTokensUseTheirOwnPriceAndNeverExceedPrompt) {
  // 1000 prompt of which 400 cached: 600 × 2.5 + 400 × 1.25 = 1500 + 500 = 2000 µUSD.
  EXPECT_EQ(cost_micros({1000, 400, 0}, {2'500'000, 1'250'000, 10'000'000}), 2000);
  // cached > prompt is clamped: all 10 prompt tokens at the cached price.
  EXPECT_EQ(cost_micros({10, 50, 0}, {2'000'000, 1'000'000, 0}), 10);
}

TEST(Pricing, NoOverflowOnHugeCounts) {
  // 10^12 tokens at $1,000,000/M = 10^18 µUSD: the intermediate product (10^24) needs 128 bits.
  EXPECT_EQ(cost_micros({0, 0, 1'000'000'000'000}, {0, 0, 1'000'000'000'000}),
            1'000'000'000'000'000'000);
}

TEST(Pricing, PropertyMonotoneAndNeverBelowTheExactValue) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> tokens(0, 2'000'000), price(0, 100'000'000);
  for (int i = 0; i < 20'000; ++i) {
    TokenCounts t{tokens(rng), 0, tokens(rng)};
    t.cached = t.prompt / 3;
    TokenPrices p{price(rng), price(rng), price(rng)};
    Micros cost = cost_micros(t, p);
    __extension__ using Wide = __int128;
    Wide exact_scaled = Wide(t.prompt - t.cached) * p.input_per_m +
                        Wide(t.cached) * p.cached_input_per_m + Wide(t.completion) * p.output_per_m;
    ASSERT_GE(Wide(cost) * 1'000'000, exact_scaled);              // never undercharges
    ASSERT_LT(Wide(cost) * 1'000'000, exact_scaled + 1'000'000);  // by less than 1 µUSD
    TokenCounts more = t;
    ++more.completion;
    ASSERT_GE(cost_micros(more, p), cost);  // one more token never costs less
  }
}

}  // namespace
}  // namespace tollgate::billing
