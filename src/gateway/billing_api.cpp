// The billing and usage endpoints: the balance in the AI/ML API's three shapes (aimlapi-spec §4)
// and Katana's {"credits": "..."} (gateways-spec B1), the credit ledger and admin top-ups
// (ModelAPI's /v1/credits), and usage rolled up per day and model (/v1/usage).
//
// Money leaves as exact decimals: USD via billing::usd_decimal, credits via credits_decimal at
// billing.credits_per_usd. Where the reference shape has a JSON number, the decimal text is
// written as the number (never through a double). Runs on a BlockingPool worker.
#include "gateway/management_api.hpp"

#include "api/json_text.hpp"
#include "billing/wallet.hpp"
#include "store/accounts.hpp"
#include "store/billing_queries.hpp"
#include "store/ledger.hpp"

#include <charconv>
#include <chrono>

namespace tollgate::gateway::management {

namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;
constexpr int kDefaultUsageDays = 30;
constexpr int kMaxUsageDays = 366;
constexpr std::size_t kMaxIdempotencyKeyBytes = 255;
constexpr std::size_t kMaxNoteBytes = 1000;

std::string credits(const Environment& env, billing::Micros micros) {
  return billing::credits_decimal(micros, env.config.billing.credits_per_usd);
}

std::optional<int64_t> parse_integer(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The account and its balance, shared by the balance endpoints.
struct AccountView {
  store::Account account;
  billing::Micros balance = 0;
};

std::variant<AccountView, Reply> account_view(store::Database& db, const Environment& env,
                                              const Call& call) {
  auto id = resolve_account(db, call.caller);
  if (auto* error = std::get_if<Reply>(&id)) return std::move(*error);
  std::optional<store::Account> account = store::AccountStore(db).find(std::get<int64_t>(id));
  if (!account) return Reply::error(404, "The account no longer exists.", "account_not_found");
  const billing::Micros balance = account_balance(db, env, account->id);
  return AccountView{std::move(*account), balance};
}

std::string entry_json(const store::LedgerEntry& entry) {
  auto text_or_null = [](const std::string& text) {
    return text.empty() ? std::string("null") : api::json_string(text);
  };
  std::string json = "{\"id\":" + std::to_string(entry.id);
  json += ",\"kind\":" + api::json_string(store::to_string(entry.kind));
  json += ",\"amount_usd\":" + api::json_string(billing::usd_decimal(entry.amount_micros));
  json += ",\"cost_usd\":";
  json += entry.cost_micros ? api::json_string(billing::usd_decimal(*entry.cost_micros)) : "null";
  json += ",\"key\":" + text_or_null(entry.key_prefix);
  json += ",\"request_id\":" + text_or_null(entry.request_id);
  json += ",\"idempotency_key\":" + text_or_null(entry.idempotency_key);
  json += ",\"note\":" + text_or_null(entry.note);
  json += ",\"created_at\":" + api::json_string(iso_time(entry.created_at_ms)) + "}";
  return json;
}

// "balance_usd":"…","credits":"…" (no braces).
std::string balance_members(const Environment& env, billing::Micros balance) {
  return "\"balance_usd\":" + api::json_string(billing::usd_decimal(balance)) +
         ",\"credits\":" + api::json_string(credits(env, balance));
}

std::optional<std::chrono::sys_days> parse_day(std::string_view text) {
  using namespace std::chrono;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto y = parse_integer(text.substr(0, 4));
  const auto m = parse_integer(text.substr(5, 2));
  const auto d = parse_integer(text.substr(8, 2));
  if (!y || !m || !d || *y < 0 || *m < 0 || *d < 0) return std::nullopt;
  const year_month_day date{year(static_cast<int>(*y)), month(static_cast<unsigned>(*m)),
                            day(static_cast<unsigned>(*d))};
  if (!date.ok()) return std::nullopt;
  return sys_days(date);
}

int64_t day_ms(std::chrono::sys_days day) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(day.time_since_epoch()).count();
}

// ?from=&to= (inclusive UTC days): by default the 30 days ending today.
std::variant<std::pair<std::chrono::sys_days, std::chrono::sys_days>, Reply> usage_range(
    std::string_view query) {
  using namespace std::chrono;
  const sys_days today = floor<days>(system_clock::now());
  std::pair<sys_days, sys_days> range{today - days(kDefaultUsageDays - 1), today};
  const std::optional<std::string> to = query_param(query, "to");
  if (to) {
    const auto day = parse_day(*to);
    if (!day) return Reply::error(400, "'to' must be a date YYYY-MM-DD.", "invalid_value", "to");
    range = {*day - days(kDefaultUsageDays - 1), *day};
  }
  if (const std::optional<std::string> from = query_param(query, "from")) {
    const auto day = parse_day(*from);
    if (!day) {
      return Reply::error(400, "'from' must be a date YYYY-MM-DD.", "invalid_value", "from");
    }
    range.first = *day;
  }
  if (range.first > range.second) {
    return Reply::error(400, "'from' must not be after 'to'.", "invalid_value", "from");
  }
  if (range.second - range.first >= days(kMaxUsageDays)) {
    return Reply::error(400, "The range may span at most 366 days.", "invalid_value", "from");
  }
  return range;
}

std::string rollup_json(const store::DailyModelUsage& usage) {
  std::string json = "{\"date\":" + api::json_string(usage.day);
  json += ",\"model\":" + api::json_string(usage.public_model);
  json += ",\"requests\":" + std::to_string(usage.requests);
  json += ",\"errors\":" + std::to_string(usage.errors);
  json += ",\"input_tokens\":" + std::to_string(usage.input_tokens);
  json += ",\"output_tokens\":" + std::to_string(usage.output_tokens);
  json += ",\"cached_tokens\":" + std::to_string(usage.cached_tokens);
  json += ",\"cache_write_tokens\":" + std::to_string(usage.cache_write_tokens);
  json += ",\"reasoning_tokens\":" + std::to_string(usage.reasoning_tokens);
  json += ",\"cost_usd\":" + api::json_string(billing::usd_decimal(usage.cost_micros));
  json += ",\"charged_usd\":" + api::json_string(billing::usd_decimal(usage.charged_micros)) + "}";
  return json;
}

struct TopUp {
  billing::Micros amount = 0;
  std::string idempotency_key;
  std::string note;
};

std::variant<TopUp, Reply> read_top_up(const boost::json::object& body, std::string_view raw) {
  TopUp top_up;
  const boost::json::value* amount = body.if_contains("amount_usd");
  if (!amount) {
    return Reply::error(400, "'amount_usd' is required, e.g. \"10.00\".", "missing_parameter",
                        "amount_usd");
  }
  auto micros = usd_field(*amount, raw, "/amount_usd", "amount_usd");
  if (auto* error = std::get_if<Reply>(&micros)) return std::move(*error);
  top_up.amount = std::get<billing::Micros>(micros);
  if (top_up.amount <= 0) {
    return Reply::error(400, "'amount_usd' must be more than 0.", "invalid_value", "amount_usd");
  }
  const boost::json::value* key = body.if_contains("idempotency_key");
  if (!key || !key->is_string() || key->as_string().empty() ||
      key->as_string().size() > kMaxIdempotencyKeyBytes) {
    return Reply::error(400,
                        "'idempotency_key' is required: a non-empty string of at most 255 bytes "
                        "that makes a retried top-up count once.",
                        "missing_parameter", "idempotency_key");
  }
  top_up.idempotency_key = std::string(key->as_string());
  if (const boost::json::value* note = body.if_contains("note"); note && !note->is_null()) {
    if (!note->is_string() || note->as_string().size() > kMaxNoteBytes) {
      return Reply::error(400, "'note' must be a string of at most 1000 bytes.", "invalid_value",
                          "note");
    }
    top_up.note = std::string(note->as_string());
  }
  return top_up;
}

}  // namespace

Reply legacy_balance(store::Database& db, const Environment& env, const Call& call) {
  auto view = account_view(db, env, call);
  if (auto* error = std::get_if<Reply>(&view)) return std::move(*error);
  const billing::Micros balance = std::get<AccountView>(view).balance;
  const billing::Micros threshold = env.config.billing.low_balance_micros;
  std::string json = "{\"balance\":" + credits(env, balance);
  json += ",\"lowBalance\":" + std::string(balance < threshold ? "true" : "false");
  json += ",\"lowBalanceThreshold\":" + credits(env, threshold);
  json += ",\"lastUpdated\":" + api::json_string(iso_time(unix_now_ms()));
  json += R"(,"autoDebitStatus":"disabled","status":"current",)";
  json += R"("statusExplanation":"Balance is current and up to date"})";
  return Reply::json(200, json);
}

Reply billing_summary(store::Database& db, const Environment& env, const Call& call) {
  auto view = account_view(db, env, call);
  if (auto* error = std::get_if<Reply>(&view)) return std::move(*error);
  return Reply::json(200, "{\"current_balance\":" +
                              billing::usd_decimal(std::get<AccountView>(view).balance) +
                              ",\"currency\":\"USD\"}");
}

Reply billing_detail(store::Database& db, const Environment& env, const Call& call) {
  auto view = account_view(db, env, call);
  if (auto* error = std::get_if<Reply>(&view)) return std::move(*error);
  const AccountView& account = std::get<AccountView>(view);
  std::string json = "{\"user_id\":" + std::to_string(account.account.id);
  json += ",\"email\":" + json_string_or_null(account.account.email);
  json += ",\"current_balance\":" + billing::usd_decimal(account.balance);
  json += R"(,"currency":"USD","autotopup_settings":{"is_enabled":false,"threshold":0,)";
  json += R"("amount":0,"currency":"USD"}})";
  return Reply::json(200, json);
}

Reply credits_balance(store::Database& db, const Environment& env, const Call& call) {
  auto view = account_view(db, env, call);
  if (auto* error = std::get_if<Reply>(&view)) return std::move(*error);
  return Reply::json(200, "{\"credits\":" +
                              api::json_string(credits(env, std::get<AccountView>(view).balance)) +
                              "}");
}

Reply credits_ledger(store::Database& db, const Environment& env, const Call& call) {
  int limit = kDefaultPageSize;
  if (const auto text = query_param(call.query, "limit")) {
    const auto value = parse_integer(*text);
    if (!value || *value < 1 || *value > kMaxPageSize) {
      return Reply::error(400, "'limit' must be a whole number from 1 to 1000.", "invalid_value",
                          "limit");
    }
    limit = static_cast<int>(*value);
  }
  std::optional<int64_t> before;
  if (const auto text = query_param(call.query, "before")) {
    before = parse_integer(*text);
    if (!before || *before < 1) {
      return Reply::error(400, "'before' must be an entry id from an earlier page's next_before.",
                          "invalid_value", "before");
    }
  }
  auto view = account_view(db, env, call);
  if (auto* error = std::get_if<Reply>(&view)) return std::move(*error);
  const AccountView& account = std::get<AccountView>(view);
  const store::LedgerPage page = store::LedgerStore(db).entries(account.account.id, before, limit);

  std::string json = "{" + balance_members(env, account.balance) + ",\"data\":[";
  for (std::size_t i = 0; i < page.entries.size(); ++i) {
    if (i) json += ',';
    json += entry_json(page.entries[i]);
  }
  json += "],\"has_more\":" + std::string(page.next_before_id ? "true" : "false");
  json += ",\"next_before\":";
  json += page.next_before_id ? std::to_string(*page.next_before_id) : "null";
  return Reply::json(200, json + "}");
}

Reply credits_topup(store::Database& db, const Environment& env, const Call& call) {
  auto parsed = read_body(call.body, {"account", "amount_usd", "idempotency_key", "note"});
  if (auto* error = std::get_if<Reply>(&parsed)) return std::move(*error);
  const boost::json::object& body = std::get<boost::json::object>(parsed);
  Caller caller = call.caller;
  if (const boost::json::value* name = body.if_contains("account"); name && !name->is_null()) {
    if (!name->is_string() || name->as_string().empty()) {
      return Reply::error(400, "'account' must be an account name.", "invalid_type", "account");
    }
    caller.account_name = std::string(name->as_string());
  }
  auto account = resolve_account(db, caller);
  if (auto* error = std::get_if<Reply>(&account)) return std::move(*error);
  auto request = read_top_up(body, call.body);
  if (auto* error = std::get_if<Reply>(&request)) return std::move(*error);
  const TopUp& top_up = std::get<TopUp>(request);
  const int64_t account_id = std::get<int64_t>(account);

  // Written with this process's instance name: the wallet sync skips it, the credit below is
  // the one that reaches the wallet.
  const store::IdempotentResult result = store::LedgerStore(db).top_up(
      account_id, top_up.amount, top_up.idempotency_key, top_up.note, env.services.instance);
  switch (result.outcome) {
    case store::IdempotentOutcome::key_conflict:
      return Reply::error(409,
                          "The idempotency key was already used for another top-up (" +
                              std::string(store::to_string(result.entry.kind)) + " of $" +
                              billing::usd_decimal(result.entry.amount_micros) +
                              "): use a new key for a new top-up.",
                          "idempotency_key_reused", "idempotency_key");
    case store::IdempotentOutcome::unknown_account:
      return Reply::error(404, "The account no longer exists.", "account_not_found", "account");
    case store::IdempotentOutcome::created:
      if (env.services.wallet) env.services.wallet->credit(account_id, top_up.amount);
      break;
    case store::IdempotentOutcome::replayed: break;
  }
  const billing::Micros balance = account_balance(db, env, account_id);
  return Reply::json(result.created() ? 201 : 200,
                     "{\"data\":" + entry_json(result.entry) + "," +
                         balance_members(env, balance) +
                         ",\"replayed\":" + (result.created() ? "false" : "true") + "}");
}

Reply usage_rollups(store::Database& db, const Environment&, const Call& call) {
  auto range = usage_range(call.query);
  if (auto* error = std::get_if<Reply>(&range)) return std::move(*error);
  const auto [from, to] = std::get<std::pair<std::chrono::sys_days, std::chrono::sys_days>>(range);
  auto account = resolve_account(db, call.caller);
  if (auto* error = std::get_if<Reply>(&account)) return std::move(*error);

  store::UsageScope scope;
  scope.account_id = std::get<int64_t>(account);
  scope.from_ms = day_ms(from);
  scope.to_ms = day_ms(to + std::chrono::days(1));
  if (const auto prefix = query_param(call.query, "key")) {
    if (!store::AccountStore(db).find_key(*prefix, scope.account_id)) {
      return Reply::error(404, "No API key with prefix \"" + api::json_escape(*prefix) +
                                   "\" in this account.",
                          "key_not_found", "key");
    }
    scope.key_prefix = *prefix;
  }
  store::DailyModelUsage totals;
  std::string json = "{\"object\":\"list\",\"from\":" +
                     api::json_string(store::utc_day(scope.from_ms)) +
                     ",\"to\":" + api::json_string(store::utc_day(day_ms(to))) + ",\"data\":[";
  bool first = true;
  for (const store::DailyModelUsage& usage : store::usage_by_day_and_model(db, scope)) {
    if (!first) json += ',';
    first = false;
    json += rollup_json(usage);
    totals.requests += usage.requests;
    totals.cost_micros += usage.cost_micros;
    totals.charged_micros += usage.charged_micros;
  }
  json += "],\"totals\":{\"requests\":" + std::to_string(totals.requests);
  json += ",\"cost_usd\":" + api::json_string(billing::usd_decimal(totals.cost_micros));
  json += ",\"charged_usd\":" + api::json_string(billing::usd_decimal(totals.charged_micros));
  return Reply::json(200, json + "}}");
}

}  // namespace tollgate::gateway::management
