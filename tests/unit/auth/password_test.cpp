#include "auth/password.hpp"

#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tollgate::auth {
namespace {

// Enough to exercise the code; the default (210,000) is checked once, below.
constexpr int kTestIterations = 1000;

std::string standard_base64(std::string_view bytes) {
  std::string text((bytes.size() + 2) / 3 * 4 + 1, '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                               reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(length));
  return text;
}

struct StoredFields {
  std::string scheme, iterations, salt, hash;
};

StoredFields split_stored(const std::string& stored) {
  StoredFields fields;
  std::size_t a = stored.find('$');
  std::size_t b = stored.find('$', a + 1);
  std::size_t c = stored.find('$', b + 1);
  fields.scheme = stored.substr(0, a);
  fields.iterations = stored.substr(a + 1, b - a - 1);
  fields.salt = stored.substr(b + 1, c - b - 1);
  fields.hash = stored.substr(c + 1);
  return fields;
}

std::string join(const StoredFields& f) {
  return f.scheme + "$" + f.iterations + "$" + f.salt + "$" + f.hash;
}

// ---- policy ----

TEST(PasswordPolicy, LengthBoundariesInBytes) {
  auto short_password = check_password_policy("1234567");
  ASSERT_TRUE(short_password.has_value());
  EXPECT_EQ(short_password->code, "password_too_short");
  EXPECT_EQ(short_password->message, "password must be at least 8 bytes long");
  EXPECT_EQ(check_password_policy("12345678"), std::nullopt);
  EXPECT_EQ(check_password_policy(std::string(1024, 'p')), std::nullopt);
  auto long_password = check_password_policy(std::string(1025, 'p'));
  ASSERT_TRUE(long_password.has_value());
  EXPECT_EQ(long_password->code, "password_too_long");
  EXPECT_EQ(long_password->message, "password must be at most 1024 bytes long");
  // Bytes, not characters: four two-byte characters are long enough.
  EXPECT_EQ(check_password_policy("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), std::nullopt);
  EXPECT_EQ(check_password_policy("")->code, "password_too_short");
}

TEST(PasswordPolicy, WhitespaceOnlyIsRefused) {
  for (std::string_view blank : {"        ", "\t\t\t\t\t\t\t\t", " \t\n\r\v\f  ", "          "}) {
    auto violation = check_password_policy(blank);
    ASSERT_TRUE(violation.has_value());
    EXPECT_EQ(violation->code, "password_blank");
    EXPECT_EQ(violation->message, "password must not consist of whitespace only");
  }
  EXPECT_EQ(check_password_policy("        x"), std::nullopt);
  EXPECT_EQ(check_password_policy(" pass phrase "), std::nullopt);
}

// ---- hashing ----

TEST(Password, StoredFormIsSchemeIterationsSaltAndHash) {
  std::string stored = hash_password("correct horse", kTestIterations);
  StoredFields fields = split_stored(stored);
  EXPECT_EQ(fields.scheme, "pbkdf2-sha256");
  EXPECT_EQ(fields.iterations, "1000");
  EXPECT_EQ(fields.salt.size(), 24u);  // 16 bytes, padded base64
  EXPECT_TRUE(fields.salt.ends_with("=="));
  EXPECT_EQ(fields.hash.size(), 44u);  // 32 bytes
  EXPECT_TRUE(fields.hash.ends_with("="));
}

TEST(Password, DefaultIterationCountIs210000) {
  EXPECT_EQ(split_stored(hash_password("correct horse")).iterations, "210000");
}

TEST(Password, VerifiesTheRightPasswordOnly) {
  std::string stored = hash_password("correct horse battery", kTestIterations);
  EXPECT_TRUE(verify_password("correct horse battery", stored));
  EXPECT_FALSE(verify_password("correct horse batterY", stored));
  EXPECT_FALSE(verify_password("correct horse battery ", stored));
  EXPECT_FALSE(verify_password("correct horse batter", stored));
  EXPECT_FALSE(verify_password("", stored));
}

TEST(Password, SamePasswordGetsADifferentSaltAndHashEachTime) {
  std::set<std::string> salts;
  std::set<std::string> hashes;
  for (int i = 0; i < 20; ++i) {
    std::string stored = hash_password("same password", kTestIterations);
    EXPECT_TRUE(verify_password("same password", stored));
    salts.insert(split_stored(stored).salt);
    hashes.insert(split_stored(stored).hash);
  }
  EXPECT_EQ(salts.size(), 20u);
  EXPECT_EQ(hashes.size(), 20u);
}

TEST(Password, VerifiesAStringBuiltFromTheDocumentedFormat) {
  // Another tool following the header's format must interoperate: PBKDF2-HMAC-SHA256 over the
  // password with the decoded salt and the stated iterations, 32 bytes.
  const std::string salt = "0123456789abcdef";
  unsigned char derived[32];
  ASSERT_EQ(PKCS5_PBKDF2_HMAC("hunter22", 8, reinterpret_cast<const unsigned char*>(salt.data()),
                              16, 4096, EVP_sha256(), 32, derived),
            1);
  std::string stored = "pbkdf2-sha256$4096$" + standard_base64(salt) + "$" +
                       standard_base64({reinterpret_cast<const char*>(derived), 32});
  EXPECT_TRUE(verify_password("hunter22", stored));
  EXPECT_FALSE(verify_password("hunter23", stored));
  StoredFields other_count = split_stored(stored);
  other_count.iterations = "4095";
  EXPECT_FALSE(verify_password("hunter22", join(other_count)));
}

TEST(Password, IterationsOutOfRangeThrow) {
  EXPECT_THROW(hash_password("password", 0), std::invalid_argument);
  EXPECT_THROW(hash_password("password", -1), std::invalid_argument);
  EXPECT_THROW(hash_password("password", kMaxPbkdf2Iterations + 1), std::invalid_argument);
  EXPECT_NO_THROW(hash_password("password", 1));
}

TEST(Password, MalformedStoredStringsNeverVerify) {
  const std::string password = "correct horse";
  const std::string good = hash_password(password, kTestIterations);
  ASSERT_TRUE(verify_password(password, good));
  const StoredFields f = split_stored(good);
  std::string salt_bytes(16, 'S');

  std::vector<std::string> malformed = {
      "",
      "pbkdf2-sha256",
      "pbkdf2-sha256$1000",
      "pbkdf2-sha256$1000$" + f.salt,
      good + "$",
      good + "$extra",
      "$" + good,
      "PBKDF2-SHA256" + good.substr(13),
      "pbkdf2-sha1" + good.substr(13),
      good + " ",
      " " + good,
  };
  for (std::string iterations :
       {"", "0", "01000", "-1000", "+1000", "1000 ", "1e3", "abc", "10000001", "99999999999"}) {
    StoredFields changed = f;
    changed.iterations = iterations;
    malformed.push_back(join(changed));
  }
  for (std::string salt :
       {std::string(), f.salt.substr(0, 22), f.salt.substr(0, 22) + "=", f.salt + "AAAA",
        standard_base64(salt_bytes + "x"), f.salt.substr(0, 20) + " " + f.salt.substr(21),
        f.salt.substr(0, 21) + "B==",  // stray bits before the padding
        f.salt.substr(0, 22) + "A=", "-" + f.salt.substr(1)}) {
    StoredFields changed = f;
    changed.salt = salt;
    malformed.push_back(join(changed));
  }
  for (std::string hash : {std::string(), f.hash.substr(0, 43), f.hash.substr(0, 43) + "A",
                           f.hash + "AAAA", standard_base64(std::string(31, 'h'))}) {
    StoredFields changed = f;
    changed.hash = hash;
    malformed.push_back(join(changed));
  }
  for (const std::string& stored : malformed) {
    EXPECT_FALSE(verify_password(password, stored)) << "'" << stored << "'";
  }
}

}  // namespace
}  // namespace tollgate::auth
