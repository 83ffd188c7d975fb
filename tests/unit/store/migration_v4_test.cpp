// Migration 4 (BYOK credentials and regions of keys, account rate limits, the deployment,
// attempts and byok columns of usage_log) applied to a file as version 3 left it: existing rows
// are kept and read as "none" / zero.
#include "auth/key_store.hpp"
#include "schema_rollback.hpp"
#include "store/accounts.hpp"
#include "store/sqlite_database.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

namespace tollgate::store {
namespace {

using testing::TempDatabasePath;

// A version-3 file: today's schema with migrations 5 and later undone and migration 4's columns
// dropped again (DROP COLUMN undoes ADD COLUMN exactly), holding a key, an account and a usage
// row written by version 3.
void write_version_3_file(const std::string& path) {
  Database database(path);
  database.migrate();
  testing::roll_back_to(database, 4);
  database.exec(R"sql(
ALTER TABLE api_keys DROP COLUMN byok;
ALTER TABLE api_keys DROP COLUMN regions;
ALTER TABLE accounts DROP COLUMN rate_limits;
ALTER TABLE usage_log DROP COLUMN deployment;
ALTER TABLE usage_log DROP COLUMN attempts;
ALTER TABLE usage_log DROP COLUMN byok;
DELETE FROM schema_migrations WHERE version = 4;
INSERT INTO accounts (id, name, created_at, updated_at) VALUES (5, 'acme', 1, 1);
INSERT INTO api_keys (id, prefix, name, salt, hash, created_at, account_id, rate_limits)
  VALUES (7, 'tg-Aaaaaaaa', 'ci', x'0102', x'0304', 1700000000001, 5, '{"rpm":60}');
INSERT INTO usage_log (request_id, created_at, key_prefix, public_model, provider, status)
  VALUES ('r1', 1700000001000, 'tg-Aaaaaaaa', 'm', 'openai', 200);
)sql");
}

TEST(MigrationV4, UpgradesAVersion3FileKeepingItsRows) {
  TempDatabasePath file;
  write_version_3_file(file.path());
  Database database(file.path());
  ASSERT_EQ(database.schema_version(), 3);
  EXPECT_EQ(database.migrate(), Database::latest_schema_version() - 3);
  EXPECT_EQ(database.schema_version(), Database::latest_schema_version());
  EXPECT_TRUE(database.check_integrity().empty());

  AccountStore accounts(database);
  EXPECT_EQ(accounts.find(5)->rate_limits_json, std::nullopt) << "no account limits";
  std::optional<StoredKey> key = accounts.find_key("tg-Aaaaaaaa");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->policy.rate_limits_json, R"({"rpm":60})");
  EXPECT_EQ(key->policy.regions_json, std::nullopt) << "any region";
  EXPECT_EQ(key->policy.byok_json, std::nullopt) << "no credentials of its own";
  std::vector<auth::KeyRecord> records = auth::KeyStore(database).load_all();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].account_rate_limits_json, std::nullopt);

  Statement usage =
      database.prepare("SELECT deployment IS NULL, attempts, byok, provider FROM usage_log");
  ASSERT_TRUE(usage.step());
  EXPECT_EQ(usage.column_int64(0), 1);
  EXPECT_EQ(usage.column_int64(1), 0) << "old rows count no attempts";
  EXPECT_EQ(usage.column_int64(2), 0);
  EXPECT_EQ(usage.column_text(3), "openai");
  EXPECT_EQ(database.migrate(), 0);
}

TEST(MigrationV4, UsageAttemptsAndByokDefaultToZeroAndAreNeverNull) {
  TempDatabasePath file;
  Database database(file.path());
  database.migrate();
  database.exec("INSERT INTO usage_log (request_id) VALUES ('r')");
  Statement row = database.prepare("SELECT attempts, byok FROM usage_log");
  ASSERT_TRUE(row.step());
  EXPECT_EQ(row.column_int64(0), 0);
  EXPECT_EQ(row.column_int64(1), 0);
  EXPECT_THROW(database.exec("INSERT INTO usage_log (request_id, attempts) VALUES ('n', NULL)"),
               DatabaseError);
  EXPECT_THROW(database.exec("INSERT INTO usage_log (request_id, byok) VALUES ('n', NULL)"),
               DatabaseError);
}

}  // namespace
}  // namespace tollgate::store
