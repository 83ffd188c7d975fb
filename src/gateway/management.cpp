// Accounts, keys and billing endpoints (issue 4 §1, §2, §6): the route table, who may call what,
// and the hand-over to the blocking pool.
//
// On the event loop: find the route, identify the caller from memory only (the admin key, a
// session JWT, or an API key through the key cache) and check its right to the route. On a
// worker: everything that touches SQLite or hashes a password (keys_api.cpp, billing_api.cpp,
// account_auth.cpp). Errors are OpenAI-shaped (ctx.format is openai_chat).
//
// Callers:
//   admin    Authorization: Bearer <server.admin_key>; acts on ?account=<name> (or the body's
//            "account"), else the default account; only it may top up credits
//   session  Authorization: Bearer <JWT from /auth/login>; its own account
//   api_key  any form authenticate() accepts; its own account. The keys API needs the scope
//            "keys" (a management key); GET /v1/key describes the calling key.
#include "gateway/gateway.hpp"

#include "auth/credentials.hpp"
#include "auth/jwt.hpp"
#include "gateway/blocking_pool.hpp"
#include "gateway/management_api.hpp"
#include "gateway/phases.hpp"
#include "gateway/respond.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace tollgate::gateway {

namespace {

using management::Call;
using management::Caller;
using management::CallerKind;
using management::Environment;
using management::Reply;

// Who may call a route.
enum class Access {
  anyone,   // no credentials (register, login)
  account,  // admin, session or any API key
  keys,     // admin, session or an API key with the scope "keys"
  admin,    // the admin key only
};

using Handler = Reply (*)(store::Database&, const Environment&, const Call&);

struct Route {
  Handler handler = nullptr;
  Access access = Access::account;
};

struct RouteLookup {
  std::optional<Route> route;  // nullopt: a known path with another method (or none: 404)
  std::string_view allowed;    // the methods the path takes, for the 405
  std::string prefix;          // /v1/keys/{prefix}
};

RouteLookup find_route(std::string_view method, std::string_view path) {
  auto one = [&](std::string_view wanted, Handler handler, Access access) {
    RouteLookup lookup;
    lookup.allowed = wanted;
    if (method == wanted) lookup.route = Route{handler, access};
    return lookup;
  };
  constexpr std::string_view keys_prefix = "/v1/keys/";
  if (path == "/v1/keys") {
    RouteLookup lookup;
    lookup.allowed = "GET, POST";
    if (method == "GET") lookup.route = Route{management::list_keys, Access::keys};
    if (method == "POST") lookup.route = Route{management::create_key, Access::keys};
    return lookup;
  }
  if (path.starts_with(keys_prefix)) {
    const std::string_view prefix = path.substr(keys_prefix.size());
    if (prefix.empty() || prefix.find('/') != std::string_view::npos) return {};
    RouteLookup lookup;
    lookup.allowed = "GET, PATCH, DELETE";
    lookup.prefix = std::string(prefix);
    if (method == "GET") lookup.route = Route{management::describe_key, Access::keys};
    if (method == "PATCH") lookup.route = Route{management::update_key, Access::keys};
    if (method == "DELETE") lookup.route = Route{management::delete_key, Access::keys};
    return lookup;
  }
  if (path == "/v1/accounts") {
    RouteLookup lookup;
    lookup.allowed = "GET, POST";
    if (method == "GET") lookup.route = Route{management::list_accounts, Access::admin};
    if (method == "POST") lookup.route = Route{management::create_account, Access::admin};
    return lookup;
  }
  constexpr std::string_view accounts_prefix = "/v1/accounts/";
  if (path.starts_with(accounts_prefix)) {
    const std::string_view name = path.substr(accounts_prefix.size());
    if (name.empty() || name.find('/') != std::string_view::npos) return {};
    RouteLookup lookup = one("PATCH", management::update_account, Access::admin);
    lookup.prefix = std::string(name);
    return lookup;
  }
  if (path == "/v1/key") return one("GET", management::describe_calling_key, Access::account);
  if (path == "/v1/billing/balance") return one("GET", management::legacy_balance, Access::account);
  if (path == "/v2/billing") return one("GET", management::billing_summary, Access::account);
  if (path == "/v2/billing/detail") return one("GET", management::billing_detail, Access::account);
  if (path == "/v1/me/balance") return one("GET", management::credits_balance, Access::account);
  if (path == "/v1/credits") return one("GET", management::credits_ledger, Access::account);
  if (path == "/v1/credits/topup") return one("POST", management::credits_topup, Access::admin);
  if (path == "/v1/usage") return one("GET", management::usage_rollups, Access::account);
  if (path == "/auth/register") return one("POST", management::register_account, Access::anyone);
  if (path == "/auth/login") return one("POST", management::login, Access::anyone);
  return {};
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The token of `Authorization: Bearer <token>`, or empty.
std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (ascii_lower(authorization[i]) != scheme[i]) return {};
  }
  std::string_view token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

// Constant time in the token's content (its length may show).
bool is_admin_key(std::string_view token, const std::string& admin_key) {
  return !admin_key.empty() && auth::constant_time_equals(token, admin_key);
}

ir::Error unauthorized(std::string message, std::string code) {
  return ir::make_error(401, std::move(message), std::move(code));
}

std::variant<Caller, ir::Error> session_caller(std::string_view token,
                                               const config::AuthConfig& auth) {
  if (auth.jwt_secret.empty()) {
    return unauthorized("Session tokens are not accepted here: this gateway has no "
                        "auth.jwt_secret. Use an API key.",
                        "invalid_token");
  }
  auto verified = auth::verify_jwt(token, auth.jwt_secret, management::unix_now_ms() / 1000);
  const auto* claims = std::get_if<auth::JwtClaims>(&verified);
  int64_t account_id = 0;
  if (!claims || std::from_chars(claims->sub.data(), claims->sub.data() + claims->sub.size(),
                                 account_id)
                         .ec != std::errc() ||
      account_id <= 0) {
    return unauthorized("The session token is invalid or has expired: sign in again with "
                        "POST /auth/login.",
                        "invalid_token");
  }
  Caller caller;
  caller.kind = CallerKind::session;
  caller.account_id = account_id;
  return caller;
}

std::variant<Caller, ir::Error> key_caller(const auth::PresentedCredential& presented,
                                           const auth::KeyCache& keys) {
  auto result = keys.authenticate(presented.key, presented.secret, management::unix_now_ms());
  if (const auto* refusal = std::get_if<auth::KeyRefusal>(&result)) {
    switch (*refusal) {
      case auth::KeyRefusal::disabled:
        return unauthorized("This API key is disabled.", "key_disabled");
      case auth::KeyRefusal::expired:
        return unauthorized("This API key has expired.", "key_expired");
      case auth::KeyRefusal::secret_required:
        return unauthorized("This API key was created with a secret: send it too (X-API-Secret, "
                            "or Authorization: Bearer <key>:<secret>).",
                            "secret_required");
      case auth::KeyRefusal::unknown: break;
    }
    return unauthorized("Incorrect API key provided.", "invalid_api_key");
  }
  Caller caller;
  caller.kind = CallerKind::api_key;
  caller.key = std::get<auth::KeyHandle>(std::move(result));
  caller.account_id = caller.key->account_id;
  return caller;
}

// The caller, from memory only; the 401 to send otherwise.
std::variant<Caller, ir::Error> identify(const net::HttpRequest& request,
                                         const config::Config& config,
                                         const auth::KeyCache& keys) {
  const std::string_view authorization = request.header("authorization");
  if (is_admin_key(bearer_token(authorization), config.server.admin_key)) {
    Caller caller;
    caller.kind = CallerKind::admin;
    return caller;
  }
  const auth::PresentedCredential presented = auth::parse_presented_credential(
      {authorization, request.header("x-api-key"), request.header("x-api-secret"),
       request.header("x-goog-api-key"), {}});
  switch (presented.kind) {
    case auth::CredentialKind::none:
      return unauthorized("This endpoint needs credentials: Authorization: Bearer with an API "
                          "key, a session token from POST /auth/login, or the admin key.",
                          "missing_api_key");
    case auth::CredentialKind::malformed:
      return unauthorized(std::string(presented.problem), "invalid_api_key");
    case auth::CredentialKind::jwt: return session_caller(presented.token, config.auth);
    default: return key_caller(presented, keys);
  }
}

bool has_scope(const auth::AuthenticatedKey& key, std::string_view scope) {
  return std::find(key.scopes.begin(), key.scopes.end(), scope) != key.scopes.end();
}

// The 403 for a caller without the right to the route, or nullopt.
std::optional<ir::Error> refusal(const Caller& caller, Access access) {
  if (caller.kind == CallerKind::admin) return std::nullopt;
  if (access == Access::admin) {
    return ir::make_error(403, "Only the admin key (server.admin_key) may do this.",
                          "admin_required");
  }
  if (access == Access::keys && caller.kind == CallerKind::api_key && !has_scope(*caller.key, "keys")) {
    return ir::make_error(403,
                          "This API key may not manage keys: use a management key (one whose "
                          "scopes include \"keys\"), a session token or the admin key.",
                          "scope_not_allowed");
  }
  return std::nullopt;
}

// Registration needs auth.registration; login needs a secret to sign sessions with. Off, the
// route answers as if it did not exist.
bool route_enabled(const Route& route, const config::AuthConfig& auth) {
  if (route.handler == management::register_account) return auth.registration;
  if (route.handler == management::login) return !auth.jwt_secret.empty();
  return true;
}

}  // namespace

bool Gateway::is_management_path(std::string_view path) {
  return path == "/v1/keys" || path.starts_with("/v1/keys/") || path == "/v1/key" ||
         path == "/v1/accounts" || path.starts_with("/v1/accounts/") ||
         path == "/v1/billing/balance" || path == "/v2/billing" || path == "/v2/billing/detail" ||
         path == "/v1/me/balance" || path == "/v1/credits" || path == "/v1/credits/topup" ||
         path == "/v1/usage" || path == "/auth/register" || path == "/auth/login";
}

boost::asio::awaitable<void> Gateway::management(RequestContext& ctx) {
  ctx.format = ir::Format::openai_chat;
  RouteLookup lookup = find_route(ctx.request.method, ctx.request.path());
  if (!lookup.allowed.empty() && !lookup.route) {
    const std::string message = "Method not allowed: " + std::string(ctx.request.path()) +
                                " takes " + std::string(lookup.allowed) + ".";
    net::Headers allow{{"allow", std::string(lookup.allowed)}};
    const ir::Error error = ir::make_error(405, message, "method_not_allowed");
    co_await respond_error(ctx, error, std::move(allow));
    co_return;
  }
  if (!lookup.route || !route_enabled(*lookup.route, config_.auth)) {
    co_await not_found(ctx);
    co_return;
  }

  Call call;
  if (lookup.route->access != Access::anyone) {
    auto identified = identify(ctx.request, config_, services_.keys);
    if (const auto* error = std::get_if<ir::Error>(&identified)) {
      const ir::Error unauthorized_error = *error;
      co_await respond_error(ctx, unauthorized_error);
      co_return;
    }
    call.caller = std::get<Caller>(std::move(identified));
    if (call.caller.key) ctx.key = call.caller.key;  // the access log names the key
    if (const std::optional<ir::Error> forbidden = refusal(call.caller, lookup.route->access)) {
      const ir::Error error = *forbidden;
      co_await respond_error(ctx, error);
      co_return;
    }
    std::optional<std::string> account = management::query_param(ctx.request.query(), "account");
    if (account && call.caller.kind != CallerKind::admin) {
      const ir::Error error = ir::make_error(
          403, "Only the admin key may act for another account (?account=).", "admin_required",
          "account");
      co_await respond_error(ctx, error);
      co_return;
    }
    call.caller.account_name = std::move(account);
  }
  call.body = ctx.request.body;
  call.query = std::string(ctx.request.query());
  call.prefix = std::move(lookup.prefix);

  const Environment env{config_, services_};
  const Handler handler = lookup.route->handler;
  auto work = [env, call = std::move(call), handler](store::Database& db) {
    return handler(db, env, call);
  };
  Reply reply;
  try {
    reply = co_await blocking_->run_blocking(std::move(work));
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "tollgate: %s %s failed: %s\n", ctx.request.method.c_str(),
                 std::string(ctx.request.path()).c_str(), failure.what());
    reply = Reply::error(500, "The request could not be completed; try again.", "internal_error");
  }
  if (reply.is_error()) {
    const ir::Error error = ir::make_error(reply.status, std::move(reply.message),
                                           std::move(reply.code), std::move(reply.param));
    co_await respond_error(ctx, error);
  } else {
    co_await respond_json(ctx, reply.status, std::move(reply.body));
  }
}

}  // namespace tollgate::gateway
