// Where models are served and how requests are routed: providers' regions, models' deployments,
// capabilities and timeouts, the top-level `routing:` and `byok:` sections. Every message a user
// can see is pinned here.
#include "config_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace tollgate::config {
namespace {

using testing::issues_of;
using testing::ScopedEnv;

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Three providers: one with a region and every timeout set, one with a region only, one with
// neither.
constexpr const char* kProviders = R"(
providers:
  - name: openai-eu
    type: openai
    base_url: "http://127.0.0.1:9099/v1"
    region: eu
    timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 3000, total_ms: 4000 }
  - { name: openai-us, type: openai, base_url: "http://127.0.0.1:9098/v1", region: us }
  - { name: claude, type: anthropic, base_url: "http://127.0.0.1:9097/v1" }
)";

constexpr const char* kPrice = R"(    pricing: { input_per_m: "1", output_per_m: "2" }
)";

// Models a routing section can refer to.
constexpr const char* kModels = R"(
models:
  - { id: gpt-4o-mini, provider: openai-eu, pricing: { input_per_m: "0.15", output_per_m: "0.60" } }
  - { id: claude-sonnet, provider: claude, pricing: { input_per_m: "3", output_per_m: "15" } }
  - { id: claude-haiku, provider: claude, pricing: { input_per_m: "1", output_per_m: "5" } }
)";

// The providers above and `models_body` (lines starting with "  - ") as the models.
std::string with_models(const std::string& models_body) {
  return std::string(kProviders) + "models:\n" + models_body;
}

// One model `m1` with `body` (lines indented by 4, no provider) and a price.
std::string with_model(const std::string& body) {
  return with_models("  - id: m1\n" + body + kPrice);
}

// The providers and models above with `routing_body` (lines indented by 2) as `routing:`.
std::string with_routing(const std::string& routing_body) {
  return std::string(kProviders) + kModels + "routing:\n" + routing_body;
}

std::string with_byok(const std::string& byok_body) {
  return std::string(kProviders) + kModels + "byok:\n" + byok_body;
}

UpstreamTimeouts timeouts(int connect, int first_byte, int idle, int total) {
  return {milliseconds(connect), milliseconds(first_byte), milliseconds(idle), milliseconds(total)};
}

void expect_timeouts(const UpstreamTimeouts& actual, const UpstreamTimeouts& expected) {
  EXPECT_EQ(actual.connect, expected.connect);
  EXPECT_EQ(actual.first_byte, expected.first_byte);
  EXPECT_EQ(actual.idle, expected.idle);
  EXPECT_EQ(actual.total, expected.total);
}

const std::string kMasterKey = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef";

// --- the example of the issue ---------------------------------------------------------------

TEST(RoutingConfig, TheIssuesExampleLoadsEveryField) {
  ScopedEnv master("TOLLGATE_TEST_MASTER_KEY", kMasterKey);
  const Config config = load_config_text(std::string(kProviders) + R"(
models:
  - id: gpt-4o-mini
    upstream_model: gpt-4o-mini
    capabilities: [tools, vision, structured_output]
    timeouts: { connect_ms: 2000, first_byte_ms: 10000, idle_ms: 30000, total_ms: 300000 }
    pricing: { input_per_m: "0.15", output_per_m: "0.60" }
    deployments:
      - provider: openai-eu
        name: eu-primary
      - provider: openai-us
        upstream_model: x
        region: us-east
        priority: 1
        weight: 3
        rpm: 100
        tpm: 100000
        timeouts: { first_byte_ms: 5000 }
  - { id: claude-sonnet, provider: claude, pricing: { input_per_m: "3", output_per_m: "15" } }
  - { id: claude-haiku, provider: claude, pricing: { input_per_m: "1", output_per_m: "5" } }
routing:
  strategy: least_latency
  retries: { max_attempts: 4, backoff_ms: 20, max_backoff_ms: 1000, max_retry_after_ms: 5000 }
  breaker: { failures: 7, cooldown_ms: 15000 }
  aliases:
    - id: smart-code
      models: [claude-sonnet, gpt-4o-mini]
      description: "Coding: frontier when needed"
  auto:
    enabled: true
    models: [gpt-4o-mini, claude-haiku]
byok:
  master_key: "${TOLLGATE_TEST_MASTER_KEY}"
)");
  const ModelConfig& model = config.models[0];
  EXPECT_THAT(model.capabilities, ElementsAre("tools", "vision", "structured_output"));
  EXPECT_EQ(model.provider, "openai-eu");
  EXPECT_EQ(model.upstream_model, "gpt-4o-mini");
  EXPECT_EQ(model.owned_by, "openai-eu");
  ASSERT_EQ(model.deployments.size(), 2u);

  const DeploymentConfig& eu = model.deployments[0];
  EXPECT_EQ(eu.name, "eu-primary");
  EXPECT_EQ(eu.provider, "openai-eu");
  EXPECT_EQ(eu.upstream_model, "gpt-4o-mini");
  EXPECT_EQ(eu.region, "eu");
  EXPECT_EQ(eu.priority, 0);
  EXPECT_EQ(eu.weight, 1u);
  EXPECT_EQ(eu.rpm, std::nullopt);
  EXPECT_EQ(eu.tpm, std::nullopt);
  expect_timeouts(eu.timeouts, timeouts(2000, 10000, 30000, 300000));

  const DeploymentConfig& us = model.deployments[1];
  EXPECT_EQ(us.name, "gpt-4o-mini@openai-us");
  EXPECT_EQ(us.provider, "openai-us");
  EXPECT_EQ(us.upstream_model, "x");
  EXPECT_EQ(us.region, "us-east");
  EXPECT_EQ(us.priority, 1);
  EXPECT_EQ(us.weight, 3u);
  EXPECT_EQ(us.rpm, 100);
  EXPECT_EQ(us.tpm, 100000);
  expect_timeouts(us.timeouts, timeouts(2000, 5000, 30000, 300000));

  const RoutingConfig& routing = config.routing;
  EXPECT_EQ(routing.strategy, RoutingStrategy::least_latency);
  EXPECT_EQ(routing.max_attempts, 4);
  EXPECT_EQ(routing.backoff, milliseconds(20));
  EXPECT_EQ(routing.max_backoff, milliseconds(1000));
  EXPECT_EQ(routing.max_retry_after, milliseconds(5000));
  EXPECT_EQ(routing.breaker_failures, 7);
  EXPECT_EQ(routing.breaker_cooldown, milliseconds(15000));
  ASSERT_EQ(routing.aliases.size(), 1u);
  EXPECT_EQ(routing.aliases[0].id, "smart-code");
  EXPECT_THAT(routing.aliases[0].models, ElementsAre("claude-sonnet", "gpt-4o-mini"));
  EXPECT_EQ(routing.aliases[0].description, "Coding: frontier when needed");
  EXPECT_TRUE(routing.auto_enabled);
  EXPECT_THAT(routing.auto_models, ElementsAre("gpt-4o-mini", "claude-haiku"));
  EXPECT_EQ(config.byok.master_key, kMasterKey);
}

// --- providers' regions ---------------------------------------------------------------------

TEST(ProviderRegion, IsReadAndOptional) {
  const Config config = load_config_text(std::string(kProviders) + kModels);
  EXPECT_EQ(config.providers[0].region, "eu");
  EXPECT_EQ(config.providers[2].region, "");
}

TEST(ProviderRegion, MustBeAPlainName) {
  EXPECT_THAT(
      issues_of(R"(
providers:
  - { name: a, type: openai, base_url: "http://127.0.0.1:1/v1", region: "eu west" }
  - { name: b, type: openai, base_url: "http://127.0.0.1:1/v1", region: "" }
models:
  - { id: m, provider: a, pricing: { input_per_m: "1", output_per_m: "1" } }
)"),
      ElementsAre(
          "providers[0].region: must be a non-empty name of letters, digits, \".\", \"_\" and "
          "\"-\", e.g. \"eu\"",
          "providers[1].region: must be a non-empty name of letters, digits, \".\", \"_\" and "
          "\"-\", e.g. \"eu\""));
}

// --- a model with one provider --------------------------------------------------------------

TEST(ModelDeployments, AModelWithAProviderHasOneResolvedDeployment) {
  const Config config = load_config_text(with_models(R"(
  - id: m1
    provider: openai-eu
    upstream_model: up-1
    pricing: { input_per_m: "1", output_per_m: "2" }
  - { id: m2, provider: claude, pricing: { input_per_m: "1", output_per_m: "2" } }
)"));
  ASSERT_EQ(config.models[0].deployments.size(), 1u);
  const DeploymentConfig& d = config.models[0].deployments[0];
  EXPECT_EQ(d.name, "m1@openai-eu");
  EXPECT_EQ(d.provider, "openai-eu");
  EXPECT_EQ(d.upstream_model, "up-1");
  EXPECT_EQ(d.region, "eu");
  EXPECT_EQ(d.priority, 0);
  EXPECT_EQ(d.weight, 1u);
  EXPECT_EQ(d.rpm, std::nullopt);
  EXPECT_EQ(d.tpm, std::nullopt);
  expect_timeouts(d.timeouts, timeouts(1000, 2000, 3000, 4000));

  ASSERT_EQ(config.models[1].deployments.size(), 1u);
  const DeploymentConfig& plain = config.models[1].deployments[0];
  EXPECT_EQ(plain.name, "m2@claude");
  EXPECT_EQ(plain.upstream_model, "m2");
  EXPECT_EQ(plain.region, "");
  expect_timeouts(plain.timeouts, UpstreamTimeouts{});
}

TEST(ModelDeployments, ModelTimeoutsOverrideTheProvidersFieldByField) {
  const Config config = load_config_text(with_model(R"(    provider: openai-eu
    timeouts: { first_byte_ms: 20000, total_ms: 40000 }
)"));
  expect_timeouts(config.models[0].deployments[0].timeouts, timeouts(1000, 20000, 3000, 40000));
  // The provider's own timeouts stay as they were.
  expect_timeouts(config.providers[0].timeouts, timeouts(1000, 2000, 3000, 4000));
}

TEST(ModelDeployments, ProviderOrDeploymentsIsRequired) {
  EXPECT_THAT(issues_of(with_model("    upstream_model: x\n")),
              ElementsAre("models[0].provider: is required"));
}

TEST(ModelDeployments, ProviderAndDeploymentsTogetherAreAnError) {
  EXPECT_THAT(issues_of(with_model(R"(    provider: openai-eu
    deployments: [{ provider: openai-us }]
)")),
              ElementsAre("models[0].provider: use either provider or deployments, not both "
                          "(each deployment names its provider)"));
}

// --- a model with a deployments list ---------------------------------------------------------

TEST(ModelDeployments, TheFirstDeploymentGivesTheModelItsProviderUpstreamModelAndOwner) {
  const Config config = load_config_text(with_model(R"(    upstream_model: base
    deployments:
      - { provider: claude, upstream_model: claude-x }
      - { provider: openai-eu }
)"));
  const ModelConfig& model = config.models[0];
  EXPECT_EQ(model.provider, "claude");
  EXPECT_EQ(model.upstream_model, "claude-x");
  EXPECT_EQ(model.owned_by, "claude");
  ASSERT_EQ(model.deployments.size(), 2u);
  EXPECT_EQ(model.deployments[1].upstream_model, "base");  // the model's, not the first's
  EXPECT_EQ(model.deployments[1].region, "eu");
  EXPECT_EQ(config.find_provider(model.provider), &config.providers[2]);
}

TEST(ModelDeployments, UpstreamModelDefaultsToTheModelId) {
  const Config config = load_config_text(with_model(R"(    owned_by: me
    deployments: [{ provider: openai-us }]
)"));
  EXPECT_EQ(config.models[0].deployments[0].upstream_model, "m1");
  EXPECT_EQ(config.models[0].upstream_model, "m1");
  EXPECT_EQ(config.models[0].owned_by, "me");
}

TEST(ModelDeployments, DefaultNamesNumberTheModelsDeploymentsOnOneProvider) {
  const Config config = load_config_text(with_model(R"(    deployments:
      - { provider: openai-eu, upstream_model: a }
      - { provider: openai-us }
      - { provider: openai-eu, upstream_model: b, name: named }
      - { provider: openai-eu, upstream_model: c }
)"));
  const std::vector<DeploymentConfig>& d = config.models[0].deployments;
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].name, "m1@openai-eu");
  EXPECT_EQ(d[1].name, "m1@openai-us");
  EXPECT_EQ(d[2].name, "named");
  // The third on openai-eu, whether or not the second has a name of its own.
  EXPECT_EQ(d[3].name, "m1@openai-eu#3");
}

TEST(ModelDeployments, TimeoutsLayerProviderThenModelThenDeployment) {
  const Config config =
      load_config_text(with_model(R"(    timeouts: { connect_ms: 10, first_byte_ms: 20 }
    deployments:
      - provider: openai-eu
        timeouts: { first_byte_ms: 200, idle_ms: 300 }
      - { provider: claude }
)"));
  expect_timeouts(config.models[0].deployments[0].timeouts, timeouts(10, 200, 300, 4000));
  const UpstreamTimeouts defaults;
  expect_timeouts(config.models[0].deployments[1].timeouts,
                  timeouts(10, 20, static_cast<int>(defaults.idle.count()),
                           static_cast<int>(defaults.total.count())));
}

TEST(ModelDeployments, RangesAreInclusive) {
  const Config config = load_config_text(with_model(R"(    deployments:
      - { provider: openai-eu, priority: 1000, weight: 1000000, rpm: 1, tpm: 1 }
      - { provider: openai-us, priority: 0, weight: 1 }
)"));
  const DeploymentConfig& d = config.models[0].deployments[0];
  EXPECT_EQ(d.priority, 1000);
  EXPECT_EQ(d.weight, 1'000'000u);
  EXPECT_EQ(d.rpm, 1);
  EXPECT_EQ(d.tpm, 1);
}

TEST(ModelDeployments, OutOfRangeValuesAreReported) {
  EXPECT_THAT(
      issues_of(with_model(R"(    deployments:
      - { provider: openai-eu, priority: 1001, weight: 0, rpm: 0, tpm: -5 }
      - { provider: openai-us, priority: -1, weight: 1000001, rpm: 1.5, tpm: many }
)")),
      ElementsAre(
          "models[0].deployments[0].priority: must be a whole number from 0 to 1000 (lower is "
          "tried first)",
          "models[0].deployments[0].weight: must be a whole number from 1 to 1000000",
          "models[0].deployments[0].rpm: must be a positive whole number of requests per minute",
          "models[0].deployments[0].tpm: must be a positive whole number of tokens per minute",
          "models[0].deployments[1].priority: must be a whole number from 0 to 1000 (lower is "
          "tried first)",
          "models[0].deployments[1].weight: must be a whole number from 1 to 1000000",
          "models[0].deployments[1].rpm: must be a positive whole number of requests per minute",
          "models[0].deployments[1].tpm: must be a positive whole number of tokens per "
          "minute"));
}

TEST(ModelDeployments, EachDeploymentNeedsAKnownProvider) {
  EXPECT_THAT(issues_of(with_model(R"(    deployments:
      - { upstream_model: x }
      - { provider: openai-uss }
      - { provider: azure }
)")),
              ElementsAre("models[0].deployments[0].provider: is required",
                          "models[0].deployments[1].provider: unknown provider \"openai-uss\" "
                          "(did you mean \"openai-us\"?)",
                          "models[0].deployments[2].provider: unknown provider \"azure\" "
                          "(configured providers: openai-eu, openai-us, claude)"));
}

TEST(ModelDeployments, TheListMustHoldMappings) {
  EXPECT_THAT(issues_of(with_model("    deployments: []\n")),
              ElementsAre("models[0].deployments: must list at least one deployment"));
  EXPECT_THAT(issues_of(with_model("    deployments: { provider: openai-eu }\n")),
              ElementsAre("models[0].deployments: must be a list of deployments, not a mapping"));
  EXPECT_THAT(issues_of(with_model("    deployments: [openai-eu]\n")),
              ElementsAre("models[0].deployments[0]: must be a mapping with at least a provider, "
                          "not a single value"));
}

TEST(ModelDeployments, AnEmptyDeploymentsKeyMeansNoList) {
  EXPECT_THAT(issues_of(with_model("    deployments:\n")),
              ElementsAre("models[0].provider: is required"));
  const Config config = load_config_text(with_model("    provider: claude\n    deployments: ~\n"));
  EXPECT_EQ(config.models[0].deployments.size(), 1u);
}

TEST(ModelDeployments, UnknownKeysSuggestTheClosestOne) {
  EXPECT_THAT(issues_of(with_model(R"(    deployments:
      - { provider: openai-eu, wieght: 2, timeouts: { first_byte: 5 } }
)")),
              ElementsAre("models[0].deployments[0].wieght: unknown key (did you mean "
                          "\"weight\"?)",
                          "models[0].deployments[0].timeouts.first_byte: unknown key (did you "
                          "mean \"first_byte_ms\"?)"));
  // The issue's own sketch wrote durations without the unit: the message points at the key.
  EXPECT_THAT(issues_of(with_model("    provider: claude\n    timeouts: { idle: 30000 }\n")),
              ElementsAre("models[0].timeouts.idle: unknown key (did you mean \"idle_ms\"?)"));
  EXPECT_THAT(issues_of(with_model("    provider: claude\n    capabilites: [tools]\n")),
              ElementsAre("models[0].capabilites: unknown key (did you mean "
                          "\"capabilities\"?)"));
}

TEST(ModelDeployments, TimeoutsAreMillisecondsLikeTheProviders) {
  const std::string message =
      ": must be a positive whole number of milliseconds, at most 86400000 (24 hours)";
  EXPECT_THAT(issues_of(with_model(R"(    timeouts: { connect_ms: 2s }
    deployments:
      - { provider: openai-eu, timeouts: { total_ms: 0 } }
)")),
              ElementsAre("models[0].timeouts.connect_ms" + message,
                          "models[0].deployments[0].timeouts.total_ms" + message));
}

TEST(ModelDeployments, NameAndRegionMustBeWellFormed) {
  EXPECT_THAT(
      issues_of(with_model(R"(    deployments:
      - { provider: openai-eu, name: "eu primary", region: "eu/west" }
      - { provider: openai-us, name: "", region: "" }
)")),
      ElementsAre("models[0].deployments[0].name: must be non-empty and contain no spaces or "
                  "control characters",
                  "models[0].deployments[0].region: must be a non-empty name of letters, digits, "
                  "\".\", \"_\" and \"-\", e.g. \"eu\"",
                  "models[0].deployments[1].name: must be non-empty and contain no spaces or "
                  "control characters",
                  "models[0].deployments[1].region: must be a non-empty name of letters, digits, "
                  "\".\", \"_\" and \"-\", e.g. \"eu\""));
}

// --- deployment names are unique across the configuration ------------------------------------

TEST(DeploymentNames, AGivenNameUsedTwiceIsReported) {
  EXPECT_THAT(issues_of(with_models(R"(
  - id: a
    pricing: { input_per_m: "1", output_per_m: "2" }
    deployments: [{ provider: openai-eu, name: primary }]
  - id: b
    pricing: { input_per_m: "1", output_per_m: "2" }
    deployments: [{ provider: openai-us, name: other }, { provider: claude, name: primary }]
)")),
              ElementsAre("models[1].deployments[1].name: duplicate deployment name \"primary\" "
                          "(also used by models[0].deployments[0])"));
}

TEST(DeploymentNames, ADefaultNameTakenByAnotherIsReported) {
  EXPECT_THAT(issues_of(with_models(R"(
  - id: a
    pricing: { input_per_m: "1", output_per_m: "2" }
    deployments: [{ provider: openai-eu, name: "b@claude" }, { provider: claude, name: "c@claude" }]
  - id: b
    pricing: { input_per_m: "1", output_per_m: "2" }
    deployments: [{ provider: claude }]
  - { id: c, provider: claude, pricing: { input_per_m: "1", output_per_m: "2" } }
)")),
              ElementsAre("models[1].deployments[0]: its default name \"b@claude\" is already "
                          "used by models[0].deployments[0]: give this deployment a name",
                          "models[2]: its deployment's default name \"c@claude\" is already used "
                          "by models[0].deployments[1]: give that one another name"));
}

TEST(DeploymentNames, ADuplicateModelIdIsReportedOnce) {
  EXPECT_THAT(issues_of(with_models(R"(
  - { id: a, provider: claude, pricing: { input_per_m: "1", output_per_m: "2" } }
  - { id: a, provider: claude, pricing: { input_per_m: "1", output_per_m: "2" } }
)")),
              ElementsAre("models[1].id: duplicate model id \"a\" (also used by models[0])"));
}

// --- capabilities ---------------------------------------------------------------------------

TEST(ModelCapabilities, DefaultToNone) {
  const Config config = load_config_text(std::string(kProviders) + kModels);
  EXPECT_THAT(config.models[0].capabilities, IsEmpty());
  const Config empty = load_config_text(with_model("    provider: claude\n    capabilities: []\n"));
  EXPECT_THAT(empty.models[0].capabilities, IsEmpty());
}

TEST(ModelCapabilities, UnknownRepeatedOrEmptyEntriesAreReported) {
  EXPECT_THAT(issues_of(with_model(
                  "    provider: claude\n    capabilities: [tools, vison, tools, \"\"]\n")),
              ElementsAre("models[0].capabilities[1]: unknown capability \"vison\": use tools, "
                          "vision or structured_output",
                          "models[0].capabilities[2]: \"tools\" is listed twice",
                          "models[0].capabilities[3]: must not be empty"));
  EXPECT_THAT(issues_of(with_model("    provider: claude\n    capabilities: tools\n")),
              ElementsAre("models[0].capabilities: must be a list of capabilities, e.g. [tools, "
                          "vision], not a single value"));
}

// --- routing --------------------------------------------------------------------------------

TEST(RoutingSection, AbsentMeansEveryDefault) {
  const Config config = load_config_text(std::string(kProviders) + kModels);
  const RoutingConfig& routing = config.routing;
  EXPECT_EQ(routing.strategy, RoutingStrategy::weighted);
  EXPECT_EQ(routing.max_attempts, 3);
  EXPECT_EQ(routing.backoff, milliseconds(50));
  EXPECT_EQ(routing.max_backoff, milliseconds(2000));
  EXPECT_EQ(routing.max_retry_after, milliseconds(10000));
  EXPECT_EQ(routing.breaker_failures, 5);
  EXPECT_EQ(routing.breaker_cooldown, milliseconds(30000));
  EXPECT_THAT(routing.aliases, IsEmpty());
  EXPECT_TRUE(routing.auto_enabled);
  EXPECT_THAT(routing.auto_models, IsEmpty());
  EXPECT_EQ(config.byok.master_key, "");
}

TEST(RoutingSection, StrategyIsWeightedOrLeastLatency) {
  EXPECT_EQ(load_config_text(with_routing("  strategy: weighted\n")).routing.strategy,
            RoutingStrategy::weighted);
  EXPECT_THAT(issues_of(with_routing("  strategy: round_robin\n")),
              ElementsAre("routing.strategy: must be \"weighted\" or \"least_latency\", not "
                          "\"round_robin\""));
}

TEST(RoutingSection, UnknownKeysSuggestTheClosestOne) {
  EXPECT_THAT(issues_of(with_routing("  retires: {}\n  breaker: { failure: 3 }\n")),
              ElementsAre("routing.retires: unknown key (did you mean \"retries\"?)",
                          "routing.breaker.failure: unknown key (did you mean \"failures\"?)"));
  EXPECT_THAT(issues_of(with_routing("  retries: { backoff: 50 }\n")),
              ElementsAre("routing.retries.backoff: unknown key (did you mean \"backoff_ms\"?)"));
  EXPECT_THAT(issues_of(with_routing("  - strategy\n")),
              ElementsAre("routing: must be a mapping of keys to values, not a list"));
}

TEST(RoutingSection, MaxAttemptsIsOneToTen) {
  EXPECT_EQ(load_config_text(with_routing("  retries: { max_attempts: 1 }\n")).routing.max_attempts,
            1);
  EXPECT_EQ(
      load_config_text(with_routing("  retries: { max_attempts: 10 }\n")).routing.max_attempts, 10);
  const std::string message = ": must be a whole number from 1 to 10 (1 = no retry)";
  EXPECT_THAT(issues_of(with_routing("  retries: { max_attempts: 0 }\n")),
              ElementsAre("routing.retries.max_attempts" + message));
  EXPECT_THAT(issues_of(with_routing("  retries: { max_attempts: 11 }\n")),
              ElementsAre("routing.retries.max_attempts" + message));
}

TEST(RoutingSection, BreakerFailuresIsOneToAThousand) {
  EXPECT_EQ(
      load_config_text(with_routing("  breaker: { failures: 1000 }\n")).routing.breaker_failures,
      1000);
  const std::string message =
      ": must be a whole number from 1 to 1000 (consecutive failures that open the breaker)";
  EXPECT_THAT(issues_of(with_routing("  breaker: { failures: 0 }\n")),
              ElementsAre("routing.breaker.failures" + message));
  EXPECT_THAT(issues_of(with_routing("  breaker: { failures: 1001 }\n")),
              ElementsAre("routing.breaker.failures" + message));
}

TEST(RoutingSection, DurationsAreMilliseconds) {
  const std::string message =
      ": must be a positive whole number of milliseconds, at most 86400000 (24 hours)";
  EXPECT_THAT(issues_of(with_routing("  retries: { backoff_ms: 0, max_retry_after_ms: 10s }\n  "
                                     "breaker: { cooldown_ms: -1 }\n")),
              ElementsAre("routing.retries.backoff_ms" + message,
                          "routing.retries.max_retry_after_ms" + message,
                          "routing.breaker.cooldown_ms" + message));
}

TEST(RoutingSection, BackoffMustNotExceedMaxBackoff) {
  const Config equal =
      load_config_text(with_routing("  retries: { backoff_ms: 2000, max_backoff_ms: 2000 }\n"));
  EXPECT_EQ(equal.routing.backoff, milliseconds(2000));
  EXPECT_THAT(issues_of(with_routing("  retries: { backoff_ms: 3000, max_backoff_ms: 2500 }\n")),
              ElementsAre("routing.retries.backoff_ms: must not exceed max_backoff_ms (2500): the "
                          "backoff doubles up to max_backoff_ms"));
  // Against the default on the other side.
  EXPECT_THAT(issues_of(with_routing("  retries: { backoff_ms: 2001 }\n")),
              ElementsAre("routing.retries.backoff_ms: must not exceed max_backoff_ms (2000): the "
                          "backoff doubles up to max_backoff_ms"));
  EXPECT_THAT(issues_of(with_routing("  retries: { max_backoff_ms: 49 }\n")),
              ElementsAre("routing.retries.max_backoff_ms: must not be below backoff_ms (50)"));
}

// --- aliases --------------------------------------------------------------------------------

TEST(RoutingAliases, DescriptionIsOptional) {
  const Config config =
      load_config_text(with_routing("  aliases:\n    - { id: cheap, models: [claude-haiku] }\n"));
  ASSERT_EQ(config.routing.aliases.size(), 1u);
  EXPECT_EQ(config.routing.aliases[0].description, "");
  EXPECT_THAT(config.routing.aliases[0].models, ElementsAre("claude-haiku"));
}

TEST(RoutingAliases, AnIdMustNotBeAModelAnotherAliasOrAuto) {
  EXPECT_THAT(
      issues_of(with_routing(R"(  aliases:
    - { id: claude-haiku, models: [claude-sonnet] }
    - { id: fast, models: [claude-haiku] }
    - { id: fast, models: [gpt-4o-mini] }
    - { id: auto, models: [gpt-4o-mini] }
    - { id: "my alias", models: [gpt-4o-mini] }
)")),
      ElementsAre("routing.aliases[0].id: \"claude-haiku\" is already the id of a model "
                  "(models[2]): an alias needs an id of its own",
                  "routing.aliases[2].id: duplicate alias id \"fast\" (also used by "
                  "routing.aliases[1])",
                  "routing.aliases[3].id: \"auto\" is reserved for the gateway's choice of a "
                  "model (routing.auto)",
                  "routing.aliases[4].id: must be non-empty and contain no spaces or control "
                  "characters"));
}

TEST(RoutingAliases, MembersMustBeModelIds) {
  EXPECT_THAT(
      issues_of(with_routing(R"(  aliases:
    - id: smart
      models: [claude-sonet, gpt-4o-mini, llama, gpt-4o-mini]
)")),
      ElementsAre("routing.aliases[0].models[0]: unknown model \"claude-sonet\" (did you mean "
                  "\"claude-sonnet\"?)",
                  "routing.aliases[0].models[2]: unknown model \"llama\" (configured models: "
                  "claude-haiku, claude-sonnet, gpt-4o-mini)",
                  "routing.aliases[0].models[3]: \"gpt-4o-mini\" is listed twice"));
}

TEST(RoutingAliases, AnAliasIsNotAMember) {
  EXPECT_THAT(issues_of(with_routing(R"(  aliases:
    - { id: fast, models: [claude-haiku] }
    - { id: smart, models: [fast] }
)")),
              ElementsAre("routing.aliases[1].models[0]: unknown model \"fast\" (configured "
                          "models: claude-haiku, claude-sonnet, gpt-4o-mini)"));
}

TEST(RoutingAliases, IdAndModelsAreRequired) {
  EXPECT_THAT(issues_of(with_routing(R"(  aliases:
    - { description: nothing }
    - { id: empty, models: [] }
    - plain
)")),
              ElementsAre("routing.aliases[0].id: is required",
                          "routing.aliases[0].models: is required: the model ids the alias "
                          "stands for, in order",
                          "routing.aliases[1].models: must list at least one model id",
                          "routing.aliases[2]: must be a mapping with id and models, not a "
                          "single value"));
  EXPECT_THAT(issues_of(with_routing("  aliases: { id: x }\n")),
              ElementsAre("routing.aliases: must be a list of aliases, not a mapping"));
  EXPECT_THAT(issues_of(with_routing("  aliases:\n    - { id: x, models: claude-haiku }\n")),
              ElementsAre("routing.aliases[0].models: must be a list of model ids, e.g. "
                          "[gpt-4o-mini], not a single value"));
}

// --- auto -----------------------------------------------------------------------------------

TEST(RoutingAuto, CanBeTurnedOffAndLimitedToSomeModels) {
  const Config off = load_config_text(with_routing("  auto: { enabled: false }\n"));
  EXPECT_FALSE(off.routing.auto_enabled);
  const Config some = load_config_text(with_routing("  auto: { models: [claude-haiku] }\n"));
  EXPECT_TRUE(some.routing.auto_enabled);
  EXPECT_THAT(some.routing.auto_models, ElementsAre("claude-haiku"));
}

TEST(RoutingAuto, ModelsMustBeModelIds) {
  EXPECT_THAT(issues_of(with_routing("  auto: { enabled: yes, models: [gpt-4o-mni, smart] }\n")),
              ElementsAre("routing.auto.enabled: must be true or false",
                          "routing.auto.models[0]: unknown model \"gpt-4o-mni\" (did you mean "
                          "\"gpt-4o-mini\"?)",
                          "routing.auto.models[1]: unknown model \"smart\" (configured models: "
                          "claude-haiku, claude-sonnet, gpt-4o-mini)"));
}

TEST(RoutingAuto, AModelNamedAutoIsAnErrorWhileAutoIsOn) {
  const std::string models = with_models(R"(
  - { id: m, provider: claude, pricing: { input_per_m: "1", output_per_m: "2" } }
  - { id: auto, provider: claude, pricing: { input_per_m: "1", output_per_m: "2" } }
)");
  const std::vector<std::string> expected = {
      "models[1].id: \"auto\" is reserved for the gateway's choice of a model while "
      "routing.auto.enabled is true: rename the model, or turn auto off"};
  EXPECT_EQ(issues_of(models), expected);  // on by default
  EXPECT_EQ(issues_of(models + "routing: { auto: { enabled: true } }\n"), expected);
  const Config off = load_config_text(models + "routing: { auto: { enabled: false } }\n");
  EXPECT_NE(off.find_model("auto"), nullptr);
}

// --- byok -----------------------------------------------------------------------------------

TEST(ByokSection, ReadsAMasterKeyOfSixtyFourHexDigits) {
  EXPECT_EQ(load_config_text(with_byok("  master_key: \"" + kMasterKey + "\"\n")).byok.master_key,
            kMasterKey);
}

TEST(ByokSection, AnEmptyOrUnsetKeyTurnsByokOff) {
  ScopedEnv unset("TOLLGATE_TEST_MASTER_KEY", std::nullopt);
  EXPECT_EQ(load_config_text(with_byok("  master_key: \"${TOLLGATE_TEST_MASTER_KEY:-}\"\n"))
                .byok.master_key,
            "");
  EXPECT_EQ(load_config_text(with_byok("  master_key:\n")).byok.master_key, "");
  EXPECT_THAT(issues_of(with_byok("  master_key: \"${TOLLGATE_TEST_MASTER_KEY}\"\n")),
              ElementsAre("byok.master_key: environment variable TOLLGATE_TEST_MASTER_KEY is not "
                          "set"));
}

TEST(ByokSection, AMalformedKeyIsReportedWithoutItsValue) {
  const std::string short_key = kMasterKey.substr(0, 63);
  const std::vector<std::string> short_issues =
      issues_of(with_byok("  master_key: \"" + short_key + "\"\n"));
  EXPECT_THAT(short_issues,
              ElementsAre("byok.master_key: must be exactly 64 hex digits (a 256-bit key), not 63 "
                          "characters; generate one with `openssl rand -hex 32`"));

  const std::string not_hex = kMasterKey.substr(0, 63) + "g";
  const std::vector<std::string> hex_issues =
      issues_of(with_byok("  master_key: \"" + not_hex + "\"\n"));
  EXPECT_THAT(hex_issues,
              ElementsAre("byok.master_key: must be exactly 64 hex digits (0-9, a-f) and holds "
                          "another character; generate one with `openssl rand -hex 32`"));
  for (const std::string& issue : short_issues) EXPECT_THAT(issue, Not(HasSubstr("0123456789")));
  for (const std::string& issue : hex_issues) EXPECT_THAT(issue, Not(HasSubstr("0123456789")));
}

TEST(ByokSection, UnknownKeysAreReported) {
  EXPECT_THAT(issues_of(with_byok("  masterkey: x\n")),
              ElementsAre("byok.masterkey: unknown key (did you mean \"master_key\"?)"));
}

}  // namespace
}  // namespace tollgate::config
