// The offline billing subcommands: accounts and their credits. Like the key commands they work on
// the database directly and may run beside a serving gateway, which applies a top-up made here
// within its wallet refresh interval.
#include "app/commands.hpp"
#include "billing/pricing.hpp"
#include "config/config.hpp"
#include "store/accounts.hpp"
#include "store/ledger.hpp"
#include "store/sqlite_database.hpp"

#include <cstdio>
#include <stdexcept>

namespace tollgate::app {

namespace {

store::Database open_store(const std::string& config_path) {
  config::Config config = config::load_config_file(config_path);
  store::Database database(config.store.sqlite_path);
  database.migrate();
  return database;
}

store::Account find_account(store::AccountStore& accounts, const std::string& name) {
  std::optional<store::Account> account = accounts.find_by_name(name);
  if (!account) throw std::runtime_error("no account named \"" + name + "\"");
  return *account;
}

}  // namespace

int accounts_create(const std::string& config_path, const std::string& name,
                    const std::optional<std::string>& email, const std::string& markup,
                    const RateLimitOptions& rate_limits) {
  // A multiplier with at most 6 decimals is exactly a count of parts per million.
  std::optional<int64_t> markup_ppm = config::parse_usd_micros(markup);
  if (!markup_ppm || *markup_ppm <= 0) {
    std::fprintf(stderr, "tollgate: --markup must be a positive decimal, e.g. 1.10\n");
    return 2;
  }
  store::Database database = open_store(config_path);
  store::AccountStore accounts(database);
  store::AccountResult created =
      accounts.create({.name = name,
                       .email = email,
                       .markup_ppm = *markup_ppm,
                       .rate_limits_json = rate_limits_json(rate_limits)});
  if (!created.ok()) {
    std::fprintf(stderr, "tollgate: cannot create account \"%s\": %s\n", name.c_str(),
                 created.problem == store::AccountProblem::email_taken ? "email already used"
                                                                       : "name already used");
    return 1;
  }
  std::printf("%lld\n", static_cast<long long>(created.account.id));
  std::fprintf(stderr, "created account %s\n", name.c_str());
  return 0;
}

int accounts_list(const std::string& config_path) {
  store::Database database = open_store(config_path);
  store::AccountStore accounts(database);
  store::LedgerStore ledger(database);
  std::printf("%-6s  %-24s  %-16s  %s\n", "ID", "NAME", "BALANCE (USD)", "STATUS");
  for (const auto& account : accounts.list()) {
    std::printf("%-6lld  %-24s  %-16s  %s\n", static_cast<long long>(account.id),
                account.name.c_str(), billing::usd_decimal(ledger.balance(account.id)).c_str(),
                account.disabled ? "disabled" : "active");
  }
  return 0;
}

int credits_topup(const std::string& config_path, const std::string& account_name,
                  const std::string& usd, const std::string& idempotency_key,
                  const std::string& note) {
  std::optional<int64_t> micros = config::parse_usd_micros(usd);
  if (!micros || *micros <= 0) {
    std::fprintf(stderr, "tollgate: --usd must be a positive decimal with at most 6 decimals\n");
    return 2;
  }
  store::Database database = open_store(config_path);
  store::AccountStore accounts(database);
  const store::Account account = find_account(accounts, account_name);
  store::LedgerStore ledger(database);
  store::IdempotentResult result = ledger.top_up(account.id, *micros, idempotency_key, note, "cli");
  switch (result.outcome) {
    case store::IdempotentOutcome::created:
      std::fprintf(stderr, "credited %s USD to %s\n", billing::usd_decimal(*micros).c_str(),
                   account.name.c_str());
      break;
    case store::IdempotentOutcome::replayed:
      std::fprintf(stderr, "already credited with this idempotency key: nothing written\n");
      break;
    case store::IdempotentOutcome::key_conflict:
      std::fprintf(stderr,
                   "tollgate: the idempotency key was used for a different top-up (%s USD)\n",
                   billing::usd_decimal(result.entry.amount_micros).c_str());
      return 1;
    case store::IdempotentOutcome::unknown_account:
      std::fprintf(stderr, "tollgate: no such account\n");
      return 1;
  }
  std::printf("%s\n", billing::usd_decimal(ledger.balance(account.id)).c_str());
  return 0;
}

int credits_balance(const std::string& config_path, const std::string& account_name) {
  store::Database database = open_store(config_path);
  store::AccountStore accounts(database);
  const store::Account account = find_account(accounts, account_name);
  std::printf("%s\n",
              billing::usd_decimal(store::LedgerStore(database).balance(account.id)).c_str());
  return 0;
}

int credits_ledger(const std::string& config_path, const std::string& account_name, int limit) {
  store::Database database = open_store(config_path);
  store::AccountStore accounts(database);
  const store::Account account = find_account(accounts, account_name);
  store::LedgerStore ledger(database);
  std::printf("%-8s  %-10s  %14s  %12s  %-22s  %s\n", "ID", "KIND", "AMOUNT (USD)", "COST (USD)",
              "REQUEST", "NOTE");
  for (const auto& entry : ledger.entries(account.id, std::nullopt, limit).entries) {
    std::printf("%-8lld  %-10s  %14s  %12s  %-22s  %s\n", static_cast<long long>(entry.id),
                std::string(store::to_string(entry.kind)).c_str(),
                billing::usd_decimal(entry.amount_micros).c_str(),
                entry.cost_micros ? billing::usd_decimal(*entry.cost_micros).c_str() : "",
                entry.request_id.c_str(), entry.note.c_str());
  }
  std::printf("balance %s USD\n", billing::usd_decimal(ledger.balance(account.id)).c_str());
  return 0;
}

}  // namespace tollgate::app
