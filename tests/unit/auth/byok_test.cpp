// BYOK credentials at rest: the api_keys.byok JSON object and the binding of each sealed value
// to its key and provider.
#include "auth/byok.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tollgate::auth {
namespace {

const SecretBox& test_box() {
  static const SecretBox box =
      *SecretBox::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  return box;
}

std::vector<std::string> providers_of(const std::vector<ByokCredential>& credentials) {
  std::vector<std::string> names;
  for (const ByokCredential& credential : credentials) names.push_back(credential.provider);
  return names;
}

TEST(Byok, CredentialsAreVisibleAsciiThatFitsAHeader) {
  EXPECT_TRUE(is_credential_text("sk-proj-AbC_123.xyz/+="));
  EXPECT_TRUE(is_credential_text(std::string(kMaxCredentialBytes, 'k')));
  EXPECT_FALSE(is_credential_text(""));
  EXPECT_FALSE(is_credential_text(std::string(kMaxCredentialBytes + 1, 'k')));
  EXPECT_FALSE(is_credential_text("sk with space"));
  EXPECT_FALSE(is_credential_text("sk-abc\r\nx-injected: 1"));
  EXPECT_FALSE(is_credential_text("sk-\x7f"));
  EXPECT_FALSE(is_credential_text("sk-caf\xc3\xa9"));
}

TEST(Byok, AssociatedDataNamesTheKeyAndTheProvider) {
  EXPECT_EQ(byok_associated_data("tg-AbC12xYz", "openai"), "tollgate-byok:tg-AbC12xYz:openai");
}

TEST(Byok, SealedCredentialsRoundTripThroughTheColumnText) {
  SealedCredentials sealed;
  seal_credential(test_box(), "tg-AbC12xYz", {"openai", "sk-openai-secret"}, sealed);
  seal_credential(test_box(), "tg-AbC12xYz", {"anthropic", "sk-ant-secret"}, sealed);
  const std::optional<std::string> json = sealed_credentials_json(sealed);
  ASSERT_TRUE(json);
  EXPECT_TRUE(json->starts_with(R"({"anthropic":"v1.)")) << *json;
  EXPECT_EQ(json->find("secret"), std::string::npos) << "never the plaintext: " << *json;
  EXPECT_EQ(parse_sealed_credentials(json), sealed);

  std::vector<std::string> failed;
  const std::vector<ByokCredential> opened =
      open_credentials(&test_box(), "tg-AbC12xYz", parse_sealed_credentials(json),
                       [&](const std::string& provider) { failed.push_back(provider); });
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(opened[0].provider, "anthropic");
  EXPECT_EQ(opened[0].secret, "sk-ant-secret");
  EXPECT_EQ(opened[1].provider, "openai");
  EXPECT_EQ(opened[1].secret, "sk-openai-secret");
  EXPECT_TRUE(failed.empty());
}

TEST(Byok, SealingAgainReplacesTheProvidersCredential) {
  SealedCredentials sealed;
  seal_credential(test_box(), "tg-AbC12xYz", {"openai", "old"}, sealed);
  seal_credential(test_box(), "tg-AbC12xYz", {"openai", "new"}, sealed);
  ASSERT_EQ(sealed.size(), 1u);
  const auto opened = open_credentials(&test_box(), "tg-AbC12xYz", sealed, [](auto&) {});
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].secret, "new");
}

TEST(Byok, ACredentialMovedToAnotherKeyOrProviderDoesNotOpen) {
  SealedCredentials sealed;
  seal_credential(test_box(), "tg-AbC12xYz", {"openai", "sk-secret"}, sealed);
  sealed["anthropic"] = sealed.at("openai");  // copied under another provider's name
  std::vector<std::string> failed;
  auto opened = open_credentials(&test_box(), "tg-AbC12xYz", sealed,
                                 [&](const std::string& provider) { failed.push_back(provider); });
  EXPECT_EQ(providers_of(opened), std::vector<std::string>{"openai"});
  EXPECT_EQ(failed, std::vector<std::string>{"anthropic"});

  failed.clear();
  opened = open_credentials(&test_box(), "tg-Zzzzzzzz", sealed,
                            [&](const std::string& provider) { failed.push_back(provider); });
  EXPECT_TRUE(opened.empty()) << "the row of another key";
  EXPECT_EQ(failed, (std::vector<std::string>{"anthropic", "openai"}));
}

TEST(Byok, WithoutABoxNothingOpens) {
  SealedCredentials sealed;
  seal_credential(test_box(), "tg-AbC12xYz", {"openai", "sk-secret"}, sealed);
  std::vector<std::string> failed;
  EXPECT_TRUE(open_credentials(nullptr, "tg-AbC12xYz", sealed, [&](const std::string& provider) {
                failed.push_back(provider);
              }).empty());
  EXPECT_EQ(failed, std::vector<std::string>{"openai"});
}

TEST(Byok, ColumnTextOtherThanAnObjectOfStringsReadsAsEmpty) {
  EXPECT_TRUE(parse_sealed_credentials(std::nullopt).empty());
  EXPECT_TRUE(parse_sealed_credentials("not json").empty());
  EXPECT_TRUE(parse_sealed_credentials(R"(["openai"])").empty());
  EXPECT_TRUE(parse_sealed_credentials(R"({"openai":"v1.x","anthropic":1})").empty());
  EXPECT_FALSE(sealed_credentials_json({})) << "no credentials: stored as NULL";
}

TEST(Byok, ProviderNamesAreWrittenAsValidJson) {
  const SealedCredentials sealed{{"we\"ird\\name\n", "v1.abc"}};
  const std::optional<std::string> json = sealed_credentials_json(sealed);
  ASSERT_TRUE(json);
  EXPECT_EQ(*json, R"({"we\"ird\\name\u000a":"v1.abc"})");
  EXPECT_EQ(parse_sealed_credentials(json), sealed);
}

}  // namespace
}  // namespace tollgate::auth
