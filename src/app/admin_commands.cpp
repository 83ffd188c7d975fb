// The offline subcommands: they work on the configuration file and the database directly, and
// may run while a gateway serves from the same database (SQLite WAL; the gateway picks up key
// changes within its refresh interval). BYOK credentials given to `keys create` are sealed with
// the config's byok.master_key before they are stored, and never printed.
#include "app/commands.hpp"
#include "auth/byok.hpp"
#include "auth/key_store.hpp"
#include "store/accounts.hpp"
#include "config/config.hpp"
#include "store/sqlite_database.hpp"
#include "store/usage_queries.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>

namespace tollgate::app {

namespace {

store::Database open_store(const config::Config& config) {
  store::Database database(config.store.sqlite_path);
  database.migrate();
  return database;
}

store::Database open_store(const std::string& config_path) {
  return open_store(config::load_config_file(config_path));
}

std::string format_time(int64_t unix_ms) {
  std::time_t seconds = unix_ms / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

std::string format_usd(int64_t micros) {
  char text[48];
  std::snprintf(text, sizeof text, "%s%lld.%06lld", micros < 0 ? "-" : "",
                static_cast<long long>(std::llabs(micros) / 1'000'000),
                static_cast<long long>(std::llabs(micros) % 1'000'000));
  return text;
}

}  // namespace

int config_check(const std::string& config_path) {
  try {
    config::Config config = config::load_config_file(config_path);
    std::printf("ok: %zu providers, %zu models\n", config.providers.size(), config.models.size());
    return 0;
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s: invalid configuration\n", config_path.c_str());
    for (const auto& issue : e.issues()) {
      std::fprintf(stderr, "  %s: %s\n", issue.path.c_str(), issue.message.c_str());
    }
    return 1;
  }
}

int migrate(const std::string& config_path) {
  store::Database database = open_store(config_path);
  std::printf("database %s at schema version %d\n", database.path().c_str(),
              database.schema_version());
  return 0;
}

namespace {

// A comma-separated list as the JSON array the policy columns store; nullopt when empty.
std::optional<std::string> json_list(const std::string& comma_separated) {
  if (comma_separated.empty()) return std::nullopt;
  std::string json = "[";
  std::size_t start = 0;
  while (start <= comma_separated.size()) {
    std::size_t end = comma_separated.find(',', start);
    if (end == std::string::npos) end = comma_separated.size();
    if (json.size() > 1) json += ',';
    json += '"';
    for (char c : comma_separated.substr(start, end - start)) {
      if (c == '"' || c == '\\') json += '\\';
      json += c;
    }
    json += '"';
    start = end + 1;
  }
  return json + "]";
}

// The comma-separated regions, each one some deployment of the configuration has; nullopt and a
// message on stderr otherwise.
std::optional<std::optional<std::string>> checked_regions(const config::Config& config,
                                                          const std::string& regions) {
  std::set<std::string> known;
  for (const config::ModelConfig& model : config.models) {
    for (const config::DeploymentConfig& deployment : model.deployments) {
      if (!deployment.region.empty()) known.insert(deployment.region);
    }
  }
  std::size_t start = 0;
  while (!regions.empty() && start <= regions.size()) {
    std::size_t end = std::min(regions.find(',', start), regions.size());
    const std::string region = regions.substr(start, end - start);
    if (!known.contains(region)) {
      std::string names;
      for (const std::string& name : known) names += (names.empty() ? "" : ", ") + name;
      std::fprintf(stderr, "tollgate: unknown region \"%s\": %s\n", region.c_str(),
                   known.empty() ? "no deployment of the configuration has a region"
                                 : ("the configuration's deployments are in " + names).c_str());
      return std::nullopt;
    }
    start = end + 1;
  }
  return json_list(regions);
}

// The --byok PROVIDER=CREDENTIAL entries as credentials to seal; nullopt and a message on stderr
// (naming the provider, never the credential) when one is malformed.
std::optional<std::vector<auth::ByokCredential>> checked_byok(
    const config::Config& config, const std::vector<std::string>& entries) {
  std::vector<auth::ByokCredential> credentials;
  for (const std::string& entry : entries) {
    const std::size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      std::fprintf(stderr, "tollgate: --byok takes PROVIDER=CREDENTIAL\n");
      return std::nullopt;
    }
    auth::ByokCredential credential{entry.substr(0, equals), entry.substr(equals + 1)};
    if (!config.find_provider(credential.provider)) {
      std::fprintf(stderr, "tollgate: --byok: no provider named \"%s\" in the configuration\n",
                   credential.provider.c_str());
      return std::nullopt;
    }
    if (!auth::is_credential_text(credential.secret)) {
      std::fprintf(stderr,
                   "tollgate: --byok %s=...: the credential must be 1 to %zu visible ASCII "
                   "characters\n",
                   credential.provider.c_str(), auth::kMaxCredentialBytes);
      return std::nullopt;
    }
    credentials.push_back(std::move(credential));
  }
  return credentials;
}

}  // namespace

std::optional<std::string> rate_limits_json(const RateLimitOptions& limits) {
  std::string json;
  auto add = [&json](const char* name, const std::optional<int64_t>& limit) {
    if (!limit) return;
    json += json.empty() ? "{" : ",";
    json += '"' + std::string(name) + "\":" + std::to_string(*limit);
  };
  add("rpm", limits.rpm);
  add("tpm", limits.tpm);
  add("concurrency", limits.concurrency);
  if (json.empty()) return std::nullopt;
  return json + "}";
}

int keys_create(const std::string& config_path, const KeyOptions& options) {
  const config::Config config = config::load_config_file(config_path);
  std::optional<std::vector<auth::ByokCredential>> byok = checked_byok(config, options.byok);
  if (!byok) return 2;
  std::optional<auth::SecretBox> box;
  if (!byok->empty()) {
    box = auth::SecretBox::from_hex(config.byok.master_key);
    if (!box) {
      std::fprintf(stderr,
                   "tollgate: --byok needs byok.master_key (64 hex digits) in the config\n");
      return 2;
    }
  }
  store::KeyPolicy policy;
  policy.scopes_json = json_list(options.scopes);
  policy.allowed_models_json = json_list(options.models);
  std::optional<std::optional<std::string>> regions = checked_regions(config, options.regions);
  if (!regions) return 2;
  policy.regions_json = *regions;
  if (!options.limit_usd.empty()) {
    std::optional<int64_t> micros = config::parse_usd_micros(options.limit_usd);
    if (!micros) {
      std::fprintf(stderr, "tollgate: --limit-usd must be a decimal USD amount\n");
      return 2;
    }
    policy.limit_threshold_micros = *micros;
    policy.limit_retention = options.limit_retention;
  }
  store::Database database = open_store(config);
  int64_t account_id = store::kDefaultAccountId;
  if (!options.account.empty()) {
    std::optional<store::Account> account = store::AccountStore(database).find_by_name(options.account);
    if (!account) {
      std::fprintf(stderr, "tollgate: no account named \"%s\"\n", options.account.c_str());
      return 1;
    }
    account_id = account->id;
  }
  std::optional<auth::NewKeySecret> secret;
  if (options.with_secret) secret = auth::new_key_secret();
  std::optional<auth::CredentialsToSeal> to_seal;
  if (box) to_seal.emplace(*box, std::move(*byok));
  auth::KeyStore keys(database);
  auto created =
      keys.create(account_id, options.name, policy,
                  secret ? std::optional<store::SaltedHash>(secret->stored) : std::nullopt,
                  to_seal ? &*to_seal : nullptr);
  // The key (and its secret) on stdout alone: scripts capture it; the note on stderr.
  if (options.with_secret) {
    std::printf("%s\n%s\n", created.plaintext.c_str(), secret->plaintext.c_str());
  } else {
    std::printf("%s\n", created.plaintext.c_str());
  }
  std::fprintf(stderr, "created key %s (%s); it is shown only this once\n",
               created.record.prefix.c_str(), options.name.c_str());
  return 0;
}

int keys_list(const std::string& config_path) {
  store::Database database = open_store(config_path);
  auth::KeyStore keys(database);
  std::printf("%-12s  %-20s  %-19s  %s\n", "PREFIX", "NAME", "CREATED (UTC)", "STATUS");
  for (const auto& key : keys.list()) {
    std::printf(
        "%-12s  %-20s  %-19s  %s\n", key.prefix.c_str(), key.name.c_str(),
        format_time(key.created_at_ms).c_str(),
        key.revoked_at_ms ? ("revoked " + format_time(*key.revoked_at_ms)).c_str() : "active");
  }
  return 0;
}

int keys_revoke(const std::string& config_path, const std::string& prefix) {
  store::Database database = open_store(config_path);
  auth::KeyStore keys(database);
  auto outcome = keys.revoke(prefix);
  switch (outcome) {
    case auth::RevokeOutcome::revoked:
      std::printf("revoked %s\n", prefix.c_str());
      return 0;
    case auth::RevokeOutcome::already_revoked:
      std::printf("%s was already revoked\n", prefix.c_str());
      return 0;
    case auth::RevokeOutcome::not_found:
      std::fprintf(stderr, "no key with prefix %s\n", prefix.c_str());
      return 1;
  }
  return 1;
}

int usage_report(const std::string& config_path, int limit, std::optional<int> since_hours) {
  store::Database database = open_store(config_path);
  std::printf("Recent requests (newest first)\n");
  std::printf("%-19s  %-12s  %-20s  %6s  %7s  %7s  %7s  %-9s  %10s  %9s  %8s  %s\n", "TIME (UTC)",
              "KEY", "MODEL", "STATUS", "PROMPT", "COMPL", "CACHED", "USAGE", "COST USD", "LATENCY",
              "OVERHEAD", "FLAGS");
  for (const auto& row : store::recent(database, limit)) {
    std::string flags;
    if (row.stream) flags += "stream ";
    if (row.client_disconnected) flags += "disconnected ";
    if (!row.error_code.empty()) flags += row.error_code;
    std::printf(
        "%-19s  %-12s  %-20s  %6lld  %7lld  %7lld  %7lld  %-9s  %10s  %7lldms  %6lldus  %s\n",
        format_time(row.created_at_ms).c_str(), row.key_prefix.c_str(), row.public_model.c_str(),
        static_cast<long long>(row.status), static_cast<long long>(row.prompt_tokens),
        static_cast<long long>(row.completion_tokens), static_cast<long long>(row.cached_tokens),
        row.usage_source.c_str(), format_usd(row.cost_micros).c_str(),
        static_cast<long long>(row.latency_us / 1000), static_cast<long long>(row.overhead_us),
        flags.c_str());
  }
  std::optional<int64_t> since_ms;
  if (since_hours) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    since_ms = now - int64_t{*since_hours} * 3'600'000;
  }
  std::printf("\nTotals per model%s\n", since_hours ? " (since the given hours)" : "");
  std::printf("%-24s  %8s  %7s  %10s  %10s  %9s  %12s  %10s  %12s\n", "MODEL", "REQUESTS", "ERRORS",
              "PROMPT", "COMPLETION", "CACHED", "COST USD", "AVG LAT", "AVG OVERHEAD");
  for (const auto& t : store::totals_by_model(database, since_ms)) {
    std::printf(
        "%-24s  %8lld  %7lld  %10lld  %10lld  %9lld  %12s  %8lldms  %10lldus\n",
        t.public_model.empty() ? "(none)" : t.public_model.c_str(),
        static_cast<long long>(t.requests), static_cast<long long>(t.errors),
        static_cast<long long>(t.prompt_tokens), static_cast<long long>(t.completion_tokens),
        static_cast<long long>(t.cached_tokens), format_usd(t.cost_micros).c_str(),
        static_cast<long long>(t.avg_latency_us / 1000), static_cast<long long>(t.avg_overhead_us));
  }
  return 0;
}

}  // namespace tollgate::app
