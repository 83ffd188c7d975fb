#include "auth/key_store.hpp"

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

KeyHash to_key_hash(const std::vector<uint8_t>& bytes) {
  KeyHash hash{};
  // A hash of the wrong size (a damaged row) stays all zeros, which no key hashes to.
  if (bytes.size() == hash.size()) std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

}  // namespace

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
  if (name.empty()) throw std::invalid_argument("a key needs a name");
  store::Statement insert = database_.prepare(
      "INSERT INTO api_keys (prefix, name, salt, hash, created_at) VALUES (?, ?, ?, ?, ?)");
  for (int attempt = 1;; ++attempt) {
    GeneratedKey generated = generate_api_key();
    CreatedKey created;
    created.record.prefix = generated.prefix;
    created.record.name = std::string(name);
    created.record.salt = generate_salt();
    created.record.hash = hash_key(created.record.salt, generated.plaintext);
    created.record.created_at_ms = unix_now_ms();
    insert.bind_text(1, created.record.prefix)
        .bind_text(2, created.record.name)
        .bind_blob(3, created.record.salt)
        .bind_blob(4, created.record.hash)
        .bind_int64(5, created.record.created_at_ms);
    try {
      insert.step();
    } catch (const store::DatabaseError& error) {
      insert.reset();
      if (error.is_unique_violation() && attempt < kCreateAttempts) continue;
      throw;
    }
    created.record.id = database_.last_insert_rowid();
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
      "SELECT id, prefix, name, salt, hash, created_at, revoked_at FROM api_keys ORDER BY id");
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
  }
  return keys;
}

}  // namespace tollgate::auth
