#include "billing/wallet.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

namespace tollgate::billing {
namespace {

using std::chrono::sys_days;
using std::chrono::sys_seconds;
using namespace std::chrono_literals;

// 2026-11-21 (a Saturday) at 15:30 UTC.
const sys_seconds kNow = sys_days(std::chrono::year(2026) / 11 / 21) + 15h + 30min;

Hold hold_of(const std::variant<Hold, Refusal>& result) {
  EXPECT_TRUE(std::holds_alternative<Hold>(result));
  return std::get<Hold>(result);
}

TEST(Wallet, ReservesFromTheBalanceAndSettlesTheExactCost) {
  Wallet wallet;
  wallet.set_balance(1, 1'000);
  Hold hold = hold_of(wallet.reserve(1, "k", std::nullopt, 600, kNow));
  EXPECT_EQ(wallet.balance(1), 400) << "the reservation leaves the balance at once";
  EXPECT_EQ(wallet.settle(hold, 250), 350) << "settle returns R - C";
  EXPECT_EQ(wallet.balance(1), 750);
}

TEST(Wallet, RefusesWhatTheBalanceCannotCover) {
  Wallet wallet;
  wallet.set_balance(1, 500);
  auto refused = wallet.reserve(1, "k", std::nullopt, 501, kNow);
  ASSERT_TRUE(std::holds_alternative<Refusal>(refused));
  EXPECT_EQ(std::get<Refusal>(refused).reason, Refusal::Reason::insufficient_balance);
  EXPECT_EQ(std::get<Refusal>(refused).needed, 501);
  EXPECT_EQ(std::get<Refusal>(refused).available, 500);
  EXPECT_EQ(wallet.balance(1), 500) << "a refusal takes nothing";
  EXPECT_TRUE(std::holds_alternative<Hold>(wallet.reserve(1, "k", std::nullopt, 500, kNow)));
  EXPECT_TRUE(std::holds_alternative<Hold>(wallet.reserve(7, "k", std::nullopt, 0, kNow)))
      << "a free request needs no balance, even on an unknown account";
}

TEST(Wallet, ACostAboveTheReservationIsChargedInFull) {
  Wallet wallet;
  wallet.set_balance(1, 100);
  Hold hold = hold_of(wallet.reserve(1, "k", std::nullopt, 100, kNow));
  EXPECT_EQ(wallet.settle(hold, 130), -30);
  EXPECT_EQ(wallet.balance(1), -30);
  EXPECT_TRUE(std::holds_alternative<Refusal>(wallet.reserve(1, "k", std::nullopt, 1, kNow)));
  wallet.credit(1, 1'030);
  EXPECT_EQ(wallet.balance(1), 1'000);
}

TEST(Wallet, AKeyLimitCountsHoldsAndSettledCostsInItsPeriod) {
  Wallet wallet;
  wallet.set_balance(1, 1'000'000);
  const KeyLimit limit{100, Retention::day};
  Hold first = hold_of(wallet.reserve(1, "k1", limit, 60, kNow));
  auto refused = wallet.reserve(1, "k1", limit, 50, kNow);
  ASSERT_TRUE(std::holds_alternative<Refusal>(refused));
  EXPECT_EQ(std::get<Refusal>(refused).reason, Refusal::Reason::key_limit_reached);
  EXPECT_EQ(std::get<Refusal>(refused).available, 40);
  EXPECT_TRUE(std::holds_alternative<Hold>(wallet.reserve(1, "k2", limit, 50, kNow)))
      << "another key of the account has its own limit";
  wallet.settle(first, 30);
  EXPECT_EQ(wallet.key_spend(1, "k1", limit, kNow), 30);
  EXPECT_TRUE(std::holds_alternative<Hold>(wallet.reserve(1, "k1", limit, 70, kNow)));
  EXPECT_TRUE(std::holds_alternative<Refusal>(wallet.reserve(1, "k1", limit, 1, kNow)));
  // The next day starts from nothing.
  EXPECT_TRUE(std::holds_alternative<Hold>(wallet.reserve(1, "k1", limit, 100, kNow + 9h)));
}

TEST(Wallet, SpendLoadedAtStartUpCountsAgainstTheLimit) {
  Wallet wallet;
  wallet.set_balance(1, 1'000);
  const KeyLimit limit{100, Retention::month};
  wallet.set_key_spend(1, "k", limit, 95, kNow);
  EXPECT_TRUE(std::holds_alternative<Refusal>(wallet.reserve(1, "k", limit, 6, kNow)));
  EXPECT_TRUE(std::holds_alternative<Hold>(wallet.reserve(1, "k", limit, 5, kNow)));
  EXPECT_EQ(wallet.key_spend(1, "k", limit, kNow + 24h * 10), 0) << "December starts afresh";
}

TEST(Wallet, SpendThroughOtherProcessesCountsForKeysWithALimitOnce) {
  Wallet wallet;
  wallet.set_balance(1, 1'000);
  EXPECT_FALSE(wallet.follows_key_spend());
  const KeyLimit limit{100, Retention::day};
  wallet.add_key_spend(1, "k", 1, kNow, 40);  // not followed yet: no limit known here
  wallet.set_key_spend(1, "k", limit, 50, kNow, /*counted_through_row=*/10);
  EXPECT_TRUE(wallet.follows_key_spend());
  EXPECT_EQ(wallet.key_spend(1, "k", limit, kNow), 50);

  wallet.add_key_spend(1, "k", 10, kNow, 7);  // already in the loaded 50
  EXPECT_EQ(wallet.key_spend(1, "k", limit, kNow), 50);
  wallet.add_key_spend(1, "k", 11, kNow - 1h, 30);
  EXPECT_EQ(wallet.key_spend(1, "k", limit, kNow), 80);
  EXPECT_TRUE(std::holds_alternative<Refusal>(wallet.reserve(1, "k", limit, 21, kNow)))
      << "the other process's spend counts against the limit";
  EXPECT_TRUE(std::holds_alternative<Hold>(wallet.reserve(1, "k", limit, 20, kNow)));

  wallet.add_key_spend(1, "k", 12, kNow - 24h, 500);  // yesterday's: that period has ended
  EXPECT_EQ(wallet.key_spend(1, "k", limit, kNow), 100);
  wallet.add_key_spend(1, "k", 13, kNow + 9h, 15);  // tomorrow's: the key's next period
  EXPECT_EQ(wallet.key_spend(1, "k", limit, kNow + 9h), 15);
  wallet.add_key_spend(1, "other", 14, kNow, 99);  // a key without a limit here
  EXPECT_EQ(wallet.key_spend(1, "other", limit, kNow), 0);
  EXPECT_EQ(wallet.balance(1), 980) << "balances follow the ledger, not usage rows";
}

TEST(Wallet, PeriodsStartAtUtcMidnightMondayAndTheFirst) {
  EXPECT_EQ(period_start(Retention::day, kNow), sys_days(std::chrono::year(2026) / 11 / 21));
  EXPECT_EQ(period_start(Retention::week, kNow), sys_days(std::chrono::year(2026) / 11 / 16))
      << "the Monday before";
  EXPECT_EQ(period_start(Retention::week, sys_days(std::chrono::year(2026) / 11 / 16)),
            sys_days(std::chrono::year(2026) / 11 / 16))
      << "a Monday is its own week's start";
  EXPECT_EQ(period_start(Retention::month, kNow), sys_days(std::chrono::year(2026) / 11 / 1));
  EXPECT_EQ(period_start(Retention::no_reset, kNow), sys_seconds{});
  EXPECT_EQ(parse_retention("week"), Retention::week);
  EXPECT_EQ(parse_retention("year"), std::nullopt);
}

// Many threads reserving against a balance that covers only some of them: the balance never
// goes below zero, and ends at the initial balance minus the sum of what was charged.
TEST(Wallet, ConcurrentReservationsNeverOverspend) {
  Wallet wallet;
  constexpr Micros kInitial = 1'000'000;
  wallet.set_balance(1, kInitial);
  std::atomic<Micros> charged{0};
  std::atomic<int> refused{0};
  std::atomic<bool> went_negative{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      for (int i = 0; i < 2'000; ++i) {
        const Micros amount = 1 + static_cast<Micros>(rng() % 2'000);
        auto result = wallet.reserve(1, "k", std::nullopt, amount, kNow);
        if (auto* hold = std::get_if<Hold>(&result)) {
          if (wallet.balance(1) < 0) went_negative = true;
          const Micros cost = static_cast<Micros>(rng() % (amount + 1));
          wallet.settle(*hold, cost);
          charged += cost;
        } else {
          ++refused;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(went_negative);
  EXPECT_GT(refused.load(), 0) << "the balance was meant to run out";
  EXPECT_EQ(wallet.balance(1), kInitial - charged.load());
  EXPECT_GE(wallet.balance(1), 0);
}

}  // namespace
}  // namespace tollgate::billing
