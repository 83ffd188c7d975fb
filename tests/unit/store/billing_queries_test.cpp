// The billing reports over usage_daily, with usage written the way the gateway writes it:
// through the UsageWriter, which keeps the rows and their daily rollups.
#include "store/billing_queries.hpp"

#include "billing/usage_writer.hpp"
#include "store/sqlite_database.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

namespace tollgate::store {
namespace {

using testing::TempDatabasePath;

// 2024-03-01T00:00:00Z (2024 is a leap year: the day before is 02-29).
constexpr int64_t kMarch1 = 1'709'251'200'000;

class BillingQueriesTest : public ::testing::Test {
 protected:
  BillingQueriesTest() : database_(migrated(file_.path())), writer_(file_.path()) {}

  // Before the writer starts: it needs the schema.
  static Database migrated(const std::string& path) {
    Database database(path);
    database.migrate();
    return database;
  }

  struct Row {
    int64_t at_ms;
    std::string model;
    int64_t account = 1;
    std::string key = "tg-Aaaaaaaa";
    int64_t cost = 100;
    std::optional<int64_t> charged = 120;
    int status = 200;
  };

  // Committed when it returns, as a separate batch.
  void insert(const Row& row) {
    billing::UsageRecord usage;
    usage.created_at_ms = row.at_ms;
    usage.public_model = row.model;
    usage.account_id = row.account;
    usage.key_prefix = row.key;
    usage.prompt_tokens = 10;
    usage.completion_tokens = 20;
    usage.cached_tokens = 3;
    usage.cache_write_tokens = 2;
    usage.reasoning_tokens = 5;
    usage.cost_micros = row.cost;
    usage.charged_micros = row.charged;
    usage.status = row.status;
    ASSERT_TRUE(writer_.submit(std::move(usage)));
    writer_.flush();
  }

  TempDatabasePath file_;
  Database database_;
  billing::UsageWriter writer_;
};

TEST(UtcDay, FormatsAndFloorsAtMidnightUtc) {
  EXPECT_EQ(utc_day(0), "1970-01-01");
  EXPECT_EQ(utc_day(kMarch1), "2024-03-01");
  EXPECT_EQ(utc_day(kMarch1 - 1), "2024-02-29");
  EXPECT_EQ(utc_day(-1), "1969-12-31");
  EXPECT_EQ(utc_day_start_ms(kMarch1 + kMillisPerDay - 1), kMarch1);
  EXPECT_EQ(utc_day_start_ms(kMarch1), kMarch1);
  EXPECT_EQ(utc_day_start_ms(-1), -kMillisPerDay);
  for (int64_t t = kMarch1 - 3 * kMillisPerDay; t < kMarch1 + 3 * kMillisPerDay; t += 997'331) {
    const int64_t start = utc_day_start_ms(t);
    EXPECT_LE(start, t);
    EXPECT_GT(start + kMillisPerDay, t);
    EXPECT_EQ(start % kMillisPerDay, 0);
    EXPECT_EQ(utc_day(start), utc_day(t));
  }
}

TEST_F(BillingQueriesTest, RollsUpPerUtcDayAndModelAtTheBoundaries) {
  insert({kMarch1 - 1, "gpt"});  // last ms of 02-29
  insert({kMarch1, "gpt"});      // first ms of 03-01
  insert({kMarch1 + 5, "gpt", 1, "tg-Aaaaaaaa", 7, std::nullopt, 502});
  insert({kMarch1 + 10, "claude"});
  insert({kMarch1 + kMillisPerDay - 1, ""});  // last ms of 03-01, no model
  insert({kMarch1 + kMillisPerDay, "gpt"});   // 03-02: outside [from, to)

  std::vector<DailyModelUsage> rollup = usage_by_day_and_model(
      database_, {.from_ms = kMarch1 - kMillisPerDay, .to_ms = kMarch1 + kMillisPerDay});
  ASSERT_EQ(rollup.size(), 4u);
  EXPECT_EQ(rollup[0].day, "2024-02-29");
  EXPECT_EQ(rollup[0].day_start_ms, kMarch1 - kMillisPerDay);
  EXPECT_EQ(rollup[0].public_model, "gpt");
  EXPECT_EQ(rollup[0].requests, 1);
  EXPECT_EQ(rollup[1].day, "2024-03-01");
  EXPECT_EQ(rollup[1].public_model, "");
  EXPECT_EQ(rollup[2].public_model, "claude");
  const DailyModelUsage& gpt = rollup[3];
  EXPECT_EQ(gpt, (DailyModelUsage{.day = "2024-03-01",
                                  .day_start_ms = kMarch1,
                                  .public_model = "gpt",
                                  .requests = 2,
                                  .errors = 1,
                                  .input_tokens = 20,
                                  .output_tokens = 40,
                                  .cached_tokens = 6,
                                  .cache_write_tokens = 4,
                                  .reasoning_tokens = 10,
                                  .cost_micros = 107,
                                  .charged_micros = 120}));
  EXPECT_TRUE(usage_by_day_and_model(database_, {.from_ms = kMarch1, .to_ms = kMarch1}).empty());
}

TEST_F(BillingQueriesTest, ScopesToAnAccountOrAKey) {
  insert({kMarch1, "gpt", 1, "tg-Aaaaaaaa", 100});
  insert({kMarch1 + 1, "gpt", 2, "tg-Bbbbbbbb", 200});
  insert({kMarch1 + 2, "gpt", 2, "tg-Cccccccc", 400});
  const int64_t to = kMarch1 + kMillisPerDay;
  std::vector<DailyModelUsage> account =
      usage_by_day_and_model(database_, {.account_id = 2, .from_ms = kMarch1, .to_ms = to});
  ASSERT_EQ(account.size(), 1u);
  EXPECT_EQ(account[0].requests, 2);
  EXPECT_EQ(account[0].cost_micros, 600);
  std::vector<DailyModelUsage> key = usage_by_day_and_model(
      database_, {.key_prefix = "tg-Cccccccc", .from_ms = kMarch1, .to_ms = to});
  ASSERT_EQ(key.size(), 1u);
  EXPECT_EQ(key[0].cost_micros, 400);
  EXPECT_TRUE(usage_by_day_and_model(
                  database_,
                  {.account_id = 1, .key_prefix = "tg-Cccccccc", .from_ms = kMarch1, .to_ms = to})
                  .empty());
}

TEST_F(BillingQueriesTest, SpendSinceATimeIsExact) {
  insert({kMarch1 - 1, "m", 1, "tg-Aaaaaaaa", 1'000'000, 1'100'000});
  insert({kMarch1, "m", 1, "tg-Aaaaaaaa", 333, 334});
  insert({kMarch1 + 1, "m", 1, "tg-Bbbbbbbb", 10, std::nullopt});
  Spend key = key_spend(database_, "tg-Aaaaaaaa", kMarch1);
  EXPECT_EQ(key.requests, 1);
  EXPECT_EQ(key.cost_micros, 333);
  EXPECT_EQ(key.charged_micros, 334);
  Spend account = account_spend(database_, 1, kMarch1 - 1);
  EXPECT_EQ(account.requests, 3);
  EXPECT_EQ(account.cost_micros, 1'000'343);
  EXPECT_EQ(account.charged_micros, 1'100'334);
  Spend nothing = key_spend(database_, "tg-Zzzzzzzz", 0);
  EXPECT_EQ(nothing.requests, 0);
  EXPECT_EQ(nothing.charged_micros, 0);
}

// The rollups hold whole days: a time inside a day stands for all of that day.
TEST_F(BillingQueriesTest, ATimeInsideADayCountsTheWholeDay) {
  insert({kMarch1, "gpt", 1, "tg-Aaaaaaaa", 10});
  insert({kMarch1 + kMillisPerDay, "gpt", 1, "tg-Aaaaaaaa", 20});
  EXPECT_EQ(key_spend(database_, "tg-Aaaaaaaa", kMarch1 + 5).cost_micros, 30);
  EXPECT_EQ(account_spend(database_, 1, kMarch1 + kMillisPerDay - 1).cost_micros, 30);
  std::vector<DailyModelUsage> overlapping =
      usage_by_day_and_model(database_, {.from_ms = kMarch1 + 5, .to_ms = kMarch1 + 6});
  ASSERT_EQ(overlapping.size(), 1u);
  EXPECT_EQ(overlapping[0].day_start_ms, kMarch1);
  EXPECT_TRUE(
      usage_by_day_and_model(database_, {.from_ms = kMarch1 + 5, .to_ms = kMarch1 + 5}).empty())
      << "an empty range";
}

TEST_F(BillingQueriesTest, AccountZeroAndTheEmptyKeyAreTheRequestsWithoutOne) {
  insert({kMarch1, "gpt", 0, "", 7, std::nullopt});
  insert({kMarch1, "gpt", 1, "tg-Aaaaaaaa", 100});
  const int64_t to = kMarch1 + kMillisPerDay;
  std::vector<DailyModelUsage> keyless = usage_by_day_and_model(
      database_, {.account_id = 0, .key_prefix = "", .from_ms = kMarch1, .to_ms = to});
  ASSERT_EQ(keyless.size(), 1u);
  EXPECT_EQ(keyless[0].cost_micros, 7);
  EXPECT_EQ(keyless[0].charged_micros, 0);
  std::vector<DailyModelUsage> all =
      usage_by_day_and_model(database_, {.from_ms = kMarch1, .to_ms = to});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].requests, 2);
  EXPECT_EQ(all[0].cost_micros, 107);
}

}  // namespace
}  // namespace tollgate::store
