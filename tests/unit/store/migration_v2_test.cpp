// Migration 2 (accounts, key policy, ledger, usage_log billing columns) applied to a file as a
// version-1 Tollgate left it: keys and usage rows are kept and land in account 1.
#include "auth/key_store.hpp"
#include "store/accounts.hpp"
#include "store/ledger.hpp"
#include "store/sqlite_database.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

namespace tollgate::store {
namespace {

using testing::TempDatabasePath;

// Schema version 1 exactly as released (migration 1), with two keys and two usage rows.
void write_version_1_file(const std::string& path) {
  Database database(path);
  database.exec(R"sql(
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
INSERT INTO schema_migrations VALUES (1, 1700000000000);
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY, prefix TEXT UNIQUE NOT NULL, name TEXT NOT NULL, salt BLOB NOT NULL,
  hash BLOB NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER, last_used_at INTEGER);
CREATE TABLE usage_log (
  id INTEGER PRIMARY KEY, request_id TEXT, created_at INTEGER, key_prefix TEXT, surface TEXT,
  public_model TEXT, upstream_model TEXT, provider TEXT, prompt_tokens INTEGER,
  completion_tokens INTEGER, cached_tokens INTEGER, reasoning_tokens INTEGER, usage_source TEXT,
  cost_micros INTEGER, status INTEGER, error_code TEXT, latency_us INTEGER,
  upstream_latency_us INTEGER, overhead_us INTEGER, stream INTEGER, client_disconnected INTEGER);
CREATE INDEX usage_log_created_at ON usage_log (created_at);
CREATE INDEX usage_log_model_created_at ON usage_log (public_model, created_at);
INSERT INTO api_keys VALUES (7, 'tg-Aaaaaaaa', 'ci', x'0102', x'0304', 1700000000001, NULL, 1700000000500);
INSERT INTO api_keys VALUES (9, 'tg-Bbbbbbbb', 'old', x'0506', x'0708', 1700000000002, 1700000000900, NULL);
INSERT INTO usage_log (request_id, created_at, key_prefix, public_model, prompt_tokens,
  completion_tokens, cost_micros, status) VALUES ('r1', 1700000001000, 'tg-Aaaaaaaa', 'm', 10, 5, 42, 200);
INSERT INTO usage_log (request_id, created_at, key_prefix, public_model, prompt_tokens,
  completion_tokens, cost_micros, status) VALUES ('r2', 1700000002000, 'tg-Bbbbbbbb', 'm', 1, 1, 3, 500);
)sql");
}

TEST(MigrationV2, UpgradesAVersion1FileKeepingKeysAndUsageInTheDefaultAccount) {
  TempDatabasePath file;
  write_version_1_file(file.path());
  Database database(file.path());
  ASSERT_EQ(database.schema_version(), 1);
  EXPECT_EQ(database.migrate(), Database::latest_schema_version() - 1);
  EXPECT_EQ(database.schema_version(), Database::latest_schema_version());
  EXPECT_TRUE(database.check_integrity().empty());
  Statement foreign_keys = database.prepare("PRAGMA foreign_key_check");
  EXPECT_FALSE(foreign_keys.step()) << "no row violates a foreign key";

  AccountStore accounts(database);
  std::vector<Account> all = accounts.list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, kDefaultAccountId);
  EXPECT_EQ(all[0].name, "default");
  EXPECT_EQ(all[0].markup_ppm, 1'000'000);
  EXPECT_FALSE(all[0].disabled);
  EXPECT_GT(all[0].created_at_ms, 1'600'000'000'000);

  std::vector<StoredKey> keys = accounts.list_keys(kDefaultAccountId, /*include_revoked=*/true);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].id, 7);
  EXPECT_EQ(keys[0].prefix, "tg-Aaaaaaaa");
  EXPECT_EQ(keys[0].name, "ci");
  EXPECT_EQ(keys[0].created_at_ms, 1'700'000'000'001);
  EXPECT_EQ(keys[0].updated_at_ms, 1'700'000'000'001);
  EXPECT_EQ(keys[0].last_used_at_ms, 1'700'000'000'500);
  EXPECT_EQ(keys[0].policy, KeyPolicy{});
  EXPECT_FALSE(keys[0].has_secret);
  EXPECT_EQ(keys[1].revoked_at_ms, 1'700'000'000'900);
  EXPECT_EQ(accounts.list_keys(kDefaultAccountId).size(), 1u) << "revoked keys are left out";

  // Salts and hashes survive the table rebuild byte for byte.
  std::vector<auth::KeyRecord> records = auth::KeyStore(database).load_all();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].salt, (std::vector<uint8_t>{1, 2}));
  EXPECT_EQ(records[0].account_id, kDefaultAccountId);

  Statement usage = database.prepare(
      "SELECT request_id, account_id IS NULL, cache_write_tokens IS NULL, charged_micros IS NULL, "
      "cost_micros FROM usage_log ORDER BY id");
  ASSERT_TRUE(usage.step());
  EXPECT_EQ(usage.column_text(0), "r1");
  EXPECT_EQ(usage.column_int64(1), 1) << "old rows have no account column value";
  EXPECT_EQ(usage.column_int64(2), 1);
  EXPECT_EQ(usage.column_int64(3), 1);
  EXPECT_EQ(usage.column_int64(4), 42);
  ASSERT_TRUE(usage.step());
  EXPECT_FALSE(usage.step());

  EXPECT_EQ(LedgerStore(database).balance(kDefaultAccountId), 0);
  EXPECT_EQ(database.migrate(), 0);
}

TEST(MigrationV2, NewKeysDefaultToTheDefaultAccountAndUnknownAccountsAreRefused) {
  TempDatabasePath file;
  Database database(file.path());
  database.migrate();
  database.exec(
      "INSERT INTO api_keys (prefix, name, salt, hash, created_at) "
      "VALUES ('tg-Cccccccc', 'x', x'00', x'00', 1)");
  Statement owner = database.prepare("SELECT account_id FROM api_keys");
  ASSERT_TRUE(owner.step());
  EXPECT_EQ(owner.column_int64(0), kDefaultAccountId);
  EXPECT_THROW(database.exec("INSERT INTO api_keys (prefix, name, salt, hash, created_at, "
                             "account_id) VALUES ('tg-Dddddddd', 'x', x'00', x'00', 1, 99)"),
               DatabaseError);
  EXPECT_THROW(database.exec("INSERT INTO ledger (account_id, kind, amount_micros, created_at) "
                             "VALUES (99, 'refund', 1, 1)"),
               DatabaseError)
      << "ledger entries need an existing account";
  EXPECT_THROW(database.exec("INSERT INTO ledger (account_id, kind, amount_micros, created_at) "
                             "VALUES (1, 'gift', 1, 1)"),
               DatabaseError)
      << "unknown kinds are refused";
  EXPECT_THROW(database.exec("UPDATE api_keys SET limit_retention = 'year'"), DatabaseError);
}

}  // namespace
}  // namespace tollgate::store
