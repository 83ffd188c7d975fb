// The offline subcommands: they work on the configuration file and the database directly, and
// may run while a gateway serves from the same database (SQLite WAL; the gateway picks up key
// changes within its refresh interval).
#include "app/commands.hpp"
#include "auth/key_store.hpp"
#include "store/accounts.hpp"
#include "config/config.hpp"
#include "store/sqlite_database.hpp"
#include "store/usage_queries.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace tollgate::app {

namespace {

store::Database open_store(const std::string& config_path) {
  config::Config config = config::load_config_file(config_path);
  store::Database database(config.store.sqlite_path);
  database.migrate();
  return database;
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

}  // namespace

int keys_create(const std::string& config_path, const KeyOptions& options) {
  store::Database database = open_store(config_path);
  store::KeyPolicy policy;
  policy.scopes_json = json_list(options.scopes);
  policy.allowed_models_json = json_list(options.models);
  if (!options.limit_usd.empty()) {
    std::optional<int64_t> micros = config::parse_usd_micros(options.limit_usd);
    if (!micros) {
      std::fprintf(stderr, "tollgate: --limit-usd must be a decimal USD amount\n");
      return 2;
    }
    policy.limit_threshold_micros = *micros;
    policy.limit_retention = options.limit_retention;
  }
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
  auth::KeyStore keys(database);
  auto created = keys.create(account_id, options.name, policy,
                             secret ? std::optional<store::SaltedHash>(secret->stored)
                                    : std::nullopt);
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
