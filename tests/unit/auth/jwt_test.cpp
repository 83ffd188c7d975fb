#include "auth/jwt.hpp"

#include "jwt_test_support.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

namespace tollgate::auth {
namespace {

using testing::independent_base64url;
using testing::independent_hs256;
using testing::sign_token;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef-server-secret";
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr int64_t kNow = 1'700'000'000;

JwtClaims sample_claims() {
  return JwtClaims{"42", kNow, kNow + 3600, "tok-1", "account:read account:write"};
}

JwtError error_of(const std::variant<JwtClaims, JwtError>& result) {
  EXPECT_TRUE(std::holds_alternative<JwtError>(result)) << "the token was accepted";
  return std::holds_alternative<JwtError>(result) ? std::get<JwtError>(result)
                                                  : JwtError::malformed;
}

JwtError verify_error(std::string_view token, std::string_view secret = kSecret,
                      int64_t now = kNow) {
  return error_of(verify_jwt(token, secret, now));
}

// A token whose claims are `claims_json`, correctly signed with kSecret.
std::string signed_claims(std::string_view claims_json) {
  return sign_token(kHeader, claims_json, kSecret);
}

// ---- base64url ----

TEST(Base64Url, MatchesRfc4648TestVectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");  // the two URL-safe characters
  EXPECT_EQ(base64url_decode("Zm9vYmE"), "fooba");
  EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
}

TEST(Base64Url, DecodeRefusesEverythingButTheCanonicalSpelling) {
  EXPECT_EQ(base64url_decode("Zg=="), std::nullopt);  // padding
  EXPECT_EQ(base64url_decode("Zm8="), std::nullopt);
  EXPECT_EQ(base64url_decode("+/8"), std::nullopt);  // standard alphabet
  EXPECT_EQ(base64url_decode("Zm9v Yg"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9vY"), std::nullopt);  // 1 mod 4: not a whole byte
  EXPECT_EQ(base64url_decode("Zh"), std::nullopt);     // 'h' leaves a non-zero stray bit
  EXPECT_EQ(base64url_decode("Zm9"), std::nullopt);    // '9' likewise, with 2 stray bits
  EXPECT_EQ(base64url_decode(""), std::string());
}

TEST(Base64Url, PropertyRandomBytesRoundTripAndMatchAnIndependentEncoder) {
  std::mt19937 random(7);
  for (int length = 0; length < 200; ++length) {
    std::string bytes(static_cast<std::size_t>(length), '\0');
    for (char& c : bytes) c = static_cast<char>(random() & 0xFF);
    std::string text = base64url_encode(bytes);
    ASSERT_EQ(text, independent_base64url(bytes)) << "length " << length;
    ASSERT_TRUE(is_base64url_text(text));
    ASSERT_EQ(base64url_decode(text), bytes) << "length " << length;
  }
}

// ---- issuing ----

TEST(Jwt, IssuedTokenHasTheExactHeaderClaimsAndAnIndependentlyComputedSignature) {
  std::string token = issue_jwt(sample_claims(), kSecret);
  std::size_t first = token.find('.');
  std::size_t second = token.rfind('.');
  ASSERT_NE(first, second);
  EXPECT_EQ(base64url_decode(token.substr(0, first)), R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(base64url_decode(token.substr(first + 1, second - first - 1)),
            R"({"sub":"42","iat":1700000000,"exp":1700003600,"jti":"tok-1",)"
            R"("scope":"account:read account:write"})");
  EXPECT_EQ(token.substr(second + 1),
            independent_base64url(independent_hs256(kSecret, token.substr(0, second))));
}

TEST(Jwt, OptionalClaimsAreLeftOutWhenAbsent) {
  std::string token = issue_jwt(JwtClaims{"7", 10, 20, std::nullopt, std::nullopt}, kSecret);
  std::string claims = token.substr(token.find('.') + 1);
  claims.resize(claims.find('.'));
  EXPECT_EQ(base64url_decode(claims), R"({"sub":"7","iat":10,"exp":20})");
}

TEST(Jwt, IssuingWithAShortSecretThrows) {
  EXPECT_THROW(issue_jwt(sample_claims(), std::string(31, 'x')), std::invalid_argument);
  EXPECT_NO_THROW(issue_jwt(sample_claims(), std::string(32, 'x')));
}

// ---- round trip ----

TEST(Jwt, RoundTripKeepsEveryClaim) {
  auto result = verify_jwt(issue_jwt(sample_claims(), kSecret), kSecret, kNow);
  ASSERT_TRUE(std::holds_alternative<JwtClaims>(result)) << to_string(std::get<JwtError>(result));
  EXPECT_EQ(std::get<JwtClaims>(result), sample_claims());
}

TEST(Jwt, RoundTripEscapesQuotesBackslashesAndControlCharacters) {
  JwtClaims claims{"a\"b\\c\n\x01 d", 1, kNow + 1, "\t", "caf\xc3\xa9"};
  auto result = verify_jwt(issue_jwt(claims, kSecret), kSecret, kNow);
  ASSERT_TRUE(std::holds_alternative<JwtClaims>(result)) << to_string(std::get<JwtError>(result));
  EXPECT_EQ(std::get<JwtClaims>(result), claims);
}

TEST(Jwt, PropertyRandomClaimsRoundTrip) {
  std::mt19937_64 random(11);
  for (int i = 0; i < 500; ++i) {
    JwtClaims claims;
    claims.sub = std::to_string(random() % 1'000'000'000 + 1);
    claims.iat = kNow - static_cast<int64_t>(random() % 100'000);
    claims.exp = kNow + 1 + static_cast<int64_t>(random() % 10'000'000);
    if (random() % 2) claims.jti = std::to_string(random());
    if (random() % 2) claims.scope = std::string(random() % 40, 's');
    std::string secret(32 + random() % 64, static_cast<char>('A' + random() % 26));
    auto result = verify_jwt(issue_jwt(claims, secret), secret, kNow);
    ASSERT_TRUE(std::holds_alternative<JwtClaims>(result)) << i;
    ASSERT_EQ(std::get<JwtClaims>(result), claims) << i;
  }
}

TEST(Jwt, PropertyEverySingleCharacterChangeIsRefused) {
  std::string token = issue_jwt(sample_claims(), kSecret);
  const std::string replacements = "AQgw-_.=+/ 0";
  for (std::size_t at = 0; at < token.size(); ++at) {
    for (char replacement : replacements) {
      if (token[at] == replacement) continue;
      std::string changed = token;
      changed[at] = replacement;
      ASSERT_TRUE(std::holds_alternative<JwtError>(verify_jwt(changed, kSecret, kNow)))
          << "position " << at << " -> '" << replacement << "'";
    }
  }
}

// ---- RFC 7515 appendix A.1 ----

// The RFC's example token and key. Its claims carry no "sub", so the verdict after a good
// signature is missing_subject; a broken HMAC or base64url would give bad_signature instead.
constexpr std::string_view kRfcToken =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kRfcKey =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

TEST(Jwt, Rfc7515AppendixA1SignatureVerifies) {
  std::optional<std::string> key = base64url_decode(kRfcKey);
  ASSERT_TRUE(key.has_value());
  ASSERT_EQ(key->size(), 64u);
  // The expected signature, computed independently of jwt.cpp.
  std::string_view signing_input = kRfcToken.substr(0, kRfcToken.rfind('.'));
  EXPECT_EQ(independent_base64url(independent_hs256(*key, signing_input)),
            kRfcToken.substr(kRfcToken.rfind('.') + 1));

  EXPECT_EQ(verify_error(kRfcToken, *key, 1300819379), JwtError::missing_subject);
  std::string other_key = *key;
  other_key[0] ^= 1;
  EXPECT_EQ(verify_error(kRfcToken, other_key, 1300819379), JwtError::bad_signature);
}

// ---- every rejection ----

TEST(JwtRejects, WrongSegmentCount) {
  EXPECT_EQ(verify_error(""), JwtError::malformed);
  EXPECT_EQ(verify_error("abc"), JwtError::malformed);
  EXPECT_EQ(verify_error("abc.def"), JwtError::malformed);
  std::string token = issue_jwt(sample_claims(), kSecret);
  EXPECT_EQ(verify_error(token + ".extra"), JwtError::malformed);
  EXPECT_EQ(verify_error(token + "."), JwtError::malformed);
}

TEST(JwtRejects, OversizedTokenBeforeDecoding) {
  JwtClaims claims = sample_claims();
  claims.scope = std::string(kMaxJwtBytes, 's');
  EXPECT_EQ(verify_error(issue_jwt(claims, kSecret)), JwtError::malformed);
}

TEST(JwtRejects, SegmentsWithPaddingOrForeignCharacters) {
  std::string token = issue_jwt(sample_claims(), kSecret);  // 32-byte MAC: 43 chars, needs "="
  EXPECT_EQ(verify_error(token + "="), JwtError::bad_base64url);
  std::size_t first = token.find('.');
  std::string padded_claims = token;
  padded_claims.insert(token.rfind('.'), "==");
  EXPECT_EQ(verify_error(padded_claims), JwtError::bad_base64url);
  std::string plus = token;
  plus[first + 3] = '+';
  EXPECT_EQ(verify_error(plus), JwtError::bad_base64url);
  EXPECT_EQ(verify_error("e30.e30.a"), JwtError::bad_base64url);  // 1 mod 4
}

TEST(JwtRejects, HeaderThatIsNotAJsonObject) {
  EXPECT_EQ(verify_error(sign_token("not json", R"({"sub":"1","exp":1800000000})", kSecret)),
            JwtError::bad_header);
  EXPECT_EQ(verify_error(sign_token(R"(["HS256"])", R"({"sub":"1","exp":1800000000})", kSecret)),
            JwtError::bad_header);
  EXPECT_EQ(
      verify_error(sign_token(R"({"alg":"HS256")", R"({"sub":"1","exp":1800000000})", kSecret)),
      JwtError::bad_header);
}

TEST(JwtRejects, HeaderWithCritOrTwoAlgs) {
  const std::string claims = R"({"sub":"1","exp":1800000000})";
  EXPECT_EQ(verify_error(sign_token(R"({"alg":"HS256","crit":["exp"]})", claims, kSecret)),
            JwtError::bad_header);
  EXPECT_EQ(verify_error(sign_token(R"({"alg":"HS256","alg":"none"})", claims, kSecret)),
            JwtError::bad_header);
}

TEST(JwtRejects, AlgNoneAndEveryOtherAlgorithm) {
  const std::string claims = R"({"sub":"1","exp":1800000000})";
  // The classic attack: alg "none" and an empty signature.
  std::string unsigned_token = independent_base64url(R"({"alg":"none","typ":"JWT"})") + "." +
                               independent_base64url(claims) + ".";
  EXPECT_EQ(verify_error(unsigned_token), JwtError::unsupported_algorithm);
  // ... and alg "none" even with a valid HS256 signature over it.
  EXPECT_EQ(verify_error(sign_token(R"({"alg":"none"})", claims, kSecret)),
            JwtError::unsupported_algorithm);
  for (std::string_view header :
       {R"({"alg":"RS256"})", R"({"alg":"HS512"})", R"({"alg":"hs256"})", R"({"alg":"None"})",
        R"({"typ":"JWT"})", R"({"alg":256})", R"({"alg":null})"}) {
    EXPECT_EQ(verify_error(sign_token(header, claims, kSecret)), JwtError::unsupported_algorithm)
        << header;
  }
}

TEST(JwtRejects, TokenSignedWithAnotherSecret) {
  std::string other_secret(kSecret);
  other_secret.back() ^= 1;
  EXPECT_EQ(verify_error(issue_jwt(sample_claims(), other_secret)), JwtError::bad_signature);
}

TEST(JwtRejects, TamperedPayload) {
  std::string token = issue_jwt(sample_claims(), kSecret);
  std::size_t first = token.find('.');
  std::size_t second = token.rfind('.');
  std::string forged_claims =
      independent_base64url(R"({"sub":"1","iat":1700000000,"exp":1700003600})");
  std::string forged = token.substr(0, first + 1) + forged_claims + token.substr(second);
  EXPECT_EQ(verify_error(forged), JwtError::bad_signature);
}

TEST(JwtRejects, TruncatedSignatureAndShortVerifierSecret) {
  std::string token = issue_jwt(sample_claims(), kSecret);
  std::size_t dot = token.rfind('.');
  std::string mac = *base64url_decode(token.substr(dot + 1));
  std::string truncated = token.substr(0, dot + 1) + base64url_encode(mac.substr(0, 31));
  EXPECT_EQ(verify_error(truncated), JwtError::bad_signature);
  std::string short_secret(31, 'k');
  std::string token_for_short =
      sign_token(kHeader, R"({"sub":"1","exp":1800000000})", short_secret);
  EXPECT_EQ(verify_error(token_for_short, short_secret), JwtError::bad_signature);
  EXPECT_EQ(verify_error(token, ""), JwtError::bad_signature);
}

TEST(JwtRejects, ClaimsThatAreNotAJsonObject) {
  EXPECT_EQ(verify_error(signed_claims("not json")), JwtError::bad_claims_json);
  EXPECT_EQ(verify_error(signed_claims("[1,2]")), JwtError::bad_claims_json);
  EXPECT_EQ(verify_error(signed_claims(R"({"sub":"1","exp":1800000000)")),
            JwtError::bad_claims_json);
  EXPECT_EQ(verify_error(signed_claims("{\"sub\":\"\xff\",\"exp\":1800000000}")),
            JwtError::bad_claims_json);  // not UTF-8
}

TEST(JwtRejects, RepeatedClaims) {
  EXPECT_EQ(verify_error(signed_claims(R"({"sub":"1","sub":"2","exp":1800000000})")),
            JwtError::bad_claims_json);
  EXPECT_EQ(verify_error(signed_claims(R"({"sub":"1","exp":1800000000,"exp":1})")),
            JwtError::bad_claims_json);
}

TEST(JwtRejects, MissingOrMistypedSubject) {
  EXPECT_EQ(verify_error(signed_claims(R"({"exp":1800000000})")), JwtError::missing_subject);
  EXPECT_EQ(verify_error(signed_claims(R"({"sub":"","exp":1800000000})")),
            JwtError::missing_subject);
  EXPECT_EQ(verify_error(signed_claims(R"({"sub":42,"exp":1800000000})")),
            JwtError::missing_subject);
}

TEST(JwtRejects, MissingOrMistypedExpiry) {
  EXPECT_EQ(verify_error(signed_claims(R"({"sub":"1"})")), JwtError::missing_expiry);
  EXPECT_EQ(verify_error(signed_claims(R"({"sub":"1","exp":"1800000000"})")),
            JwtError::missing_expiry);
  EXPECT_EQ(verify_error(signed_claims(R"({"sub":"1","exp":1800000000.5})")),
            JwtError::missing_expiry);
  EXPECT_EQ(verify_error(signed_claims(R"({"sub":"1","exp":18446744073709551615})")),
            JwtError::missing_expiry);
}

TEST(JwtRejects, OptionalClaimsOfTheWrongType) {
  for (std::string_view claim : {R"("iat":"1")", R"("nbf":1.5)", R"("jti":7)", R"("scope":[])"}) {
    std::string json = R"({"sub":"1","exp":1800000000,)" + std::string(claim) + "}";
    EXPECT_EQ(verify_error(signed_claims(json)), JwtError::invalid_claim) << claim;
  }
}

TEST(JwtRejects, ExpiredByOneSecondAndAtTheExactExpiry) {
  JwtClaims claims = sample_claims();
  claims.exp = kNow - 1;
  EXPECT_EQ(verify_error(issue_jwt(claims, kSecret)), JwtError::expired);
  claims.exp = kNow;  // exp <= now: the last valid second is exp - 1
  EXPECT_EQ(verify_error(issue_jwt(claims, kSecret)), JwtError::expired);
  claims.exp = kNow + 1;
  EXPECT_TRUE(
      std::holds_alternative<JwtClaims>(verify_jwt(issue_jwt(claims, kSecret), kSecret, kNow)));
}

TEST(JwtRejects, IssuedOrValidOnlyBeyondTheClockSkew) {
  JwtClaims claims = sample_claims();
  claims.iat = kNow + kJwtClockSkewSeconds;
  EXPECT_TRUE(
      std::holds_alternative<JwtClaims>(verify_jwt(issue_jwt(claims, kSecret), kSecret, kNow)));
  claims.iat = kNow + kJwtClockSkewSeconds + 1;
  EXPECT_EQ(verify_error(issue_jwt(claims, kSecret)), JwtError::not_yet_valid);
  claims.iat = INT64_MAX;
  claims.exp = INT64_MAX;
  EXPECT_EQ(verify_error(issue_jwt(claims, kSecret)), JwtError::not_yet_valid);

  EXPECT_TRUE(std::holds_alternative<JwtClaims>(verify_jwt(
      signed_claims(R"({"sub":"1","exp":1800000000,"nbf":1700000060})"), kSecret, kNow)));
  EXPECT_EQ(verify_error(signed_claims(R"({"sub":"1","exp":1800000000,"nbf":1700000061})")),
            JwtError::not_yet_valid);
}

TEST(JwtRejects, EachRefusalHasItsOwnName) {
  std::set<std::string_view> names;
  for (JwtError error :
       {JwtError::malformed, JwtError::bad_base64url, JwtError::bad_header,
        JwtError::unsupported_algorithm, JwtError::bad_signature, JwtError::bad_claims_json,
        JwtError::missing_subject, JwtError::missing_expiry, JwtError::invalid_claim,
        JwtError::expired, JwtError::not_yet_valid}) {
    names.insert(to_string(error));
  }
  EXPECT_EQ(names.size(), 11u);
  EXPECT_EQ(to_string(JwtError::bad_signature), "bad_signature");
}

}  // namespace
}  // namespace tollgate::auth
