// Migration 5 (usage_daily rollups, three usage_log indexes dropped) applied to a file as version
// 4 left it: the rollups are backfilled from the usage rows already there, exactly, and the
// writer goes on adding to them.
#include "billing/usage_writer.hpp"
#include "schema_rollback.hpp"
#include "store/billing_queries.hpp"
#include "store/sqlite_database.hpp"
#include "temp_database.hpp"
#include "usage_rollup_check.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tollgate::store {
namespace {

using testing::count_of;
using testing::TempDatabasePath;

// 2024-03-01T00:00:00Z.
constexpr int64_t kMarch1 = 1'709'251'200'000;

// A version-4 file (today's schema with migrations 5 and later undone) holding usage rows written
// by version 4: two sharing a rollup, one on the next day, one from another key and account, one
// with no account, key, model or charge, one before 1970, and one without a time.
void write_version_4_file(const std::string& path) {
  Database database(path);
  database.migrate();
  testing::roll_back_to(database, 4);
  database.exec(R"sql(
INSERT INTO usage_log (request_id, created_at, account_id, key_prefix, public_model, status,
                       prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens,
                       reasoning_tokens, cost_micros, charged_micros)
VALUES ('a1', 1709251200000, 1, 'tg-Aaaaaaaa', 'gpt', 200, 10, 20, 3, 2, 5, 100, 120),
       ('a2', 1709337599999, 1, 'tg-Aaaaaaaa', 'gpt', 502, 1, 2, 0, 0, 0, 7, NULL),
       ('a3', 1709337600000, 1, 'tg-Aaaaaaaa', 'gpt', 200, 1, 1, 1, 1, 1, 1, 1),
       ('b1', 1709251200001, 2, 'tg-Bbbbbbbb', 'claude', 429, 4, 0, 0, 0, 0, 0, 0),
       ('n1', 1709251200002, NULL, NULL, NULL, 401, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
       ('old', -1, 1, 'tg-Aaaaaaaa', 'gpt', 200, 1, 1, 0, 0, 0, 3, 3),
       ('untimed', NULL, 1, 'tg-Aaaaaaaa', 'gpt', 200, 1, 1, 0, 0, 0, 1000, 1000);
)sql");
}

bool index_exists(Database& database, const std::string& name) {
  return count_of(database, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name = '" +
                                name + "'") == 1;
}

TEST(MigrationV5, BackfillsTheDailyRollupsFromTheUsageRowsAndDropsThreeIndexes) {
  TempDatabasePath file;
  write_version_4_file(file.path());
  Database database(file.path());
  ASSERT_EQ(database.schema_version(), 4);
  ASSERT_TRUE(index_exists(database, "usage_log_key_created_at"));
  EXPECT_EQ(database.migrate(), Database::latest_schema_version() - 4);
  EXPECT_EQ(database.schema_version(), Database::latest_schema_version());
  EXPECT_TRUE(database.check_integrity().empty());

  EXPECT_EQ(testing::rollups_differing_from_rows(database), 0);
  EXPECT_EQ(count_of(database, "SELECT COUNT(*) FROM usage_daily"), 5);
  Statement gpt = database.prepare(
      "SELECT requests, errors, prompt_tokens, completion_tokens, cached_tokens, "
      "cache_write_tokens, reasoning_tokens, cost_micros, charged_micros FROM usage_daily "
      "WHERE day_start = 1709251200000 AND account_id = 1 AND key_prefix = 'tg-Aaaaaaaa' AND "
      "public_model = 'gpt'");
  ASSERT_TRUE(gpt.step());
  EXPECT_EQ(gpt.column_int64(0), 2) << "the first and the last millisecond of 03-01";
  EXPECT_EQ(gpt.column_int64(1), 1);
  EXPECT_EQ(gpt.column_int64(2), 11);
  EXPECT_EQ(gpt.column_int64(3), 22);
  EXPECT_EQ(gpt.column_int64(4), 3);
  EXPECT_EQ(gpt.column_int64(5), 2);
  EXPECT_EQ(gpt.column_int64(6), 5);
  EXPECT_EQ(gpt.column_int64(7), 107);
  EXPECT_EQ(gpt.column_int64(8), 120) << "no charge counts as 0";
  EXPECT_EQ(count_of(database,
                     "SELECT requests * 1000 + errors FROM usage_daily WHERE account_id = 0 AND "
                     "key_prefix = '' AND public_model = '' AND cost_micros = 0"),
            1001)
      << "none is 0 / ''";
  EXPECT_EQ(count_of(database, "SELECT day_start FROM usage_daily WHERE cost_micros = 3"),
            -kMillisPerDay)
      << "1969-12-31";
  EXPECT_EQ(count_of(database, "SELECT COUNT(*) FROM usage_daily WHERE cost_micros >= 1000"), 0)
      << "a row without a time is in no day";

  EXPECT_TRUE(index_exists(database, "usage_log_created_at")) << "for `tollgate usage --since`";
  EXPECT_FALSE(index_exists(database, "usage_log_model_created_at"));
  EXPECT_FALSE(index_exists(database, "usage_log_account_created_at"));
  EXPECT_FALSE(index_exists(database, "usage_log_key_created_at"));
  EXPECT_EQ(count_of(database, "SELECT COUNT(*) FROM usage_log"), 7) << "the rows are kept";

  Spend key = key_spend(database, "tg-Aaaaaaaa", kMarch1);
  EXPECT_EQ(key.requests, 3);
  EXPECT_EQ(key.cost_micros, 108);
  EXPECT_EQ(database.migrate(), 0);
}

TEST(MigrationV5, AppliesToAFileWhoseIndexesWereDroppedByHand) {
  TempDatabasePath file;
  write_version_4_file(file.path());
  Database database(file.path());
  database.exec("DROP INDEX usage_log_model_created_at; DROP INDEX usage_log_key_created_at");
  EXPECT_EQ(database.migrate(), Database::latest_schema_version() - 4);
  EXPECT_FALSE(index_exists(database, "usage_log_account_created_at"));
  EXPECT_EQ(testing::rollups_differing_from_rows(database), 0);
}

TEST(MigrationV5, TheWriterAddsToBackfilledRollups) {
  TempDatabasePath file;
  write_version_4_file(file.path());
  Database database(file.path());
  database.migrate();
  billing::UsageRecord usage;
  usage.created_at_ms = kMarch1 + 1000;
  usage.account_id = 1;
  usage.key_prefix = "tg-Aaaaaaaa";
  usage.public_model = "gpt";
  usage.cost_micros = 1000;
  usage.charged_micros = 1000;
  usage.status = 200;
  {
    billing::UsageWriter writer(file.path());
    ASSERT_TRUE(writer.submit(usage));
  }  // stopping writes it
  EXPECT_EQ(testing::rollups_differing_from_rows(database), 0);
  EXPECT_EQ(count_of(database, "SELECT requests FROM usage_daily WHERE day_start = " +
                                   std::to_string(kMarch1) + " AND public_model = 'gpt'"),
            3);
}

}  // namespace
}  // namespace tollgate::store
