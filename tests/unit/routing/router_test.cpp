// The router: the order a plan takes (priorities, weights, regions, latency), the breaker's
// life (closed → open → one half-open probe → closed or open again), retry-after cool-downs,
// the per-deployment rpm / tpm caps, and the invariants that must hold when event loops race.
// Time is always an explicit time point: nothing here sleeps.
#include "routing/router.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace tollgate::routing {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kStart = Clock::time_point{} + 1h;

DeploymentInfo deployment(int priority = 0, std::uint32_t weight = 1, std::uint8_t region = 0) {
  return {.name = "d",
          .priority = priority,
          .weight = weight,
          .region = region,
          .rpm = std::nullopt,
          .tpm = std::nullopt};
}

DeploymentInfo capped(std::optional<std::int64_t> rpm, std::optional<std::int64_t> tpm) {
  return {.name = "d", .rpm = rpm, .tpm = tpm};
}

std::vector<std::uint16_t> all_of(const Router& router) {
  std::vector<std::uint16_t> members(router.size());
  for (std::size_t d = 0; d < members.size(); ++d) members[d] = static_cast<std::uint16_t>(d);
  return members;
}

std::vector<std::uint16_t> order(const Router& router, Clock::time_point now,
                                 const Preferences& preferences = {}, std::uint64_t random = 1) {
  Plan plan;
  router.order(all_of(router), preferences, random, now, plan);
  return {plan.view().begin(), plan.view().end()};
}

bool planned(const Router& router, std::uint16_t d, Clock::time_point now) {
  const std::vector<std::uint16_t> plan = order(router, now);
  return std::find(plan.begin(), plan.end(), d) != plan.end();
}

// Pearson's chi-square of observed counts against expected probabilities.
double chi_square(const std::array<int, 3>& observed, const std::array<double, 3>& expected,
                  int trials) {
  double sum = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    const double e = expected[i] * trials;
    sum += (observed[i] - e) * (observed[i] - e) / e;
  }
  return sum;
}

// 2 degrees of freedom, p = 0.001: a fair implementation fails this one seed in a thousand.
constexpr double kChiSquareLimit = 13.82;

TEST(RouterOrder, LowerPriorityTiersComeFirst) {
  Router router({deployment(1), deployment(0), deployment(1), deployment(0), deployment(2)},
                Strategy::weighted, {});
  for (std::uint64_t random = 0; random < 1000; ++random) {
    const std::vector<std::uint16_t> plan = order(router, kStart, {}, random);
    ASSERT_EQ(plan.size(), 5u);
    EXPECT_EQ(std::set<std::uint16_t>(plan.begin(), plan.begin() + 2),
              (std::set<std::uint16_t>{1, 3}));
    EXPECT_EQ(std::set<std::uint16_t>(plan.begin() + 2, plan.begin() + 4),
              (std::set<std::uint16_t>{0, 2}));
    EXPECT_EQ(plan[4], 4);
  }
}

TEST(RouterOrder, WeightsSetTheOddsOfEveryPositionWithoutReplacement) {
  Router router({deployment(0, 1), deployment(0, 2), deployment(0, 7)}, Strategy::weighted, {});
  std::mt19937_64 rng(42);
  constexpr int kTrials = 100'000;
  std::array<int, 3> first{};
  std::array<int, 3> second{};
  for (int i = 0; i < kTrials; ++i) {
    const std::vector<std::uint16_t> plan = order(router, kStart, {}, rng());
    ASSERT_EQ(plan.size(), 3u);
    ++first[plan[0]];
    ++second[plan[1]];
  }
  EXPECT_LT(chi_square(first, {0.1, 0.2, 0.7}, kTrials), kChiSquareLimit);
  // Second place: drawn by weight among the two left after the first pick.
  const std::array<double, 3> second_odds{0.2 * 1 / 8 + 0.7 * 1 / 3, 0.1 * 2 / 9 + 0.7 * 2 / 3,
                                          0.1 * 7 / 9 + 0.2 * 7 / 8};
  EXPECT_LT(chi_square(second, second_odds, kTrials), kChiSquareLimit);
}

TEST(RouterOrder, PreferredRegionGoesFirstWithinItsPriorityOnly) {
  Router router({deployment(0, 100, 1), deployment(0, 1, 2), deployment(0, 1, 2),
                 deployment(1, 1, 2), deployment(1, 100, 1)},
                Strategy::weighted, {});
  const Preferences preferences{.preferred = 2};
  for (std::uint64_t random = 0; random < 1000; ++random) {
    const std::vector<std::uint16_t> plan = order(router, kStart, preferences, random);
    ASSERT_EQ(plan.size(), 5u);
    EXPECT_EQ(std::set<std::uint16_t>(plan.begin(), plan.begin() + 2),
              (std::set<std::uint16_t>{1, 2}));
    EXPECT_EQ(plan[2], 0) << "a heavier weight does not beat the preferred region";
    EXPECT_EQ(plan[3], 3) << "the preferred region leads its own tier";
    EXPECT_EQ(plan[4], 4);
  }
}

TEST(RouterOrder, DeploymentsOutsideTheAllowedRegionsAreLeftOut) {
  Router router(
      {deployment(0, 1, 1), deployment(0, 1, 2), deployment(0, 1, 3), deployment(0, 1, 0)},
      Strategy::weighted, {});
  const Preferences preferences{.allowed = {.bits = (1u << 1) | (1u << 3)}};
  const std::vector<std::uint16_t> plan = order(router, kStart, preferences);
  EXPECT_EQ(std::set<std::uint16_t>(plan.begin(), plan.end()), (std::set<std::uint16_t>{0, 2}))
      << "a deployment with no region is outside any region policy";
  EXPECT_EQ(order(router, kStart).size(), 4u) << "RegionSet::any() allows every deployment";
}

TEST(RouterOrder, LeastLatencyTriesTheFastestFirstAndTheUnsampledBeforeThem) {
  Router router({deployment(0), deployment(0), deployment(0), deployment(1)},
                Strategy::least_latency, {});
  router.succeeded(0, 300ms, kStart);
  router.succeeded(1, 100ms, kStart);
  router.succeeded(3, 10ms, kStart);  // fastest, but a lower tier
  for (std::uint64_t random = 0; random < 100; ++random) {
    EXPECT_EQ(order(router, kStart, {}, random), (std::vector<std::uint16_t>{2, 1, 0, 3}));
  }
}

TEST(RouterOrder, LatencyIsAnEwmaOfTimeToFirstByte) {
  Router router({deployment()}, Strategy::least_latency, {});
  EXPECT_EQ(router.latency(0), Clock::duration::zero());
  router.succeeded(0, 100ms, kStart);
  EXPECT_EQ(router.latency(0), 100ms) << "the first sample sets it";
  router.succeeded(0, 900ms, kStart);
  EXPECT_EQ(router.latency(0), 200ms) << "then each moves it an eighth of the way";
}

TEST(RouterOrder, ADeploymentIsNeverPlannedTwice) {
  Router router({deployment(), deployment(), deployment()}, Strategy::weighted, {});
  Plan plan;
  plan.push(2);
  const std::array<std::uint16_t, 5> members{0, 1, 0, 2, 1};
  router.order(members, {}, 7, kStart, plan);
  ASSERT_EQ(plan.size, 3);
  EXPECT_EQ(plan.deployments[0], 2);
  EXPECT_EQ(std::set<std::uint16_t>(plan.view().begin(), plan.view().end()),
            (std::set<std::uint16_t>{0, 1, 2}));
}

TEST(RouterOrder, APlanStopsAtItsCapacity) {
  Router router(std::vector<DeploymentInfo>(24, deployment()), Strategy::weighted, {});
  Plan plan;
  for (std::uint16_t d = 0; d < 10; ++d) plan.push(d);
  std::array<std::uint16_t, kMaxCandidates> members{};
  for (std::uint16_t i = 0; i < members.size(); ++i) members[i] = 8 + i;  // 8 and 9 planned
  router.order(members, {}, 3, kStart, plan);
  EXPECT_TRUE(plan.full());
  const std::set<std::uint16_t> unique(plan.view().begin(), plan.view().end());
  EXPECT_EQ(unique.size(), kMaxCandidates);
}

TEST(RouterBreaker, OpensAfterConsecutiveFailuresThenLetsOneProbeThroughAfterItsCooldown) {
  Router router({deployment(), deployment()}, Strategy::weighted, {.failures = 3, .cooldown = 30s});
  EXPECT_EQ(router.failed(0, kStart), std::nullopt);
  EXPECT_EQ(router.failed(0, kStart), std::nullopt);
  EXPECT_EQ(router.failed(0, kStart), BreakerState::open);
  EXPECT_EQ(router.failed(0, kStart + 5s), std::nullopt)
      << "attempts sent before it opened change nothing";
  EXPECT_EQ(router.state(0, kStart + 29s), BreakerState::open);
  EXPECT_FALSE(planned(router, 0, kStart + 29s));
  EXPECT_FALSE(router.begin(0, 0, kStart + 29s));
  const std::array<std::uint16_t, 1> only{0};
  EXPECT_EQ(router.next_available(only, kStart + 1s), kStart + 30s);
  EXPECT_EQ(router.next_available(all_of(router), kStart + 1s), kStart + 1s)
      << "the other deployment is usable now";

  EXPECT_EQ(router.state(0, kStart + 30s), BreakerState::half_open);
  EXPECT_TRUE(planned(router, 0, kStart + 30s));
  EXPECT_TRUE(router.begin(0, 0, kStart + 30s)) << "this attempt is the probe";
  EXPECT_FALSE(router.begin(0, 0, kStart + 30s)) << "one probe at a time";
  EXPECT_FALSE(planned(router, 0, kStart + 31s)) << "the probe is in flight";
  EXPECT_EQ(router.state(0, kStart + 31s), BreakerState::half_open);

  EXPECT_EQ(router.succeeded(0, 50ms, kStart + 31s), BreakerState::closed);
  EXPECT_EQ(router.state(0, kStart + 31s), BreakerState::closed);
  EXPECT_TRUE(router.begin(0, 0, kStart + 31s));
  EXPECT_TRUE(router.begin(0, 0, kStart + 31s));
  EXPECT_EQ(router.succeeded(0, 50ms, kStart + 31s), std::nullopt) << "already closed";
}

TEST(RouterBreaker, AFailedProbeOpensItForAnotherCooldown) {
  Router router({deployment()}, Strategy::weighted, {.failures = 1, .cooldown = 30s});
  EXPECT_EQ(router.failed(0, kStart), BreakerState::open);
  ASSERT_TRUE(router.begin(0, 0, kStart + 30s));
  EXPECT_EQ(router.failed(0, kStart + 31s), BreakerState::open);
  EXPECT_EQ(router.state(0, kStart + 60s), BreakerState::open);
  EXPECT_FALSE(planned(router, 0, kStart + 60s));
  EXPECT_FALSE(router.begin(0, 0, kStart + 60s));
  EXPECT_TRUE(planned(router, 0, kStart + 61s));
  EXPECT_TRUE(router.begin(0, 0, kStart + 61s));
}

TEST(RouterBreaker, AProbeUnansweredForACooldownIsTakenAsLost) {
  Router router({deployment()}, Strategy::weighted, {.failures = 1, .cooldown = 30s});
  router.failed(0, kStart);
  ASSERT_TRUE(router.begin(0, 0, kStart + 30s));
  EXPECT_FALSE(router.begin(0, 0, kStart + 59s));
  EXPECT_FALSE(planned(router, 0, kStart + 59s));
  EXPECT_TRUE(planned(router, 0, kStart + 60s));
  EXPECT_TRUE(router.begin(0, 0, kStart + 60s)) << "the slot freed itself";
  EXPECT_FALSE(router.begin(0, 0, kStart + 60s));
}

TEST(RouterBreaker, ASuccessResetsTheConsecutiveFailureCount) {
  Router router({deployment()}, Strategy::weighted, {.failures = 3, .cooldown = 30s});
  EXPECT_EQ(router.failed(0, kStart), std::nullopt);
  EXPECT_EQ(router.failed(0, kStart), std::nullopt);
  EXPECT_EQ(router.succeeded(0, 10ms, kStart), std::nullopt);
  EXPECT_EQ(router.failed(0, kStart), std::nullopt);
  EXPECT_EQ(router.failed(0, kStart), std::nullopt);
  EXPECT_EQ(router.state(0, kStart), BreakerState::closed);
  EXPECT_EQ(router.failed(0, kStart), BreakerState::open);
}

TEST(RouterCoolDown, ARetryAfterLeavesTheDeploymentOutUntilItPasses) {
  Router router({deployment(), deployment()}, Strategy::weighted, {});
  router.cool_down(0, kStart + 20s);
  router.cool_down(0, kStart + 10s);  // an earlier retry-after does not shorten it
  EXPECT_FALSE(planned(router, 0, kStart + 19s));
  EXPECT_FALSE(router.begin(0, 0, kStart + 19s));
  const std::array<std::uint16_t, 1> only{0};
  EXPECT_EQ(router.next_available(only, kStart), kStart + 20s);
  EXPECT_EQ(router.state(0, kStart), BreakerState::closed) << "not a breaker matter";
  EXPECT_TRUE(planned(router, 0, kStart + 20s));
  EXPECT_TRUE(router.begin(0, 0, kStart + 20s));
}

TEST(RouterCaps, RpmAdmitsTheMinutesAllowanceThenOneRequestPerInterval) {
  Router router({capped(5, std::nullopt)}, Strategy::weighted, {});  // one every 12 s
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(router.begin(0, 0, kStart)) << i;
  EXPECT_FALSE(router.begin(0, 0, kStart));
  EXPECT_FALSE(planned(router, 0, kStart)) << "at its cap";
  const std::array<std::uint16_t, 1> only{0};
  EXPECT_EQ(router.next_available(only, kStart), kStart + 12s);
  EXPECT_FALSE(router.begin(0, 0, kStart + 11s));
  EXPECT_TRUE(planned(router, 0, kStart + 12s));
  EXPECT_TRUE(router.begin(0, 0, kStart + 12s));
  EXPECT_FALSE(router.begin(0, 0, kStart + 12s));
  // A minute after its last slot, the whole allowance is back.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(router.begin(0, 0, kStart + 72s)) << i;
  EXPECT_FALSE(router.begin(0, 0, kStart + 72s));
}

TEST(RouterCaps, RpmHoldsMinuteAfterMinuteUnderSteadyDemand) {
  Router router({capped(5, std::nullopt)}, Strategy::weighted, {});
  std::array<int, 10> per_minute{};
  for (int second = 0; second < 600; ++second) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (router.begin(0, 0, kStart + std::chrono::seconds(second))) ++per_minute[second / 60];
    }
  }
  EXPECT_EQ(per_minute[0], 9) << "the burst of 5, then one every 12 s";
  for (std::size_t minute = 1; minute < per_minute.size(); ++minute) {
    EXPECT_EQ(per_minute[minute], 5) << minute;
  }
}

TEST(RouterCaps, TpmCountsTokensAndSettlingGivesTheUnusedBack) {
  Router router({capped(std::nullopt, 1000)}, Strategy::weighted, {});
  EXPECT_TRUE(router.begin(0, 600, kStart));
  EXPECT_FALSE(router.begin(0, 600, kStart)) << "1200 tokens in a minute of 1000";
  EXPECT_TRUE(planned(router, 0, kStart)) << "room left for smaller requests";
  EXPECT_TRUE(router.begin(0, 400, kStart));
  EXPECT_FALSE(planned(router, 0, kStart)) << "at its cap";
  router.settle_tokens(0, 600, 100);  // the first request used 500 tokens fewer
  EXPECT_TRUE(router.begin(0, 500, kStart));
  EXPECT_FALSE(router.begin(0, 1, kStart));
  router.settle_tokens(0, 500, 600);  // and an underestimate costs more
  EXPECT_FALSE(router.begin(0, 1, kStart + 6s));
  EXPECT_TRUE(router.begin(0, 100, kStart + 12s));
}

TEST(RouterCaps, ARequestTheTpmCapRefusesIsNotCountedAgainstRpm) {
  Router router({capped(2, 1000)}, Strategy::weighted, {});
  EXPECT_FALSE(router.begin(0, 2000, kStart));
  EXPECT_TRUE(router.begin(0, 10, kStart));
  EXPECT_TRUE(router.begin(0, 10, kStart));
  EXPECT_FALSE(router.begin(0, 10, kStart));
}

TEST(RouterCaps, AbandonUndoesBeginsCounting) {
  Router router({capped(1, 100)}, Strategy::weighted, {});
  ASSERT_TRUE(router.begin(0, 100, kStart));
  EXPECT_FALSE(router.begin(0, 1, kStart));
  router.abandon(0, 100);
  EXPECT_TRUE(router.begin(0, 100, kStart));
}

TEST(RouterBreaker, AbandonFreesTheProbeSlotItsBeginTook) {
  Router router({deployment()}, Strategy::weighted, {.failures = 1, .cooldown = 30s});
  router.failed(0, kStart);
  ASSERT_TRUE(router.begin(0, 0, kStart + 30s));
  router.abandon(0, 0);
  EXPECT_EQ(router.state(0, kStart + 30s), BreakerState::half_open);
  EXPECT_TRUE(router.begin(0, 0, kStart + 30s));
  EXPECT_FALSE(router.begin(0, 0, kStart + 30s));
}

TEST(RouterBreaker, AWouldBeProbeTheCapsRefuseLeavesTheSlotFree) {
  Router router({capped(1, std::nullopt)}, Strategy::weighted, {.failures = 1, .cooldown = 45s});
  ASSERT_TRUE(router.begin(0, 0, kStart));  // the minute's one request: the cap frees at +60 s
  EXPECT_EQ(router.failed(0, kStart), BreakerState::open);
  EXPECT_FALSE(router.begin(0, 0, kStart + 45s)) << "cooldown over, but the cap refuses";
  EXPECT_EQ(router.state(0, kStart + 45s), BreakerState::half_open);
  // Had the refused attempt kept the slot, it would stay taken until +90 s (a lost probe).
  EXPECT_TRUE(router.begin(0, 0, kStart + 60s)) << "the probe";
  EXPECT_FALSE(router.begin(0, 0, kStart + 60s));
}

TEST(RouterBreaker, StatesHaveStableNames) {
  EXPECT_EQ(to_string(BreakerState::closed), "closed");
  EXPECT_EQ(to_string(BreakerState::open), "open");
  EXPECT_EQ(to_string(BreakerState::half_open), "half_open");
}

constexpr int kThreads = 4;

// Waits until every thread has arrived for `round` (0, 1, ...), spinning: a blocking barrier
// wakes its threads one at a time, too far apart to race. Yields now and then, in case there
// are fewer cores than threads.
void start_together(std::atomic<int>& arrived, int round) {
  ++arrived;
  for (int spins = 1; arrived.load() < kThreads * (round + 1); ++spins) {
    if (spins % (1 << 16) == 0) std::this_thread::yield();
  }
}

void run_threads(const std::function<void()>& work) {
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work);
}  // the jthreads join here

TEST(RouterConcurrency, ThreadsRacingForTheProbeAdmitExactlyOne) {
  constexpr int kRounds = 1000;
  Router router({deployment()}, Strategy::weighted, {.failures = 1, .cooldown = 30s});
  router.failed(0, kStart);
  std::array<std::atomic<int>, kRounds> probes{};
  std::atomic<int> reopened = 0;
  std::atomic<int> arrived = 0;
  run_threads([&] {
    for (int round = 0; round < kRounds; ++round) {
      start_together(arrived, round);
      const Clock::time_point cooldown_over = kStart + 30s * (round + 1);
      if (router.begin(0, 0, cooldown_over)) {
        ++probes[round];
        // Open until the next round's time; the others' begin() may come before or after.
        if (router.failed(0, cooldown_over) == BreakerState::open) ++reopened;
      }
    }
  });
  for (int round = 0; round < kRounds; ++round) EXPECT_EQ(probes[round].load(), 1) << round;
  EXPECT_EQ(reopened.load(), kRounds) << "each failed probe reopens the breaker once";
}

TEST(RouterConcurrency, ThreadsFailingTogetherOpenTheBreakerOnce) {
  // One deployment per round, which each thread's failure is enough to open.
  constexpr int kRounds = 1000;
  Router router(std::vector<DeploymentInfo>(kRounds, deployment()), Strategy::weighted,
                {.failures = 1, .cooldown = 30s});
  std::array<std::atomic<int>, kRounds> opened{};
  std::atomic<int> arrived = 0;
  run_threads([&] {
    for (int round = 0; round < kRounds; ++round) {
      start_together(arrived, round);
      const auto d = static_cast<std::uint16_t>(round);
      if (router.failed(d, kStart) == BreakerState::open) ++opened[round];
    }
  });
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_EQ(opened[round].load(), 1) << round;
    EXPECT_EQ(router.state(static_cast<std::uint16_t>(round), kStart), BreakerState::open);
  }
}

TEST(RouterConcurrency, ThreadsSharingACapAreAdmittedExactlyItsAllowance) {
  Router router({capped(100'000, 1'000'000)}, Strategy::weighted, {});
  std::atomic<int> admitted = 0;
  std::atomic<int> arrived = 0;
  run_threads([&] {
    start_together(arrived, 0);
    for (int i = 0; i < 50'000; ++i) {
      if (router.begin(0, 1, kStart)) ++admitted;
    }
  });
  EXPECT_EQ(admitted.load(), 100'000) << "200000 attempts, rpm 100000 (tpm allows 1000000)";
}

}  // namespace
}  // namespace tollgate::routing
