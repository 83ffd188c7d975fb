#include "gateway/catalog.hpp"

#include <gtest/gtest.h>

namespace tollgate::gateway {
namespace {

config::Config two_models() {
  config::Config config;
  config::ProviderConfig provider;
  provider.name = "local";
  provider.type = "openai";
  provider.base_url = "https://api.example.com:8443/v1/";
  provider.api_key = "secret";
  config.providers.push_back(provider);
  for (const char* id : {"gpt-4o-mini", "gpt-4o", "llama-3.1-8b"}) {
    config::ModelConfig model;
    model.id = id;
    model.provider = "local";
    model.upstream_model = std::string(id) + "-upstream";
    model.pricing = {150'000, 600'000, 75'000};
    config.models.push_back(model);
  }
  return config;
}

TEST(Catalog, ResolvesPublicIdsToTheirDeployment) {
  auto config = two_models();
  Catalog catalog(config);
  const Deployment* d = catalog.find("gpt-4o");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->model->upstream_model, "gpt-4o-upstream");
  EXPECT_TRUE(d->origin.tls);
  EXPECT_EQ(d->origin.host, "api.example.com");
  EXPECT_EQ(d->origin.port, 8443);
  EXPECT_EQ(d->chat_target, "/v1/chat/completions");  // trailing slash of base_url dropped
  EXPECT_EQ(d->authorization, "Bearer secret");
  EXPECT_EQ(d->prices.cached_input_per_m, 75'000);
  EXPECT_EQ(catalog.find("gpt-4o-upstream"), nullptr) << "upstream names are not public ids";
  EXPECT_EQ(catalog.find("GPT-4O"), nullptr) << "ids are exact";
}

TEST(Catalog, CloseMatchesRankTyposFirst) {
  auto config = two_models();
  Catalog catalog(config);
  auto matches = catalog.close_matches("gpt-4o-mnii");
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches.front(), "gpt-4o-mini");
  EXPECT_EQ(catalog.close_matches("llama")[0], "llama-3.1-8b") << "a prefix counts as close";
  EXPECT_TRUE(catalog.close_matches("claude-3-opus").empty());
  EXPECT_LE(catalog.close_matches("gpt", 1).size(), 1u);
}

TEST(Catalog, ProviderWithoutKeySendsNoAuthorization) {
  auto config = two_models();
  config.providers[0].api_key.clear();
  Catalog catalog(config);
  EXPECT_TRUE(catalog.find("gpt-4o")->authorization.empty());
}

}  // namespace
}  // namespace tollgate::gateway
