#include "auth/key_store.hpp"

#include "auth/credentials.hpp"

#include "store/sqlite_database.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace tollgate::auth {
namespace {

// A new lookup prefix collides with an existing one with probability ~n / 62^8; retrying a few
// times turns "practically never" into "never" without a special error path.
constexpr int kCreateAttempts = 4;

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::string> column_optional_text(const store::Statement& row, int index) {
  if (row.column_is_null(index)) return std::nullopt;
  return row.column_text(index);
}

// The policy columns disabled .. rate_limits, starting at column `first`, then regions and byok
// at `more`.
store::KeyPolicy read_policy(const store::Statement& row, int first, int more) {
  store::KeyPolicy policy;
  policy.disabled = row.column_int64(first) != 0;
  policy.scopes_json = column_optional_text(row, first + 1);
  policy.allowed_models_json = column_optional_text(row, first + 2);
  policy.limit_threshold_micros = row.column_optional_int64(first + 3);
  policy.limit_retention = column_optional_text(row, first + 4);
  policy.expires_at_ms = row.column_optional_int64(first + 5);
  policy.rate_limits_json = column_optional_text(row, first + 6);
  policy.regions_json = column_optional_text(row, more);
  policy.byok_json = column_optional_text(row, more + 1);
  return policy;
}

}  // namespace

NewKeySecret new_key_secret() {
  NewKeySecret secret;
  secret.plaintext = generate_key_secret();
  secret.stored.salt = generate_salt();
  const KeyHash hash = hash_key_secret(secret.plaintext, secret.stored.salt);
  secret.stored.hash.assign(hash.begin(), hash.end());
  return secret;
}

std::string_view to_string(RevokeOutcome outcome) {
  switch (outcome) {
    case RevokeOutcome::revoked:
      return "revoked";
    case RevokeOutcome::not_found:
      return "no key with this prefix";
    case RevokeOutcome::already_revoked:
      return "key was already revoked";
  }
  return "unknown";
}

KeyStore::KeyStore(store::Database& database) : database_(database) {}

CreatedKey KeyStore::create(std::string_view name) {
  return create(store::kDefaultAccountId, name, store::KeyPolicy{});
}

CreatedKey KeyStore::create(int64_t account_id, std::string_view name,
                            const store::KeyPolicy& policy, std::optional<store::SaltedHash> secret,
                            const CredentialsToSeal* byok) {
  if (name.empty()) throw std::invalid_argument("a key needs a name");
  store::AccountStore accounts(database_);
  for (int attempt = 1;; ++attempt) {
    GeneratedKey generated = generate_api_key();
    store::NewKeyRow row;
    row.account_id = account_id;
    row.prefix = generated.prefix;
    row.name = std::string(name);
    row.key.salt = generate_salt();
    const KeyHash hash = hash_key(row.key.salt, generated.plaintext);
    row.key.hash.assign(hash.begin(), hash.end());
    row.secret = secret;
    row.policy = policy;
    if (byok) {
      SealedCredentials sealed;
      for (const ByokCredential& credential : byok->credentials) {
        seal_credential(byok->box, row.prefix, credential, sealed);
      }
      row.policy.byok_json = sealed_credentials_json(sealed);
    }
    store::StoredKey stored;
    try {
      stored = accounts.insert_key(row);
    } catch (const store::DatabaseError& error) {
      if (error.is_unique_violation() && attempt < kCreateAttempts) continue;
      throw;
    }
    CreatedKey created;
    created.record.id = stored.id;
    created.record.prefix = stored.prefix;
    created.record.name = stored.name;
    created.record.salt = std::move(row.key.salt);
    created.record.hash = hash;
    created.record.created_at_ms = stored.created_at_ms;
    created.record.account_id = stored.account_id;
    created.record.policy = stored.policy;
    created.record.secret = std::move(row.secret);
    created.plaintext = std::move(generated.plaintext);
    return created;
  }
}

std::vector<KeyInfo> KeyStore::list() {
  store::Statement query = database_.prepare(
      "SELECT id, prefix, name, created_at, revoked_at, last_used_at FROM api_keys ORDER BY id");
  std::vector<KeyInfo> keys;
  while (query.step()) {
    KeyInfo& key = keys.emplace_back();
    key.id = query.column_int64(0);
    key.prefix = query.column_text(1);
    key.name = query.column_text(2);
    key.created_at_ms = query.column_int64(3);
    key.revoked_at_ms = query.column_optional_int64(4);
    key.last_used_at_ms = query.column_optional_int64(5);
  }
  return keys;
}

RevokeOutcome KeyStore::revoke(std::string_view prefix) {
  store::Statement update = database_.prepare(
      "UPDATE api_keys SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL");
  update.bind_int64(1, unix_now_ms()).bind_text(2, prefix);
  update.step();
  if (database_.changes() > 0) return RevokeOutcome::revoked;

  store::Statement exists = database_.prepare("SELECT 1 FROM api_keys WHERE prefix = ?");
  exists.bind_text(1, prefix);
  return exists.step() ? RevokeOutcome::already_revoked : RevokeOutcome::not_found;
}

std::vector<KeyRecord> KeyStore::load_all() {
  store::Statement query = database_.prepare(
      "SELECT k.id, k.prefix, k.name, k.salt, k.hash, k.created_at, k.revoked_at, k.account_id, "
      "k.disabled, k.scopes, k.allowed_models, k.limit_threshold_micros, k.limit_retention, "
      "k.expires_at, k.rate_limits, k.secret_salt, k.secret_hash, a.disabled, a.markup_ppm, "
      "k.regions, k.byok, a.rate_limits "
      "FROM api_keys k JOIN accounts a ON a.id = k.account_id ORDER BY k.id");
  std::vector<KeyRecord> keys;
  while (query.step()) {
    KeyRecord& key = keys.emplace_back();
    key.id = query.column_int64(0);
    key.prefix = query.column_text(1);
    key.name = query.column_text(2);
    key.salt = query.column_blob(3);
    key.hash = to_key_hash(query.column_blob(4));
    key.created_at_ms = query.column_int64(5);
    key.revoked_at_ms = query.column_optional_int64(6);
    key.account_id = query.column_int64(7);
    key.policy = read_policy(query, 8, 19);
    if (!query.column_is_null(16)) {
      key.secret = store::SaltedHash{query.column_blob(15), query.column_blob(16)};
    }
    key.account_disabled = query.column_int64(17) != 0;
    key.account_markup_ppm = query.column_int64(18);
    key.account_rate_limits_json = column_optional_text(query, 21);
  }
  return keys;
}

int64_t KeyStore::version() {
  // Kept prepared: the refresher asks after every commit of another connection.
  store::CachedStatement query =
      database_.prepare_cached("SELECT version FROM change_versions WHERE name = 'keys'");
  // Without the row the triggers change nothing: keys would silently stop following the database.
  if (!query->step()) throw std::runtime_error("change_versions has no 'keys' row");
  return query->column_int64(0);
}

}  // namespace tollgate::auth
