// Migration 7 (usage rows name their instance): a file as version 6 left it keeps its rows, which
// read as another instance's (NULL); rows written afterwards carry the writer's instance, so a
// gateway tells its own charges from the other gateways'.
#include "billing/usage_writer.hpp"
#include "schema_rollback.hpp"
#include "store/billing_queries.hpp"
#include "store/sqlite_database.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tollgate::store {
namespace {

using testing::TempDatabasePath;

TEST(MigrationV7, OlderRowsAreKeptAndNewRowsNameTheirInstance) {
  TempDatabasePath file;
  {
    Database version_6(file.path());
    version_6.migrate();
    testing::roll_back_to(version_6, 6);
    version_6.exec(
        "INSERT INTO usage_log (request_id, created_at, key_prefix, account_id, charged_micros) "
        "VALUES ('old', 1700000000000, 'tg-Aaaaaaaa', 1, 70)");
  }
  Database database(file.path());
  ASSERT_EQ(database.schema_version(), 6);
  EXPECT_EQ(database.migrate(), 1);
  EXPECT_TRUE(database.check_integrity().empty());

  billing::UsageWriterOptions options;
  options.instance = "gw-a";
  {
    billing::UsageWriter writer(file.path(), options);
    billing::UsageRecord record;
    record.request_id = "new";
    record.created_at_ms = 1'700'000'001'000;
    record.key_prefix = "tg-Aaaaaaaa";
    record.account_id = 1;
    record.charged_micros = 30;
    ASSERT_TRUE(writer.submit(std::move(record)));
    writer.flush();
  }
  Statement rows = database.prepare("SELECT request_id, instance FROM usage_log ORDER BY id");
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.column_text(0), "old");
  EXPECT_TRUE(rows.column_is_null(1));
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.column_text(0), "new");
  EXPECT_EQ(rows.column_text(1), "gw-a");

  const int64_t newest = newest_usage_row(database);
  const std::vector<OthersCharge> for_a = charges_of_others(database, "gw-a", 0, newest);
  ASSERT_EQ(for_a.size(), 1u);
  EXPECT_EQ(for_a[0].charged_micros, 70) << "a row without an instance is another's";
  EXPECT_EQ(charges_of_others(database, "gw-b", 0, newest).size(), 2u);
  EXPECT_EQ(charges_of_others(database, "gw-b", for_a[0].row, newest).size(), 1u);
}

}  // namespace
}  // namespace tollgate::store
