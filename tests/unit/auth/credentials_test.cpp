#include "auth/credentials.hpp"

#include "auth/jwt.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <set>
#include <string>

namespace tollgate::auth {
namespace {

constexpr std::string_view kMixed =
    "several different credentials were presented; pick exactly one per request";

PresentedCredential parse(CredentialSources sources) {
  return parse_presented_credential(sources);
}

PresentedCredential bearer(std::string_view authorization) {
  return parse({.authorization = authorization});
}

void expect_api_key(const PresentedCredential& credential, std::string_view key) {
  EXPECT_EQ(credential.kind, CredentialKind::api_key) << credential.problem;
  EXPECT_EQ(credential.key, key);
  EXPECT_TRUE(credential.secret.empty());
  EXPECT_TRUE(credential.token.empty());
}

void expect_key_and_secret(const PresentedCredential& credential, std::string_view key,
                           std::string_view secret) {
  EXPECT_EQ(credential.kind, CredentialKind::key_and_secret) << credential.problem;
  EXPECT_EQ(credential.key, key);
  EXPECT_EQ(credential.secret, secret);
}

void expect_malformed(const PresentedCredential& credential, std::string_view problem) {
  EXPECT_EQ(credential.kind, CredentialKind::malformed);
  EXPECT_EQ(credential.problem, problem);
  EXPECT_TRUE(credential.key.empty());
  EXPECT_TRUE(credential.secret.empty());
  EXPECT_TRUE(credential.token.empty());
}

// ---- single sources ----

TEST(Credentials, NothingPresentedIsNone) {
  EXPECT_EQ(parse({}).kind, CredentialKind::none);
  EXPECT_EQ(parse({.query = "alt=sse&model=x"}).kind, CredentialKind::none);
  EXPECT_EQ(parse({.x_api_key = "  "}).kind, CredentialKind::none);
}

TEST(Credentials, BearerApiKey) {
  expect_api_key(bearer("Bearer tg-abc"), "tg-abc");
  expect_api_key(bearer("bearer tg-abc"), "tg-abc");  // the scheme is case-insensitive
  expect_api_key(bearer("BEARER   tg-abc  "), "tg-abc");
  expect_api_key(bearer("Bearer\ttg-abc"), "tg-abc");
  expect_api_key(bearer("Bearer \t tg-abc\t "), "tg-abc");
  expect_api_key(bearer("Bearer a.b"), "a.b");          // one dot: not a JWT
  expect_api_key(bearer("Bearer a.b.c.d"), "a.b.c.d");  // three dots: not a JWT
  expect_api_key(bearer("Bearer a.b+.c"), "a.b+.c");    // '+' is not base64url
}

TEST(Credentials, BearerJwt) {
  std::string token = issue_jwt(JwtClaims{"1", 0, 10, {}, {}}, std::string(32, 's'));
  std::string header = "Bearer " + token;
  PresentedCredential credential = bearer(header);
  EXPECT_EQ(credential.kind, CredentialKind::jwt);
  EXPECT_EQ(credential.token, token);
  EXPECT_TRUE(credential.key.empty());
  // The view points into the header: nothing is copied.
  EXPECT_EQ(credential.token.data(), header.data() + 7);

  EXPECT_EQ(bearer("Bearer a.b.c").kind, CredentialKind::jwt);
  // alg "none" tokens end in a dot; they are JWTs (and verify_jwt refuses them).
  EXPECT_EQ(bearer("Bearer eyJhbGciOiJub25lIn0.e30.").kind, CredentialKind::jwt);
}

TEST(Credentials, BearerKeyAndSecretSplitsOnTheFirstColon) {
  expect_key_and_secret(bearer("Bearer tg-abc:tgs_xyz"), "tg-abc", "tgs_xyz");
  expect_key_and_secret(bearer("Bearer tg-abc:tgs:xyz"), "tg-abc", "tgs:xyz");
  const std::string_view half =
      "a key + secret credential needs both parts: \"Bearer <key>:<secret>\"";
  expect_malformed(bearer("Bearer :tgs_xyz"), half);
  expect_malformed(bearer("Bearer tg-abc:"), half);
  expect_malformed(bearer("Bearer :"), half);
}

TEST(Credentials, AuthorizationThatIsNotASingleBearerCredential) {
  const std::string_view scheme =
      "unsupported Authorization scheme; use \"Authorization: Bearer <key>\"";
  expect_malformed(bearer("Basic dXNlcjpwYXNz"), scheme);
  expect_malformed(bearer("Bearertg-abc"), scheme);
  expect_malformed(bearer("tg-abc"), scheme);
  expect_malformed(bearer("   "), scheme);
  expect_malformed(bearer("Bearer"), "the Authorization header has no Bearer credential");
  expect_malformed(bearer("Bearer   "), "the Authorization header has no Bearer credential");
  expect_malformed(bearer("Bearer tg-abc tg-def"),
                   "the Authorization header must carry a single Bearer credential");
  // A tab separates as a space does, whichever comes first.
  expect_malformed(bearer("Bearer tg-abc\ttg-def"),
                   "the Authorization header must carry a single Bearer credential");
  expect_malformed(bearer("Bearer\ttg-abc tg-def"),
                   "the Authorization header must carry a single Bearer credential");
  expect_malformed(bearer("Bearer\ttg-abc\ttg-def zz"),
                   "the Authorization header must carry a single Bearer credential");
}

TEST(Credentials, XApiKeyAloneOrWithSecret) {
  expect_api_key(parse({.x_api_key = "tg-abc"}), "tg-abc");
  expect_api_key(parse({.x_api_key = " tg-abc "}), "tg-abc");
  // A colon in X-API-Key is part of the key: only Bearer uses the "key:secret" spelling.
  expect_api_key(parse({.x_api_key = "tg-abc:tgs_x"}), "tg-abc:tgs_x");
  expect_key_and_secret(parse({.x_api_key = "tg-abc", .x_api_secret = "tgs_xyz"}), "tg-abc",
                        "tgs_xyz");
  expect_malformed(parse({.x_api_secret = "tgs_xyz"}), "X-API-Secret was sent without X-API-Key");
}

TEST(Credentials, GoogleHeaderAndQueryParameter) {
  expect_api_key(parse({.x_goog_api_key = "tg-abc"}), "tg-abc");
  expect_api_key(parse({.query = "key=tg-abc"}), "tg-abc");
  expect_api_key(parse({.query = "alt=sse&key=tg-abc&x=1"}), "tg-abc");
  expect_api_key(parse({.query = "key=&key=tg-abc"}), "tg-abc");  // an empty key= is ignored
  expect_api_key(parse({.query = "key=tg-abc&key=tg-abc"}), "tg-abc");
  EXPECT_EQ(parse({.query = "mykey=tg-abc&keys=1&key"}).kind, CredentialKind::none);
  expect_malformed(parse({.query = "key=tg-abc&key=tg-def"}), kMixed);
}

// ---- mixing ----

TEST(Credentials, TheSameCredentialInSeveralPlacesIsOne) {
  expect_api_key(parse({.authorization = "Bearer tg-abc", .x_api_key = "tg-abc"}), "tg-abc");
  expect_api_key(parse({.authorization = "Bearer tg-abc",
                        .x_api_key = "tg-abc",
                        .x_goog_api_key = "tg-abc",
                        .query = "key=tg-abc"}),
                 "tg-abc");
  expect_key_and_secret(
      parse(
          {.authorization = "Bearer tg-abc:tgs_x", .x_api_key = "tg-abc", .x_api_secret = "tgs_x"}),
      "tg-abc", "tgs_x");
}

TEST(Credentials, TwoDifferentCredentialsAreMalformed) {
  expect_malformed(parse({.authorization = "Bearer tg-abc", .x_api_key = "tg-def"}), kMixed);
  expect_malformed(parse({.authorization = "Bearer tg-abc", .x_goog_api_key = "tg-def"}), kMixed);
  expect_malformed(parse({.authorization = "Bearer tg-abc", .query = "key=tg-def"}), kMixed);
  expect_malformed(parse({.x_api_key = "tg-abc", .x_goog_api_key = "tg-def"}), kMixed);
  expect_malformed(parse({.x_goog_api_key = "tg-abc", .query = "key=tg-def"}), kMixed);
  expect_malformed(parse({.authorization = "Bearer a.b.c", .x_api_key = "tg-abc"}), kMixed);
  // Same key, but one source adds a secret: two different claims of identity.
  expect_malformed(parse({.authorization = "Bearer tg-abc:tgs_x", .x_api_key = "tg-abc"}), kMixed);
  expect_malformed(
      parse({.authorization = "Bearer tg-abc", .x_api_key = "tg-abc", .x_api_secret = "tgs_x"}),
      kMixed);
  expect_malformed(
      parse(
          {.authorization = "Bearer tg-abc:tgs_x", .x_api_key = "tg-abc", .x_api_secret = "tgs_y"}),
      kMixed);
}

TEST(Credentials, AMalformedSourceSpoilsTheRequestWhateverElseIsSent) {
  expect_malformed(parse({.authorization = "Basic abc", .x_api_key = "tg-abc"}),
                   "unsupported Authorization scheme; use \"Authorization: Bearer <key>\"");
  expect_malformed(parse({.authorization = "Bearer tg-abc", .x_api_secret = "tgs_x"}),
                   "X-API-Secret was sent without X-API-Key");
  expect_malformed(
      parse({.authorization = "Bearer tg-abc", .x_api_key = "tg-def", .query = "key=tg-abc"}),
      kMixed);
}

TEST(Credentials, PropertyOneKeyAnywhereIsThatKeyAndAnyOtherKeyMakesItMalformed) {
  std::mt19937 random(5);
  for (int i = 0; i < 2000; ++i) {
    const std::string key = generate_api_key().plaintext;
    const std::string other = generate_api_key().plaintext;
    const std::string key_authorization = "Bearer " + key;
    const std::string key_query = "alt=sse&key=" + key;
    const std::string other_authorization = "Bearer " + other;
    const std::string other_query = "key=" + other;

    unsigned places = random() % 15 + 1;  // a non-empty subset of the four places
    CredentialSources sources;
    if (places & 1) sources.authorization = key_authorization;
    if (places & 2) sources.x_api_key = key;
    if (places & 4) sources.x_goog_api_key = key;
    if (places & 8) sources.query = key_query;
    expect_api_key(parse_presented_credential(sources), key);

    unsigned other_place = 1u << (random() % 4);  // may overwrite one of the key's places
    if (other_place == 1) sources.authorization = other_authorization;
    if (other_place == 2) sources.x_api_key = other;
    if (other_place == 4) sources.x_goog_api_key = other;
    if (other_place == 8) sources.query = other_query;
    if (places == other_place) {
      expect_api_key(parse_presented_credential(sources), other);  // the key is gone
    } else {
      expect_malformed(parse_presented_credential(sources), kMixed);
    }
  }
}

// ---- key secrets ----

TEST(KeySecret, GeneratedSecretHasTheDocumentedFormat) {
  std::string secret = generate_key_secret();
  ASSERT_EQ(secret.size(), 44u);
  EXPECT_TRUE(secret.starts_with("tgs_"));
  EXPECT_TRUE(std::all_of(secret.begin() + 4, secret.end(),
                          [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }));
  EXPECT_TRUE(is_well_formed_key_secret(secret));
}

TEST(KeySecret, GeneratedSecretsAreUniqueAndUseTheWholeAlphabet) {
  std::set<std::string> secrets;
  std::set<char> characters;
  for (int i = 0; i < 2000; ++i) {
    std::string secret = generate_key_secret();
    characters.insert(secret.begin() + 4, secret.end());
    secrets.insert(std::move(secret));
  }
  EXPECT_EQ(secrets.size(), 2000u);
  EXPECT_EQ(characters.size(), 62u);
}

TEST(KeySecret, MalformedSecrets) {
  std::string good = generate_key_secret();
  EXPECT_FALSE(is_well_formed_key_secret(""));
  EXPECT_FALSE(is_well_formed_key_secret("tgs_"));
  EXPECT_FALSE(is_well_formed_key_secret(good.substr(0, 43)));
  EXPECT_FALSE(is_well_formed_key_secret(good + "a"));
  EXPECT_FALSE(is_well_formed_key_secret("tg-_" + good.substr(4)));
  std::string with_symbol = good;
  with_symbol[10] = '_';
  EXPECT_FALSE(is_well_formed_key_secret(with_symbol));
}

TEST(KeySecret, HashIsSaltedSha256AndVerifiesInConstantTime) {
  std::vector<uint8_t> salt = generate_salt();
  std::string secret = generate_key_secret();
  KeyHash stored = hash_key_secret(secret, salt);
  EXPECT_EQ(stored, hash_key(salt, secret));  // SHA-256(salt || secret), as for keys
  EXPECT_TRUE(verify_key_secret(secret, salt, stored));

  std::string wrong = secret;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  EXPECT_FALSE(verify_key_secret(wrong, salt, stored));
  EXPECT_FALSE(verify_key_secret(generate_key_secret(), salt, stored));
  EXPECT_FALSE(verify_key_secret(secret, generate_salt(), stored));
  EXPECT_NE(hash_key_secret(secret, generate_salt()), stored);
}

TEST(KeySecret, MalformedSecretNeverVerifiesEvenWithAMatchingHash) {
  std::vector<uint8_t> salt = generate_salt();
  KeyHash stored = hash_key_secret("not-a-secret", salt);
  EXPECT_FALSE(verify_key_secret("not-a-secret", salt, stored));
}

TEST(Credentials, KindNames) {
  EXPECT_EQ(to_string(CredentialKind::none), "none");
  EXPECT_EQ(to_string(CredentialKind::api_key), "api_key");
  EXPECT_EQ(to_string(CredentialKind::key_and_secret), "key_and_secret");
  EXPECT_EQ(to_string(CredentialKind::jwt), "jwt");
  EXPECT_EQ(to_string(CredentialKind::malformed), "malformed");
}

}  // namespace
}  // namespace tollgate::auth
