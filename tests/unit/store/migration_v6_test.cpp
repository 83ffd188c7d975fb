// Migration 6 (the keys version in change_versions, moved on by triggers on api_keys and
// accounts): applied to a fresh file and to a file as version 5 left it, keys kept. Every change
// the key cache would see moves the version; the usage writer's and the ledger's commits do not,
// so the key refresher stops reloading every key after each usage batch.
#include "auth/key_store.hpp"
#include "billing/usage_writer.hpp"
#include "schema_rollback.hpp"
#include "store/accounts.hpp"
#include "store/ledger.hpp"
#include "store/sqlite_database.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace tollgate::store {
namespace {

using testing::TempDatabasePath;

int64_t keys_version(Database& database) {
  return auth::KeyStore(database).version();
}

TEST(MigrationV6, AFreshFileStartsTheKeysVersionAtZero) {
  TempDatabasePath file;
  Database database(file.path());
  database.migrate();
  EXPECT_EQ(keys_version(database), 0) << "the default account predates the triggers";
  Statement rows = database.prepare("SELECT COUNT(*) FROM change_versions");
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.column_int64(0), 1) << "one row: each trigger updates one row";
}

TEST(MigrationV6, UpgradesAVersion5FileKeepingItsKeys) {
  TempDatabasePath file;
  std::string kept_prefix;
  std::string revoked_prefix;
  {
    Database version_5(file.path());
    version_5.migrate();
    testing::roll_back_to(version_5, 5);
    const int64_t acme = AccountStore(version_5).create({.name = "acme"}).account.id;
    auth::KeyStore keys(version_5);
    kept_prefix = keys.create(acme, "kept", KeyPolicy{.regions_json = R"(["eu"])"}).record.prefix;
    revoked_prefix = keys.create("revoked").record.prefix;
    ASSERT_EQ(keys.revoke(revoked_prefix), auth::RevokeOutcome::revoked);
  }
  Database database(file.path());
  ASSERT_EQ(database.schema_version(), 5);
  EXPECT_EQ(database.migrate(), Database::latest_schema_version() - 5);
  EXPECT_EQ(database.schema_version(), Database::latest_schema_version());
  EXPECT_TRUE(database.check_integrity().empty());

  auth::KeyStore keys(database);
  EXPECT_EQ(keys.version(), 0);
  std::vector<auth::KeyRecord> records = keys.load_all();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].prefix, kept_prefix);
  EXPECT_EQ(records[0].policy.regions_json, R"(["eu"])");
  EXPECT_EQ(records[1].prefix, revoked_prefix);
  EXPECT_TRUE(records[1].revoked_at_ms);

  AccountStore(database).update_key(kept_prefix, {.disabled = true});
  EXPECT_EQ(keys.version(), 1) << "the triggers work on the upgraded file";
  EXPECT_EQ(database.migrate(), 0);
}

TEST(MigrationV6, EveryChangeToKeysOrAccountsMovesTheKeysVersion) {
  TempDatabasePath file;
  Database database(file.path());
  database.migrate();
  AccountStore accounts(database);
  auth::KeyStore keys(database);
  const auto moves_the_version = [&](const std::function<void()>& change) {
    const int64_t before = keys_version(database);
    change();
    return keys_version(database) > before;
  };
  int64_t account = 0;
  std::string prefix;
  EXPECT_TRUE(moves_the_version([&] { account = accounts.create({.name = "acme"}).account.id; }));
  EXPECT_TRUE(
      moves_the_version([&] { prefix = keys.create(account, "ci", KeyPolicy{}).record.prefix; }));
  EXPECT_TRUE(moves_the_version([&] {
    accounts.update_key(prefix, {.scopes_json = R"(["chat"])"});
  })) << "key policy";
  EXPECT_TRUE(moves_the_version([&] { accounts.update_key(prefix, {.byok_json = "{}"}); }))
      << "BYOK credentials";
  EXPECT_TRUE(moves_the_version([&] { accounts.update(account, {.markup_ppm = 1'200'000}); }))
      << "account markup";
  EXPECT_TRUE(moves_the_version([&] { accounts.update(account, {.disabled = true}); }))
      << "account disabled";
  EXPECT_TRUE(moves_the_version([&] {
    accounts.update(account, {.rate_limits_json = R"({"rpm":5})"});
  })) << "account rate limits";
  EXPECT_TRUE(moves_the_version([&] { keys.revoke(prefix); }));
  EXPECT_TRUE(moves_the_version([&] { database.exec("DELETE FROM api_keys"); }));
  EXPECT_TRUE(
      moves_the_version([&] { database.exec("DELETE FROM accounts WHERE name = 'acme'"); }));

  EXPECT_FALSE(moves_the_version([&] { keys.revoke(prefix); })) << "no row changed";
}

TEST(MigrationV6, UsageAndLedgerCommitsLeaveTheKeysVersion) {
  TempDatabasePath file;
  Database database(file.path());
  database.migrate();
  const std::string prefix = auth::KeyStore(database).create("ci").record.prefix;
  const int64_t version = keys_version(database);
  const int64_t data_version = database.data_version();

  billing::UsageRecord usage;
  usage.request_id = "r1";
  usage.created_at_ms = 1'700'000'000'000;
  usage.key_prefix = prefix;
  usage.public_model = "gpt";
  usage.account_id = kDefaultAccountId;
  usage.cost_micros = 10;
  usage.charged_micros = 10;
  usage.charge_in_batch = true;  // a settle row in the ledger, as with billing on
  usage.status = 200;
  {
    billing::UsageWriter writer(file.path());
    ASSERT_TRUE(writer.submit(usage));
  }  // stopping writes it
  ASSERT_TRUE(LedgerStore(database)
                  .top_up(kDefaultAccountId, 1'000'000, "invoice-1", "top-up", "cli")
                  .created());

  EXPECT_NE(database.data_version(), data_version) << "the writer committed";
  Statement entries = database.prepare("SELECT COUNT(*) FROM ledger");
  ASSERT_TRUE(entries.step());
  EXPECT_EQ(entries.column_int64(0), 2) << "the batch's settle row and the top-up";
  EXPECT_EQ(keys_version(database), version);
}

}  // namespace
}  // namespace tollgate::store
