#include "store/usage_queries.hpp"

#include "store/sqlite_database.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

namespace tollgate::store {
namespace {

using testing::TempDatabasePath;

class UsageQueriesTest : public ::testing::Test {
 protected:
  UsageQueriesTest() : database_(file_.path()) {
    database_.migrate();
    //     id  created  model    status prompt completion cached cost  latency overhead
    add(1, 1000, "alpha", 200, 100, 50, 10, 300, 1000, 100);
    add(2, 2000, "alpha", 200, 200, 70, 0, 500, 2000, 201);
    add(3, 3000, "alpha", 429, 0, 0, 0, 0, 500, 50);
    add(4, 1500, "beta", 200, 10, 20, 5, 7, 300, 30);
    add(5, 4000, "beta", 502, 30, 0, 0, 1, 700, 70);
    add(6, 500, "", 401, 0, 0, 0, 0, 10, 10);  // refused before a model was resolved
  }

  void add(int n, int64_t created_at, const std::string& model, int64_t status, int64_t prompt,
           int64_t completion, int64_t cached, int64_t cost, int64_t latency, int64_t overhead) {
    Statement insert = database_.prepare(
        "INSERT INTO usage_log (request_id, created_at, public_model, status, prompt_tokens, "
        "completion_tokens, cached_tokens, cost_micros, latency_us, overhead_us, stream, "
        "client_disconnected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)");
    insert.bind_text(1, "req-" + std::to_string(n)).bind_int64(2, created_at);
    if (model.empty()) {
      insert.bind_null(3);
    } else {
      insert.bind_text(3, model);
    }
    insert.bind_int64(4, status).bind_int64(5, prompt).bind_int64(6, completion);
    insert.bind_int64(7, cached).bind_int64(8, cost).bind_int64(9, latency);
    insert.bind_int64(10, overhead);
    insert.step();
  }

  TempDatabasePath file_;
  Database database_;
};

TEST_F(UsageQueriesTest, RecentIsNewestFirstAndLimited) {
  std::vector<UsageLogRow> rows = recent(database_, 3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].request_id, "req-5");
  EXPECT_EQ(rows[1].request_id, "req-3");
  EXPECT_EQ(rows[2].request_id, "req-2");
  EXPECT_EQ(rows[0].status, 502);
  EXPECT_EQ(recent(database_, 100).size(), 6u);
  EXPECT_TRUE(recent(database_, 0).empty());
}

TEST_F(UsageQueriesTest, TotalsByModelOverEverything) {
  std::vector<ModelUsageTotals> totals = totals_by_model(database_);
  ASSERT_EQ(totals.size(), 3u);

  EXPECT_EQ(totals[0].public_model, "");
  EXPECT_EQ(totals[0].requests, 1);
  EXPECT_EQ(totals[0].errors, 1);

  const ModelUsageTotals& alpha = totals[1];
  EXPECT_EQ(alpha.public_model, "alpha");
  EXPECT_EQ(alpha.requests, 3);
  EXPECT_EQ(alpha.errors, 1);
  EXPECT_EQ(alpha.prompt_tokens, 300);
  EXPECT_EQ(alpha.completion_tokens, 120);
  EXPECT_EQ(alpha.cached_tokens, 10);
  EXPECT_EQ(alpha.cost_micros, 800);
  EXPECT_EQ(alpha.avg_latency_us, 1166);  // 3500 / 3, rounded down
  EXPECT_EQ(alpha.avg_overhead_us, 117);  // 351 / 3

  const ModelUsageTotals& beta = totals[2];
  EXPECT_EQ(beta.public_model, "beta");
  EXPECT_EQ(beta.requests, 2);
  EXPECT_EQ(beta.errors, 1);
  EXPECT_EQ(beta.prompt_tokens, 40);
  EXPECT_EQ(beta.completion_tokens, 20);
  EXPECT_EQ(beta.cached_tokens, 5);
  EXPECT_EQ(beta.cost_micros, 8);
  EXPECT_EQ(beta.avg_latency_us, 500);
  EXPECT_EQ(beta.avg_overhead_us, 50);
}

TEST_F(UsageQueriesTest, TotalsByModelSinceATime) {
  std::vector<ModelUsageTotals> totals = totals_by_model(database_, 2000);
  ASSERT_EQ(totals.size(), 2u);
  EXPECT_EQ(totals[0].public_model, "alpha");
  EXPECT_EQ(totals[0].requests, 2);
  EXPECT_EQ(totals[0].cost_micros, 500);
  EXPECT_EQ(totals[1].public_model, "beta");
  EXPECT_EQ(totals[1].requests, 1);
  EXPECT_EQ(totals[1].errors, 1);
  EXPECT_TRUE(totals_by_model(database_, 999'999).empty());
}

TEST_F(UsageQueriesTest, CostTotalsAreExactBeyondDoublePrecision) {
  // 2^53 + 1 cannot be held by a double: an AVG/TOTAL-based sum would come out wrong.
  const int64_t big = (int64_t{1} << 53) + 1;
  add(7, 5000, "gamma", 200, 0, 0, 0, big, 0, 0);
  add(8, 5001, "gamma", 200, 0, 0, 0, 2, 0, 0);
  std::vector<ModelUsageTotals> totals = totals_by_model(database_, 5000);
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0].cost_micros, big + 2);
}

}  // namespace
}  // namespace tollgate::store
