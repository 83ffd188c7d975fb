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

config::ProviderConfig provider(std::string name, std::string type, std::string url,
                                std::string key, std::string region = "") {
  config::ProviderConfig p;
  p.name = std::move(name);
  p.type = std::move(type);
  p.base_url = std::move(url);
  p.api_key = std::move(key);
  p.region = std::move(region);
  return p;
}

const Deployment& first_deployment(const Catalog& catalog, std::string_view id) {
  const Route* route = catalog.find(id);
  EXPECT_NE(route, nullptr) << id;
  return catalog.deployments().at(route->deployments.at(0));
}

TEST(Catalog, ResolvesPublicIdsToTheirDeployment) {
  auto config = two_models();
  Catalog catalog(config);
  const Route* route = catalog.find("gpt-4o");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->kind, Route::Kind::model);
  ASSERT_EQ(route->deployments.size(), 1u) << "a model without deployments has its provider's";
  const Deployment& d = catalog.deployments()[route->deployments[0]];
  EXPECT_EQ(d.upstream_model, "gpt-4o-upstream");
  EXPECT_EQ(d.config->name, "gpt-4o@local");
  EXPECT_TRUE(d.origin.tls);
  EXPECT_EQ(d.origin.host, "api.example.com");
  EXPECT_EQ(d.origin.port, 8443);
  EXPECT_EQ(d.target, "/v1/chat/completions");  // trailing slash of base_url dropped
  EXPECT_EQ(d.stream_target, "/v1/chat/completions");
  EXPECT_EQ(d.embeddings_target, "/v1/embeddings");
  EXPECT_EQ(d.credential_header, "authorization");
  EXPECT_EQ(d.credential_prefix, "Bearer ");
  EXPECT_TRUE(d.upstream_headers.empty());
  EXPECT_TRUE(route->allows(Surface::chat));
  EXPECT_TRUE(d.allows(Surface::messages));
  EXPECT_FALSE(route->allows(Surface::embeddings)) << "embeddings must be listed explicitly";
  EXPECT_EQ(d.price.base.cache_read_per_m, 75'000);
  EXPECT_EQ(route->families, 1u << static_cast<unsigned>(ir::Format::openai_chat));
  EXPECT_EQ(catalog.find("gpt-4o-upstream"), nullptr) << "upstream names are not public ids";
  EXPECT_EQ(catalog.find("GPT-4O"), nullptr) << "ids are exact";
  EXPECT_EQ(catalog.find("auto")->kind, Route::Kind::automatic);
  EXPECT_EQ(catalog.find("auto")->members.size(), 3u) << "auto considers every model by default";
}

TEST(Catalog, EachFamilyGetsItsOwnTargetsAndCredentialHeader) {
  auto config = two_models();
  config.providers.push_back(
      provider("claude", "anthropic", "https://api.anthropic.com/v1", "ak"));
  config.providers.push_back(
      provider("google", "gemini", "https://generativelanguage.googleapis.com/v1beta", "gk"));
  config.models[0].provider = "claude";
  config.models[1].provider = "google";
  config.models[1].upstream_model = "models/gemini 2";  // escaped into the path
  config.models[1].surfaces = {"gemini"};
  Catalog catalog(config);

  const Deployment& claude = first_deployment(catalog, "gpt-4o-mini");
  EXPECT_EQ(claude.family, ir::Format::anthropic);
  EXPECT_EQ(claude.target, "/v1/messages");
  EXPECT_EQ(claude.credential_header, "x-api-key");
  EXPECT_EQ(claude.credential_prefix, "");
  ASSERT_EQ(claude.upstream_headers.size(), 1u);
  EXPECT_EQ(claude.upstream_headers[0].name, "anthropic-version");

  const Deployment& gemini = first_deployment(catalog, "gpt-4o");
  EXPECT_EQ(gemini.family, ir::Format::gemini);
  EXPECT_EQ(gemini.target, "/v1beta/models/models%2Fgemini%202:generateContent");
  EXPECT_EQ(gemini.stream_target,
            "/v1beta/models/models%2Fgemini%202:streamGenerateContent?alt=sse");
  EXPECT_EQ(gemini.credential_header, "x-goog-api-key");
  EXPECT_TRUE(gemini.upstream_headers.empty());
  EXPECT_TRUE(gemini.allows(Surface::gemini));
  EXPECT_FALSE(gemini.allows(Surface::chat));
}

TEST(Catalog, ModelsWithSeveralDeploymentsAcrossFamiliesAndRegions) {
  auto config = two_models();
  config.providers.push_back(
      provider("claude-eu", "anthropic", "https://eu.example.com/v1", "ak", "eu"));
  config.providers.push_back(provider("openai-us", "openai", "https://us.example.com/v1", "ok"));
  config::DeploymentConfig eu;
  eu.name = "mini-eu";
  eu.provider = "claude-eu";
  eu.upstream_model = "claude-haiku";
  eu.region = "eu";
  eu.priority = 1;
  eu.weight = 3;
  config::DeploymentConfig us;
  us.name = "mini-us";
  us.provider = "openai-us";
  us.upstream_model = "gpt-4o-mini";
  us.region = "us";
  us.timeouts.first_byte = std::chrono::milliseconds(1234);
  config.models[0].deployments = {eu, us};
  Catalog catalog(config);

  const Route* route = catalog.find("gpt-4o-mini");
  ASSERT_EQ(route->deployments.size(), 2u);
  const Deployment& first = catalog.deployments()[route->deployments[0]];
  const Deployment& second = catalog.deployments()[route->deployments[1]];
  EXPECT_EQ(first.config->name, "mini-eu");
  EXPECT_EQ(first.family, ir::Format::anthropic);
  EXPECT_EQ(first.upstream_model, "claude-haiku");
  EXPECT_EQ(second.timeouts.first_byte, std::chrono::milliseconds(1234));
  EXPECT_EQ(catalog.region_name(first.region), "eu");
  EXPECT_EQ(catalog.region_name(second.region), "us");
  EXPECT_EQ(catalog.region_id("eu"), first.region);
  EXPECT_EQ(catalog.region_id("mars"), 0);
  EXPECT_EQ(route->families, (1u << static_cast<unsigned>(ir::Format::anthropic)) |
                                 (1u << static_cast<unsigned>(ir::Format::openai_chat)));
  for (std::size_t i = 0; i < catalog.deployments().size(); ++i) {
    EXPECT_EQ(catalog.deployments()[i].index, i) << "indices are the router's";
  }
}

TEST(Catalog, AliasesStandForTheirModelsInOrder) {
  auto config = two_models();
  config.models[2].surfaces = {"chat", "embeddings"};
  config.models[1].capabilities = {"tools", "vision"};
  config.routing.aliases.push_back({"smart-code", {"llama-3.1-8b", "gpt-4o"}, "Coding"});
  config.routing.auto_models = {"gpt-4o", "gpt-4o-mini"};
  Catalog catalog(config);

  const Route* alias = catalog.find("smart-code");
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(alias->kind, Route::Kind::alias);
  EXPECT_EQ(alias->description, "Coding");
  ASSERT_EQ(alias->members.size(), 2u);
  EXPECT_EQ(alias->members[0]->id, "llama-3.1-8b");
  EXPECT_EQ(alias->members[1]->id, "gpt-4o");
  EXPECT_TRUE(alias->allows(Surface::embeddings)) << "the union of its models' surfaces";
  EXPECT_EQ(catalog.find("gpt-4o")->capabilities, kTools | kVision);

  const Route* automatic = catalog.find("auto");
  ASSERT_EQ(automatic->members.size(), 2u) << "routing.auto.models restricts auto";
  EXPECT_EQ(automatic->members[0]->id, "gpt-4o-mini") << "config order, before prices sort them";
  EXPECT_EQ(catalog.routes().size(), 5u);

  config.routing.auto_enabled = false;
  Catalog without_auto(config);
  EXPECT_EQ(without_auto.find("auto"), nullptr);
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

}  // namespace
}  // namespace tollgate::gateway
