// Self-service accounts (ModelAPI's /auth/register and /auth/login, gateways-spec A2.2): an
// account with an email and a password, and the session token (HS256 JWT, `sub` = account id)
// that the account endpoints accept in place of an API key.
//
// Password hashing costs ~100 ms of CPU, which is why this runs on a BlockingPool worker. Login
// answers a wrong email and a wrong password alike, in the same time: an unknown email is checked
// against a dummy hash, so the timing does not tell which accounts exist.
#include "gateway/management_api.hpp"

#include "api/json_text.hpp"
#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "store/accounts.hpp"

namespace tollgate::gateway::management {

namespace {

constexpr std::size_t kMaxEmailBytes = 254;  // RFC 5321's path limit
constexpr std::size_t kMaxAccountNameBytes = 256;

// Deliberately loose: something@something.tld without spaces. The mailbox is the owner's
// business; what matters is that it is one unique, recognisable string.
bool looks_like_email(std::string_view email) {
  const std::size_t at = email.find('@');
  if (email.empty() || email.size() > kMaxEmailBytes || at == 0 || at == std::string_view::npos ||
      email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (char c : email) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  const std::string_view domain = email.substr(at + 1);
  const std::size_t dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size();
}

std::optional<std::string> string_field(const boost::json::object& body, std::string_view name) {
  const boost::json::value* value = body.if_contains(name);
  if (!value || !value->is_string()) return std::nullopt;
  return std::string(value->as_string());
}

// {"token":"…","expires_at":"…"} members, without braces.
std::string session_members(const Environment& env, int64_t account_id) {
  const int64_t now_s = unix_now_ms() / 1000;
  auth::JwtClaims claims;
  claims.sub = std::to_string(account_id);
  claims.iat = now_s;
  claims.exp = now_s + env.config.auth.token_ttl_seconds;
  const std::string token = auth::issue_jwt(claims, env.config.auth.jwt_secret);
  return "\"token\":" + api::json_string(token) +
         ",\"expires_at\":" + api::json_string(iso_time(claims.exp * 1000));
}

// A well-formed hash at the default cost of a random password nobody knows: verifying against
// it takes as long as verifying a real account's password.
constexpr std::string_view kDummyPasswordHash =
    "pbkdf2-sha256$210000$paKGpQC5dFUf8+rft55WLA==$bq6Qk3MaVQJlRpUdGsBH7py3oa2Q3+GzkVzbe9IZQ7E=";

Reply wrong_credentials() {
  return Reply::error(401, "Incorrect email or password.", "invalid_credentials");
}

}  // namespace

Reply register_account(store::Database& db, const Environment& env, const Call& call) {
  auto parsed = read_body(call.body, {"email", "password", "name"});
  if (auto* error = std::get_if<Reply>(&parsed)) return std::move(*error);
  const boost::json::object& body = std::get<boost::json::object>(parsed);

  const std::optional<std::string> email = string_field(body, "email");
  if (!email || !looks_like_email(*email)) {
    return Reply::error(400, "'email' must be an email address.", "invalid_value", "email");
  }
  const std::optional<std::string> password = string_field(body, "password");
  if (!password) {
    return Reply::error(400, "'password' is required.", "missing_parameter", "password");
  }
  if (const auto violation = auth::check_password_policy(*password)) {
    return Reply::error(400, "The password is not accepted: " + std::string(violation->message) + ".",
                        std::string(violation->code), "password");
  }
  std::string name = *email;
  if (body.contains("name") && !body.at("name").is_null()) {
    const std::optional<std::string> given = string_field(body, "name");
    if (!given || given->empty() || given->size() > kMaxAccountNameBytes) {
      return Reply::error(400, "'name' must be a non-empty string of at most 256 bytes.",
                          "invalid_value", "name");
    }
    name = *given;
  }

  store::NewAccount account;
  account.name = name;
  account.email = *email;
  account.password_hash = auth::hash_password(*password);
  const store::AccountResult created = store::AccountStore(db).create(account);
  if (created.problem == store::AccountProblem::email_taken) {
    return Reply::error(409, "An account with this email already exists.", "email_taken", "email");
  }
  if (created.problem == store::AccountProblem::name_taken) {
    return Reply::error(409, "An account with this name already exists.", "name_taken", "name");
  }
  std::string json = "{\"account\":{\"id\":" + std::to_string(created.account.id);
  json += ",\"name\":" + api::json_string(created.account.name);
  json += ",\"email\":" + json_string_or_null(created.account.email) + "},";
  return Reply::json(201, json + session_members(env, created.account.id) + "}");
}

Reply login(store::Database& db, const Environment& env, const Call& call) {
  auto parsed = read_body(call.body, {"email", "password"});
  if (auto* error = std::get_if<Reply>(&parsed)) return std::move(*error);
  const boost::json::object& body = std::get<boost::json::object>(parsed);
  const std::optional<std::string> email = string_field(body, "email");
  const std::optional<std::string> password = string_field(body, "password");
  if (!email || !password) {
    return Reply::error(400, "'email' and 'password' are required strings.", "missing_parameter",
                        email ? "password" : "email");
  }
  const std::optional<store::Account> account = store::AccountStore(db).find_by_email(*email);
  const bool matches = account && account->password_hash
                           ? auth::verify_password(*password, *account->password_hash)
                           : (auth::verify_password(*password, kDummyPasswordHash), false);
  if (!matches) return wrong_credentials();
  if (account->disabled) {
    return Reply::error(403, "This account is disabled.", "account_disabled");
  }
  return Reply::json(200, "{" + session_members(env, account->id) + "}");
}

}  // namespace tollgate::gateway::management
