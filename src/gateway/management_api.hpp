// What the management endpoints share (internal to gateway/): who is calling, what a worker
// hands back, reading request bodies and query strings, writing JSON.
//
// management.cpp identifies the caller on the event loop (memory only: the admin key, a JWT, the
// key cache) and routes; every endpoint function below then runs on a BlockingPool worker with
// that worker's SQLite connection and returns a Reply, which the loop sends.
//
//   keys_api.cpp      POST/GET /v1/keys, GET /v1/key, GET/PATCH/DELETE /v1/keys/{prefix}
//   billing_api.cpp   balances (/v1/billing/balance, /v2/billing[/detail], /v1/me/balance),
//                     /v1/credits, /v1/credits/topup, /v1/usage
//   accounts_api.cpp  the admin's GET/POST /v1/accounts, PATCH /v1/accounts/{name}
//   account_auth.cpp  /auth/register, /auth/login
#pragma once

#include "auth/key_cache.hpp"
#include "billing/pricing.hpp"
#include "config/config.hpp"
#include "gateway/gateway.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tollgate::store {
class Database;
}

namespace tollgate::gateway::management {

enum class CallerKind { admin, session, api_key };

struct Caller {
  CallerKind kind = CallerKind::api_key;
  int64_t account_id = 0;  // session and api_key: known at once; admin: resolved on the worker
  std::optional<std::string> account_name{};  // admin only: ?account= or the body's "account"
  auth::KeyHandle key{};  // api_key only
};

// A request as a worker sees it.
struct Call {
  Caller caller;
  std::string body;
  std::string query;   // after '?', still percent-encoded
  std::string prefix;  // /v1/keys/{prefix}, /v1/accounts/{name}
};

// What a worker returns: a JSON body, or an error for respond_error (code not empty).
struct Reply {
  int status = 200;
  std::string body{};
  std::string message{};
  std::string code{};
  std::string param{};

  bool is_error() const { return !code.empty(); }
  static Reply json(int status, std::string body);
  static Reply error(int status, std::string message, std::string code, std::string param = {});
};

// What the endpoints need from the gateway.
struct Environment {
  const config::Config& config;
  Services& services;
};

// ---- endpoints (run on a worker) ----

Reply create_key(store::Database& db, const Environment& env, const Call& call);
Reply list_keys(store::Database& db, const Environment& env, const Call& call);
Reply describe_key(store::Database& db, const Environment& env, const Call& call);  // {prefix}
Reply describe_calling_key(store::Database& db, const Environment& env, const Call& call);
Reply update_key(store::Database& db, const Environment& env, const Call& call);
Reply delete_key(store::Database& db, const Environment& env, const Call& call);

Reply legacy_balance(store::Database& db, const Environment& env, const Call& call);
Reply billing_summary(store::Database& db, const Environment& env, const Call& call);
Reply billing_detail(store::Database& db, const Environment& env, const Call& call);
Reply credits_balance(store::Database& db, const Environment& env, const Call& call);
Reply credits_ledger(store::Database& db, const Environment& env, const Call& call);
Reply credits_topup(store::Database& db, const Environment& env, const Call& call);
Reply usage_rollups(store::Database& db, const Environment& env, const Call& call);

Reply create_account(store::Database& db, const Environment& env, const Call& call);
Reply list_accounts(store::Database& db, const Environment& env, const Call& call);
Reply update_account(store::Database& db, const Environment& env, const Call& call);  // {name}

Reply register_account(store::Database& db, const Environment& env, const Call& call);
Reply login(store::Database& db, const Environment& env, const Call& call);

// ---- shared helpers ----

// The account the call acts on: the caller's own, or for the admin the named one (default
// account when none is named). An error Reply for an unknown name or a gone/disabled account.
std::variant<int64_t, Reply> resolve_account(store::Database& db, const Caller& caller);

// The body as a JSON object whose every field is one of `allowed` (an empty body is {}); a 400
// otherwise (invalid JSON, not an object, an unknown field).
std::variant<boost::json::object, Reply> read_body(std::string_view body,
                                                   const std::vector<std::string_view>& allowed);

// The decoded value of query parameter `name` (the first one), or nullopt.
using net::query_param;

// A USD amount given as a decimal string ("10.00") or a JSON number (25, 0.5), read from its
// exact text (never through a double): micro-USD, or a 400 naming `param`. `field` is the
// parsed value; `raw_body` and `pointer` ("/limit/threshold") locate its text in the body.
std::variant<billing::Micros, Reply> usd_field(const boost::json::value& field,
                                               std::string_view raw_body,
                                               std::string_view pointer, const std::string& param);

// `rate_limits` of a key or an account: {"rpm", "tpm", "concurrency"}, each a positive whole
// number or absent, as normalised JSON text; null clears them (nullopt). A 400 naming the field
// otherwise.
std::variant<std::optional<std::string>, Reply> read_rate_limits(const boost::json::value& value);

// The account's balance: the wallet's (memory) when billing is on, else the ledger's sum.
billing::Micros account_balance(store::Database& db, const Environment& env, int64_t account_id);

// "2026-02-18T06:59:10.031Z"
std::string iso_time(int64_t unix_ms);
// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" into unix milliseconds.
std::optional<int64_t> parse_iso_time(std::string_view text);
int64_t unix_now_ms();

// A JSON string, or null for nullopt.
std::string json_string_or_null(const std::optional<std::string>& text);

}  // namespace tollgate::gateway::management
