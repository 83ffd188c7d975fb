// SecretBox: AES-256-GCM checked against the published test vectors (McGrew and Viega's GCM
// specification, test cases 13, 14 and 16, the AES-256 cases with a 96-bit IV — also in NIST's
// CAVP set), with the envelope built by an independent base64url encoder; then round trips and
// every way a sealed value must fail to open.
#include "auth/secret_box.hpp"

#include "jwt_test_support.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tollgate::auth {
namespace {

using testing::independent_base64url;

std::string from_hex(std::string_view hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

SecretBox::Nonce nonce_from_hex(std::string_view hex) {
  const std::string bytes = from_hex(hex);
  SecretBox::Nonce nonce{};
  for (std::size_t i = 0; i < nonce.size() && i < bytes.size(); ++i) {
    nonce[i] = static_cast<uint8_t>(bytes[i]);
  }
  return nonce;
}

struct GcmVector {
  std::string_view key, iv, plaintext, aad, ciphertext, tag;
};

constexpr GcmVector kVectors[] = {
    // Test case 13: empty plaintext, no associated data: the tag alone.
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    // Test case 14: one zero block.
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    // Test case 16: 60 bytes of plaintext and 20 of associated data.
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b"
     "525b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10568"
     "28838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

constexpr std::string_view kMasterKey =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kAad = "tollgate-byok:tg-AbC12xYz:openai";

SecretBox test_box(std::string_view hex = kMasterKey) {
  return *SecretBox::from_hex(hex);
}

TEST(SecretBox, IsAes256GcmByThePublishedTestVectors) {
  for (const GcmVector& vector : kVectors) {
    const SecretBox box = test_box(vector.key);
    const std::string plaintext = from_hex(vector.plaintext);
    const std::string aad = from_hex(vector.aad);
    const std::string expected =
        "v1." + independent_base64url(from_hex(vector.iv) + from_hex(vector.ciphertext) +
                                      from_hex(vector.tag));
    EXPECT_EQ(box.seal_with_nonce(plaintext, aad, nonce_from_hex(vector.iv)), expected)
        << "key " << vector.key;
    EXPECT_EQ(box.open(expected, aad), plaintext) << "key " << vector.key;
  }
}

TEST(SecretBox, OpensWhatItSealed) {
  const SecretBox box = test_box();
  for (std::string plaintext :
       {std::string("sk-proj-abc123"), std::string(), std::string(5000, 'x'),
        std::string("bytes \0\x01\xff and text", 18)}) {
    const std::string sealed = box.seal(plaintext, kAad);
    EXPECT_TRUE(sealed.starts_with("v1."));
    if (!plaintext.empty()) {
      EXPECT_EQ(sealed.find(plaintext), std::string::npos);
    }
    EXPECT_EQ(box.open(sealed, kAad), plaintext);
  }
  EXPECT_EQ(box.open(box.seal("no associated data", ""), ""), "no associated data");
}

TEST(SecretBox, EverySealDrawsAFreshNonce) {
  const SecretBox box = test_box();
  std::set<std::string> sealed_values;
  std::set<std::string> nonces;
  for (int i = 0; i < 1000; ++i) {
    const std::string sealed = box.seal("the same credential", kAad);
    sealed_values.insert(sealed);
    nonces.insert(sealed.substr(3, 16));  // 16 base64url characters = the 12 nonce bytes
  }
  EXPECT_EQ(sealed_values.size(), 1000u);
  EXPECT_EQ(nonces.size(), 1000u);
}

TEST(SecretBox, RefusesAnyChangedCharacter) {
  const SecretBox box = test_box();
  const std::string sealed = box.seal("sk-ant-api03-secret", kAad);
  ASSERT_TRUE(box.open(sealed, kAad));
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    // Two replacements per position: a neighbour in the alphabet (often a one-bit change of the
    // decoded bytes, the stray low bits of the last character included) and a far one.
    for (char replacement : {static_cast<char>(sealed[i] ^ 1), sealed[i] == 'A' ? 'z' : 'A'}) {
      std::string changed = sealed;
      changed[i] = replacement;
      EXPECT_FALSE(box.open(changed, kAad)) << "position " << i << " -> " << replacement;
    }
  }
  EXPECT_FALSE(box.open(sealed.substr(0, sealed.size() - 1), kAad)) << "truncated";
  EXPECT_FALSE(box.open(sealed.substr(0, sealed.size() - 4), kAad)) << "tag shortened";
  EXPECT_FALSE(box.open(sealed + "A", kAad)) << "extended";
  EXPECT_FALSE(box.open(sealed + "AAAA", kAad)) << "extended by whole bytes";
}

TEST(SecretBox, RefusesOtherAssociatedData) {
  const SecretBox box = test_box();
  const std::string sealed = box.seal("sk-secret", "tollgate-byok:tg-AbC12xYz:openai");
  EXPECT_FALSE(box.open(sealed, "tollgate-byok:tg-Zzzzzzzz:openai")) << "another key";
  EXPECT_FALSE(box.open(sealed, "tollgate-byok:tg-AbC12xYz:anthropic")) << "another provider";
  EXPECT_FALSE(box.open(sealed, ""));
}

TEST(SecretBox, RefusesAValueSealedWithAnotherKey) {
  const std::string sealed = test_box().seal("sk-secret", kAad);
  const SecretBox other =
      test_box("100102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  EXPECT_FALSE(other.open(sealed, kAad));
}

TEST(SecretBox, RefusesMalformedValues) {
  const SecretBox box = test_box();
  const std::string sealed = box.seal("sk-secret", kAad);
  const std::string body = sealed.substr(3);
  EXPECT_FALSE(box.open("", kAad));
  EXPECT_FALSE(box.open("v1.", kAad));
  EXPECT_FALSE(box.open(body, kAad)) << "no version";
  EXPECT_FALSE(box.open("v2." + body, kAad)) << "unknown version";
  EXPECT_FALSE(box.open("v1." + body + "=", kAad)) << "padding is not base64url's";
  EXPECT_FALSE(box.open("v1." + body.substr(0, 36), kAad)) << "27 bytes: shorter than nonce + tag";
  EXPECT_FALSE(box.open("sk-secret", kAad));
}

TEST(SecretBox, TakesAMasterKeyOf64HexDigitsOnly) {
  EXPECT_TRUE(SecretBox::from_hex(kMasterKey));
  const SecretBox upper =
      test_box("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  EXPECT_EQ(upper.open(test_box().seal("x", kAad), kAad), "x") << "hex digits in either case";
  EXPECT_FALSE(SecretBox::from_hex(""));
  EXPECT_FALSE(SecretBox::from_hex(kMasterKey.substr(1)));
  EXPECT_FALSE(SecretBox::from_hex(std::string(kMasterKey) + "0"));
  EXPECT_FALSE(SecretBox::from_hex(std::string(kMasterKey.substr(2)) + "0g"));
  EXPECT_FALSE(SecretBox::from_hex(std::string(kMasterKey.substr(2)) + " 0"));
  EXPECT_FALSE(SecretBox::from_hex("0x" + std::string(kMasterKey.substr(2))));
}

}  // namespace
}  // namespace tollgate::auth
