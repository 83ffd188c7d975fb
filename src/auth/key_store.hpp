// API keys in the database (table api_keys). Used by the CLI (`tollgate keys ...`), the admin API
// worker and the key refresher — never on an event loop. SQLite errors throw store::DatabaseError.
#pragma once

#include "auth/api_key.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::store {
class Database;
}

namespace tollgate::auth {

// Everything needed to authenticate a key; loaded into the KeyCache.
struct KeyRecord {
  int64_t id = 0;
  std::string prefix;
  std::string name;
  std::vector<uint8_t> salt;
  KeyHash hash{};
  int64_t created_at_ms = 0;
  std::optional<int64_t> revoked_at_ms;
};

// What a listing shows: no salt, no hash.
struct KeyInfo {
  int64_t id = 0;
  std::string prefix;
  std::string name;
  int64_t created_at_ms = 0;
  std::optional<int64_t> revoked_at_ms;
  std::optional<int64_t> last_used_at_ms;
};

struct CreatedKey {
  std::string plaintext;  // show once, then forget
  KeyRecord record;
};

enum class RevokeOutcome { revoked, not_found, already_revoked };
std::string_view to_string(RevokeOutcome outcome);

class KeyStore {
 public:
  explicit KeyStore(store::Database& database);

  // Generates a key, stores its salted hash and returns the plaintext (the only time it exists).
  // Throws std::invalid_argument for an empty name.
  CreatedKey create(std::string_view name);
  // Every key, revoked ones included, oldest first.
  std::vector<KeyInfo> list();
  // Marks the key revoked now. `prefix` is the stored prefix ("tg-" + 8 characters).
  RevokeOutcome revoke(std::string_view prefix);
  // Every key with its salt and hash, revoked ones included, for KeyCache::reload.
  std::vector<KeyRecord> load_all();

 private:
  store::Database& database_;
};

}  // namespace tollgate::auth
