#include "auth/api_key.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

namespace tollgate::auth {
namespace {

bool all_base62(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

TEST(ApiKey, GeneratedKeyHasTheDocumentedFormat) {
  GeneratedKey key = generate_api_key();
  ASSERT_EQ(key.plaintext.size(), 51u);
  EXPECT_TRUE(key.plaintext.starts_with("tg-"));
  EXPECT_TRUE(all_base62(key.plaintext.substr(3)));
  EXPECT_EQ(key.prefix.size(), 11u);
  EXPECT_EQ(key.prefix, key.plaintext.substr(0, 11));
  EXPECT_EQ(key_prefix(key.plaintext), key.prefix);
}

TEST(ApiKey, GeneratedKeysAreUniqueAndUseTheWholeAlphabet) {
  std::set<std::string> keys;
  std::set<std::string> prefixes;
  std::set<char> characters;
  for (int i = 0; i < 2000; ++i) {
    GeneratedKey key = generate_api_key();
    keys.insert(key.plaintext);
    prefixes.insert(key.prefix);
    characters.insert(key.plaintext.begin() + 3, key.plaintext.end());
  }
  EXPECT_EQ(keys.size(), 2000u);
  EXPECT_EQ(prefixes.size(), 2000u);
  EXPECT_EQ(characters.size(), 62u);  // 96,000 draws: every character appears
}

TEST(ApiKey, MalformedKeysHaveNoPrefix) {
  std::string good = generate_api_key().plaintext;
  EXPECT_TRUE(key_prefix("").empty());
  EXPECT_TRUE(key_prefix("tg-").empty());
  EXPECT_TRUE(key_prefix(good.substr(0, 50)).empty());
  EXPECT_TRUE(key_prefix(good + "x").empty());
  EXPECT_TRUE(key_prefix("sk-" + good.substr(3)).empty());
  std::string with_symbol = good;
  with_symbol[20] = '-';
  EXPECT_TRUE(key_prefix(with_symbol).empty());
  std::string with_nul = good;
  with_nul[30] = '\0';
  EXPECT_TRUE(key_prefix(with_nul).empty());
}

TEST(ApiKey, HashIsSaltedSha256) {
  const std::vector<uint8_t> salt{'a', 'b', 'c'};
  // SHA-256("abc") — the FIPS 180-2 test vector — as salt "abc" plus an empty key.
  KeyHash expected{0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                   0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                   0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  EXPECT_EQ(hash_key(salt, ""), expected);
  EXPECT_EQ(hash_key(std::vector<uint8_t>{'a'}, "bc"), expected);
}

TEST(ApiKey, HashEqualsMatchesOnlyIdenticalHashes) {
  std::vector<uint8_t> salt = generate_salt();
  ASSERT_EQ(salt.size(), kKeySaltBytes);
  std::string key = generate_api_key().plaintext;
  KeyHash stored = hash_key(salt, key);
  EXPECT_TRUE(hash_equals(hash_key(salt, key), stored));

  std::string other_key = key;
  other_key.back() = other_key.back() == 'a' ? 'b' : 'a';
  EXPECT_FALSE(hash_equals(hash_key(salt, other_key), stored));
  EXPECT_FALSE(hash_equals(hash_key(generate_salt(), key), stored)) << "the salt matters";
  KeyHash flipped = stored;
  flipped[31] ^= 1;
  EXPECT_FALSE(hash_equals(flipped, stored));
}

}  // namespace
}  // namespace tollgate::auth
