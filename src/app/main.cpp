// tollgate — a self-hosted AI model gateway.
//   tollgate serve --config FILE            run the gateway
//   tollgate config check FILE              validate a configuration
//   tollgate migrate --config FILE          create or upgrade the database
//   tollgate keys create|list|revoke ...    API keys
//   tollgate usage --config FILE            recent requests and per-model totals
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
  create->add_option("-n,--name", key_name, "A name for the key")->required();
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

  CLI11_PARSE(app, argc, argv);

  using namespace tollgate::app;
  try {
    if (*serve) return tollgate::app::serve(config_path);
    if (*check) return config_check(config_path);
    if (*migrate) return tollgate::app::migrate(config_path);
    if (*create) return keys_create(config_path, key_name);
    if (*list) return keys_list(config_path);
    if (*revoke) return keys_revoke(config_path, key_prefix);
    if (*usage) return usage_report(config_path, limit, since_hours);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tollgate: %s\n", e.what());
    return 1;
  }
  return 2;
}
