// The keys API in the AI/ML API's shape (aimlapi-spec §3): create, list, describe, update and
// revoke an account's API keys. Every response is wrapped in {"data": ...}; the full key (and
// its secret, for the key + secret form) appears only in the creation response.
//
// A key's BYOK credentials ("byok": {provider: credential}) are sealed here, bound to the key's
// prefix and the provider (auth/byok.hpp), before they reach the database; no response ever
// shows one, only the providers' names.
//
// Runs on a BlockingPool worker. A change reaches the request path at once: the key cache is
// reloaded from this worker's connection after a create or an update, and a deleted key is
// refused in memory (KeyCache::revoke_now) before the response leaves.
#include "gateway/management_api.hpp"

#include "api/json_text.hpp"
#include "auth/byok.hpp"
#include "auth/credentials.hpp"
#include "auth/key_store.hpp"
#include "billing/wallet.hpp"
#include "store/accounts.hpp"
#include "store/billing_queries.hpp"
#include "store/sqlite_database.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <set>

namespace tollgate::gateway::management {

namespace {

constexpr std::size_t kMaxNameBytes = 256;
constexpr std::string_view kDefaultKeyName = "api-key";
constexpr std::string_view kDefaultRetention = "month";

using Object = boost::json::object;

std::chrono::sys_seconds now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// ---- reading a key's fields from a request ----

// A scope is a surface the key may call ("chat", or "model:chat" as the AI/ML API writes it), or
// "keys": the keys API itself (a management key).
bool is_scope(std::string_view scope) {
  if (scope == "keys") return true;
  if (scope.starts_with("model:")) scope.remove_prefix(6);
  return config::is_surface_name(scope);
}

// A JSON array of non-empty strings, each accepted by `check` (which returns a problem or "").
// null or [] → nullopt ("no restriction"); otherwise the array as stored JSON text.
template <class Check>
std::variant<std::optional<std::string>, Reply> string_list(const boost::json::value& value,
                                                            const std::string& param, Check check) {
  if (value.is_null()) return std::optional<std::string>();
  if (!value.is_array()) {
    return Reply::error(400, "'" + param + "' must be an array of strings.", "invalid_type", param);
  }
  if (value.as_array().empty()) return std::optional<std::string>();
  std::string json = "[";
  for (const auto& element : value.as_array()) {
    if (!element.is_string() || element.as_string().empty()) {
      return Reply::error(400, "'" + param + "' must hold non-empty strings only.", "invalid_type",
                          param);
    }
    const std::string_view text = element.as_string();
    if (std::string problem = check(text); !problem.empty()) {
      return Reply::error(400, problem, "invalid_value", param);
    }
    if (json.size() > 1) json += ',';
    api::append_json_string(json, text);
  }
  return std::optional<std::string>(json + "]");
}

std::variant<std::optional<std::string>, Reply> read_scopes(const boost::json::value& value) {
  return string_list(value, "scopes", [](std::string_view scope) {
    if (is_scope(scope)) return std::string();
    return "Unknown scope \"" + api::json_escape(scope) +
           "\": use keys (the keys API) or a surface, " + std::string(config::kSurfaceNames) +
           " (also written model:chat, ...).";
  });
}

std::variant<std::optional<std::string>, Reply> read_models(const boost::json::value& value,
                                                            const Environment& env) {
  return string_list(value, "models", [&env](std::string_view model) {
    if (env.config.find_model(model)) return std::string();
    return "Unknown model \"" + api::json_escape(model) + "\": list public model ids.";
  });
}

struct Limit {
  billing::Micros threshold = 0;
  std::string retention;
};

// {threshold, retention?}; null clears the limit (nullopt).
std::variant<std::optional<Limit>, Reply> read_limit(const boost::json::value& value,
                                                     std::string_view raw_body,
                                                     std::string_view default_retention) {
  if (value.is_null()) return std::optional<Limit>();
  if (!value.is_object()) {
    return Reply::error(400, "'limit' must be an object {threshold, retention} or null.",
                        "invalid_type", "limit");
  }
  const Object& limit = value.as_object();
  for (const auto& field : limit) {
    if (field.key() != "threshold" && field.key() != "retention") {
      return Reply::error(400, "Unknown parameter: 'limit." + api::json_escape(field.key()) + "'.",
                          "unknown_parameter", "limit." + std::string(field.key()));
    }
  }
  const boost::json::value* threshold = limit.if_contains("threshold");
  if (!threshold) {
    return Reply::error(400, "'limit.threshold' is required: the USD spend allowed per period.",
                        "missing_parameter", "limit.threshold");
  }
  auto micros = usd_field(*threshold, raw_body, "/limit/threshold", "limit.threshold");
  if (auto* error = std::get_if<Reply>(&micros)) return std::move(*error);
  Limit result{std::get<billing::Micros>(micros), std::string(default_retention)};
  if (const boost::json::value* retention = limit.if_contains("retention")) {
    if (!retention->is_string() || !store::is_limit_retention(retention->as_string())) {
      return Reply::error(400,
                          "'limit.retention' must be \"day\", \"week\", \"month\" or "
                          "\"no_reset\".",
                          "invalid_value", "limit.retention");
    }
    result.retention = std::string(retention->as_string());
  }
  return std::optional<Limit>(std::move(result));
}

// An ISO-8601 UTC time in the future, or null (never expires).
std::variant<std::optional<int64_t>, Reply> read_expiry(const boost::json::value& value) {
  if (value.is_null()) return std::optional<int64_t>();
  std::optional<int64_t> ms;
  if (value.is_string()) ms = parse_iso_time(value.as_string());
  if (!ms) {
    return Reply::error(400,
                        "'expires_at' must be an ISO-8601 UTC time such as "
                        "\"2026-12-31T23:59:59Z\", or null.",
                        "invalid_value", "expires_at");
  }
  if (*ms <= unix_now_ms()) {
    return Reply::error(400, "'expires_at' must be in the future.", "invalid_value", "expires_at");
  }
  return ms;
}

// ---- regions and BYOK credentials ----

std::string comma_separated(const std::set<std::string, std::less<>>& names) {
  std::string text;
  for (const std::string& name : names) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

// Regions the key may be routed to: each one a region some deployment of the configuration has.
std::variant<std::optional<std::string>, Reply> read_regions(const boost::json::value& value,
                                                             const Environment& env) {
  std::set<std::string, std::less<>> known;
  for (const config::ModelConfig& model : env.config.models) {
    for (const config::DeploymentConfig& deployment : model.deployments) {
      if (!deployment.region.empty()) known.insert(deployment.region);
    }
  }
  return string_list(value, "regions", [&known](std::string_view region) {
    if (known.contains(region)) return std::string();
    const std::string unknown = "Unknown region \"" + api::json_escape(region) + "\": ";
    if (known.empty()) return unknown + "no deployment of the configuration has a region.";
    return unknown + "the configuration's deployments are in " + comma_separated(known) + ".";
  });
}

std::optional<Reply> check_byok_provider(std::string_view provider, const Environment& env) {
  if (env.config.find_provider(provider)) return std::nullopt;
  std::set<std::string, std::less<>> known;
  for (const config::ProviderConfig& configured : env.config.providers) {
    known.insert(configured.name);
  }
  return Reply::error(400,
                      "Unknown provider \"" + api::json_escape(provider) +
                          "\" in 'byok': the configured providers are " + comma_separated(known) +
                          ".",
                      "invalid_value", "byok." + std::string(provider));
}

// A refused credential is never echoed.
std::optional<Reply> check_credential(const boost::json::value& value, std::string_view provider,
                                      std::string_view or_else) {
  if (value.is_string() && auth::is_credential_text(value.as_string())) return std::nullopt;
  const std::string param = "byok." + std::string(provider);
  return Reply::error(400,
                      "'" + api::json_escape(param) + "' must be the provider's credential: 1 to " +
                          std::to_string(auth::kMaxCredentialBytes) + " visible ASCII characters" +
                          std::string(or_else) + ".",
                      "invalid_value", param);
}

Reply byok_not_configured() {
  return Reply::error(400,
                      "This gateway does not store BYOK credentials: set byok.master_key in the "
                      "config.",
                      "byok_not_configured", "byok");
}

// POST: {"<provider>": "<credential>", ...} or null (none).
std::variant<std::vector<auth::ByokCredential>, Reply> read_new_byok(
    const boost::json::value& value, const Environment& env) {
  std::vector<auth::ByokCredential> credentials;
  if (value.is_null()) return credentials;
  if (!value.is_object()) {
    return Reply::error(400,
                        "'byok' must be an object {\"<provider>\": \"<credential>\"}, or null.",
                        "invalid_type", "byok");
  }
  if (!value.as_object().empty() && !env.services.keys.secret_box()) return byok_not_configured();
  for (const auto& field : value.as_object()) {
    if (auto error = check_byok_provider(field.key(), env)) return std::move(*error);
    if (auto error = check_credential(field.value(), field.key(), "")) return std::move(*error);
    credentials.push_back({std::string(field.key()), std::string(field.value().as_string())});
  }
  return credentials;
}

// PATCH: each entry sets (a credential) or removes (null) one provider's credential, the others
// stay; null removes them all. The stored text as it is to be afterwards.
std::variant<store::Nullable<std::string>, Reply> read_byok_update(
    const boost::json::value& value, const Environment& env, const store::StoredKey& current) {
  if (value.is_null()) return store::Nullable<std::string>(std::optional<std::string>());
  if (!value.is_object()) {
    return Reply::error(400,
                        "'byok' must be an object {\"<provider>\": \"<credential>\" or null}, or "
                        "null.",
                        "invalid_type", "byok");
  }
  const auth::SecretBox* box = env.services.keys.secret_box();
  auth::SealedCredentials sealed = auth::parse_sealed_credentials(current.policy.byok_json);
  for (const auto& field : value.as_object()) {
    const std::string_view provider = field.key();
    const auto stored = sealed.find(provider);
    if (field.value().is_null()) {
      // A provider since removed from the configuration can still be removed here.
      if (stored == sealed.end()) {
        if (auto error = check_byok_provider(provider, env)) return std::move(*error);
      } else {
        sealed.erase(stored);
      }
      continue;
    }
    if (auto error = check_byok_provider(provider, env)) return std::move(*error);
    if (auto error = check_credential(field.value(), provider, ", or null to remove it")) {
      return std::move(*error);
    }
    if (!box) return byok_not_configured();
    const auth::ByokCredential credential{std::string(provider),
                                          std::string(field.value().as_string())};
    auth::seal_credential(*box, current.prefix, credential, sealed);
  }
  return store::Nullable<std::string>(auth::sealed_credentials_json(sealed));
}

std::variant<std::string, Reply> read_name(const boost::json::value& value) {
  if (!value.is_string() || value.as_string().empty() || value.as_string().size() > kMaxNameBytes) {
    return Reply::error(400, "'name' must be a non-empty string of at most 256 bytes.",
                        "invalid_value", "name");
  }
  return std::string(value.as_string());
}

std::variant<bool, Reply> read_flag(const Object& body, std::string_view name) {
  const boost::json::value* value = body.if_contains(name);
  if (!value) return false;
  if (!value->is_bool()) {
    return Reply::error(400, "'" + std::string(name) + "' must be true or false.", "invalid_type",
                        std::string(name));
  }
  return value->as_bool();
}

// Takes the value out of `result` into `out`; returns the error Reply, if any.
template <class T>
std::optional<Reply> take(std::variant<T, Reply> result, T& out) {
  if (auto* error = std::get_if<Reply>(&result)) return std::move(*error);
  out = std::move(std::get<T>(result));
  return std::nullopt;
}

// ---- writing a key object ----

std::string stored_list(const std::optional<std::string>& json) {
  if (!json) return "[]";
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(*json, error);
  if (error || !parsed.is_array()) return "[]";  // not written by us: show no restriction
  return boost::json::serialize(parsed);
}

// The providers the key has a credential for: names only, never a credential.
std::string byok_providers(const std::optional<std::string>& json) {
  std::string names = "[";
  for (const auto& [provider, sealed] : auth::parse_sealed_credentials(json)) {
    if (names.size() > 1) names += ',';
    api::append_json_string(names, provider);
  }
  return names + "]";
}

// USD spent with the key this calendar month (UTC): what the ledger charged when billing is on,
// the priced cost otherwise.
billing::Micros monthly_usage(store::Database& db, const Environment& env,
                              const std::string& prefix) {
  const int64_t month_start = billing::period_start_ms(billing::Retention::month, now_seconds());
  const store::Spend spend = store::key_spend(db, prefix, month_start);
  return env.config.billing.enabled ? spend.charged_micros : spend.cost_micros;
}

// The key object (aimlapi-spec §3.1) plus models and expires_at, without the closing brace so
// the creation response can append the key.
std::string key_fields(store::Database& db, const Environment& env, const store::StoredKey& key) {
  const store::KeyPolicy& policy = key.policy;
  std::string json = "{\"name\":" + api::json_string(key.name);
  json += ",\"disabled\":" + std::string(policy.disabled ? "true" : "false");
  json += ",\"prefix\":" + api::json_string(key.prefix);
  json += ",\"scopes\":" + stored_list(policy.scopes_json);
  json += ",\"limit\":";
  if (policy.limit_threshold_micros) {
    json += "{\"threshold\":" + billing::usd_decimal(*policy.limit_threshold_micros);
    json += ",\"retention\":" + api::json_string(policy.limit_retention.value_or("no_reset")) + "}";
  } else {
    json += "null";
  }
  json += ",\"created_at\":" + api::json_string(iso_time(key.created_at_ms));
  json += ",\"updated_at\":" +
          api::json_string(iso_time(key.updated_at_ms.value_or(key.created_at_ms)));
  json += ",\"monthly_usage\":" + billing::usd_decimal(monthly_usage(db, env, key.prefix));
  json += ",\"models\":" + stored_list(policy.allowed_models_json);
  json += ",\"expires_at\":";
  json += policy.expires_at_ms ? api::json_string(iso_time(*policy.expires_at_ms)) : "null";
  json += ",\"rate_limits\":";
  json += policy.rate_limits_json ? *policy.rate_limits_json : std::string("null");
  json += ",\"regions\":" + stored_list(policy.regions_json);
  json += ",\"byok\":" + byok_providers(policy.byok_json);
  return json;
}

Reply key_reply(store::Database& db, const Environment& env, const store::StoredKey& key) {
  return Reply::json(200, "{\"data\":" + key_fields(db, env, key) + "}}");
}

Reply key_not_found(const std::string& prefix) {
  return Reply::error(404, "No API key with prefix \"" + api::json_escape(prefix) + "\".",
                      "key_not_found");
}

// The keys the call may touch: the caller's account's, or for the admin without ?account=,
// every account's.
std::variant<std::optional<int64_t>, Reply> key_owner(store::Database& db, const Call& call) {
  if (call.caller.kind == CallerKind::admin && !call.caller.account_name) {
    return std::optional<int64_t>();
  }
  auto account = resolve_account(db, call.caller);
  if (auto* error = std::get_if<Reply>(&account)) return std::move(*error);
  return std::optional<int64_t>(std::get<int64_t>(account));
}

// The active (not revoked) key `prefix` within `owner`'s keys.
std::optional<store::StoredKey> find_active_key(store::Database& db, const std::string& prefix,
                                                std::optional<int64_t> owner) {
  std::optional<store::StoredKey> key = store::AccountStore(db).find_key(prefix, owner);
  if (!key || key->revoked_at_ms) return std::nullopt;
  return key;
}

// A limit this update sets or moves to another schedule: the cache has the wallet load what the
// key already spent in its period before the limit takes effect (KeyCache::on_new_limit).
void reload_key_cache(store::Database& db, const Environment& env) {
  env.services.keys.reload(auth::KeyStore(db).load_all(), &db);
}

// The account a creation acts on: resolve_account, where the admin may also name the account in
// the body.
std::variant<int64_t, Reply> creation_account(store::Database& db, const Call& call,
                                              const Object& body) {
  Caller caller = call.caller;
  if (const boost::json::value* account = body.if_contains("account")) {
    if (caller.kind != CallerKind::admin) {
      return Reply::error(403, "Only the admin key may act for another account.",
                          "permission_denied", "account");
    }
    if (!account->is_string() || account->as_string().empty()) {
      return Reply::error(400, "'account' must be an account name.", "invalid_type", "account");
    }
    caller.account_name = std::string(account->as_string());
  }
  return resolve_account(db, caller);
}

struct NewKeyRequest {
  std::string name{kDefaultKeyName};
  store::KeyPolicy policy;
  bool with_secret = false;
  std::vector<auth::ByokCredential> byok;  // sealed once the key's prefix is drawn
};

std::variant<NewKeyRequest, Reply> read_new_key(const Object& body, std::string_view raw,
                                                const Environment& env) {
  NewKeyRequest request;
  if (const auto* name = body.if_contains("name"); name && !name->is_null()) {
    if (auto error = take(read_name(*name), request.name)) return std::move(*error);
  }
  if (const auto* limit = body.if_contains("limit")) {
    std::optional<Limit> parsed;
    if (auto error = take(read_limit(*limit, raw, kDefaultRetention), parsed)) {
      return std::move(*error);
    }
    if (parsed) {
      request.policy.limit_threshold_micros = parsed->threshold;
      request.policy.limit_retention = parsed->retention;
    }
  }
  if (const auto* scopes = body.if_contains("scopes")) {
    if (auto error = take(read_scopes(*scopes), request.policy.scopes_json)) {
      return std::move(*error);
    }
  }
  if (const auto* models = body.if_contains("models")) {
    if (auto error = take(read_models(*models, env), request.policy.allowed_models_json)) {
      return std::move(*error);
    }
  }
  if (const auto* expiry = body.if_contains("expires_at")) {
    if (auto error = take(read_expiry(*expiry), request.policy.expires_at_ms)) {
      return std::move(*error);
    }
  }
  if (const auto* limits = body.if_contains("rate_limits")) {
    if (auto error = take(read_rate_limits(*limits), request.policy.rate_limits_json)) {
      return std::move(*error);
    }
  }
  if (const auto* regions = body.if_contains("regions")) {
    if (auto error = take(read_regions(*regions, env), request.policy.regions_json)) {
      return std::move(*error);
    }
  }
  if (const auto* byok = body.if_contains("byok")) {
    if (auto error = take(read_new_byok(*byok, env), request.byok)) return std::move(*error);
  }
  if (auto error = take(read_flag(body, "with_secret"), request.with_secret)) {
    return std::move(*error);
  }
  return request;
}

std::variant<store::KeyUpdate, Reply> read_key_update(const Object& body, std::string_view raw,
                                                      const Environment& env,
                                                      const store::StoredKey& current) {
  store::KeyUpdate update;
  if (const auto* name = body.if_contains("name")) {
    std::string value;
    if (auto error = take(read_name(*name), value)) return std::move(*error);
    update.name = std::move(value);
  }
  if (body.contains("disabled")) {
    bool disabled = false;
    if (auto error = take(read_flag(body, "disabled"), disabled)) return std::move(*error);
    update.disabled = disabled;
  }
  if (const auto* limit = body.if_contains("limit")) {
    std::optional<Limit> parsed;
    const std::string retention =
        current.policy.limit_retention.value_or(std::string(kDefaultRetention));
    if (auto error = take(read_limit(*limit, raw, retention), parsed)) return std::move(*error);
    update.limit_threshold_micros =
        parsed ? std::optional<int64_t>(parsed->threshold) : std::optional<int64_t>();
    update.limit_retention =
        parsed ? std::optional<std::string>(parsed->retention) : std::optional<std::string>();
  }
  if (const auto* scopes = body.if_contains("scopes")) {
    std::optional<std::string> json;
    if (auto error = take(read_scopes(*scopes), json)) return std::move(*error);
    update.scopes_json = std::move(json);
  }
  if (const auto* models = body.if_contains("models")) {
    std::optional<std::string> json;
    if (auto error = take(read_models(*models, env), json)) return std::move(*error);
    update.allowed_models_json = std::move(json);
  }
  if (const auto* expiry = body.if_contains("expires_at")) {
    std::optional<int64_t> ms;
    if (auto error = take(read_expiry(*expiry), ms)) return std::move(*error);
    update.expires_at_ms = ms;
  }
  if (const auto* limits = body.if_contains("rate_limits")) {
    std::optional<std::string> json;
    if (auto error = take(read_rate_limits(*limits), json)) return std::move(*error);
    update.rate_limits_json = std::move(json);
  }
  if (const auto* regions = body.if_contains("regions")) {
    std::optional<std::string> json;
    if (auto error = take(read_regions(*regions, env), json)) return std::move(*error);
    update.regions_json = std::move(json);
  }
  if (const auto* byok = body.if_contains("byok")) {
    if (auto error = take(read_byok_update(*byok, env, current), update.byok_json)) {
      return std::move(*error);
    }
  }
  return update;
}

}  // namespace

Reply create_key(store::Database& db, const Environment& env, const Call& call) {
  auto parsed = read_body(call.body, {"name", "limit", "scopes", "models", "expires_at",
                                      "rate_limits", "regions", "byok", "with_secret", "account"});
  if (auto* error = std::get_if<Reply>(&parsed)) return std::move(*error);
  const Object& body = std::get<Object>(parsed);
  auto account = creation_account(db, call, body);
  if (auto* error = std::get_if<Reply>(&account)) return std::move(*error);
  auto request = read_new_key(body, call.body, env);
  if (auto* error = std::get_if<Reply>(&request)) return std::move(*error);
  const NewKeyRequest& wanted = std::get<NewKeyRequest>(request);

  std::optional<auth::NewKeySecret> secret;
  if (wanted.with_secret) secret = auth::new_key_secret();
  // read_new_byok refused credentials when there is no box to seal them with.
  std::optional<auth::CredentialsToSeal> byok;
  if (!wanted.byok.empty()) byok.emplace(*env.services.keys.secret_box(), wanted.byok);
  auth::KeyStore keys(db);
  const auth::CreatedKey created =
      keys.create(std::get<int64_t>(account), wanted.name, wanted.policy,
                  secret ? std::optional<store::SaltedHash>(secret->stored) : std::nullopt,
                  byok ? &*byok : nullptr);
  reload_key_cache(db, env);

  const store::StoredKey stored = *store::AccountStore(db).find_key(created.record.prefix);
  std::string json = "{\"data\":" + key_fields(db, env, stored);
  json += ",\"key\":" + api::json_string(created.plaintext);
  if (secret) json += ",\"secret\":" + api::json_string(secret->plaintext);
  return Reply::json(200, json + "}}");
}

Reply list_keys(store::Database& db, const Environment& env, const Call& call) {
  auto account = resolve_account(db, call.caller);
  if (auto* error = std::get_if<Reply>(&account)) return std::move(*error);
  std::string json = "{\"data\":[";
  bool first = true;
  for (const store::StoredKey& key :
       store::AccountStore(db).list_keys(std::get<int64_t>(account))) {
    if (!first) json += ',';
    first = false;
    json += key_fields(db, env, key) + "}";
  }
  return Reply::json(200, json + "]}");
}

Reply describe_key(store::Database& db, const Environment& env, const Call& call) {
  auto owner = key_owner(db, call);
  if (auto* error = std::get_if<Reply>(&owner)) return std::move(*error);
  const auto key = find_active_key(db, call.prefix, std::get<std::optional<int64_t>>(owner));
  if (!key) return key_not_found(call.prefix);
  return key_reply(db, env, *key);
}

Reply describe_calling_key(store::Database& db, const Environment& env, const Call& call) {
  if (!call.caller.key) {
    return Reply::error(400,
                        "GET /v1/key describes the API key that calls it: call it with an API "
                        "key (GET /v1/keys lists an account's keys).",
                        "api_key_required");
  }
  const auto key = find_active_key(db, call.caller.key->prefix, std::nullopt);
  if (!key) return key_not_found(call.caller.key->prefix);
  return key_reply(db, env, *key);
}

Reply update_key(store::Database& db, const Environment& env, const Call& call) {
  auto parsed = read_body(call.body, {"name", "disabled", "limit", "scopes", "models", "expires_at",
                                      "rate_limits", "regions", "byok"});
  if (auto* error = std::get_if<Reply>(&parsed)) return std::move(*error);
  auto owner = key_owner(db, call);
  if (auto* error = std::get_if<Reply>(&owner)) return std::move(*error);
  const std::optional<int64_t> owner_id = std::get<std::optional<int64_t>>(owner);
  // IMMEDIATE: "byok" merges into the stored credentials; a concurrent update must not slip in
  // between the read and the write.
  store::Transaction transaction(db, store::TransactionKind::immediate);
  const auto current = find_active_key(db, call.prefix, owner_id);
  if (!current) return key_not_found(call.prefix);
  auto update = read_key_update(std::get<Object>(parsed), call.body, env, *current);
  if (auto* error = std::get_if<Reply>(&update)) return std::move(*error);

  const auto updated =
      store::AccountStore(db).update_key(call.prefix, std::get<store::KeyUpdate>(update), owner_id);
  if (!updated) return key_not_found(call.prefix);
  transaction.commit();
  reload_key_cache(db, env);
  return key_reply(db, env, *updated);
}

Reply delete_key(store::Database& db, const Environment& env, const Call& call) {
  auto owner = key_owner(db, call);
  if (auto* error = std::get_if<Reply>(&owner)) return std::move(*error);
  const std::optional<int64_t> owner_id = std::get<std::optional<int64_t>>(owner);
  if (!find_active_key(db, call.prefix, owner_id)) return key_not_found(call.prefix);
  // Refused in memory first: no request authenticates with it once the response is out.
  env.services.keys.revoke_now(call.prefix);
  if (store::AccountStore(db).delete_key(call.prefix, owner_id) !=
      store::KeyDeleteOutcome::revoked) {
    return key_not_found(call.prefix);  // revoked by someone else meanwhile
  }
  return Reply::json(
      200, "{\"data\":{\"prefix\":" + api::json_string(call.prefix) + ",\"deleted\":true}}");
}

}  // namespace tollgate::gateway::management
