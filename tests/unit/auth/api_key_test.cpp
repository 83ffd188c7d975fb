#include "auth/api_key.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tollgate::auth {
namespace {

bool is_base62_one_by_one(std::string_view text) {
  for (char c : text) {
    const bool base62 = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!base62) return false;
  }
  return true;
}

TEST(ApiKey, GeneratedKeysAreWellFormedAndTheirPrefixIsFound) {
  for (int round = 0; round < 100; ++round) {
    const GeneratedKey key = generate_api_key();
    ASSERT_EQ(key.plaintext.size(), kKeyLength);
    EXPECT_TRUE(is_base62(std::string_view(key.plaintext).substr(kKeyScheme.size())));
    EXPECT_EQ(key_prefix(key.plaintext), key.prefix);
  }
}

TEST(ApiKey, APrefixIsOnlyFoundInAWellFormedKey) {
  const std::string key = generate_api_key().plaintext;
  EXPECT_EQ(key_prefix(key.substr(1)), "");         // too short
  EXPECT_EQ(key_prefix(key + "a"), "");             // too long
  EXPECT_EQ(key_prefix("tx" + key.substr(2)), "");  // another scheme
  for (std::size_t at = kKeyScheme.size(); at < key.size(); ++at) {
    for (const char bad :
         {'-', '_', '.', ' ', '\0', '/', ':', '@', '[', '`', '{', '\x80', '\xFF'}) {
      std::string forged = key;
      forged[at] = bad;
      EXPECT_EQ(key_prefix(forged), "") << "'" << bad << "' at " << at;
    }
  }
}

TEST(ApiKey, Base62AgreesWithACharacterByCharacterCheckOnEveryByteAtEveryPosition) {
  for (std::size_t size = 0; size <= 40; ++size) {
    for (std::size_t at = 0; at < std::max<std::size_t>(size, 1); ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string text(size, 'Q');
        if (size > 0) text[at] = static_cast<char>(byte);
        ASSERT_EQ(is_base62(text), is_base62_one_by_one(text))
            << "size " << size << ", byte " << byte << " at " << at;
      }
    }
  }
}

TEST(ApiKey, ConstantTimeEqualsFindsADifferenceInAnyBitOfAnyByte) {
  for (std::size_t size = 0; size <= 40; ++size) {
    const std::string text(size, 'k');
    EXPECT_TRUE(constant_time_equals(text, std::string(size, 'k')));
    for (std::size_t at = 0; at < size; ++at) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string other = text;
        other[at] = static_cast<char>(other[at] ^ (1 << bit));
        ASSERT_FALSE(constant_time_equals(text, other))
            << "size " << size << ", bit " << bit << " of byte " << at;
      }
    }
  }
  EXPECT_FALSE(constant_time_equals("abc", "abcd"));  // a size differs: not equal
  EXPECT_FALSE(constant_time_equals("", "a"));
}

TEST(ApiKey, HashesAreEqualOnlyWhenEveryByteIs) {
  const std::vector<uint8_t> salt = generate_salt();
  const KeyHash hash = hash_key(salt, "tg-key");
  EXPECT_TRUE(hash_equals(hash, hash_key(salt, "tg-key")));
  EXPECT_FALSE(hash_equals(hash, hash_key(salt, "tg-kez")));
  KeyHash last_byte = hash;
  last_byte[31] ^= 1;
  EXPECT_FALSE(hash_equals(hash, last_byte));
}

}  // namespace
}  // namespace tollgate::auth
