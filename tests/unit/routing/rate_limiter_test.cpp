#include "routing/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace tollgate::routing {
namespace {

using namespace std::chrono_literals;

TEST(LocalRateLimiter, AKeyMayBurstItsMinuteThenGetsOneRequestPerInterval) {
  LocalRateLimiter limiter;
  const RateLimits limits{.rpm = 6, .concurrency = std::nullopt};  // one every 10 s
  const Clock::time_point start{};
  for (int i = 0; i < 6; ++i) {
    RateDecision d = limiter.acquire("k", limits, start);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 5 - i);
    EXPECT_EQ(d.limit, 6);
  }
  RateDecision refused = limiter.acquire("k", limits, start);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit_name, "requests");
  EXPECT_EQ(refused.retry_after, 10s) << "the next slot frees in one interval";
  EXPECT_FALSE(limiter.acquire("k", limits, start + 9s).allowed);
  EXPECT_TRUE(limiter.acquire("k", limits, start + 10s).allowed);
  EXPECT_TRUE(limiter.acquire("other", limits, start).allowed) << "keys are counted apart";
}

TEST(LocalRateLimiter, AQuietKeyRecoversItsWholeAllowance) {
  LocalRateLimiter limiter;
  const RateLimits limits{.rpm = 2, .concurrency = std::nullopt};
  const Clock::time_point start{};
  EXPECT_TRUE(limiter.acquire("k", limits, start).allowed);
  EXPECT_TRUE(limiter.acquire("k", limits, start).allowed);
  EXPECT_FALSE(limiter.acquire("k", limits, start).allowed);
  EXPECT_TRUE(limiter.acquire("k", limits, start + 2min).allowed);
  EXPECT_TRUE(limiter.acquire("k", limits, start + 2min).allowed);
}

TEST(LocalRateLimiter, ConcurrencyCountsRequestsInFlightUntilReleased) {
  LocalRateLimiter limiter;
  const RateLimits limits{.rpm = std::nullopt, .concurrency = 2};
  const Clock::time_point now{};
  EXPECT_TRUE(limiter.acquire("k", limits, now).allowed);
  EXPECT_TRUE(limiter.acquire("k", limits, now).allowed);
  RateDecision refused = limiter.acquire("k", limits, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit_name, "concurrency");
  limiter.release("k");
  EXPECT_TRUE(limiter.acquire("k", limits, now).allowed);
}

}  // namespace
}  // namespace tollgate::routing
