// Loading and validating a Tollgate configuration: every message a user can see is pinned here.
#include "config/config.hpp"

#include "config_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace tollgate::config {
namespace {

using testing::issues_of;
using testing::ScopedEnv;

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr const char* kProviders = R"(
providers:
  - name: local
    type: openai
    base_url: "http://127.0.0.1:9099/v1"
)";

constexpr const char* kModels = R"(
models:
  - id: m1
    provider: local
    pricing: { input_per_m: "1", output_per_m: "2" }
)";

std::string minimal() {
  return std::string(kProviders) + kModels;
}

// A minimal valid config with `server_body` (indented lines) as its server section.
std::string with_server(const std::string& server_body) {
  return "server:\n" + server_body + kProviders + kModels;
}

// A minimal valid config with `provider_body` (lines indented by 4) added to its one provider.
std::string with_provider(const std::string& provider_body) {
  return std::string(kProviders) + provider_body + kModels;
}

// A minimal valid config with `model_body` (lines indented by 4) as its one model.
std::string with_model(const std::string& model_body) {
  return std::string(kProviders) + "models:\n  - " + model_body.substr(4);
}

// A minimal valid config whose one provider has `url` as its base_url.
std::string provider_with_url(const std::string& url) {
  return "providers:\n  - { name: local, type: openai, base_url: \"" + url + "\" }\n" + kModels;
}

// --- whole configurations -------------------------------------------------------------------

TEST(ConfigLoad, FullConfigFromTheIssueLoadsEveryField) {
  ScopedEnv admin("TOLLGATE_ADMIN_KEY", "admin-secret");
  ScopedEnv upstream("UPSTREAM_KEY", "sk-upstream");
  const Config config = load_config_text(R"(
server: { listen: "127.0.0.1:8080", admin_key: "${TOLLGATE_ADMIN_KEY}", threads: 0, max_header_bytes: 16384, max_body_bytes: 8388608, header_timeout_ms: 10000, body_timeout_ms: 30000, idle_timeout_ms: 60000, shutdown_grace_ms: 15000, access_log: stderr }
store:  { sqlite: "./tollgate.db" }
providers:
  - { name: local, type: openai, base_url: "http://127.0.0.1:9099/v1", api_key: "${UPSTREAM_KEY}", ca_file: "", tls_verify: true,
      timeouts: { connect_ms: 5000, first_byte_ms: 60000, idle_ms: 60000, total_ms: 600000 }, max_idle_connections: 64 }
models:
  - id: gpt-4o-mini
    provider: local
    upstream_model: gpt-4o-mini
    context_length: 128000
    owned_by: openai
    pricing: { input_per_m: "0.15", output_per_m: "0.60", cached_input_per_m: "0.075" }
)");
  EXPECT_EQ(config.server.listen_host, "127.0.0.1");
  EXPECT_EQ(config.server.listen_port, 8080);
  EXPECT_EQ(config.server.admin_key, "admin-secret");
  EXPECT_EQ(config.server.threads, 0u);
  EXPECT_EQ(config.server.max_header_bytes, 16384u);
  EXPECT_EQ(config.server.max_body_bytes, 8388608u);
  EXPECT_EQ(config.server.header_timeout, milliseconds(10000));
  EXPECT_EQ(config.server.body_timeout, milliseconds(30000));
  EXPECT_EQ(config.server.idle_timeout, milliseconds(60000));
  EXPECT_EQ(config.server.shutdown_grace, milliseconds(15000));
  EXPECT_EQ(config.server.access_log, "stderr");
  EXPECT_EQ(config.store.sqlite_path, "./tollgate.db");

  ASSERT_EQ(config.providers.size(), 1u);
  const ProviderConfig& p = config.providers[0];
  EXPECT_EQ(p.name, "local");
  EXPECT_EQ(p.type, "openai");
  EXPECT_EQ(p.base_url, "http://127.0.0.1:9099/v1");
  EXPECT_EQ(p.api_key, "sk-upstream");
  EXPECT_EQ(p.ca_file, "");
  EXPECT_TRUE(p.tls_verify);
  EXPECT_EQ(p.timeouts.connect, milliseconds(5000));
  EXPECT_EQ(p.timeouts.first_byte, milliseconds(60000));
  EXPECT_EQ(p.timeouts.idle, milliseconds(60000));
  EXPECT_EQ(p.timeouts.total, milliseconds(600000));
  EXPECT_EQ(p.max_idle_connections, 64u);

  ASSERT_EQ(config.models.size(), 1u);
  const ModelConfig& m = config.models[0];
  EXPECT_EQ(m.id, "gpt-4o-mini");
  EXPECT_EQ(m.provider, "local");
  EXPECT_EQ(m.upstream_model, "gpt-4o-mini");
  EXPECT_EQ(m.context_length, 128000);
  EXPECT_EQ(m.owned_by, "openai");
  EXPECT_EQ(m.pricing.input_micros_per_m, 150'000);
  EXPECT_EQ(m.pricing.output_micros_per_m, 600'000);
  EXPECT_EQ(m.pricing.cached_input_micros_per_m, 75'000);
}

TEST(ConfigLoad, MinimalConfigGetsTheDocumentedDefaults) {
  const Config config = load_config_text(minimal());
  const Config defaults;
  EXPECT_EQ(config.server.listen_host, "127.0.0.1");
  EXPECT_EQ(config.server.listen_port, 8080);
  EXPECT_EQ(config.server.admin_key, "");
  EXPECT_EQ(config.server.threads, 0u);
  EXPECT_EQ(config.server.max_header_bytes, 16u * 1024);
  EXPECT_EQ(config.server.max_body_bytes, 8u * 1024 * 1024);
  EXPECT_EQ(config.server.header_timeout, milliseconds(10'000));
  EXPECT_EQ(config.server.body_timeout, milliseconds(30'000));
  EXPECT_EQ(config.server.idle_timeout, milliseconds(60'000));
  EXPECT_EQ(config.server.shutdown_grace, milliseconds(15'000));
  EXPECT_EQ(config.server.access_log, "stderr");
  EXPECT_EQ(config.store.sqlite_path, "./tollgate.db");

  ASSERT_EQ(config.providers.size(), 1u);
  const ProviderConfig& p = config.providers[0];
  EXPECT_EQ(p.api_key, "");
  EXPECT_EQ(p.ca_file, "");
  EXPECT_TRUE(p.tls_verify);
  EXPECT_EQ(p.timeouts.connect, milliseconds(5'000));
  EXPECT_EQ(p.timeouts.first_byte, milliseconds(60'000));
  EXPECT_EQ(p.timeouts.idle, milliseconds(60'000));
  EXPECT_EQ(p.timeouts.total, milliseconds(600'000));
  EXPECT_EQ(p.max_idle_connections, 64u);

  ASSERT_EQ(config.models.size(), 1u);
  const ModelConfig& m = config.models[0];
  EXPECT_EQ(m.upstream_model, "m1") << "defaults to the id";
  EXPECT_EQ(m.owned_by, "local") << "defaults to the provider name";
  EXPECT_EQ(m.context_length, std::nullopt);
  EXPECT_EQ(m.pricing.input_micros_per_m, 1'000'000);
  EXPECT_EQ(m.pricing.output_micros_per_m, 2'000'000);
  EXPECT_EQ(m.pricing.cached_input_micros_per_m, 1'000'000) << "defaults to the input price";
}

TEST(ConfigLoad, EmptySectionsMeanDefaults) {
  const Config config = load_config_text("server:\nstore:\n" + minimal());
  EXPECT_EQ(config.server.listen_port, 8080);
  EXPECT_EQ(config.store.sqlite_path, "./tollgate.db");
}

TEST(ConfigLoad, FindProviderAndFindModel) {
  const Config config = load_config_text(std::string(kProviders) + R"(
  - name: other
    type: openai
    base_url: "https://api.example.com/v1"
models:
  - id: a
    provider: local
    pricing: { input_per_m: "1", output_per_m: "1" }
  - id: b
    provider: other
    pricing: { input_per_m: "1", output_per_m: "1" }
)");
  ASSERT_NE(config.find_provider("other"), nullptr);
  EXPECT_EQ(config.find_provider("other")->base_url, "https://api.example.com/v1");
  EXPECT_EQ(config.find_provider("nope"), nullptr);
  ASSERT_NE(config.find_model("b"), nullptr);
  EXPECT_EQ(config.find_model("b")->provider, "other");
  EXPECT_EQ(config.find_model("B"), nullptr) << "ids are case-sensitive";
}

TEST(ConfigLoad, DemoConfigFromExamplesLoads) {
  ScopedEnv admin("TOLLGATE_ADMIN_KEY", std::nullopt);
  ScopedEnv upstream("UPSTREAM_KEY", std::nullopt);
  // ctest runs unit tests from the source tree (tests/CMakeLists.txt).
  const auto demo = std::filesystem::path("examples/demo.yaml");
  const Config config = load_config_file(demo.string());
  EXPECT_EQ(config.server.listen_host, "127.0.0.1");
  EXPECT_EQ(config.server.listen_port, 8080);
  EXPECT_EQ(config.server.admin_key, "") << "admin API disabled unless the variable is set";
  EXPECT_EQ(config.store.sqlite_path, "./tollgate.db");
  ASSERT_EQ(config.providers.size(), 3u);
  EXPECT_EQ(config.providers[0].name, "mock");
  EXPECT_EQ(config.providers[0].base_url, "http://127.0.0.1:9099/v1");
  EXPECT_EQ(config.providers[0].api_key, "mock-upstream-key");
  EXPECT_EQ(config.providers[1].type, "anthropic");
  EXPECT_EQ(config.providers[2].type, "gemini");
  EXPECT_EQ(config.providers[2].base_url, "http://127.0.0.1:9099/v1beta");
  ASSERT_EQ(config.models.size(), 6u);
  EXPECT_EQ(config.find_model("text-embedding-3-small")->surfaces,
            std::vector<std::string>{"embeddings"});
  EXPECT_EQ(config.find_model("claude-sonnet-4-5")->surfaces.size(), 4u);

  const ModelConfig* mini = config.find_model("gpt-4o-mini");
  ASSERT_NE(mini, nullptr);
  EXPECT_EQ(mini->pricing.input_micros_per_m, 150'000);
  EXPECT_EQ(mini->pricing.output_micros_per_m, 600'000);
  EXPECT_EQ(mini->pricing.cached_input_micros_per_m, 150'000);
  EXPECT_EQ(mini->context_length, 128000);

  const ModelConfig* big = config.find_model("gpt-4o");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->pricing.input_micros_per_m, 2'500'000);
  EXPECT_EQ(big->pricing.output_micros_per_m, 10'000'000);
  EXPECT_EQ(big->pricing.cached_input_micros_per_m, 1'250'000);
  EXPECT_EQ(big->context_length, 128000);

  const ModelConfig* llama = config.find_model("llama-3.1-8b");
  ASSERT_NE(llama, nullptr);
  EXPECT_EQ(llama->upstream_model, "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(llama->pricing.input_micros_per_m, 20'000);
  EXPECT_EQ(llama->pricing.output_micros_per_m, 50'000);
  EXPECT_EQ(llama->context_length, 131072);
}

TEST(ConfigLoad, DemoConfigTakesKeysFromTheEnvironment) {
  ScopedEnv admin("TOLLGATE_ADMIN_KEY", "demo-admin");
  ScopedEnv upstream("UPSTREAM_KEY", "real-key");
  // ctest runs unit tests from the source tree (tests/CMakeLists.txt).
  const auto demo = std::filesystem::path("examples/demo.yaml");
  const Config config = load_config_file(demo.string());
  EXPECT_EQ(config.server.admin_key, "demo-admin");
  EXPECT_EQ(config.providers[0].api_key, "real-key");
}

// --- files and YAML syntax ------------------------------------------------------------------

TEST(ConfigFile, MissingFileIsReportedWithItsPath) {
  try {
    load_config_file("/nonexistent/tollgate.yaml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/tollgate.yaml: cannot read: No such file or directory");
  }
}

TEST(ConfigFile, DirectoryIsRefused) {
  const std::string dir = std::filesystem::temp_directory_path().string();
  try {
    load_config_file(dir);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), dir + ": cannot read: is a directory");
  }
}

TEST(ConfigFile, FileLoadsAndItsNameAppearsInSyntaxErrors) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("tollgate_config_test_" + std::to_string(::getpid()) + ".yaml");
  { std::ofstream(path) << minimal(); }
  EXPECT_EQ(load_config_file(path.string()).models.size(), 1u);
  { std::ofstream(path) << "server:\n  listen: [\n"; }
  try {
    load_config_file(path.string());
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), StartsWith(path.string() + ":3:1: invalid YAML: "));
  }
  std::filesystem::remove(path);
}

TEST(ConfigSyntax, SyntaxErrorCarriesLineAndColumn) {
  EXPECT_THAT(issues_of("server:\n  listen: \"a\"\n   bad: [1\n"),
              ElementsAre(StartsWith("<config>:3:")));
  EXPECT_THAT(issues_of("server: {listen: x\n"),
              ElementsAre("<config>:2:1: invalid YAML: end of map flow not found"));
  EXPECT_THAT(issues_of("a: b\n  c: d\n"),
              ElementsAre("<config>:2:4: invalid YAML: illegal map value"));
}

TEST(ConfigSyntax, SourceNameIsUsedInSyntaxErrors) {
  try {
    load_config_text("a: [", "prod.yaml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), StartsWith("prod.yaml:"));
  }
}

TEST(ConfigSyntax, EmptyDocumentIsAnError) {
  EXPECT_THAT(issues_of(""), ElementsAre("<config>: the configuration is empty"));
  EXPECT_THAT(issues_of("# just a comment\n"), ElementsAre("<config>: the configuration is empty"));
}

TEST(ConfigSyntax, TopLevelMustBeAMapping) {
  EXPECT_THAT(issues_of("- a\n- b\n"),
              ElementsAre("<config>: must be a YAML mapping with the keys server, store, "
                          "billing, auth, routing, byok, providers and models"));
}

TEST(ConfigSyntax, MoreThanOneDocumentIsAnError) {
  EXPECT_THAT(issues_of(minimal() + "---\n" + minimal()),
              ElementsAre("<config>: holds 2 YAML documents (\"---\"); a configuration is exactly "
                          "one"));
}

// --- keys ---------------------------------------------------------------------------------

TEST(ConfigKeys, UnknownKeySuggestsTheClosestKnownKey) {
  EXPECT_THAT(issues_of(with_server("  listne: \"127.0.0.1:1\"\n")),
              ElementsAre("server.listne: unknown key (did you mean \"listen\"?)"));
  EXPECT_THAT(issues_of("provider: []\n" + minimal()),
              ElementsAre("provider: unknown key (did you mean \"providers\"?)"));
  EXPECT_THAT(issues_of(with_server("  max_body_byte: 10\n")),
              ElementsAre("server.max_body_byte: unknown key (did you mean \"max_body_bytes\"?)"));
  EXPECT_THAT(issues_of(with_provider("    timeouts: { conect_ms: 1 }\n")),
              ElementsAre("providers[0].timeouts.conect_ms: unknown key (did you mean "
                          "\"connect_ms\"?)"));
  EXPECT_THAT(issues_of(with_model(R"(    id: m1
    provider: local
    pricing: { input_per_m: "1", output_per_m: "2", cache_input_per_m: "1" }
)")),
              ElementsAre("models[0].pricing.cache_input_per_m: unknown key (did you mean "
                          "\"cached_input_per_m\"?)"));
}

TEST(ConfigKeys, UnknownKeyWithoutCloseMatchListsTheValidKeys) {
  EXPECT_THAT(issues_of("store: { postgres: x }\n" + minimal()),
              ElementsAre("store.postgres: unknown key (valid keys here: sqlite, "
                          "usage_batch_ms)"));
  EXPECT_THAT(issues_of("logging: {}\n" + minimal()),
              ElementsAre("logging: unknown key (valid keys here: server, store, billing, "
                          "auth, routing, byok, providers, models)"));
}

TEST(ConfigKeys, RepeatedKeyIsAnError) {
  EXPECT_THAT(issues_of(with_server("  threads: 1\n  threads: 2\n")),
              ElementsAre("server.threads: duplicate key"));
}

TEST(ConfigKeys, SectionOfTheWrongShapeIsAnError) {
  EXPECT_THAT(issues_of("server: 8080\n" + minimal()),
              ElementsAre("server: must be a mapping of keys to values, not a single value"));
  EXPECT_THAT(issues_of("store: [a]\n" + minimal()),
              ElementsAre("store: must be a mapping of keys to values, not a list"));
  EXPECT_THAT(issues_of(with_server("  listen: [a, b]\n")),
              ElementsAre("server.listen: must be a single value, not a list"));
  EXPECT_THAT(issues_of(with_provider("    api_key: { a: b }\n")),
              ElementsAre("providers[0].api_key: must be a single value, not a mapping"));
}

// --- environment substitution ---------------------------------------------------------------

TEST(ConfigEnv, SetVariableIsSubstituted) {
  ScopedEnv key("TOLLGATE_TEST_KEY", "sk-123");
  const Config config = load_config_text(with_provider("    api_key: \"${TOLLGATE_TEST_KEY}\"\n"));
  EXPECT_EQ(config.providers[0].api_key, "sk-123");
}

TEST(ConfigEnv, UnsetVariableIsAnErrorWithItsPath) {
  ScopedEnv key("UPSTREAM_KEY", std::nullopt);
  EXPECT_THAT(issues_of(with_provider("    api_key: \"${UPSTREAM_KEY}\"\n")),
              ElementsAre("providers[0].api_key: environment variable UPSTREAM_KEY is not set"));
}

TEST(ConfigEnv, SetButEmptyVariableGivesAnEmptyValue) {
  ScopedEnv key("TOLLGATE_TEST_KEY", "");
  const Config config = load_config_text(with_provider("    api_key: \"${TOLLGATE_TEST_KEY}\"\n"));
  EXPECT_EQ(config.providers[0].api_key, "");
}

TEST(ConfigEnv, DefaultIsUsedWhenUnsetOrEmpty) {
  {
    ScopedEnv key("TOLLGATE_TEST_KEY", std::nullopt);
    const Config config =
        load_config_text(with_provider("    api_key: \"${TOLLGATE_TEST_KEY:-fallback}\"\n"));
    EXPECT_EQ(config.providers[0].api_key, "fallback");
  }
  {
    ScopedEnv key("TOLLGATE_TEST_KEY", "");
    const Config config =
        load_config_text(with_provider("    api_key: \"${TOLLGATE_TEST_KEY:-fallback}\"\n"));
    EXPECT_EQ(config.providers[0].api_key, "fallback");
  }
  {
    ScopedEnv key("TOLLGATE_TEST_KEY", "real");
    const Config config =
        load_config_text(with_provider("    api_key: \"${TOLLGATE_TEST_KEY:-fallback}\"\n"));
    EXPECT_EQ(config.providers[0].api_key, "real");
  }
}

TEST(ConfigEnv, EmptyDefaultIsAllowed) {
  ScopedEnv key("TOLLGATE_ADMIN_KEY", std::nullopt);
  const Config config = load_config_text(with_server("  admin_key: \"${TOLLGATE_ADMIN_KEY:-}\"\n"));
  EXPECT_EQ(config.server.admin_key, "");
}

TEST(ConfigEnv, DoubleDollarEscapesADollar) {
  ScopedEnv key("TOLLGATE_TEST_KEY", "x");
  EXPECT_EQ(load_config_text(with_provider("    api_key: \"a$$b\"\n")).providers[0].api_key, "a$b");
  EXPECT_EQ(load_config_text(with_provider("    api_key: \"$${TOLLGATE_TEST_KEY}\"\n"))
                .providers[0]
                .api_key,
            "${TOLLGATE_TEST_KEY}");
  EXPECT_EQ(load_config_text(with_provider("    api_key: \"$$${TOLLGATE_TEST_KEY}\"\n"))
                .providers[0]
                .api_key,
            "$x");
  EXPECT_EQ(load_config_text(with_provider("    api_key: \"$$$${TOLLGATE_TEST_KEY}\"\n"))
                .providers[0]
                .api_key,
            "$${TOLLGATE_TEST_KEY}");
}

TEST(ConfigEnv, LoneDollarIsKeptAsWritten) {
  EXPECT_EQ(load_config_text(with_provider("    api_key: \"pa$word$\"\n")).providers[0].api_key,
            "pa$word$");
}

TEST(ConfigEnv, SeveralReferencesInOneValue) {
  ScopedEnv host("TOLLGATE_TEST_HOST", "10.0.0.5");
  ScopedEnv port("TOLLGATE_TEST_PORT", std::nullopt);
  const Config config = load_config_text(
      provider_with_url("http://${TOLLGATE_TEST_HOST}:${TOLLGATE_TEST_PORT:-9000}/v1"));
  EXPECT_EQ(config.providers[0].base_url, "http://10.0.0.5:9000/v1");
}

TEST(ConfigEnv, SubstitutedValuesAreValidatedLikeWrittenOnes) {
  ScopedEnv threads("TOLLGATE_TEST_THREADS", "4");
  ScopedEnv price("TOLLGATE_TEST_PRICE", "0.5");
  ScopedEnv bad("TOLLGATE_TEST_BAD", "lots");
  const Config config = load_config_text(
      "server: { threads: \"${TOLLGATE_TEST_THREADS}\", idle_timeout_ms: "
      "\"${TOLLGATE_TEST_MS:-5}\" }\n" +
      std::string(kProviders) + R"(
models:
  - id: m1
    provider: local
    pricing: { input_per_m: "${TOLLGATE_TEST_PRICE}", output_per_m: "${TOLLGATE_TEST_UNSET_PRICE:-1.25}" }
)");
  EXPECT_EQ(config.server.threads, 4u);
  EXPECT_EQ(config.server.idle_timeout, milliseconds(5));
  EXPECT_EQ(config.models[0].pricing.input_micros_per_m, 500'000);
  EXPECT_EQ(config.models[0].pricing.output_micros_per_m, 1'250'000);

  EXPECT_THAT(issues_of(with_server("  threads: \"${TOLLGATE_TEST_BAD}\"\n")),
              ElementsAre("server.threads: must be a whole number from 0 to 256 (0 = one per CPU "
                          "core)"));
}

TEST(ConfigEnv, ValuesFromTheEnvironmentAreNotParsedAsYaml) {
  ScopedEnv key("TOLLGATE_TEST_KEY", "a: [b, \"c\"\n- ${NOT_EXPANDED}");
  const Config config = load_config_text(with_provider("    api_key: \"${TOLLGATE_TEST_KEY}\"\n"));
  EXPECT_EQ(config.providers[0].api_key, "a: [b, \"c\"\n- ${NOT_EXPANDED}");
}

TEST(ConfigEnv, KeysAreNotSubstituted) {
  ScopedEnv key("TOLLGATE_TEST_KEY", "listen");
  EXPECT_THAT(issues_of(with_server("  \"${TOLLGATE_TEST_KEY}\": \"127.0.0.1:1\"\n")),
              ElementsAre("server.${TOLLGATE_TEST_KEY}: unknown key (valid keys here: listen, "
                          "admin_key, threads, max_header_bytes, max_body_bytes, "
                          "header_timeout_ms, body_timeout_ms, idle_timeout_ms, "
                          "shutdown_grace_ms, access_log)"));
}

TEST(ConfigEnv, MalformedReferencesAreErrors) {
  EXPECT_THAT(issues_of(with_provider("    api_key: \"${UNCLOSED\"\n")),
              ElementsAre("providers[0].api_key: unterminated \"${\" (write \"$$\" for a literal "
                          "\"$\")"));
  EXPECT_THAT(issues_of(with_provider("    api_key: \"${1ABC}\"\n")),
              ElementsAre("providers[0].api_key: invalid environment variable reference "
                          "\"${1ABC}\" (names are letters, digits and \"_\", not starting with a "
                          "digit)"));
  EXPECT_THAT(issues_of(with_provider("    api_key: \"${}\"\n")),
              ElementsAre("providers[0].api_key: invalid environment variable reference \"${}\" "
                          "(names are letters, digits and \"_\", not starting with a digit)"));
}

TEST(ConfigEnv, EveryUnsetVariableInAValueIsReported) {
  ScopedEnv a("TOLLGATE_TEST_A", std::nullopt);
  ScopedEnv b("TOLLGATE_TEST_B", std::nullopt);
  EXPECT_THAT(issues_of(with_provider("    api_key: \"${TOLLGATE_TEST_A}-${TOLLGATE_TEST_B}\"\n")),
              ElementsAre("providers[0].api_key: environment variable TOLLGATE_TEST_A is not set",
                          "providers[0].api_key: environment variable TOLLGATE_TEST_B is not set"));
}

TEST(ConfigEnv, UnsetRequiredValueIsNotAlsoReportedAsMissing) {
  ScopedEnv url("TOLLGATE_TEST_URL", std::nullopt);
  const std::string yaml = R"(
providers:
  - name: local
    type: openai
    base_url: "${TOLLGATE_TEST_URL}"
)" + std::string(kModels);
  EXPECT_THAT(issues_of(yaml),
              ElementsAre("providers[0].base_url: environment variable TOLLGATE_TEST_URL is not "
                          "set"));
}

// --- server ---------------------------------------------------------------------------------

TEST(ConfigServer, ListenAcceptsHostPortIpv6AndPortZero) {
  auto listen = [](const std::string& value) {
    const Config c = load_config_text(with_server("  listen: \"" + value + "\"\n"));
    return c.server.listen_host + " " + std::to_string(c.server.listen_port);
  };
  EXPECT_EQ(listen("127.0.0.1:8080"), "127.0.0.1 8080");
  EXPECT_EQ(listen("0.0.0.0:0"), "0.0.0.0 0");
  EXPECT_EQ(listen("10.1.2.3:65535"), "10.1.2.3 65535");
  EXPECT_EQ(listen("[::1]:8080"), "::1 8080");
  EXPECT_EQ(listen("[::]:443"), ":: 443");
  EXPECT_EQ(listen("[::ffff:127.0.0.1]:1"), "::ffff:127.0.0.1 1");
}

TEST(ConfigServer, ListenErrors) {
  auto error = [](const std::string& value) {
    std::vector<std::string> issues = issues_of(with_server("  listen: \"" + value + "\"\n"));
    return issues.size() == 1 ? issues[0]
                              : "unexpected issue count " + std::to_string(issues.size());
  };
  EXPECT_EQ(error("127.0.0.1"),
            "server.listen: invalid address \"127.0.0.1\": expected \"host:port\", e.g. "
            "\"127.0.0.1:8080\" or \"[::1]:8080\"");
  EXPECT_EQ(error(""),
            "server.listen: invalid address \"\": expected \"host:port\", e.g. \"127.0.0.1:8080\" "
            "or \"[::1]:8080\"");
  EXPECT_EQ(error(":8080"),
            "server.listen: invalid address \":8080\": the host is missing (use \"0.0.0.0:PORT\" "
            "to listen on all interfaces)");
  EXPECT_EQ(error("::1:8080"),
            "server.listen: invalid address \"::1:8080\": IPv6 addresses must be in brackets, "
            "e.g. \"[::1]:8080\"");
  EXPECT_EQ(error("127.0.0.1:65536"),
            "server.listen: invalid address \"127.0.0.1:65536\": the port must be a number from 0 "
            "to 65535");
  EXPECT_EQ(error("127.0.0.1:http"),
            "server.listen: invalid address \"127.0.0.1:http\": the port must be a number from 0 "
            "to 65535");
  EXPECT_EQ(error("127.0.0.1:"),
            "server.listen: invalid address \"127.0.0.1:\": the port must be a number from 0 to "
            "65535");
  EXPECT_EQ(error("[::1]8080"),
            "server.listen: invalid address \"[::1]8080\": expected \":port\" after \"]\"");
  EXPECT_EQ(error("[::1:8080"),
            "server.listen: invalid address \"[::1:8080\": \"[\" without a matching \"]\"");
  EXPECT_EQ(error("[zz]:1"),
            "server.listen: invalid address \"[zz]:1\": invalid IPv6 address \"zz\"");
  EXPECT_EQ(error("[1:2]:80"),
            "server.listen: invalid address \"[1:2]:80\": invalid IPv6 address \"1:2\"");
  EXPECT_EQ(error("localhost:80"),
            "server.listen: invalid address \"localhost:80\": the host must be an IP address, e.g. "
            "\"127.0.0.1\", \"0.0.0.0\" or \"[::1]\"");
  EXPECT_EQ(error("127.0.0.256:80"),
            "server.listen: invalid address \"127.0.0.256:80\": the host must be an IP address, "
            "e.g. \"127.0.0.1\", \"0.0.0.0\" or \"[::1]\"");
  EXPECT_EQ(error("my host:80"),
            "server.listen: invalid address \"my host:80\": invalid host \"my host\"");
}

TEST(ConfigServer, ThreadsRange) {
  EXPECT_EQ(load_config_text(with_server("  threads: 256\n")).server.threads, 256u);
  const std::string message =
      "server.threads: must be a whole number from 0 to 256 (0 = one per CPU core)";
  EXPECT_THAT(issues_of(with_server("  threads: 257\n")), ElementsAre(message));
  EXPECT_THAT(issues_of(with_server("  threads: -1\n")), ElementsAre(message));
  EXPECT_THAT(issues_of(with_server("  threads: 2.5\n")), ElementsAre(message));
  EXPECT_THAT(issues_of(with_server("  threads: many\n")), ElementsAre(message));
}

TEST(ConfigServer, ByteSizesAcceptNumbersAndBinaryUnits) {
  auto header_bytes = [](const std::string& value) {
    return load_config_text(with_server("  max_header_bytes: " + value + "\n"))
        .server.max_header_bytes;
  };
  EXPECT_EQ(header_bytes("1"), 1u);
  EXPECT_EQ(header_bytes("32768"), 32768u);
  EXPECT_EQ(header_bytes("\"512B\""), 512u);
  EXPECT_EQ(header_bytes("16KiB"), 16384u);
  EXPECT_EQ(header_bytes("\"8MiB\""), 8u * 1024 * 1024);
  EXPECT_EQ(header_bytes("\"8 MiB\""), 8u * 1024 * 1024);
  EXPECT_EQ(header_bytes("2GiB"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(load_config_text(with_server("  max_body_bytes: 1MiB\n")).server.max_body_bytes,
            1024u * 1024);
}

TEST(ConfigServer, ByteSizeErrors) {
  const std::string message =
      "server.max_body_bytes: must be a positive size in bytes, e.g. 16384, \"16KiB\" or "
      "\"8MiB\"";
  for (const char* bad : {"0", "-1", "\"0KiB\"", "16KB", "1.5MiB", "\"MiB\"", "16kib",
                          "\"16  KiB\"", "99999999999999999999", "\"17179869184GiB\"", "1e6"}) {
    EXPECT_THAT(issues_of(with_server(std::string("  max_body_bytes: ") + bad + "\n")),
                ElementsAre(message))
        << bad;
  }
}

TEST(ConfigServer, TimeoutsMustBePositiveMilliseconds) {
  const Config config = load_config_text(with_server(
      "  header_timeout_ms: 1\n  body_timeout_ms: 2\n  idle_timeout_ms: 3\n  shutdown_grace_ms: "
      "86400000\n"));
  EXPECT_EQ(config.server.header_timeout, milliseconds(1));
  EXPECT_EQ(config.server.body_timeout, milliseconds(2));
  EXPECT_EQ(config.server.idle_timeout, milliseconds(3));
  EXPECT_EQ(config.server.shutdown_grace, milliseconds(86'400'000));

  const std::string message =
      ": must be a positive whole number of milliseconds, at most 86400000 (24 hours)";
  EXPECT_THAT(issues_of(with_server("  header_timeout_ms: 0\n")),
              ElementsAre("server.header_timeout_ms" + message));
  EXPECT_THAT(issues_of(with_server("  body_timeout_ms: -5\n")),
              ElementsAre("server.body_timeout_ms" + message));
  EXPECT_THAT(issues_of(with_server("  idle_timeout_ms: 10s\n")),
              ElementsAre("server.idle_timeout_ms" + message));
  EXPECT_THAT(issues_of(with_server("  shutdown_grace_ms: 86400001\n")),
              ElementsAre("server.shutdown_grace_ms" + message));
}

TEST(ConfigServer, AccessLog) {
  EXPECT_EQ(load_config_text(with_server("  access_log: \"off\"\n")).server.access_log, "off");
  EXPECT_EQ(
      load_config_text(with_server("  access_log: /var/log/tollgate.jsonl\n")).server.access_log,
      "/var/log/tollgate.jsonl");
  EXPECT_THAT(issues_of(with_server("  access_log: \"\"\n")),
              ElementsAre("server.access_log: must be \"stderr\", \"off\" or a file path"));
}

TEST(ConfigServer, AdminKeyIsTakenAsWritten) {
  EXPECT_EQ(load_config_text(with_server("  admin_key: \"s3cret\"\n")).server.admin_key, "s3cret");
}

TEST(ConfigStore, SqlitePath) {
  EXPECT_EQ(load_config_text("store: { sqlite: \":memory:\" }\n" + minimal()).store.sqlite_path,
            ":memory:");
  EXPECT_THAT(issues_of("store: { sqlite: \"\" }\n" + minimal()),
              ElementsAre("store.sqlite: must not be empty"));
}

TEST(ConfigStore, UsageBatchDelay) {
  EXPECT_EQ(load_config_text(minimal()).store.usage_batch, milliseconds(20));
  EXPECT_EQ(load_config_text("store: { usage_batch_ms: 250 }\n" + minimal()).store.usage_batch,
            milliseconds(250));
  EXPECT_THAT(issues_of("store: { usage_batch_ms: 0 }\n" + minimal()),
              ElementsAre("store.usage_batch_ms: must be a positive whole number of milliseconds, "
                          "at most 86400000 (24 hours)"));
}

// --- providers ------------------------------------------------------------------------------

TEST(ConfigProviders, ListIsRequiredAndNonEmpty) {
  EXPECT_THAT(issues_of(kModels),
              ElementsAre("providers: is required: list at least one provider"));
  EXPECT_THAT(issues_of(std::string("providers: []\n") + kModels),
              ElementsAre("providers: must list at least one provider"));
  EXPECT_THAT(issues_of(std::string("providers: { name: local }\n") + kModels),
              ElementsAre("providers: must be a list of providers, not a mapping"));
  EXPECT_THAT(issues_of(std::string("providers:\n  - local\n") + kModels),
              ElementsAre("providers[0]: must be a mapping with name, type and base_url, not a "
                          "single value"));
}

TEST(ConfigProviders, NameTypeAndBaseUrlAreRequired) {
  EXPECT_THAT(
      issues_of("providers:\n  - api_key: x\nmodels: [ { id: m, provider: p, pricing: { "
                "input_per_m: 1, output_per_m: 1 } } ]\n"),
      ElementsAre("providers[0].name: is required",
                  "providers[0].type: is required: \"openai\", \"anthropic\" or \"gemini\"",
                  "providers[0].base_url: is required, e.g. \"https://api.openai.com/v1\""));
}

TEST(ConfigProviders, NameMustBeASimpleIdentifier) {
  EXPECT_THAT(issues_of(R"(
providers:
  - { name: "my provider", type: openai, base_url: "http://h/v1" }
models:
  - { id: m, provider: "my provider", pricing: { input_per_m: 1, output_per_m: 1 } }
)"),
              ElementsAre("providers[0].name: must be a non-empty name of letters, digits, \".\", "
                          "\"_\" and \"-\""));
}

TEST(ConfigProviders, NamesMustBeUnique) {
  EXPECT_THAT(issues_of(std::string(kProviders) + R"(
  - { name: other, type: openai, base_url: "http://h/v1" }
  - { name: local, type: openai, base_url: "http://h/v1" }
)" + kModels),
              ElementsAre("providers[2].name: duplicate provider name \"local\" (also used by "
                          "providers[0])"));
}

TEST(ConfigProviders, TypeIsOneOfTheThreeFamilies) {
  const std::string yaml = R"(
providers:
  - { name: a, type: anthropic, base_url: "https://api.anthropic.com/v1" }
  - { name: g, type: gemini, base_url: "https://generativelanguage.googleapis.com/v1beta" }
  - { name: c, type: cohere, base_url: "https://api.cohere.com/v1" }
models:
  - { id: m, provider: a, pricing: { input_per_m: 1, output_per_m: 1 } }
)";
  EXPECT_THAT(issues_of(yaml),
              ElementsAre("providers[2].type: unsupported provider type \"cohere\": use "
                          "\"openai\" (any OpenAI-compatible API), \"anthropic\" or \"gemini\""));
}

TEST(ConfigProviders, MaxTokensFieldIsForOpenAiProvidersOnly) {
  const std::string yaml = R"(
providers:
  - { name: a, type: openai, base_url: "http://localhost:11434/v1", max_tokens_field: max_tokens }
  - { name: b, type: openai, base_url: "http://localhost:11434/v1" }
  - { name: c, type: anthropic, base_url: "https://api.anthropic.com/v1", max_tokens_field: max_tokens }
  - { name: d, type: openai, base_url: "http://localhost:11434/v1", max_tokens_field: limit }
models:
  - { id: m, provider: a, pricing: { input_per_m: 1, output_per_m: 1 } }
)";
  EXPECT_THAT(issues_of(yaml),
              ElementsAre("providers[2].max_tokens_field: applies to type \"openai\" providers only",
                          "providers[3].max_tokens_field: must be \"max_completion_tokens\" or "
                          "\"max_tokens\", not \"limit\""));
  const std::string good = R"(
providers:
  - { name: a, type: openai, base_url: "http://localhost:11434/v1", max_tokens_field: max_tokens }
  - { name: b, type: openai, base_url: "http://localhost:11434/v1" }
models:
  - { id: m, provider: a, pricing: { input_per_m: 1, output_per_m: 1 } }
)";
  Config config = load_config_text(good);
  EXPECT_EQ(config.providers[0].max_tokens_field, "max_tokens");
  EXPECT_EQ(config.providers[1].max_tokens_field, "max_completion_tokens");
}

TEST(ConfigModels, SurfacesDefaultToTheTextApisAndAreChecked) {
  const std::string base = R"(
providers:
  - { name: p, type: openai, base_url: "https://api.openai.com/v1" }
models:
  - { id: m, provider: p, pricing: { input_per_m: 1, output_per_m: 1 })";
  EXPECT_EQ(load_config_text(base + " }\n").models[0].surfaces,
            (std::vector<std::string>{"chat", "messages", "responses", "gemini"}));
  EXPECT_EQ(load_config_text(base + ", surfaces: [embeddings] }\n").models[0].surfaces,
            (std::vector<std::string>{"embeddings"}));
  EXPECT_THAT(issues_of(base + ", surfaces: [chat, chat, speech] }\n"),
              ElementsAre("models[0].surfaces[1]: \"chat\" is listed twice",
                          "models[0].surfaces[2]: unknown surface \"speech\": use chat, messages, "
                          "responses, gemini, embeddings or images"));
  EXPECT_THAT(issues_of(base + ", surfaces: [] }\n"),
              ElementsAre("models[0].surfaces: must be a non-empty list of surfaces, e.g. [chat, "
                          "messages]"));
}

TEST(ConfigProviders, BaseUrlIsNormalisedWithoutTrailingSlash) {
  auto url = [](const std::string& value) {
    return load_config_text(provider_with_url(value)).providers[0].base_url;
  };
  EXPECT_EQ(url("https://api.openai.com/v1"), "https://api.openai.com/v1");
  EXPECT_EQ(url("https://api.openai.com/v1/"), "https://api.openai.com/v1");
  EXPECT_EQ(url("http://localhost:11434/"), "http://localhost:11434");
  EXPECT_EQ(url("http://localhost"), "http://localhost");
  EXPECT_EQ(url("https://[::1]:8443/v1"), "https://[::1]:8443/v1");
  EXPECT_EQ(url("https://gateway.example.com/openai/v1;x=1/%7Euser@team"),
            "https://gateway.example.com/openai/v1;x=1/%7Euser@team");
}

TEST(ConfigProviders, BaseUrlErrors) {
  auto error = [](const std::string& value) {
    std::vector<std::string> issues = issues_of(provider_with_url(value));
    return issues.size() == 1 ? issues[0]
                              : "unexpected issue count " + std::to_string(issues.size());
  };
  const std::string prefix = "providers[0].base_url: invalid URL ";
  EXPECT_EQ(error("api.openai.com/v1"),
            prefix + "\"api.openai.com/v1\": must start with http:// or https://");
  EXPECT_EQ(error("ftp://host/v1"),
            prefix + "\"ftp://host/v1\": must start with http:// or https://");
  EXPECT_EQ(error("HTTPS://host/v1"),
            prefix + "\"HTTPS://host/v1\": must start with http:// or https://");
  EXPECT_EQ(error("http://"), prefix + "\"http://\": has no host");
  EXPECT_EQ(error("http:///v1"), prefix + "\"http:///v1\": has no host");
  EXPECT_EQ(error("http://:80/v1"), prefix + "\"http://:80/v1\": has no host");
  EXPECT_EQ(error("http://host:0/v1"),
            prefix + "\"http://host:0/v1\": invalid port \"0\": must be a number from 1 to 65535");
  EXPECT_EQ(error("http://host:99999/v1"),
            prefix +
                "\"http://host:99999/v1\": invalid port \"99999\": must be a number from 1 to "
                "65535");
  EXPECT_EQ(error("http://host:/v1"),
            prefix + "\"http://host:/v1\": invalid port \"\": must be a number from 1 to 65535");
  EXPECT_EQ(error("http://user:pw@host/v1"),
            prefix +
                "\"http://user:pw@host/v1\": must not contain user info (\"user@\"); put the "
                "key in api_key");
  EXPECT_EQ(error("http://host/v1?key=1"),
            prefix +
                "\"http://host/v1?key=1\": must not contain a query (\"?\") or a fragment "
                "(\"#\")");
  EXPECT_EQ(error("http://host name/v1"),
            prefix + "\"http://host name/v1\": must not contain spaces or control characters");
  EXPECT_EQ(error("http://host/v1/<model>"),
            prefix +
                "\"http://host/v1/<model>\": has an invalid character \"<\" in its path "
                "(percent-encode it)");
  EXPECT_EQ(error("http://host/a%2"),
            prefix +
                "\"http://host/a%2\": has a \"%\" in its path that is not followed by two "
                "hex digits");
  EXPECT_EQ(error("http://::1/v1"),
            prefix + "\"http://::1/v1\": IPv6 addresses must be in brackets, e.g. \"[::1]:8080\"");
}

TEST(ConfigProviders, TlsVerifyMustBeABoolean) {
  EXPECT_FALSE(load_config_text(with_provider("    tls_verify: false\n")).providers[0].tls_verify);
  EXPECT_TRUE(load_config_text(with_provider("    tls_verify: True\n")).providers[0].tls_verify);
  EXPECT_THAT(issues_of(with_provider("    tls_verify: yes\n")),
              ElementsAre("providers[0].tls_verify: must be true or false"));
  EXPECT_THAT(issues_of(with_provider("    tls_verify: 0\n")),
              ElementsAre("providers[0].tls_verify: must be true or false"));
}

TEST(ConfigProviders, CaFileMustBeReadable) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("tollgate_ca_test_" + std::to_string(::getpid()) + ".pem");
  { std::ofstream(path) << "-----BEGIN CERTIFICATE-----\n"; }
  EXPECT_EQ(load_config_text(with_provider("    ca_file: \"" + path.string() + "\"\n"))
                .providers[0]
                .ca_file,
            path.string());
  std::filesystem::remove(path);
  EXPECT_THAT(issues_of(with_provider("    ca_file: /nonexistent/ca.pem\n")),
              ElementsAre("providers[0].ca_file: cannot read CA file \"/nonexistent/ca.pem\""));
}

TEST(ConfigProviders, UpstreamTimeouts) {
  const Config config = load_config_text(with_provider(
      "    timeouts: { connect_ms: 1, first_byte_ms: 2, idle_ms: 3, total_ms: 4 }\n"));
  const UpstreamTimeouts& t = config.providers[0].timeouts;
  EXPECT_EQ(t.connect, milliseconds(1));
  EXPECT_EQ(t.first_byte, milliseconds(2));
  EXPECT_EQ(t.idle, milliseconds(3));
  EXPECT_EQ(t.total, milliseconds(4));

  const Config partial = load_config_text(with_provider("    timeouts: { total_ms: 1000 }\n"));
  EXPECT_EQ(partial.providers[0].timeouts.connect, milliseconds(5'000));
  EXPECT_EQ(partial.providers[0].timeouts.total, milliseconds(1'000));

  const std::string message =
      ": must be a positive whole number of milliseconds, at most 86400000 (24 hours)";
  EXPECT_THAT(issues_of(with_provider("    timeouts: { connect_ms: 0, total_ms: abc }\n")),
              ElementsAre("providers[0].timeouts.connect_ms" + message,
                          "providers[0].timeouts.total_ms" + message));
  EXPECT_THAT(issues_of(with_provider("    timeouts: 5000\n")),
              ElementsAre("providers[0].timeouts: must be a mapping of keys to values, not a "
                          "single value"));
}

TEST(ConfigProviders, MaxIdleConnections) {
  EXPECT_EQ(load_config_text(with_provider("    max_idle_connections: 0\n"))
                .providers[0]
                .max_idle_connections,
            0u);
  EXPECT_THAT(issues_of(with_provider("    max_idle_connections: 100001\n")),
              ElementsAre("providers[0].max_idle_connections: must be a whole number from 0 to "
                          "100000"));
}

TEST(ConfigProviders, ForwardHeadersAreLowerCasedPrefixes) {
  EXPECT_THAT(load_config_text(minimal()).providers[0].forward_headers, IsEmpty());
  EXPECT_THAT(load_config_text(with_provider("    forward_headers: [\"X-Mock-\", x-trace-id]\n"))
                  .providers[0]
                  .forward_headers,
              ElementsAre("x-mock-", "x-trace-id"));
}

TEST(ConfigProviders, ForwardHeadersNeverIncludeCredentialsOrGatewayHeaders) {
  EXPECT_THAT(
      issues_of(with_provider(
          "    forward_headers: [\"x-\", Auth, \"\", \"x y\", [a], ~, \"x-mock-\"]\n")),
      ElementsAre("providers[0].forward_headers[0]: \"x-\" would also forward the client's "
                  "\"x-api-key\" header (credentials and headers the gateway sets are never "
                  "forwarded); use a longer prefix",
                  "providers[0].forward_headers[1]: \"auth\" would also forward the client's "
                  "\"authorization\" header (credentials and headers the gateway sets are never "
                  "forwarded); use a longer prefix",
                  "providers[0].forward_headers[2]: invalid header name prefix \"\"",
                  "providers[0].forward_headers[3]: invalid header name prefix \"x y\"",
                  "providers[0].forward_headers[4]: must be a single value, not a list",
                  "providers[0].forward_headers[5]: must not be empty"));
  EXPECT_THAT(issues_of(with_provider("    forward_headers: x-mock-\n")),
              ElementsAre("providers[0].forward_headers: must be a list of header name prefixes, "
                          "e.g. [\"x-mock-\"]"));
}

// --- models ---------------------------------------------------------------------------------

TEST(ConfigModels, ListIsRequiredAndNonEmpty) {
  EXPECT_THAT(issues_of(kProviders), ElementsAre("models: is required: list at least one model"));
  EXPECT_THAT(issues_of(std::string(kProviders) + "models: []\n"),
              ElementsAre("models: must list at least one model"));
  EXPECT_THAT(issues_of(std::string(kProviders) + "models: gpt-4o\n"),
              ElementsAre("models: must be a list of models, not a single value"));
  EXPECT_THAT(
      issues_of(std::string(kProviders) + "models:\n  -\n"),
      ElementsAre(
          "models[0]: must be a mapping with id, provider and pricing, not an empty value"));
}

TEST(ConfigModels, IdProviderAndPricingAreRequired) {
  EXPECT_THAT(issues_of(std::string(kProviders) + "models:\n  - owned_by: me\n"),
              ElementsAre("models[0].id: is required", "models[0].provider: is required",
                          "models[0].pricing: is required (write input_per_m: \"0\" and "
                          "output_per_m: \"0\" for a free model)"));
}

TEST(ConfigModels, IdsMustBeUniqueAndWithoutSpaces) {
  EXPECT_THAT(issues_of(std::string(kProviders) + R"(
models:
  - { id: a, provider: local, pricing: { input_per_m: 1, output_per_m: 1 } }
  - { id: b, provider: local, pricing: { input_per_m: 1, output_per_m: 1 } }
  - { id: a, provider: local, pricing: { input_per_m: 1, output_per_m: 1 } }
  - { id: "gpt 4", provider: local, pricing: { input_per_m: 1, output_per_m: 1 } }
  - { id: "", provider: local, pricing: { input_per_m: 1, output_per_m: 1 } }
)"),
              ElementsAre("models[2].id: duplicate model id \"a\" (also used by models[0])",
                          "models[3].id: must be non-empty and contain no spaces or control "
                          "characters",
                          "models[4].id: must be non-empty and contain no spaces or control "
                          "characters"));
}

TEST(ConfigModels, IdsMayContainSlashesAndColons) {
  const Config config = load_config_text(std::string(kProviders) + R"(
models:
  - { id: "meta-llama/Llama-3.1-8B-Instruct", provider: local, pricing: { input_per_m: 1, output_per_m: 1 } }
  - { id: "qwen2.5:7b", provider: local, pricing: { input_per_m: 1, output_per_m: 1 } }
)");
  EXPECT_NE(config.find_model("meta-llama/Llama-3.1-8B-Instruct"), nullptr);
  EXPECT_NE(config.find_model("qwen2.5:7b"), nullptr);
}

TEST(ConfigModels, UnknownProviderSuggestsACloseName) {
  EXPECT_THAT(issues_of(with_model(R"(    id: m1
    provider: locl
    pricing: { input_per_m: "1", output_per_m: "2" }
)")),
              ElementsAre("models[0].provider: unknown provider \"locl\" (did you mean "
                          "\"local\"?)"));
}

TEST(ConfigModels, UnknownProviderWithoutCloseNameListsTheProviders) {
  EXPECT_THAT(issues_of(std::string(kProviders) + R"(
  - { name: openrouter, type: openai, base_url: "https://openrouter.ai/api/v1" }
models:
  - { id: m, provider: azure, pricing: { input_per_m: 1, output_per_m: 1 } }
)"),
              ElementsAre("models[0].provider: unknown provider \"azure\" (configured providers: "
                          "local, openrouter)"));
}

TEST(ConfigModels, UpstreamModelAndOwnedByMustNotBeEmptyWhenGiven) {
  EXPECT_THAT(issues_of(with_model(R"(    id: m1
    provider: local
    upstream_model: ""
    owned_by: ""
    pricing: { input_per_m: "1", output_per_m: "2" }
)")),
              ElementsAre("models[0].upstream_model: must not be empty",
                          "models[0].owned_by: must not be empty"));
}

TEST(ConfigModels, ContextLengthMustBePositive) {
  const std::string message = "models[0].context_length: must be a positive whole number of tokens";
  for (const char* bad : {"0", "-1", "1.5", "big", "99999999999999999999"}) {
    EXPECT_THAT(issues_of(with_model(std::string(R"(    id: m1
    provider: local
    context_length: )") + bad + R"(
    pricing: { input_per_m: "1", output_per_m: "2" }
)")),
                ElementsAre(message))
        << bad;
  }
}

TEST(ConfigModels, PricesAreRequiredAndValidated) {
  EXPECT_THAT(issues_of(with_model(R"(    id: m1
    provider: local
    pricing: { cached_input_per_m: "1" }
)")),
              ElementsAre("models[0].pricing.input_per_m: is required",
                          "models[0].pricing.output_per_m: is required"));
  EXPECT_THAT(
      issues_of(with_model(R"(    id: m1
    provider: local
    pricing: { input_per_m: "$1", output_per_m: "0.0000001", cached_input_per_m: -1 }
)")),
      ElementsAre(
          "models[0].pricing.input_per_m: invalid price \"$1\": must be a non-negative "
          "decimal number of USD per 1M tokens with at most 6 decimal places, e.g. \"0.15\"",
          "models[0].pricing.output_per_m: invalid price \"0.0000001\": must be a "
          "non-negative decimal number of USD per 1M tokens with at most 6 decimal places, "
          "e.g. \"0.15\"",
          "models[0].pricing.cached_input_per_m: invalid price \"-1\": must be a "
          "non-negative decimal number of USD per 1M tokens with at most 6 decimal places, "
          "e.g. \"0.15\""));
  EXPECT_THAT(issues_of(with_model(R"(    id: m1
    provider: local
    pricing: "0.15"
)")),
              ElementsAre("models[0].pricing: must be a mapping of keys to values, not a single "
                          "value"));
}

TEST(ConfigModels, UnquotedPricesAreReadFromTheirTextNotAsFloats) {
  const Config config = load_config_text(with_model(R"(    id: m1
    provider: local
    pricing: { input_per_m: 0.15, output_per_m: 0.60, cached_input_per_m: 2.675 }
)"));
  EXPECT_EQ(config.models[0].pricing.input_micros_per_m, 150'000);
  EXPECT_EQ(config.models[0].pricing.output_micros_per_m, 600'000);
  // 2.675 is 2.67499999... as a double; read as text it is exact.
  EXPECT_EQ(config.models[0].pricing.cached_input_micros_per_m, 2'675'000);

  EXPECT_THAT(issues_of(with_model(R"(    id: m1
    provider: local
    pricing: { input_per_m: 1e3, output_per_m: .5 }
)")),
              ElementsAre(HasSubstr("input_per_m: invalid price \"1e3\""),
                          HasSubstr("output_per_m: invalid price \".5\"")));
}

TEST(ConfigModels, FreeModelIsAllowed) {
  const Config config = load_config_text(with_model(R"(    id: m1
    provider: local
    pricing: { input_per_m: "0", output_per_m: "0" }
)"));
  EXPECT_EQ(config.models[0].pricing.input_micros_per_m, 0);
  EXPECT_EQ(config.models[0].pricing.cached_input_micros_per_m, 0);
}

// --- several problems at once ---------------------------------------------------------------

TEST(ConfigIssues, EveryProblemIsReportedTogetherInDocumentOrder) {
  ScopedEnv key("UPSTREAM_KEY", std::nullopt);
  const std::string yaml = R"(
server:
  listne: "127.0.0.1:8080"
  threads: 1000
providers:
  - name: local
    type: anthropics
    base_url: "127.0.0.1:9099"
    api_key: "${UPSTREAM_KEY}"
models:
  - id: a
    provider: loca
    pricing: { input_per_m: "0.1234567", output_per_m: "1" }
  - id: a
    provider: local
    context_length: 0
    pricing: { input_per_m: "1", output_per_m: "1" }
)";
  const std::vector<std::string> expected = {
      "server.listne: unknown key (did you mean \"listen\"?)",
      "server.threads: must be a whole number from 0 to 256 (0 = one per CPU core)",
      "providers[0].type: unsupported provider type \"anthropics\": use \"openai\" (any "
      "OpenAI-compatible API), \"anthropic\" or \"gemini\"",
      "providers[0].base_url: invalid URL \"127.0.0.1:9099\": must start with http:// or https://",
      "providers[0].api_key: environment variable UPSTREAM_KEY is not set",
      "models[0].provider: unknown provider \"loca\" (did you mean \"local\"?)",
      "models[0].pricing.input_per_m: invalid price \"0.1234567\": must be a non-negative decimal "
      "number of USD per 1M tokens with at most 6 decimal places, e.g. \"0.15\"",
      "models[1].id: duplicate model id \"a\" (also used by models[0])",
      "models[1].context_length: must be a positive whole number of tokens",
  };
  EXPECT_EQ(issues_of(yaml), expected);

  try {
    load_config_text(yaml);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    std::string joined;
    for (const std::string& line : expected) joined += (joined.empty() ? "" : "\n") + line;
    EXPECT_EQ(std::string(e.what()), joined) << "what() is one \"path: message\" per line";
    EXPECT_EQ(e.issues().size(), expected.size());
  }
}

TEST(ConfigIssues, ErrorsNeverEchoSecrets) {
  ScopedEnv key("TOLLGATE_TEST_SECRET", "sk-very-secret");
  try {
    load_config_text(with_server("  admin_key: \"${TOLLGATE_TEST_SECRET}\"\n  threads: x\n"));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("sk-very-secret")));
  }
}

// --- parse_usd_micros -----------------------------------------------------------------------

struct UsdCase {
  const char* text;
  std::optional<int64_t> micros;
};

class ParseUsdMicros : public ::testing::TestWithParam<UsdCase> {};

TEST_P(ParseUsdMicros, ParsesExactDecimals) {
  EXPECT_EQ(parse_usd_micros(GetParam().text), GetParam().micros) << '"' << GetParam().text << '"';
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseUsdMicros,
    ::testing::Values(
        UsdCase{"0", 0}, UsdCase{"0.0", 0}, UsdCase{"0.15", 150'000}, UsdCase{"0.60", 600'000},
        UsdCase{"0.075", 75'000}, UsdCase{"2", 2'000'000}, UsdCase{"2.50", 2'500'000},
        UsdCase{"10.00", 10'000'000}, UsdCase{"1.000001", 1'000'001}, UsdCase{"0.000001", 1},
        UsdCase{"007.5", 7'500'000}, UsdCase{"1.0000001", std::nullopt},
        UsdCase{"0.0000000", std::nullopt}, UsdCase{"-1", std::nullopt},
        UsdCase{"-0", std::nullopt}, UsdCase{"+1", std::nullopt}, UsdCase{"abc", std::nullopt},
        UsdCase{"", std::nullopt}, UsdCase{" 1", std::nullopt}, UsdCase{"1 ", std::nullopt},
        UsdCase{"1e3", std::nullopt}, UsdCase{"1.", std::nullopt}, UsdCase{".5", std::nullopt},
        UsdCase{".", std::nullopt}, UsdCase{"1.2.3", std::nullopt}, UsdCase{"1,5", std::nullopt},
        UsdCase{"$1", std::nullopt}, UsdCase{"0x10", std::nullopt},
        UsdCase{"1000000", 1'000'000'000'000}, UsdCase{"9223372036854", 9'223'372'036'854'000'000},
        UsdCase{"9223372036854.775807", INT64_MAX}, UsdCase{"9223372036854.775808", std::nullopt},
        UsdCase{"9223372036855", std::nullopt}, UsdCase{"99999999999999999999", std::nullopt},
        UsdCase{"99999999999999999999999999999999.5", std::nullopt}));

}  // namespace
}  // namespace tollgate::config

namespace tollgate::config {
namespace {

// yaml-cpp 0.7 loops forever on a lone "," when asked for all documents (found by
// tests/fuzz/config); the loader bounds the count and reports the file as invalid instead.
TEST(ConfigLoad, MalformedYamlThatStallsTheParserIsAnErrorNotAHang) {
  for (const std::string text : {",", ",\n,", "a: 1\n,"}) {
    try {
      load_config_text(text, "stall.yaml");
      ADD_FAILURE() << "accepted " << text;
    } catch (const ConfigError& e) {
      ASSERT_FALSE(e.issues().empty());
      EXPECT_EQ(e.issues()[0].path.rfind("stall.yaml", 0), 0u) << e.what();
    }
  }
}

}  // namespace
}  // namespace tollgate::config
