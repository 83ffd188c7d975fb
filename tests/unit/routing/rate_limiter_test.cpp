// LocalRateLimiter: requests per minute, tokens per minute (estimate, then settle) and
// concurrency, per scope and all or nothing across the scopes of one request. Every test uses
// explicit time points, so the arithmetic of the cells is checked to the nanosecond.
#include "routing/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <initializer_list>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace tollgate::routing {
namespace {

using namespace std::chrono_literals;

RateLimits limits(std::optional<std::int64_t> rpm, std::optional<std::int64_t> tpm,
                  std::optional<std::int64_t> concurrency) {
  RateLimits result;
  result.rpm = rpm;
  result.tpm = tpm;
  result.concurrency = concurrency;
  return result;
}

RateLimits rpm(std::int64_t n) {
  return limits(n, std::nullopt, std::nullopt);
}
RateLimits tpm(std::int64_t n) {
  return limits(std::nullopt, n, std::nullopt);
}
RateLimits concurrency(std::int64_t n) {
  return limits(std::nullopt, std::nullopt, n);
}

// The limiter takes a span; the tests write the scopes of a request inline.
class Limiter {
 public:
  RateDecision acquire(std::initializer_list<RateScope> scopes, std::int64_t tokens,
                       Clock::time_point now) {
    return limiter_.acquire(std::span(scopes.begin(), scopes.size()), tokens, now);
  }
  void settle(std::initializer_list<RateScope> scopes, std::int64_t estimated,
              std::int64_t actual) {
    limiter_.settle(std::span(scopes.begin(), scopes.size()), estimated, actual);
  }
  void release(std::initializer_list<RateScope> scopes) {
    limiter_.release(std::span(scopes.begin(), scopes.size()));
  }

 private:
  LocalRateLimiter limiter_;
};

const Clock::time_point start{};

TEST(LocalRateLimiter, AScopeMayBurstItsMinuteThenGetsOneRequestPerInterval) {
  Limiter limiter;
  const RateScope key{"key:k", rpm(6)};  // one every 10 s
  for (int i = 0; i < 6; ++i) {
    RateDecision d = limiter.acquire({key}, 0, start);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining_requests, 5 - i);
    EXPECT_EQ(d.limit_requests, 6);
  }
  RateDecision refused = limiter.acquire({key}, 0, start);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.scope, "key:k");
  EXPECT_EQ(refused.limit_name, "requests");
  EXPECT_EQ(refused.retry_after, 10s) << "the next slot frees in one interval";
  EXPECT_FALSE(limiter.acquire({key}, 0, start + 9s).allowed);
  EXPECT_TRUE(limiter.acquire({key}, 0, start + 10s).allowed);
  EXPECT_TRUE(limiter.acquire({{"key:other", rpm(6)}}, 0, start).allowed)
      << "scopes are counted apart";
}

TEST(LocalRateLimiter, AQuietScopeRecoversItsWholeAllowance) {
  Limiter limiter;
  const RateScope key{"key:k", rpm(2)};
  EXPECT_TRUE(limiter.acquire({key}, 0, start).allowed);
  EXPECT_TRUE(limiter.acquire({key}, 0, start).allowed);
  EXPECT_FALSE(limiter.acquire({key}, 0, start).allowed);
  EXPECT_TRUE(limiter.acquire({key}, 0, start + 2min).allowed);
  EXPECT_TRUE(limiter.acquire({key}, 0, start + 2min).allowed);
  EXPECT_FALSE(limiter.acquire({key}, 0, start + 2min).allowed) << "idle time is not banked";
}

TEST(LocalRateLimiter, ConcurrencyCountsRequestsInFlightUntilReleased) {
  Limiter limiter;
  const RateScope key{"key:k", concurrency(2)};
  EXPECT_TRUE(limiter.acquire({key}, 0, start).allowed);
  EXPECT_TRUE(limiter.acquire({key}, 0, start).allowed);
  RateDecision refused = limiter.acquire({key}, 0, start);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit_name, "concurrency");
  EXPECT_EQ(refused.scope, "key:k");
  limiter.release({key});
  EXPECT_TRUE(limiter.acquire({key}, 0, start).allowed);
  EXPECT_FALSE(limiter.acquire({key}, 0, start).allowed);
}

TEST(LocalRateLimiter, AReleaseWithoutASlotTakenGrantsNoExtraSlot) {
  Limiter limiter;
  const RateScope key{"key:k", concurrency(1)};
  ASSERT_TRUE(limiter.acquire({key}, 0, start).allowed);
  limiter.release({key});
  limiter.release({key});
  EXPECT_TRUE(limiter.acquire({key}, 0, start).allowed);
  EXPECT_FALSE(limiter.acquire({key}, 0, start).allowed);
}

TEST(LocalRateLimiter, TokensPerMinuteAdmitsExactlyTheRequestsThatFit) {
  Limiter limiter;
  const RateScope key{"key:k", tpm(1000)};  // a token every 60 ms
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.acquire({key}, 300, start).allowed) << i;
  // 900 tokens used: the cell is 54 s ahead; 300 more would put it 72 s ahead.
  RateDecision refused = limiter.acquire({key}, 300, start);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.scope, "key:k");
  EXPECT_EQ(refused.limit_name, "tokens");
  EXPECT_EQ(refused.retry_after, 12s);
  EXPECT_FALSE(limiter.acquire({key}, 300, start + 12s - 1ns).allowed);
  EXPECT_TRUE(limiter.acquire({key}, 300, start + 12s).allowed);
  EXPECT_TRUE(limiter.acquire({key}, 0, start + 12s).allowed)
      << "a full cell still admits a request of no tokens";
}

TEST(LocalRateLimiter, SettlingBelowTheEstimateGivesTokensBack) {
  Limiter limiter;
  const RateScope key{"key:k", tpm(1000)};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.acquire({key}, 300, start).allowed);
  ASSERT_FALSE(limiter.acquire({key}, 300, start).allowed);
  for (int i = 0; i < 3; ++i) limiter.settle({key}, 300, 100);
  // 300 tokens counted now, so two more requests of 300 fit, not a third.
  EXPECT_TRUE(limiter.acquire({key}, 300, start).allowed);
  EXPECT_TRUE(limiter.acquire({key}, 300, start).allowed);
  EXPECT_FALSE(limiter.acquire({key}, 300, start).allowed);
}

TEST(LocalRateLimiter, SettlingAboveTheEstimateTakesMoreTokens) {
  Limiter limiter;
  const RateScope key{"key:k", tpm(1000)};
  ASSERT_TRUE(limiter.acquire({key}, 100, start).allowed);
  limiter.settle({key}, 100, 900);
  RateDecision refused = limiter.acquire({key}, 200, start);
  EXPECT_FALSE(refused.allowed) << "900 + 200 tokens exceed the minute; 100 + 200 would not";
  EXPECT_EQ(refused.retry_after, 6s);
  EXPECT_TRUE(limiter.acquire({key}, 200, start + 6s).allowed);
}

TEST(LocalRateLimiter, SettlingAnUnlimitedScopeChangesNothing) {
  Limiter limiter;
  const RateScope key{"key:k", rpm(60)};
  ASSERT_TRUE(limiter.acquire({key}, 100, start).allowed);
  limiter.settle({key}, 100, 1'000'000);
  RateDecision next = limiter.acquire({key}, 100, start);
  EXPECT_TRUE(next.allowed);
  EXPECT_EQ(next.remaining_requests, 58);
}

TEST(LocalRateLimiter, ARefusalByOneScopeCountsInNone) {
  Limiter limiter;
  const RateScope account{"account:7", tpm(1000)};
  ASSERT_TRUE(limiter.acquire({{"key:a", tpm(1000)}, account}, 1000, start).allowed);

  const RateScope key{"key:k", limits(2, 1000, 1)};
  RateDecision refused = limiter.acquire({key, account}, 100, start);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.scope, "account:7");
  EXPECT_EQ(refused.limit_name, "tokens");
  EXPECT_EQ(refused.retry_after, 6s);
  EXPECT_EQ(refused.remaining_requests, 2) << "the key's figures, as it was left";
  EXPECT_EQ(refused.remaining_tokens, 1000);

  // Had the refusal counted in the key's scope, its one slot would be taken, one of its two
  // requests spent and 100 of its tokens gone.
  RateDecision first = limiter.acquire({key}, 950, start);
  ASSERT_TRUE(first.allowed);
  EXPECT_EQ(first.remaining_requests, 1);
  EXPECT_EQ(first.remaining_tokens, 50);
  limiter.release({key});
  EXPECT_TRUE(limiter.acquire({key}, 0, start).allowed);
  limiter.release({key});
  EXPECT_EQ(limiter.acquire({key}, 0, start).limit_name, "requests");
}

TEST(LocalRateLimiter, EveryScopeCountsAnAdmittedRequest) {
  Limiter limiter;
  const RateScope account{"account:7", rpm(2)};
  ASSERT_TRUE(limiter.acquire({{"key:a", rpm(10)}, account}, 0, start).allowed);
  ASSERT_TRUE(limiter.acquire({{"key:b", rpm(10)}, account}, 0, start).allowed);
  RateDecision refused = limiter.acquire({{"key:c", rpm(10)}, account}, 0, start);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.scope, "account:7");
  EXPECT_EQ(refused.limit_name, "requests");
  EXPECT_EQ(refused.retry_after, 30s);
}

TEST(LocalRateLimiter, ConcurrencyIsCountedPerScope) {
  Limiter limiter;
  const RateScope account{"account:7", concurrency(2)};
  const RateScope key_a{"key:a", concurrency(1)};
  const RateScope key_b{"key:b", concurrency(1)};
  const RateScope key_c{"key:c", concurrency(1)};
  ASSERT_TRUE(limiter.acquire({key_a, account}, 0, start).allowed);
  RateDecision by_key = limiter.acquire({key_a, account}, 0, start);
  EXPECT_FALSE(by_key.allowed);
  EXPECT_EQ(by_key.scope, "key:a");
  EXPECT_EQ(by_key.limit_name, "concurrency");
  ASSERT_TRUE(limiter.acquire({key_b, account}, 0, start).allowed);
  RateDecision by_account = limiter.acquire({key_c, account}, 0, start);
  EXPECT_FALSE(by_account.allowed);
  EXPECT_EQ(by_account.scope, "account:7");
  EXPECT_EQ(by_account.limit_name, "concurrency");

  limiter.release({key_a, account});
  EXPECT_TRUE(limiter.acquire({key_c, account}, 0, start).allowed)
      << "the account's slot came back, and key:c never held one";
  EXPECT_FALSE(limiter.acquire({key_a, account}, 0, start).allowed);
}

TEST(LocalRateLimiter, TheFiguresDescribeTheFirstScope) {
  Limiter limiter;
  const RateScope key{"key:k", limits(6, 1000, std::nullopt)};
  const RateScope account{"account:7", limits(1000, 100000, std::nullopt)};
  RateDecision d = limiter.acquire({key, account}, 250, start);
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.limit_requests, 6);
  EXPECT_EQ(d.remaining_requests, 5);
  EXPECT_EQ(d.reset_requests, 10s);
  EXPECT_EQ(d.limit_tokens, 1000);
  EXPECT_EQ(d.remaining_tokens, 750);
  EXPECT_EQ(d.reset_tokens, 15s);

  // Five seconds on: requests 15 s ahead (4.5 left), tokens 25 s ahead (583.3 left); whole
  // units only.
  d = limiter.acquire({key, account}, 250, start + 5s);
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining_requests, 4);
  EXPECT_EQ(d.reset_requests, 15s);
  EXPECT_EQ(d.remaining_tokens, 583);
  EXPECT_EQ(d.reset_tokens, 25s);

  RateDecision without_limits = limiter.acquire({{"key:c", concurrency(5)}, account}, 0, start);
  ASSERT_TRUE(without_limits.allowed);
  EXPECT_EQ(without_limits.limit_requests, 0) << "the account's limits are not the key's";
  EXPECT_EQ(without_limits.limit_tokens, 0);
}

TEST(LocalRateLimiter, ARequestLargerThanTheWholeTokenLimitPassesOnlyAnEmptyCell) {
  Limiter limiter;
  const RateScope key{"key:k", tpm(1000)};
  ASSERT_TRUE(limiter.acquire({key}, 100, start).allowed);  // 6 s ahead
  RateDecision refused = limiter.acquire({key}, 2500, start);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 6s) << "until the cell is empty";

  RateDecision admitted = limiter.acquire({key}, 2500, start + 6s);
  ASSERT_TRUE(admitted.allowed);
  EXPECT_EQ(admitted.remaining_tokens, 0);
  EXPECT_EQ(admitted.reset_tokens, 150s);
  // Its 1500 tokens beyond the minute are debt the following requests wait out.
  RateDecision after = limiter.acquire({key}, 1, start + 6s);
  EXPECT_FALSE(after.allowed);
  EXPECT_EQ(after.retry_after, 90s + 60ms);
  EXPECT_TRUE(limiter.acquire({key}, 1, start + 6s + 90s + 60ms).allowed);
}

TEST(LocalRateLimiter, AnAbsurdEstimateDoesNotOverflow) {
  Limiter limiter;
  const RateScope key{"key:k", tpm(1)};
  const std::int64_t absurd = std::numeric_limits<std::int64_t>::max();
  ASSERT_TRUE(limiter.acquire({key}, absurd, start).allowed);
  EXPECT_FALSE(limiter.acquire({key}, 0, start + 1h).allowed);
  limiter.settle({key}, absurd, 0);
  EXPECT_TRUE(limiter.acquire({key}, 0, start + 1h).allowed) << "settling returns the estimate";
}

// Event loops admit requests of many keys of one account at once. Each key is given a group of
// its own here, so a request's two scopes sit in two shards, locked together in either order;
// the account's minute is counted exactly and nothing deadlocks.
TEST(LocalRateLimiter, ConcurrentRequestsOfManyKeysCountTheirAccountExactly) {
  LocalRateLimiter limiter;
  constexpr int kThreads = 4;
  constexpr int kAttempts = 600;
  std::vector<std::string> keys;
  for (int k = 0; k < 40; ++k) keys.push_back("key:k" + std::to_string(k));
  std::atomic<int> admitted{0};
  std::vector<std::thread> loops;
  for (int t = 0; t < kThreads; ++t) {
    loops.emplace_back([&, t] {
      for (int i = 0; i < kAttempts; ++i) {
        const std::size_t k = (t * kAttempts + i) % keys.size();
        const RateScope scopes[] = {{keys[k], concurrency(1'000), k},
                                    {"account:1", limits(1'000, std::nullopt, 1'000), 1}};
        if (limiter.acquire(scopes, 0, start).allowed) {
          admitted.fetch_add(1);
          limiter.release(scopes);
        }
      }
    });
  }
  for (std::thread& loop : loops) loop.join();
  EXPECT_EQ(admitted.load(), 1'000) << "the account's minute, no more and no less";
  const RateScope account[] = {{"account:1", concurrency(1), 1}};
  EXPECT_TRUE(limiter.acquire(account, 0, start).allowed) << "every slot was given back";
}

}  // namespace
}  // namespace tollgate::routing
