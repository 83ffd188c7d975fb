// tollgate — a self-hosted AI model gateway.
//   tollgate serve --config FILE            run the gateway
//   tollgate config check FILE              validate a configuration
//   tollgate migrate --config FILE          create or upgrade the database
//   tollgate keys create|list|revoke ...    API keys
//   tollgate usage --config FILE            recent requests and per-model totals
//   tollgate accounts create|list ...       accounts (each owns a credit balance and keys)
//   tollgate credits topup|balance ...      an account's credits
#include "app/commands.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  CLI::App app{"Tollgate: one endpoint, one key, many model providers"};
  app.require_subcommand(1);
  std::string config_path = "tollgate.yaml";

  auto* serve = app.add_subcommand("serve", "Run the gateway");
  serve->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();

  auto* config = app.add_subcommand("config", "Configuration tools");
  config->require_subcommand(1);
  auto* check = config->add_subcommand("check", "Validate a configuration file");
  check->add_option("file", config_path, "Configuration file (YAML)")->required();

  auto* migrate = app.add_subcommand("migrate", "Create or upgrade the database schema");
  migrate->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();

  auto* keys = app.add_subcommand("keys", "Manage API keys");
  keys->require_subcommand(1);
  std::string key_name, key_prefix;
  auto* create = keys->add_subcommand("create", "Create a key and print it (shown only once)");
  create->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  tollgate::app::KeyOptions key_options;
  create->add_option("-n,--name", key_options.name, "A name for the key")->required();
  create->add_option("-a,--account", key_options.account, "Owning account (default: default)");
  create->add_option("--scopes", key_options.scopes,
                     "APIs it may call, comma-separated: chat,messages,responses,gemini,...");
  create->add_option("--models", key_options.models, "Model ids it may use, comma-separated");
  create->add_option("--limit-usd", key_options.limit_usd, "Spend allowed per period (USD)");
  create->add_option("--limit-retention", key_options.limit_retention,
                     "The period: day, week, month or no_reset")
      ->check(CLI::IsMember({"day", "week", "month", "no_reset"}));
  create->add_flag("--with-secret", key_options.with_secret,
                   "Also create a secret (key + secret form); printed on the second line");
  create->add_option("--regions", key_options.regions,
                     "Deployment regions it may be routed to, comma-separated (default: any)");
  create->add_option("--byok", key_options.byok,
                     "A provider credential of the key's own, PROVIDER=CREDENTIAL (repeatable; "
                     "stored encrypted, needs byok.master_key)");
  auto* list = keys->add_subcommand("list", "List keys (prefixes only, never secrets)");
  list->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  auto* revoke = keys->add_subcommand("revoke", "Revoke a key by its prefix");
  revoke->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  revoke->add_option("prefix", key_prefix, "Key prefix, e.g. tg-AbC12xYz")->required();

  auto* usage = app.add_subcommand("usage", "Recent requests and per-model totals");
  usage->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  int limit = 20;
  std::optional<int> since_hours;
  usage->add_option("-n,--limit", limit, "How many recent requests to show");
  usage->add_option("--since-hours", since_hours, "Totals over the last N hours only");

  auto* accounts = app.add_subcommand("accounts", "Manage accounts");
  accounts->require_subcommand(1);
  std::string account_name;
  std::optional<std::string> account_email;
  auto* account_create = accounts->add_subcommand("create", "Create an account; prints its id");
  account_create->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  account_create->add_option("-n,--name", account_name, "Unique account name")->required();
  account_create->add_option("--email", account_email, "Login email (optional)");
  std::string account_markup = "1";
  account_create->add_option("--markup", account_markup,
                             "Price multiplier for this account's requests, e.g. 1.10 (default 1)");
  tollgate::app::RateLimitOptions account_limits;
  account_create->add_option("--rpm", account_limits.rpm,
                             "Requests per minute, all its keys together")
      ->check(CLI::PositiveNumber);
  account_create->add_option("--tpm", account_limits.tpm,
                             "Tokens per minute, all its keys together")
      ->check(CLI::PositiveNumber);
  account_create->add_option("--concurrency", account_limits.concurrency,
                             "Requests in flight at once, all its keys together")
      ->check(CLI::PositiveNumber);
  auto* account_list = accounts->add_subcommand("list", "List accounts with their balances");
  account_list->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();

  auto* credits = app.add_subcommand("credits", "An account's credits");
  credits->require_subcommand(1);
  std::string usd, idempotency_key, note = "top-up (cli)";
  auto* topup = credits->add_subcommand("topup", "Credit an account (idempotent); prints the balance");
  topup->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  topup->add_option("-a,--account", account_name, "Account name")->required();
  topup->add_option("--usd", usd, "Amount in USD, e.g. 10 or 2.50")->required();
  topup->add_option("--idempotency-key", idempotency_key,
                    "Unique per top-up: repeating it credits nothing more")
      ->required();
  topup->add_option("--note", note, "Shown in the ledger");
  auto* balance = credits->add_subcommand("balance", "Print an account's balance (USD)");
  balance->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  balance->add_option("-a,--account", account_name, "Account name")->required();

  int ledger_limit = 20;
  auto* ledger = credits->add_subcommand("ledger", "An account's newest ledger entries");
  ledger->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  ledger->add_option("-a,--account", account_name, "Account name")->required();
  ledger->add_option("-n,--limit", ledger_limit, "How many entries (1-1000)");

  CLI11_PARSE(app, argc, argv);

  using namespace tollgate::app;
  try {
    if (*serve) return tollgate::app::serve(config_path);
    if (*check) return config_check(config_path);
    if (*migrate) return tollgate::app::migrate(config_path);
    if (*create) return keys_create(config_path, key_options);
    if (*list) return keys_list(config_path);
    if (*revoke) return keys_revoke(config_path, key_prefix);
    if (*usage) return usage_report(config_path, limit, since_hours);
    if (*account_create) {
      return accounts_create(config_path, account_name, account_email, account_markup,
                             account_limits);
    }
    if (*account_list) return accounts_list(config_path);
    if (*topup) return credits_topup(config_path, account_name, usd, idempotency_key, note);
    if (*balance) return credits_balance(config_path, account_name);
    if (*ledger) return credits_ledger(config_path, account_name, ledger_limit);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tollgate: %s\n", e.what());
    return 1;
  }
  return 2;
}
