// The pricing engine: exact costs, the one rounding rule, tiers at their boundaries, markup,
// reservations, fees and money as decimal text. Property tests check every generated case
// against an independent arbitrary-precision computation; nothing here uses floating point.
#include "billing/pricing.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "big_nat.hpp"
#include "config/config.hpp"

namespace tollgate::billing {
namespace {

using oracle::BigNat;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

uint64_t u(int64_t value) {
  return value < 0 ? 0 : static_cast<uint64_t>(value);
}

// The exact cost × 10^12 (µUSD × 10^6 per-1M unit × 10^6 markup unit), straight from the
// definition. Counts are assumed consistent (cache_read + cache_write <= input).
BigNat exact_cost_scaled(const ModelPrice& price, const Metered& m, int64_t markup_ppm) {
  const TokenRates* rates = &price.base;
  for (const PriceTier& tier : price.tiers) {
    if (m.input > tier.above_input_tokens) rates = &tier.rates;
  }
  BigNat per_m = BigNat(u(m.input - m.cache_read - m.cache_write)).times(u(rates->input_per_m));
  per_m += BigNat(u(m.cache_read)).times(u(rates->cache_read_per_m));
  per_m += BigNat(u(m.cache_write)).times(u(rates->cache_write_per_m));
  per_m += BigNat(u(m.output)).times(u(rates->output_per_m));
  BigNat fixed = BigNat(u(price.per_request));
  fixed += BigNat(u(m.images)).times(u(price.per_image));
  fixed += BigNat(u(m.video_seconds)).times(u(price.video_per_second));
  per_m += fixed.times(1'000'000);
  return per_m.times(u(markup_ppm));
}

// cost == ⌈exact⌉, or the int64 maximum when ⌈exact⌉ does not fit.
::testing::AssertionResult is_ceiling_of_exact(Micros cost, const BigNat& exact_scaled) {
  const BigNat scaled_cost = BigNat(u(cost)).times(1'000'000'000'000);
  if (cost == kInt64Max && scaled_cost < exact_scaled) return ::testing::AssertionSuccess();
  if (scaled_cost < exact_scaled) return ::testing::AssertionFailure() << cost << " undercharges";
  if (cost == 0) return ::testing::AssertionSuccess();
  const BigNat one_less = BigNat(u(cost - 1)).times(1'000'000'000'000);
  if (!(one_less < exact_scaled)) {
    return ::testing::AssertionFailure() << cost << " is more than the exact cost rounded up";
  }
  return ::testing::AssertionSuccess();
}

ModelPrice flat(Micros input, Micros output) {
  ModelPrice price;
  price.base = {input, output, input, input};
  return price;
}

// Base rates with two long-context tiers (Gemini-like: the price doubles above 200k tokens).
ModelPrice tiered() {
  ModelPrice price;
  price.base = {1'250'000, 10'000'000, 125'000, 1'250'000};
  price.tiers = {{200'000, {2'500'000, 15'000'000, 250'000, 2'500'000}},
                 {1'000'000, {5'000'000, 30'000'000, 500'000, 5'000'000}}};
  return price;
}

Metered tokens(int64_t input, int64_t output) {
  Metered m;
  m.input = input;
  m.output = output;
  return m;
}

// --- exact values -------------------------------------------------------------------------

TEST(RequestCost, ExactWhenTheProductIsWhole) {
  // 1M input at $0.15/M + 1M output at $0.60/M = 750,000 µUSD.
  EXPECT_EQ(request_cost(flat(150'000, 600'000), tokens(1'000'000, 1'000'000), kMarkupOne),
            750'000);
  EXPECT_EQ(request_cost(flat(150'000, 600'000), tokens(0, 0), kMarkupOne), 0);
}

TEST(RequestCost, RoundsTheExactSumUpOnce) {
  // 1 input × 0.5 µUSD + 1 output × 0.5 µUSD = 1.0 µUSD exactly: 1, not ⌈0.5⌉ + ⌈0.5⌉ = 2.
  EXPECT_EQ(request_cost(flat(500'000, 500'000), tokens(1, 1), kMarkupOne), 1);
  // 4 × 0.15 + 16 × 0.6 = 10.2 → 11.
  EXPECT_EQ(request_cost(flat(150'000, 600'000), tokens(4, 16), kMarkupOne), 11);
  // One token at the smallest price (1 µUSD per 1M tokens) is 10^-6 µUSD: still 1, never 0.
  EXPECT_EQ(request_cost(flat(1, 0), tokens(1, 0), kMarkupOne), 1);
}

TEST(RequestCost, CacheReadAndWriteTokensUseTheirOwnRates) {
  ModelPrice price;
  price.base = {3'000'000, 15'000'000, 300'000, 3'750'000};  // Claude Sonnet-like
  Metered m = tokens(10'000, 1'000);
  m.cache_read = 6'000;
  m.cache_write = 3'000;
  // 1000 × 3 + 6000 × 0.3 + 3000 × 3.75 + 1000 × 15 = 3000 + 1800 + 11250 + 15000 µUSD.
  EXPECT_EQ(request_cost(price, m, kMarkupOne), 31'050);
}

TEST(RequestCost, CacheCountsBeyondTheInputAreClampedAndNegativeCountsAreZero) {
  ModelPrice price;
  price.base = {2'000'000, 0, 1'000'000, 4'000'000};
  Metered m = tokens(10, 0);
  m.cache_read = 50;  // more than input: all 10 input tokens are cache reads
  m.cache_write = 5;  // nothing of input is left for cache writes
  EXPECT_EQ(request_cost(price, m, kMarkupOne), 10);
  Metered negative;
  negative.input = -5;
  negative.output = -1;
  negative.images = -3;
  negative.video_seconds = -10;
  EXPECT_EQ(request_cost(price, negative, kMarkupOne), 0);
}

TEST(RequestCost, PerRequestAndImagePricesAddToTheTokenCost) {
  ModelPrice price = flat(1'000'000, 2'000'000);
  price.per_request = 1'000;  // $0.001 per call
  price.per_image = 40'000;   // $0.04 per image
  Metered m = tokens(100, 0);
  m.images = 3;
  EXPECT_EQ(request_cost(price, m, kMarkupOne), 100 + 1'000 + 120'000);
  // The per-request price applies to a call that used nothing else.
  EXPECT_EQ(request_cost(price, Metered{}, kMarkupOne), 1'000);
}

// --- tiers --------------------------------------------------------------------------------

TEST(RequestCost, ATierAppliesOnlyAboveItsThresholdAndThenToTheWholeRequest) {
  const ModelPrice price = tiered();
  EXPECT_EQ(&rates_for(price, 199'999), &price.base);
  EXPECT_EQ(&rates_for(price, 200'000), &price.base) << "exactly at the threshold: not exceeded";
  EXPECT_EQ(&rates_for(price, 200'001), &price.tiers[0].rates);
  EXPECT_EQ(&rates_for(price, 1'000'000), &price.tiers[0].rates);
  EXPECT_EQ(&rates_for(price, 1'000'001), &price.tiers[1].rates);
  EXPECT_EQ(&rates_for(price, 0), &price.base);
  EXPECT_EQ(&rates_for(price, -1), &price.base);

  // 200,000 input at 1.25 + 1,000 output at 10 = 250,000 + 10,000.
  EXPECT_EQ(request_cost(price, tokens(200'000, 1'000), kMarkupOne), 260'000);
  // One more input token: every token at the tier's rates, 200,001 × 2.5 + 1,000 × 15.
  EXPECT_EQ(request_cost(price, tokens(200'001, 1'000), kMarkupOne), 500'003 + 15'000);
  // 1,000,001 input at 5 + 0 output.
  EXPECT_EQ(request_cost(price, tokens(1'000'001, 0), kMarkupOne), 5'000'005);
}

TEST(RequestCost, TheTierIsChosenByAllInputTokensCacheIncluded) {
  const ModelPrice price = tiered();
  Metered m = tokens(200'001, 0);
  m.cache_read = 200'000;
  // 1 × 2.5 + 200,000 × 0.25 = 50,002.5 → 50,003.
  EXPECT_EQ(request_cost(price, m, kMarkupOne), 50'003);
}

// --- markup -------------------------------------------------------------------------------

TEST(RequestCost, MarkupMultipliesTheExactCostBeforeRounding) {
  const ModelPrice price = flat(150'000, 600'000);
  // 10.2 µUSD × 1.25 = 12.75 → 13 (rounding first would give 11 × 1.25 = 13.75 → 14).
  EXPECT_EQ(request_cost(price, tokens(4, 16), 1'250'000), 13);
  // 750,000 × 1.000001 = 750,000.75 → 750,001.
  EXPECT_EQ(request_cost(price, tokens(1'000'000, 1'000'000), 1'000'001), 750'001);
  // 3 × 0.5 = 1.5 → 2; a markup of 0 (never configured) prices everything at 0.
  EXPECT_EQ(request_cost(flat(3'000'000, 0), tokens(1, 0), 500'000), 2);
  EXPECT_EQ(request_cost(flat(3'000'000, 0), tokens(1, 0), 0), 0);
}

TEST(RequestCost, MarkupAppliesToPerRequestImageAndVideoPrices) {
  ModelPrice price;
  price.per_request = 1'000;
  price.per_image = 40'000;
  price.video_per_second = 100'000;
  Metered m;
  m.images = 1;
  m.video_seconds = 2;
  EXPECT_EQ(request_cost(price, m, 1'500'000), (1'000 + 40'000 + 200'000) * 3 / 2);
}

// --- video --------------------------------------------------------------------------------

TEST(RequestCost, VideoPerSecond) {
  ModelPrice price;
  price.video_per_second = 100'000;
  Metered m;
  m.video_seconds = 8;
  EXPECT_EQ(request_cost(price, m, kMarkupOne), 800'000);
}

TEST(RequestCost, VideoDurationsPriceTheShortestClipThatHoldsTheVideo) {
  ModelPrice price;
  price.video_per_second = 999'999'999;  // ignored once durations are set
  price.video_durations = {{5, 200'000}, {10, 375'000}};
  auto cost = [&](int64_t seconds) {
    Metered m;
    m.video_seconds = seconds;
    return request_cost(price, m, kMarkupOne);
  };
  EXPECT_EQ(cost(0), 0);
  EXPECT_EQ(cost(1), 200'000);
  EXPECT_EQ(cost(5), 200'000);
  EXPECT_EQ(cost(6), 375'000);
  EXPECT_EQ(cost(10), 375'000);
  EXPECT_EQ(cost(11), 2 * 375'000) << "longer than the longest clip: whole longest clips";
  EXPECT_EQ(cost(25), 3 * 375'000);
}

// --- limits -------------------------------------------------------------------------------

TEST(RequestCost, HugeCountsDoNotOverflow) {
  // 10^12 tokens of every class at $1,000/M (10^9 µUSD per 1M): 10^15 µUSD each.
  ModelPrice price;
  price.base = {1'000'000'000, 1'000'000'000, 1'000'000'000, 1'000'000'000};
  Metered m = tokens(3'000'000'000'000, 1'000'000'000'000);
  m.cache_read = 1'000'000'000'000;
  m.cache_write = 1'000'000'000'000;
  EXPECT_EQ(request_cost(price, m, kMarkupOne), 4'000'000'000'000'000);
  // The same at the maximum markup (×1000): 4 × 10^18, still within int64.
  EXPECT_EQ(request_cost(price, m, 1'000'000'000), 4'000'000'000'000'000'000);
}

TEST(RequestCost, ACostBeyondInt64SaturatesInsteadOfWrapping) {
  ModelPrice price;
  price.base = {kInt64Max, kInt64Max, kInt64Max, kInt64Max};
  price.per_request = kInt64Max;
  price.per_image = kInt64Max;
  price.video_per_second = kInt64Max;
  Metered m = tokens(kInt64Max, kInt64Max);
  m.cache_read = kInt64Max / 2;
  m.cache_write = kInt64Max / 2;
  m.images = kInt64Max;
  m.video_seconds = kInt64Max;
  EXPECT_EQ(request_cost(price, m, kInt64Max), kInt64Max);
  EXPECT_EQ(request_cost(flat(10'000'000'000'000, 0), tokens(1'000'000'000'000, 0), kMarkupOne),
            kInt64Max);
  EXPECT_EQ(reserve_amount(price, kInt64Max, kInt64Max, kInt64Max, 0), kInt64Max);
}

// --- properties over generated inputs ----------------------------------------------------

struct Generator {
  std::mt19937_64 rng{20240604};

  int64_t between(int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(rng);
  }
  // Everyday sizes, tiny ones (where rounding up to 1 µUSD matters) and enormous ones.
  int64_t count() {
    switch (between(0, 9)) {
      case 0:
        return between(0, 1'000'000'000'000);
      case 1:
      case 2:
      case 3:
        return between(0, 20);
      default:
        return between(0, 300'000);
    }
  }
  Micros rate() {
    switch (between(0, 9)) {
      case 0:
        return between(0, 1'000'000'000);
      case 1:
      case 2:
      case 3:
        return between(0, 1'000);
      default:
        return between(0, 80'000'000);
    }
  }
  TokenRates rates_at_least(const TokenRates& floor) {
    return {floor.input_per_m + rate(), floor.output_per_m + rate(),
            floor.cache_read_per_m + rate(), floor.cache_write_per_m + rate()};
  }
  // Tiers whose rates never fall (so more input never costs less).
  ModelPrice price() {
    ModelPrice p;
    p.base = rates_at_least({});
    int64_t threshold = 0;
    for (int64_t i = between(0, 3); i > 0; --i) {
      threshold += between(1, 400'000);
      p.tiers.push_back(
          {threshold, rates_at_least(p.tiers.empty() ? p.base : p.tiers.back().rates)});
    }
    p.per_request = between(0, 3) == 0 ? between(0, 100'000) : 0;
    p.per_image = between(0, 3) == 0 ? between(0, 200'000) : 0;
    p.video_per_second = between(0, 3) == 0 ? between(0, 500'000) : 0;
    return p;
  }
  Metered metered() {
    Metered m;
    m.input = count();
    m.cache_read = between(0, m.input);
    m.cache_write = between(0, m.input - m.cache_read);
    m.output = count();
    m.images = between(0, 4);
    m.video_seconds = between(0, 30);
    return m;
  }
  int64_t markup() { return between(0, 2) == 0 ? kMarkupOne : between(1, 1'000'000'000); }
};

TEST(RequestCostProperty, EqualsTheExactCostRoundedUpOnce) {
  Generator gen;
  for (int i = 0; i < 20'000; ++i) {
    const ModelPrice price = gen.price();
    const Metered m = gen.metered();
    const int64_t markup = gen.markup();
    ASSERT_TRUE(
        is_ceiling_of_exact(request_cost(price, m, markup), exact_cost_scaled(price, m, markup)))
        << "case " << i;
  }
}

TEST(RequestCostProperty, EqualsTheExactCostRoundedUpForExtremeValuesToo) {
  Generator gen;
  for (int i = 0; i < 5'000; ++i) {
    ModelPrice price;
    price.base = {gen.between(0, kInt64Max), gen.between(0, kInt64Max), gen.between(0, kInt64Max),
                  gen.between(0, kInt64Max)};
    price.per_request = gen.between(0, kInt64Max);
    Metered m;
    m.input = gen.between(0, kInt64Max);
    m.cache_read = gen.between(0, m.input);
    m.output = gen.between(0, kInt64Max >> gen.between(0, 62));
    const int64_t markup = gen.between(0, kInt64Max >> gen.between(0, 62));
    ASSERT_TRUE(
        is_ceiling_of_exact(request_cost(price, m, markup), exact_cost_scaled(price, m, markup)))
        << "case " << i;
  }
}

TEST(RequestCostProperty, NeverNegativeAndNeverZeroWhenTheExactCostIsNot) {
  Generator gen;
  for (int i = 0; i < 20'000; ++i) {
    const ModelPrice price = gen.price();
    const Metered m = gen.metered();
    const int64_t markup = gen.markup();
    const Micros cost = request_cost(price, m, markup);
    ASSERT_GE(cost, 0);
    ASSERT_EQ(cost == 0, exact_cost_scaled(price, m, markup).is_zero()) << "case " << i;
  }
}

TEST(RequestCostProperty, MonotoneInEveryCount) {
  Generator gen;
  for (int i = 0; i < 20'000; ++i) {
    const ModelPrice price = gen.price();
    const Metered m = gen.metered();
    const int64_t markup = gen.markup();
    const Micros cost = request_cost(price, m, markup);
    const int64_t more = gen.between(1, 500'000);
    Metered bigger[6] = {m, m, m, m, m, m};
    bigger[0].input += more;  // more plain input (which may cross into a dearer tier)
    bigger[1].output += more;
    bigger[2].input += more;  // more input, all of it cache reads
    bigger[2].cache_read += more;
    bigger[3].input += more;  // more input, all of it cache writes
    bigger[3].cache_write += more;
    bigger[4].images += more;
    bigger[5].video_seconds += more;
    for (const Metered& b : bigger) ASSERT_GE(request_cost(price, b, markup), cost) << "case " << i;
    ASSERT_GE(request_cost(price, m, markup + gen.between(0, 1'000)), cost) << "case " << i;
  }
}

TEST(RequestCostProperty, SplittingInputBetweenClassesAtEqualRatesChangesNothing) {
  Generator gen;
  for (int i = 0; i < 20'000; ++i) {
    ModelPrice price = gen.price();
    const Micros rate = gen.rate();
    price.base.cache_read_per_m = price.base.cache_write_per_m = price.base.input_per_m = rate;
    for (PriceTier& tier : price.tiers) {
      tier.rates.cache_read_per_m = tier.rates.cache_write_per_m = tier.rates.input_per_m;
    }
    Metered all_plain = gen.metered();
    all_plain.cache_read = all_plain.cache_write = 0;
    Metered split = all_plain;
    split.cache_read = gen.between(0, split.input);
    split.cache_write = gen.between(0, split.input - split.cache_read);
    const int64_t markup = gen.markup();
    ASSERT_EQ(request_cost(price, split, markup), request_cost(price, all_plain, markup))
        << "case " << i;
  }
}

TEST(RequestCostProperty, MarkupOneIsTheIdentity) {
  Generator gen;
  for (int i = 0; i < 20'000; ++i) {
    ModelPrice price;
    price.base = gen.rates_at_least({});
    price.base.cache_write_per_m = price.base.input_per_m;
    const Metered m = gen.metered();
    const Micros cost = request_cost(price, m, kMarkupOne);
    ASSERT_TRUE(is_ceiling_of_exact(cost, exact_cost_scaled(price, m, kMarkupOne)));
  }
}

// --- reservations -------------------------------------------------------------------------

TEST(ReserveAmount, InputAndMaxOutputAtTheTierRatesPlusThePerRequestPrice) {
  ModelPrice price = tiered();
  price.per_request = 500;
  // 1,000 × 1.25 + 4,096 × 10 + 500 = 1,250 + 40,960 + 500.
  EXPECT_EQ(reserve_amount(price, 1'000, 4'096, kMarkupOne, 0), 42'710);
  // Above the first threshold the tier's rates apply: 300,000 × 2.5 + 1,000 × 15 + 500.
  EXPECT_EQ(reserve_amount(price, 300'000, 1'000, kMarkupOne, 0), 765'500);
  // Marked up and rounded up once: 42,710 × 1.1 = 46,981.
  EXPECT_EQ(reserve_amount(price, 1'000, 4'096, 1'100'000, 0), 46'981);
  // 3 tokens × 0.15 = 0.45 → 1.
  EXPECT_EQ(reserve_amount(flat(150'000, 600'000), 3, 0, kMarkupOne, 0), 1);
}

TEST(ReserveAmount, NeverBelowTheMinimum) {
  EXPECT_EQ(reserve_amount(flat(150'000, 600'000), 10, 10, kMarkupOne, 100), 100);
  EXPECT_EQ(reserve_amount(flat(0, 0), 0, 0, kMarkupOne, 100), 100);
  EXPECT_EQ(reserve_amount(flat(150'000, 600'000), 1'000, 1'000, kMarkupOne, 100), 750);
}

TEST(ReserveAmount, CoversTheCostOfAnyUsageWithinItsBounds) {
  Generator gen;
  for (int i = 0; i < 20'000; ++i) {
    const ModelPrice price = gen.price();
    const int64_t markup = gen.markup();
    Metered m = gen.metered();
    m.images = m.video_seconds = 0;
    const Micros reserved = reserve_amount(price, m.input, m.output + gen.between(0, 1'000), markup,
                                           gen.between(0, 1'000));
    ASSERT_GE(reserved, request_cost(price, m, markup)) << "case " << i;
  }
}

// --- fees, discounts, minimum charge ------------------------------------------------------

static_assert(byok_fee(1'000'000, 500'000) == 500'000);
static_assert(batch_price(1'001, 50) == 501);
static_assert(with_minimum_charge(3, 10) == 10);

TEST(Fees, ByokFeeIsPerMillionTokensRoundedUp) {
  EXPECT_EQ(byok_fee(1'000'000, 500'000), 500'000);  // $0.50 per 1M tokens
  EXPECT_EQ(byok_fee(1, 500'000), 1);                // 0.5 µUSD → 1
  EXPECT_EQ(byok_fee(3, 500'000), 2);                // 1.5 → 2
  EXPECT_EQ(byok_fee(0, 500'000), 0);
  EXPECT_EQ(byok_fee(1'000'000, 0), 0);
  EXPECT_EQ(byok_fee(-5, 500'000), 0);
  EXPECT_EQ(byok_fee(kInt64Max, kInt64Max), kInt64Max);
}

TEST(Fees, BatchPriceTakesThePercentOffAndRoundsUp) {
  EXPECT_EQ(batch_price(1'000, 50), 500);
  EXPECT_EQ(batch_price(1'001, 50), 501);  // 500.5 → 501
  EXPECT_EQ(batch_price(1, 50), 1);
  EXPECT_EQ(batch_price(999, 0), 999);
  EXPECT_EQ(batch_price(999, 100), 0);
  EXPECT_EQ(batch_price(999, 150), 0);
  EXPECT_EQ(batch_price(999, -10), 999);
  EXPECT_EQ(batch_price(-7, 50), 0);
  EXPECT_EQ(batch_price(kInt64Max, 0), kInt64Max);
  EXPECT_EQ(batch_price(kInt64Max, 1), kInt64Max / 100 * 99 + (kInt64Max % 100 * 99 + 99) / 100);
}

TEST(Fees, MinimumChargeRaisesOnlyNonZeroCosts) {
  EXPECT_EQ(with_minimum_charge(0, 100), 0);
  EXPECT_EQ(with_minimum_charge(1, 100), 100);
  EXPECT_EQ(with_minimum_charge(99, 100), 100);
  EXPECT_EQ(with_minimum_charge(100, 100), 100);
  EXPECT_EQ(with_minimum_charge(101, 100), 101);
  EXPECT_EQ(with_minimum_charge(7, 0), 7);
}

// --- decimal text -------------------------------------------------------------------------

TEST(DecimalText, UsdKeepsAtLeastTwoDecimals) {
  EXPECT_EQ(usd_decimal(0), "0.00");
  EXPECT_EQ(usd_decimal(1), "0.000001");
  EXPECT_EQ(usd_decimal(10), "0.00001");
  EXPECT_EQ(usd_decimal(2'343), "0.002343");
  EXPECT_EQ(usd_decimal(10'000), "0.01");
  EXPECT_EQ(usd_decimal(1'500'000), "1.50");
  EXPECT_EQ(usd_decimal(1'000'000), "1.00");
  EXPECT_EQ(usd_decimal(12'345'678'901), "12345.678901");
  EXPECT_EQ(usd_decimal(-2'343), "-0.002343");
  EXPECT_EQ(usd_decimal(-1'500'000), "-1.50");
  EXPECT_EQ(usd_decimal(kInt64Max), "9223372036854.775807");
  EXPECT_EQ(usd_decimal(std::numeric_limits<int64_t>::min()), "-9223372036854.775808");
}

TEST(DecimalText, CreditsAreExact) {
  EXPECT_EQ(credits_decimal(2'343, 2'000'000), "4686");
  EXPECT_EQ(credits_decimal(0, 2'000'000), "0");
  EXPECT_EQ(credits_decimal(1'000'000, 2'000'000), "2000000");
  EXPECT_EQ(credits_decimal(2'343, 1'000), "2.343");
  EXPECT_EQ(credits_decimal(1, 1), "0.000001");
  EXPECT_EQ(credits_decimal(1'500'000, 100), "150");
  EXPECT_EQ(credits_decimal(-2'343, 2'000'000), "-4686");
  EXPECT_EQ(credits_decimal(kInt64Max, 1'000'000'000'000), "9223372036854775807000000");
}

TEST(DecimalText, UsdRoundTripsThroughTheConfigParser) {
  Generator gen;
  for (int i = 0; i < 5'000; ++i) {
    const Micros amount = gen.between(0, kInt64Max >> gen.between(0, 62));
    ASSERT_EQ(config::parse_usd_micros(usd_decimal(amount)), amount) << amount;
  }
}

// --- from the configuration -----------------------------------------------------------------

TEST(PriceOf, CarriesEveryConfiguredPrice) {
  const config::Config config = config::load_config_text(R"(
providers:
  - { name: local, type: openai, base_url: "http://127.0.0.1:9099/v1" }
models:
  - id: long
    provider: local
    pricing:
      input_per_m: "1.25"
      output_per_m: "10"
      cache_read_per_m: "0.125"
      tiers:
        - { above_input_tokens: 200000, input_per_m: "2.50", output_per_m: "15" }
      per_request: "0.001"
      per_image: "0.04"
  - id: video
    provider: local
    pricing:
      input_per_m: "0"
      output_per_m: "0"
      video_durations: { "10": "0.375", "5": "0.20" }
)");
  const ModelPrice longctx = price_of(config.models[0]);
  EXPECT_EQ(longctx.base, (TokenRates{1'250'000, 10'000'000, 125'000, 1'250'000}));
  ASSERT_EQ(longctx.tiers.size(), 1u);
  EXPECT_EQ(longctx.tiers[0].above_input_tokens, 200'000);
  EXPECT_EQ(longctx.tiers[0].rates, (TokenRates{2'500'000, 15'000'000, 2'500'000, 2'500'000}));
  EXPECT_EQ(longctx.per_request, 1'000);
  EXPECT_EQ(longctx.per_image, 40'000);
  EXPECT_EQ(longctx.video_per_second, 0);
  EXPECT_TRUE(longctx.video_durations.empty());

  const ModelPrice video = price_of(config.models[1]);
  ASSERT_EQ(video.video_durations.size(), 2u);
  EXPECT_EQ(video.video_durations[0].seconds, 5);
  EXPECT_EQ(video.video_durations[0].price, 200'000);
  EXPECT_EQ(video.video_durations[1].seconds, 10);
  EXPECT_EQ(video.video_durations[1].price, 375'000);
  Metered seven_seconds;
  seven_seconds.video_seconds = 7;
  EXPECT_EQ(request_cost(video, seven_seconds, kMarkupOne), 375'000);
}

}  // namespace
}  // namespace tollgate::billing
