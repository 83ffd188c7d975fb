// The `tollgate` subcommands. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::app {

int serve(const std::string& config_path);
int config_check(const std::string& config_path);
int migrate(const std::string& config_path);
struct KeyOptions {
  std::string name;
  std::string account;          // account name; empty: the default account
  std::string scopes;           // comma-separated surfaces; empty: all
  std::string models;           // comma-separated public model ids; empty: all
  std::string limit_usd;        // spend allowed per period; empty: none
  std::string limit_retention = "month";
  bool with_secret = false;     // the key + secret form
  std::string regions;          // comma-separated deployment regions; empty: any
  // PROVIDER=CREDENTIAL: the key's own provider credentials (BYOK), sealed before they are stored
  std::vector<std::string> byok;
};
int keys_create(const std::string& config_path, const KeyOptions& options);
int keys_list(const std::string& config_path);
int keys_revoke(const std::string& config_path, const std::string& prefix);
int usage_report(const std::string& config_path, int limit, std::optional<int> since_hours);
// Rate limits shared by all of an account's keys.
struct RateLimitOptions {
  std::optional<int64_t> rpm;          // requests per minute
  std::optional<int64_t> tpm;          // tokens per minute
  std::optional<int64_t> concurrency;  // requests in flight at once
};
// As accounts.rate_limits stores them; nullopt when none is set.
std::optional<std::string> rate_limits_json(const RateLimitOptions& limits);
int accounts_create(const std::string& config_path, const std::string& name,
                    const std::optional<std::string>& email, const std::string& markup,
                    const RateLimitOptions& rate_limits);
int accounts_list(const std::string& config_path);
int credits_topup(const std::string& config_path, const std::string& account,
                  const std::string& usd, const std::string& idempotency_key,
                  const std::string& note);
int credits_balance(const std::string& config_path, const std::string& account);
int credits_ledger(const std::string& config_path, const std::string& account, int limit);

}  // namespace tollgate::app
