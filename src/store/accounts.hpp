// Accounts (table `accounts`) and the account side of API keys (table `api_keys`, migration 2):
// the rows the admin API, the keys API and the CLI read and write. An account owns a credit
// wallet (its ledger, store/ledger.hpp) and any number of keys; account 1, 'default', owns every
// key created without one.
//
// Key generation and hashing live in auth/ (api_key.hpp, key_store.hpp): this file stores rows it
// is given and never sees a plaintext key. JSON columns (scopes, allowed_models, rate_limits,
// regions, byok) are stored as the text the API layer validated; byok holds sealed credentials
// only (auth/byok.hpp), never a plaintext one.
//
// Not for event loops: every call is a synchronous SQLite round trip. SQLite failures throw
// store::DatabaseError; invalid arguments throw std::invalid_argument; expected refusals (name
// taken, not found) are values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::store {

class Database;

inline constexpr int64_t kDefaultAccountId = 1;
inline constexpr int64_t kIdentityMarkupPpm = 1'000'000;

// A field that can also be set to NULL: nullopt leaves it, an empty inner value clears it.
template <class T>
using Nullable = std::optional<std::optional<T>>;

struct Account {
  int64_t id = 0;
  std::string name{};
  std::optional<std::string> email{};
  std::optional<std::string> password_hash{};
  int64_t markup_ppm = kIdentityMarkupPpm;  // price multiplier in parts per million
  bool disabled = false;
  // JSON {"rpm"?, "tpm"?, "concurrency"?}: limits shared by all the account's keys; nullopt: none.
  std::optional<std::string> rate_limits_json{};
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;

  friend bool operator==(const Account&, const Account&) = default;
};

struct NewAccount {
  std::string name{};                  // unique, not empty
  std::optional<std::string> email{};  // unique, compared without regard to ASCII case
  std::optional<std::string> password_hash{};
  int64_t markup_ppm = kIdentityMarkupPpm;
  std::optional<std::string> rate_limits_json{};
};

// Fields left empty keep their value.
struct AccountUpdate {
  std::optional<std::string> name{};
  std::optional<bool> disabled{};
  std::optional<int64_t> markup_ppm{};
  std::optional<std::string> password_hash{};
  Nullable<std::string> rate_limits_json{};
};

enum class AccountProblem { none, not_found, name_taken, email_taken };
std::string_view to_string(AccountProblem problem);

struct AccountResult {
  AccountProblem problem = AccountProblem::none;
  Account account;  // the account as stored, when problem == none
  bool ok() const { return problem == AccountProblem::none; }
};

// What the request path enforces for a key; NULL columns read as nullopt ("no restriction").
struct KeyPolicy {
  bool disabled = false;
  std::optional<std::string> scopes_json{};          // JSON array of surfaces
  std::optional<std::string> allowed_models_json{};  // JSON array of public model ids
  std::optional<int64_t> limit_threshold_micros{};   // spend allowed per retention period
  std::optional<std::string> limit_retention{};      // "day" | "week" | "month" | "no_reset"
  std::optional<int64_t> expires_at_ms{};
  std::optional<std::string> rate_limits_json{};  // JSON {"rpm"?, "tpm"?, "concurrency"?}
  std::optional<std::string> regions_json{};      // JSON array of deployment regions
  std::optional<std::string> byok_json{};         // JSON object: provider → sealed credential

  friend bool operator==(const KeyPolicy&, const KeyPolicy&) = default;
};

// A key row as listings show it: no salt, no hashes.
struct StoredKey {
  int64_t id = 0;
  std::string prefix{};
  std::string name{};
  int64_t account_id = kDefaultAccountId;
  KeyPolicy policy{};
  bool has_secret = false;  // created in the key + secret form
  int64_t created_at_ms = 0;
  std::optional<int64_t> updated_at_ms{};
  std::optional<int64_t> revoked_at_ms{};
  std::optional<int64_t> last_used_at_ms{};
};

// A salted hash (SHA-256 and its salt, computed by auth/).
struct SaltedHash {
  std::vector<uint8_t> salt{};
  std::vector<uint8_t> hash{};
};

struct NewKeyRow {
  int64_t account_id = kDefaultAccountId;
  std::string prefix{};
  std::string name{};  // not empty
  SaltedHash key{};
  std::optional<SaltedHash> secret{};  // the key + secret form
  KeyPolicy policy{};
};

struct KeyUpdate {
  std::optional<std::string> name{};
  std::optional<bool> disabled{};
  Nullable<std::string> scopes_json{};
  Nullable<std::string> allowed_models_json{};
  Nullable<int64_t> limit_threshold_micros{};
  Nullable<std::string> limit_retention{};
  Nullable<int64_t> expires_at_ms{};
  Nullable<std::string> rate_limits_json{};
  Nullable<std::string> regions_json{};
  Nullable<std::string> byok_json{};
};

enum class KeyDeleteOutcome { revoked, not_found, already_revoked };

class AccountStore {
 public:
  explicit AccountStore(Database& database);

  // Throws std::invalid_argument for an empty name or a markup_ppm below 0.
  AccountResult create(const NewAccount& account);
  std::optional<Account> find(int64_t id);
  std::optional<Account> find_by_name(std::string_view name);
  std::optional<Account> find_by_email(std::string_view email);
  std::vector<Account> list();  // by id
  AccountResult update(int64_t id, const AccountUpdate& update);

  // Keys. `owner`, when given, limits the call to that account's keys (another account's key
  // is "not found"), as the keys API needs for a caller acting for its own account.
  //
  // Throws std::invalid_argument for an empty name, an unknown account or an invalid retention;
  // a prefix already taken throws DatabaseError (is_unique_violation: draw a new key, retry).
  StoredKey insert_key(const NewKeyRow& row);
  std::optional<StoredKey> find_key(std::string_view prefix,
                                    std::optional<int64_t> owner = std::nullopt);
  std::vector<StoredKey> list_keys(int64_t account_id, bool include_revoked = false);
  // The key as updated, or nullopt when there is no such (owned) key. Sets updated_at.
  std::optional<StoredKey> update_key(std::string_view prefix, const KeyUpdate& update,
                                      std::optional<int64_t> owner = std::nullopt);
  // Revokes (sets revoked_at): the row stays, so usage and ledger entries keep their key.
  KeyDeleteOutcome delete_key(std::string_view prefix, std::optional<int64_t> owner = std::nullopt);

 private:
  std::optional<Account> find_where(std::string_view condition, std::string_view value);
  bool account_exists(int64_t id);

  Database& database_;
};

// "day" | "week" | "month" | "no_reset".
bool is_limit_retention(std::string_view text);

}  // namespace tollgate::store
