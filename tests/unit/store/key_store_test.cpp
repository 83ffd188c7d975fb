#include "auth/key_store.hpp"

#include "store/sqlite_database.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

namespace tollgate::auth {
namespace {

using testing::TempDatabasePath;

class KeyStoreTest : public ::testing::Test {
 protected:
  KeyStoreTest() : database_(file_.path()) { database_.migrate(); }

  TempDatabasePath file_;
  store::Database database_;
};

TEST_F(KeyStoreTest, CreateStoresOnlyTheSaltedHash) {
  KeyStore keys(database_);
  CreatedKey created = keys.create("ci runner");
  EXPECT_EQ(key_prefix(created.plaintext), created.record.prefix);
  EXPECT_GT(created.record.id, 0);
  EXPECT_EQ(created.record.name, "ci runner");
  EXPECT_EQ(created.record.salt.size(), kKeySaltBytes);
  EXPECT_FALSE(created.record.revoked_at_ms);

  std::vector<KeyRecord> loaded = keys.load_all();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].id, created.record.id);
  EXPECT_EQ(loaded[0].prefix, created.record.prefix);
  EXPECT_EQ(loaded[0].salt, created.record.salt);
  EXPECT_TRUE(hash_equals(loaded[0].hash, hash_key(loaded[0].salt, created.plaintext)));
  EXPECT_EQ(loaded[0].created_at_ms, created.record.created_at_ms);

  // The plaintext secret is nowhere in the file's rows.
  store::Statement any = database_.prepare(
      "SELECT COUNT(*) FROM api_keys WHERE instr(CAST(hash AS TEXT), ?) OR instr(name, ?)");
  any.bind_text(1, created.plaintext).bind_text(2, created.plaintext);
  ASSERT_TRUE(any.step());
  EXPECT_EQ(any.column_int64(0), 0);
}

TEST_F(KeyStoreTest, CreateSealsByokCredentialsForTheDrawnPrefix) {
  const SecretBox box =
      *SecretBox::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const CredentialsToSeal byok{box, {{"openai", "sk-plain-openai"}, {"gemini", "AIza-plain"}}};
  store::KeyPolicy policy;
  policy.regions_json = R"(["eu"])";
  CreatedKey created =
      KeyStore(database_).create(store::kDefaultAccountId, "byok", policy, std::nullopt, &byok);

  std::vector<KeyRecord> loaded = KeyStore(database_).load_all();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].policy.regions_json, R"(["eu"])");
  const SealedCredentials sealed = parse_sealed_credentials(loaded[0].policy.byok_json);
  ASSERT_EQ(sealed.size(), 2u);
  EXPECT_EQ(box.open(sealed.at("openai"), byok_associated_data(created.record.prefix, "openai")),
            "sk-plain-openai")
      << "bound to the key's own prefix";
  EXPECT_EQ(box.open(sealed.at("gemini"), byok_associated_data(created.record.prefix, "gemini")),
            "AIza-plain");

  // The plaintext credentials are nowhere in the rows.
  store::Statement any =
      database_.prepare("SELECT COUNT(*) FROM api_keys WHERE instr(byok, 'plain')");
  ASSERT_TRUE(any.step());
  EXPECT_EQ(any.column_int64(0), 0);
}

TEST_F(KeyStoreTest, CreateRejectsAnEmptyName) {
  KeyStore keys(database_);
  EXPECT_THROW(keys.create(""), std::invalid_argument);
}

TEST_F(KeyStoreTest, ListShowsEveryKeyOldestFirst) {
  KeyStore keys(database_);
  CreatedKey first = keys.create("first");
  CreatedKey second = keys.create("second");
  ASSERT_EQ(keys.revoke(first.record.prefix), RevokeOutcome::revoked);

  std::vector<KeyInfo> listed = keys.list();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].prefix, first.record.prefix);
  EXPECT_EQ(listed[0].name, "first");
  EXPECT_TRUE(listed[0].revoked_at_ms);
  EXPECT_EQ(listed[1].prefix, second.record.prefix);
  EXPECT_FALSE(listed[1].revoked_at_ms);
  EXPECT_FALSE(listed[1].last_used_at_ms);
}

TEST_F(KeyStoreTest, RevokeReportsUnknownAndRepeatedRevocations) {
  KeyStore keys(database_);
  CreatedKey created = keys.create("temp");
  EXPECT_EQ(keys.revoke("tg-NoSuchKy"), RevokeOutcome::not_found);
  EXPECT_EQ(keys.revoke(created.record.prefix), RevokeOutcome::revoked);
  EXPECT_EQ(keys.revoke(created.record.prefix), RevokeOutcome::already_revoked);
  EXPECT_EQ(to_string(RevokeOutcome::not_found), "no key with this prefix");

  std::vector<KeyRecord> loaded = keys.load_all();
  ASSERT_EQ(loaded.size(), 1u);
  ASSERT_TRUE(loaded[0].revoked_at_ms);
  EXPECT_GE(*loaded[0].revoked_at_ms, loaded[0].created_at_ms);
}

}  // namespace
}  // namespace tollgate::auth
