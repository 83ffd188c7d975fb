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
  EXPECT_EQ(d->target, "/v1/chat/completions");  // trailing slash of base_url dropped
  EXPECT_EQ(d->stream_target, "/v1/chat/completions");
  EXPECT_EQ(d->embeddings_target, "/v1/embeddings");
  ASSERT_EQ(d->upstream_headers.size(), 1u);
  EXPECT_EQ(d->upstream_headers[0].name, "authorization");
  EXPECT_EQ(d->upstream_headers[0].value, "Bearer secret");
  EXPECT_TRUE(d->allows(Surface::chat));
  EXPECT_TRUE(d->allows(Surface::messages));
  EXPECT_FALSE(d->allows(Surface::embeddings)) << "embeddings must be listed explicitly";
  EXPECT_EQ(d->price.base.cache_read_per_m, 75'000);
  EXPECT_EQ(catalog.find("gpt-4o-upstream"), nullptr) << "upstream names are not public ids";
  EXPECT_EQ(catalog.find("GPT-4O"), nullptr) << "ids are exact";
}

TEST(Catalog, EachFamilyGetsItsOwnTargetsAndCredentialHeader) {
  auto config = two_models();
  auto provider = [](std::string name, std::string type, std::string url, std::string key) {
    config::ProviderConfig p;
    p.name = std::move(name);
    p.type = std::move(type);
    p.base_url = std::move(url);
    p.api_key = std::move(key);
    return p;
  };
  config.providers.push_back(
      provider("claude", "anthropic", "https://api.anthropic.com/v1", "ak"));
  config.providers.push_back(
      provider("google", "gemini", "https://generativelanguage.googleapis.com/v1beta", "gk"));
  config.models[0].provider = "claude";
  config.models[1].provider = "google";
  config.models[1].upstream_model = "models/gemini 2";  // escaped into the path
  config.models[1].surfaces = {"gemini"};
  Catalog catalog(config);

  const Deployment* claude = catalog.find("gpt-4o-mini");
  EXPECT_EQ(claude->family, ir::Format::anthropic);
  EXPECT_EQ(claude->target, "/v1/messages");
  ASSERT_EQ(claude->upstream_headers.size(), 2u);
  EXPECT_EQ(claude->upstream_headers[0].name, "x-api-key");
  EXPECT_EQ(claude->upstream_headers[0].value, "ak");
  EXPECT_EQ(claude->upstream_headers[1].name, "anthropic-version");

  const Deployment* gemini = catalog.find("gpt-4o");
  EXPECT_EQ(gemini->family, ir::Format::gemini);
  EXPECT_EQ(gemini->target, "/v1beta/models/models%2Fgemini%202:generateContent");
  EXPECT_EQ(gemini->stream_target,
            "/v1beta/models/models%2Fgemini%202:streamGenerateContent?alt=sse");
  ASSERT_EQ(gemini->upstream_headers.size(), 1u);
  EXPECT_EQ(gemini->upstream_headers[0].name, "x-goog-api-key");
  EXPECT_TRUE(gemini->allows(Surface::gemini));
  EXPECT_FALSE(gemini->allows(Surface::chat));
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
  EXPECT_TRUE(catalog.find("gpt-4o")->upstream_headers.empty());
}

}  // namespace
}  // namespace tollgate::gateway
