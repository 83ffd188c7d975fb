// The admin's accounts API: create, list and update accounts (their keys and credits have their
// own endpoints), and the rate limits all of an account's keys share. Every function runs on a
// BlockingPool worker (management_api.hpp).
#include "api/json_text.hpp"
#include "auth/key_store.hpp"
#include "billing/wallet.hpp"
#include "gateway/management_api.hpp"
#include "store/accounts.hpp"
#include "store/ledger.hpp"

#include <boost/json/value.hpp>

namespace tollgate::gateway::management {

namespace {

std::string account_json(store::Database& db, const Environment& env,
                         const store::Account& account) {
  std::string json = "{\"id\":" + std::to_string(account.id);
  json += ",\"name\":" + api::json_string(account.name);
  json += ",\"email\":" + json_string_or_null(account.email);
  json += ",\"markup\":" + billing::usd_decimal(account.markup_ppm);
  json += ",\"disabled\":";
  json += account.disabled ? "true" : "false";
  json += ",\"balance_usd\":" +
          api::json_string(billing::usd_decimal(account_balance(db, env, account.id)));
  json += ",\"created_at\":" + api::json_string(iso_time(account.created_at_ms));
  json += ",\"updated_at\":" + api::json_string(iso_time(account.updated_at_ms));
  json += ",\"rate_limits\":" + account.rate_limits_json.value_or("null");
  return json + "}";
}

// `markup` as a decimal multiplier (1.10): parts per million, positive; a 400 otherwise.
std::variant<int64_t, Reply> markup_field(const boost::json::object& body, std::string_view raw) {
  auto markup = usd_field(body.at("markup"), raw, "/markup", "markup");
  if (auto* error = std::get_if<Reply>(&markup)) return std::move(*error);
  const int64_t ppm = std::get<billing::Micros>(markup);
  if (ppm <= 0)
    return Reply::error(400, "'markup' must be positive, e.g. 1.10.", "invalid_value", "markup");
  return ppm;
}

}  // namespace

Reply create_account(store::Database& db, const Environment& env, const Call& call) {
  auto parsed = read_body(call.body, {"name", "email", "markup", "rate_limits"});
  if (auto* error = std::get_if<Reply>(&parsed)) return std::move(*error);
  const boost::json::object& body = std::get<boost::json::object>(parsed);
  store::NewAccount account;
  const boost::json::value* name = body.if_contains("name");
  if (!name || !name->is_string() || name->as_string().empty()) {
    return Reply::error(400, "'name' is required: a non-empty account name.",
                        "missing_required_parameter", "name");
  }
  account.name = std::string(name->as_string());
  if (const boost::json::value* email = body.if_contains("email"); email && !email->is_null()) {
    if (!email->is_string())
      return Reply::error(400, "'email' must be a string.", "invalid_type", "email");
    account.email = std::string(email->as_string());
  }
  if (body.contains("markup")) {
    auto markup = markup_field(body, call.body);
    if (auto* error = std::get_if<Reply>(&markup)) return std::move(*error);
    account.markup_ppm = std::get<int64_t>(markup);
  }
  if (const boost::json::value* limits = body.if_contains("rate_limits")) {
    auto json = read_rate_limits(*limits);
    if (auto* error = std::get_if<Reply>(&json)) return std::move(*error);
    account.rate_limits_json = std::move(std::get<std::optional<std::string>>(json));
  }
  store::AccountResult created = store::AccountStore(db).create(account);
  if (!created.ok()) {
    const bool email = created.problem == store::AccountProblem::email_taken;
    return Reply::error(
        409, email ? "An account already uses this email." : "An account already has this name.",
        email ? "email_taken" : "name_taken", email ? "email" : "name");
  }
  if (env.services.wallet) env.services.wallet->set_balance(created.account.id, 0);
  return Reply::json(201, "{\"data\":" + account_json(db, env, created.account) + "}");
}

Reply list_accounts(store::Database& db, const Environment& env, const Call&) {
  std::string json = "{\"data\":[";
  bool first = true;
  for (const store::Account& account : store::AccountStore(db).list()) {
    if (!first) json += ',';
    first = false;
    json += account_json(db, env, account);
  }
  return Reply::json(200, json + "]}");
}

Reply update_account(store::Database& db, const Environment& env, const Call& call) {
  auto parsed = read_body(call.body, {"disabled", "markup", "rate_limits"});
  if (auto* error = std::get_if<Reply>(&parsed)) return std::move(*error);
  const boost::json::object& body = std::get<boost::json::object>(parsed);
  store::AccountStore accounts(db);
  std::optional<store::Account> account = accounts.find_by_name(call.prefix);
  if (!account)
    return Reply::error(404, "No account named '" + call.prefix + "'.", "account_not_found");
  store::AccountUpdate update;
  if (const boost::json::value* disabled = body.if_contains("disabled")) {
    if (!disabled->is_bool())
      return Reply::error(400, "'disabled' must be true or false.", "invalid_type", "disabled");
    update.disabled = disabled->as_bool();
  }
  if (body.contains("markup")) {
    auto markup = markup_field(body, call.body);
    if (auto* error = std::get_if<Reply>(&markup)) return std::move(*error);
    update.markup_ppm = std::get<int64_t>(markup);
  }
  if (const boost::json::value* limits = body.if_contains("rate_limits")) {
    auto json = read_rate_limits(*limits);
    if (auto* error = std::get_if<Reply>(&json)) return std::move(*error);
    update.rate_limits_json = std::move(std::get<std::optional<std::string>>(json));
  }
  accounts.update(account->id, update);
  // The keys carry their account's flag, markup and rate limits: take effect now, not at the
  // next refresh. (With the connection they came from: a key limit another process set since
  // the last refresh has its spend loaded before it takes effect.)
  env.services.keys.reload(auth::KeyStore(db).load_all(), &db);
  return Reply::json(200, "{\"data\":" + account_json(db, env, *accounts.find(account->id)) + "}");
}

}  // namespace tollgate::gateway::management
