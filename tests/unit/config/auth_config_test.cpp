// The top-level `auth:` section: self-registration, the session-token secret and lifetime.
#include "config_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"

namespace tollgate::config {
namespace {

using testing::issues_of;

using ::testing::ElementsAre;

constexpr const char* kRest = R"(
providers:
  - { name: local, type: openai, base_url: "http://127.0.0.1:9099/v1" }
models:
  - id: m1
    provider: local
    pricing: { input_per_m: "1", output_per_m: "2" }
)";

const std::string kSecret32 = "0123456789abcdef0123456789abcdef";

// A valid config with `auth_body` (lines indented by 2) as its auth section.
std::string with_auth(const std::string& auth_body) {
  return "auth:\n" + auth_body + kRest;
}

TEST(AuthConfig, AbsentSectionMeansRegistrationOffAndNoSessions) {
  const Config config = load_config_text(kRest);
  EXPECT_FALSE(config.auth.registration);
  EXPECT_EQ(config.auth.jwt_secret, "");
  EXPECT_EQ(config.auth.token_ttl_seconds, 86'400);
}

TEST(AuthConfig, ReadsEveryField) {
  const Config config = load_config_text(with_auth("  registration: true\n  jwt_secret: \"" +
                                                   kSecret32 + "\"\n  token_ttl_seconds: 3600\n"));
  EXPECT_TRUE(config.auth.registration);
  EXPECT_EQ(config.auth.jwt_secret, kSecret32);
  EXPECT_EQ(config.auth.token_ttl_seconds, 3600);
}

TEST(AuthConfig, ASecretWithoutRegistrationEnablesLoginOnly) {
  const Config config = load_config_text(with_auth("  jwt_secret: \"" + kSecret32 + "\"\n"));
  EXPECT_FALSE(config.auth.registration);
  EXPECT_EQ(config.auth.jwt_secret, kSecret32);
}

TEST(AuthConfig, RegistrationNeedsASecret) {
  EXPECT_THAT(issues_of(with_auth("  registration: true\n")),
              ElementsAre("auth.jwt_secret: is required when registration is on: the key (at "
                          "least 32 bytes) that signs session tokens, e.g. "
                          "\"${TOLLGATE_JWT_SECRET}\""));
}

TEST(AuthConfig, SecretOfFewerThan32BytesIsRefusedWithItsLength) {
  EXPECT_THAT(issues_of(with_auth("  jwt_secret: \"" + kSecret32.substr(0, 31) + "\"\n")),
              ElementsAre("auth.jwt_secret: must be at least 32 bytes (an HS256 key of 256 "
                          "bits), not 31; e.g. the output of `openssl rand -base64 48`"));
  EXPECT_THAT(issues_of(with_auth("  jwt_secret: \"" + kSecret32 + "\"\n")), ElementsAre());
}

TEST(AuthConfig, TokenLifetimeBoundaries) {
  const std::string message =
      "auth.token_ttl_seconds: must be a whole number of seconds from 60 to 31536000 (a year)";
  EXPECT_THAT(issues_of(with_auth("  token_ttl_seconds: 59\n")), ElementsAre(message));
  EXPECT_THAT(issues_of(with_auth("  token_ttl_seconds: 60\n")), ElementsAre());
  EXPECT_THAT(issues_of(with_auth("  token_ttl_seconds: 31536000\n")), ElementsAre());
  EXPECT_THAT(issues_of(with_auth("  token_ttl_seconds: 31536001\n")), ElementsAre(message));
  EXPECT_THAT(issues_of(with_auth("  token_ttl_seconds: 1h\n")), ElementsAre(message));
}

TEST(AuthConfig, UnknownKeySuggestsTheClosestOne) {
  EXPECT_THAT(issues_of(with_auth("  registraton: false\n")),
              ElementsAre("auth.registraton: unknown key (did you mean \"registration\"?)"));
}

TEST(AuthConfig, RegistrationMustBeABoolean) {
  EXPECT_EQ(issues_of(with_auth("  registration: maybe\n")).size(), 1u);
}

}  // namespace
}  // namespace tollgate::config
