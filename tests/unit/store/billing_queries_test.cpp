#include "store/billing_queries.hpp"

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
  BillingQueriesTest() : database_(file_.path()) { database_.migrate(); }

  struct Row {
    int64_t at_ms;
    std::string model;
    int64_t account = 1;
    std::string key = "tg-Aaaaaaaa";
    int64_t cost = 100;
    std::optional<int64_t> charged = 120;
    int status = 200;
  };

  void insert(const Row& row) {
    Statement statement = database_.prepare(
        "INSERT INTO usage_log (created_at, public_model, account_id, key_prefix, prompt_tokens, "
        "completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost_micros, "
        "charged_micros, status) VALUES (?, ?, ?, ?, 10, 20, 3, 2, 5, ?, ?, ?)");
    statement.bind_int64(1, row.at_ms);
    if (row.model.empty()) {
      statement.bind_null(2);
    } else {
      statement.bind_text(2, row.model);
    }
    statement.bind_int64(3, row.account).bind_text(4, row.key).bind_int64(5, row.cost);
    statement.bind_optional_int64(6, row.charged).bind_int64(7, row.status);
    statement.step();
  }

  TempDatabasePath file_;
  Database database_;
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

}  // namespace
}  // namespace tollgate::store
