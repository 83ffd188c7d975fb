#include "store/accounts.hpp"

#include "auth/credentials.hpp"

#include "auth/key_cache.hpp"
#include "auth/key_store.hpp"
#include "store/sqlite_database.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tollgate::store {
namespace {

using testing::TempDatabasePath;

class AccountStoreTest : public ::testing::Test {
 protected:
  AccountStoreTest() : database_(file_.path()), accounts_(database_) { database_.migrate(); }

  static NewKeyRow key_row(int64_t account, const std::string& prefix) {
    return {.account_id = account,
            .prefix = prefix,
            .name = "key " + prefix,
            .key = {.salt = {1, 2, 3}, .hash = std::vector<uint8_t>(32, 7)}};
  }

  TempDatabasePath file_;
  Database database_;
  AccountStore accounts_;
};

TEST_F(AccountStoreTest, CreateAndFindByIdNameAndEmail) {
  AccountResult created = accounts_.create({.name = "acme",
                                            .email = "Ops@Acme.test",
                                            .password_hash = "pbkdf2$x",
                                            .markup_ppm = 1'200'000});
  ASSERT_TRUE(created.ok());
  const Account& acme = created.account;
  EXPECT_GT(acme.id, kDefaultAccountId);
  EXPECT_EQ(acme.name, "acme");
  EXPECT_EQ(acme.email, "Ops@Acme.test");
  EXPECT_EQ(acme.password_hash, "pbkdf2$x");
  EXPECT_EQ(acme.markup_ppm, 1'200'000);
  EXPECT_FALSE(acme.disabled);
  EXPECT_GT(acme.created_at_ms, 0);
  EXPECT_EQ(acme.updated_at_ms, acme.created_at_ms);

  EXPECT_EQ(accounts_.find(acme.id), acme);
  EXPECT_EQ(accounts_.find_by_name("acme"), acme);
  EXPECT_EQ(accounts_.find_by_email("ops@acme.TEST"), acme) << "email ignores ASCII case";
  EXPECT_EQ(accounts_.find(999), std::nullopt);
  EXPECT_EQ(accounts_.find_by_name("ACME"), std::nullopt) << "names are exact";

  AccountResult plain = accounts_.create({.name = "plain"});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain.account.email, std::nullopt);
  EXPECT_EQ(plain.account.markup_ppm, kIdentityMarkupPpm);
  std::vector<Account> all = accounts_.list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "default");
  EXPECT_EQ(all[2].name, "plain");
}

TEST_F(AccountStoreTest, CreateRefusesTakenNamesAndEmails) {
  ASSERT_TRUE(accounts_.create({.name = "acme", .email = "a@x.test"}).ok());
  EXPECT_EQ(accounts_.create({.name = "acme"}).problem, AccountProblem::name_taken);
  EXPECT_EQ(accounts_.create({.name = "other", .email = "A@X.test"}).problem,
            AccountProblem::email_taken);
  EXPECT_EQ(accounts_.create({.name = "default"}).problem, AccountProblem::name_taken);
  EXPECT_EQ(to_string(AccountProblem::email_taken), "an account with this email already exists");
  EXPECT_THROW(accounts_.create({.name = ""}), std::invalid_argument);
  EXPECT_THROW(accounts_.create({.name = "n", .markup_ppm = -1}), std::invalid_argument);
  EXPECT_EQ(accounts_.list().size(), 2u);
}

TEST_F(AccountStoreTest, UpdateChangesOnlyTheGivenFields) {
  Account acme = accounts_.create({.name = "acme", .email = "a@x.test"}).account;
  AccountResult updated =
      accounts_.update(acme.id, {.disabled = true, .markup_ppm = 900'000, .password_hash = "h2"});
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated.account.name, "acme");
  EXPECT_EQ(updated.account.email, "a@x.test");
  EXPECT_TRUE(updated.account.disabled);
  EXPECT_EQ(updated.account.markup_ppm, 900'000);
  EXPECT_EQ(updated.account.password_hash, "h2");
  EXPECT_GE(updated.account.updated_at_ms, acme.updated_at_ms);

  EXPECT_TRUE(accounts_.update(acme.id, {.name = "acme"}).ok()) << "its own name is not taken";
  EXPECT_TRUE(accounts_.update(acme.id, {.name = "acme-2"}).ok());
  EXPECT_EQ(accounts_.find(acme.id)->name, "acme-2");
  EXPECT_EQ(accounts_.update(acme.id, {.name = "default"}).problem, AccountProblem::name_taken);
  EXPECT_EQ(accounts_.update(999, {.disabled = false}).problem, AccountProblem::not_found);
  EXPECT_THROW(accounts_.update(acme.id, {.name = ""}), std::invalid_argument);
}

TEST_F(AccountStoreTest, RateLimitsAreStoredSetAndCleared) {
  Account acme = accounts_.create({.name = "acme", .rate_limits_json = R"({"rpm":600})"}).account;
  EXPECT_EQ(acme.rate_limits_json, R"({"rpm":600})");
  EXPECT_EQ(accounts_.find(acme.id)->rate_limits_json, R"({"rpm":600})");
  EXPECT_EQ(accounts_.create({.name = "plain"}).account.rate_limits_json, std::nullopt);

  AccountResult updated = accounts_.update(
      acme.id, {.rate_limits_json = std::optional<std::string>(R"({"tpm":100000})")});
  EXPECT_EQ(updated.account.rate_limits_json, R"({"tpm":100000})");
  EXPECT_EQ(accounts_.update(acme.id, {.disabled = false}).account.rate_limits_json,
            R"({"tpm":100000})")
      << "not given: unchanged";
  updated = accounts_.update(acme.id, {.rate_limits_json = std::optional<std::string>()});
  EXPECT_EQ(updated.account.rate_limits_json, std::nullopt);

  // The keys carry their account's limits to the key cache.
  accounts_.update(acme.id, {.rate_limits_json = std::optional<std::string>(R"({"rpm":7})")});
  accounts_.insert_key(key_row(acme.id, "tg-Kkkkkkkk"));
  std::vector<auth::KeyRecord> loaded = auth::KeyStore(database_).load_all();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].account_rate_limits_json, R"({"rpm":7})");
}

TEST_F(AccountStoreTest, KeyRegionsAndByokAreStoredSetAndCleared) {
  NewKeyRow row = key_row(kDefaultAccountId, "tg-Kkkkkkkk");
  row.policy.regions_json = R"(["eu"])";
  row.policy.byok_json = R"({"openai":"v1.sealed"})";
  EXPECT_EQ(accounts_.insert_key(row).policy, row.policy);

  std::optional<StoredKey> updated = accounts_.update_key(
      "tg-Kkkkkkkk", {.regions_json = std::optional<std::string>(R"(["us","eu"])")});
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->policy.regions_json, R"(["us","eu"])");
  EXPECT_EQ(updated->policy.byok_json, R"({"openai":"v1.sealed"})") << "not given: unchanged";
  updated = accounts_.update_key("tg-Kkkkkkkk", {.regions_json = std::optional<std::string>(),
                                                 .byok_json = std::optional<std::string>()});
  EXPECT_EQ(updated->policy.regions_json, std::nullopt);
  EXPECT_EQ(updated->policy.byok_json, std::nullopt);

  std::vector<auth::KeyRecord> loaded = auth::KeyStore(database_).load_all();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].policy, updated->policy);
}

TEST_F(AccountStoreTest, KeysStoreEveryPolicyFieldAndListPerAccount) {
  const int64_t acme = accounts_.create({.name = "acme"}).account.id;
  NewKeyRow row = key_row(acme, "tg-Kkkkkkkk");
  row.secret = SaltedHash{{9}, std::vector<uint8_t>(32, 8)};
  row.policy = {.disabled = false,
                .scopes_json = R"(["openai.chat"])",
                .allowed_models_json = R"(["gpt-4o"])",
                .limit_threshold_micros = 5'000'000,
                .limit_retention = "month",
                .expires_at_ms = 1'900'000'000'000,
                .rate_limits_json = R"({"rpm":60})"};
  StoredKey stored = accounts_.insert_key(row);
  EXPECT_GT(stored.id, 0);
  EXPECT_EQ(stored.prefix, "tg-Kkkkkkkk");
  EXPECT_EQ(stored.name, "key tg-Kkkkkkkk");
  EXPECT_EQ(stored.account_id, acme);
  EXPECT_EQ(stored.policy, row.policy);
  EXPECT_TRUE(stored.has_secret);
  EXPECT_GT(stored.created_at_ms, 0);
  EXPECT_EQ(stored.updated_at_ms, stored.created_at_ms);
  EXPECT_EQ(stored.revoked_at_ms, std::nullopt);

  accounts_.insert_key(key_row(kDefaultAccountId, "tg-Dddddddd"));
  std::vector<StoredKey> acme_keys = accounts_.list_keys(acme);
  ASSERT_EQ(acme_keys.size(), 1u);
  EXPECT_EQ(acme_keys[0].prefix, "tg-Kkkkkkkk");
  EXPECT_FALSE(accounts_.list_keys(kDefaultAccountId)[0].has_secret);

  EXPECT_THROW(accounts_.insert_key(key_row(acme, "tg-Kkkkkkkk")), DatabaseError) << "prefix taken";
  EXPECT_THROW(accounts_.insert_key(key_row(404, "tg-Nnnnnnnn")), std::invalid_argument);
  NewKeyRow bad = key_row(acme, "tg-Bbbbbbbb");
  bad.policy.limit_retention = "year";
  EXPECT_THROW(accounts_.insert_key(bad), std::invalid_argument);
}

TEST_F(AccountStoreTest, UpdateKeySetsClearsAndLeavesFields) {
  const int64_t acme = accounts_.create({.name = "acme"}).account.id;
  NewKeyRow row = key_row(acme, "tg-Kkkkkkkk");
  row.policy.allowed_models_json = R"(["a"])";
  row.policy.limit_threshold_micros = 100;
  row.policy.limit_retention = "day";
  accounts_.insert_key(row);

  std::optional<StoredKey> updated = accounts_.update_key(
      "tg-Kkkkkkkk", {.name = "renamed",
                      .disabled = true,
                      .allowed_models_json = std::optional<std::string>{},  // clear: all models
                      .limit_threshold_micros = std::optional<int64_t>{250}});
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->name, "renamed");
  EXPECT_TRUE(updated->policy.disabled);
  EXPECT_EQ(updated->policy.allowed_models_json, std::nullopt);
  EXPECT_EQ(updated->policy.limit_threshold_micros, 250);
  EXPECT_EQ(updated->policy.limit_retention, "day") << "not given: unchanged";

  EXPECT_EQ(accounts_.update_key("tg-Kkkkkkkk", {.disabled = false}, kDefaultAccountId),
            std::nullopt)
      << "another account's key is not found";
  EXPECT_TRUE(accounts_.find_key("tg-Kkkkkkkk", acme)->policy.disabled);
  EXPECT_EQ(accounts_.update_key("tg-Missing0", {.disabled = false}), std::nullopt);
  EXPECT_THROW(accounts_.update_key("tg-Kkkkkkkk",
                                    {.limit_retention = std::optional<std::string>{"hourly"}}),
               std::invalid_argument);
}

TEST_F(AccountStoreTest, DeleteKeyRevokesOnceAndRespectsTheOwner) {
  const int64_t acme = accounts_.create({.name = "acme"}).account.id;
  accounts_.insert_key(key_row(acme, "tg-Kkkkkkkk"));
  EXPECT_EQ(accounts_.delete_key("tg-Kkkkkkkk", kDefaultAccountId), KeyDeleteOutcome::not_found);
  EXPECT_EQ(accounts_.delete_key("tg-Kkkkkkkk", acme), KeyDeleteOutcome::revoked);
  EXPECT_EQ(accounts_.delete_key("tg-Kkkkkkkk"), KeyDeleteOutcome::already_revoked);
  EXPECT_EQ(accounts_.delete_key("tg-Missing0"), KeyDeleteOutcome::not_found);
  EXPECT_TRUE(accounts_.list_keys(acme).empty());
  std::vector<StoredKey> all = accounts_.list_keys(acme, /*include_revoked=*/true);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].revoked_at_ms);
}

TEST_F(AccountStoreTest, KeyStoreCreatesKeysForAnAccountThatAuthenticate) {
  const int64_t acme = accounts_.create({.name = "acme"}).account.id;
  auth::KeyStore keys(database_);
  KeyPolicy policy{.allowed_models_json = R"(["m"])", .limit_retention = "week"};
  const std::string secret = auth::generate_key_secret();
  const std::vector<uint8_t> secret_salt{1, 2};
  const auth::KeyHash secret_hash = auth::hash_key_secret(secret, secret_salt);
  auth::CreatedKey created = keys.create(
      acme, "acme ci", policy,
      SaltedHash{secret_salt, std::vector<uint8_t>(secret_hash.begin(), secret_hash.end())});
  EXPECT_EQ(created.record.account_id, acme);
  EXPECT_EQ(created.record.policy, policy);
  ASSERT_TRUE(created.record.secret);

  std::vector<auth::KeyRecord> loaded = keys.load_all();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].account_id, acme);
  EXPECT_EQ(loaded[0].policy, policy);
  ASSERT_TRUE(loaded[0].secret);
  EXPECT_EQ(loaded[0].secret->salt, (std::vector<uint8_t>{1, 2}));
  auth::KeyCache cache;
  cache.reload(std::move(loaded));
  auto without_secret = cache.authenticate(created.plaintext, "", 0);
  ASSERT_TRUE(std::holds_alternative<auth::KeyRefusal>(without_secret));
  EXPECT_EQ(std::get<auth::KeyRefusal>(without_secret), auth::KeyRefusal::secret_required);
  EXPECT_FALSE(cache.authenticate(created.plaintext)) << "the key alone is not enough";
  auto with_secret = cache.authenticate(created.plaintext, secret, 0);
  ASSERT_TRUE(std::holds_alternative<auth::KeyHandle>(with_secret));
  const auto& key = *std::get<auth::KeyHandle>(with_secret);
  EXPECT_EQ(key.account_id, acme);
  EXPECT_EQ(key.allowed_models, (std::vector<std::string>{"m"}));
  EXPECT_EQ(key.limit_retention, "week");
  EXPECT_EQ(std::get<auth::KeyRefusal>(cache.authenticate(created.plaintext, "tgs_wrong", 0)),
            auth::KeyRefusal::unknown);

  EXPECT_EQ(keys.create("legacy").record.account_id, kDefaultAccountId);
  EXPECT_THROW(keys.create(404, "x", {}), std::invalid_argument);
}

}  // namespace
}  // namespace tollgate::store
