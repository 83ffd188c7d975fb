#include "store/accounts.hpp"

#include "store/sqlite_database.hpp"

#include <chrono>
#include <stdexcept>
#include <utility>
#include <variant>

namespace tollgate::store {
namespace {

constexpr std::string_view kAccountColumns =
    "id, name, email, password_hash, markup_ppm, disabled, created_at, updated_at, rate_limits";
constexpr std::string_view kKeyColumns =
    "id, prefix, name, account_id, disabled, scopes, allowed_models, limit_threshold_micros, "
    "limit_retention, expires_at, rate_limits, secret_hash IS NOT NULL, created_at, updated_at, "
    "revoked_at, last_used_at, regions, byok";

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string sql(std::string_view a, std::string_view b, std::string_view c = {}) {
  std::string text(a);
  text += b;
  text += c;
  return text;
}

std::optional<std::string> column_optional_text(const Statement& row, int index) {
  if (row.column_is_null(index)) return std::nullopt;
  return row.column_text(index);
}

Statement& bind_optional_text(Statement& statement, int index,
                              const std::optional<std::string>& value) {
  return value ? statement.bind_text(index, *value) : statement.bind_null(index);
}

Account read_account(const Statement& row) {
  Account account;
  account.id = row.column_int64(0);
  account.name = row.column_text(1);
  account.email = column_optional_text(row, 2);
  account.password_hash = column_optional_text(row, 3);
  account.markup_ppm = row.column_int64(4);
  account.disabled = row.column_int64(5) != 0;
  account.created_at_ms = row.column_int64(6);
  account.updated_at_ms = row.column_int64(7);
  account.rate_limits_json = column_optional_text(row, 8);
  return account;
}

StoredKey read_key(const Statement& row) {
  StoredKey key;
  key.id = row.column_int64(0);
  key.prefix = row.column_text(1);
  key.name = row.column_text(2);
  key.account_id = row.column_int64(3);
  key.policy.disabled = row.column_int64(4) != 0;
  key.policy.scopes_json = column_optional_text(row, 5);
  key.policy.allowed_models_json = column_optional_text(row, 6);
  key.policy.limit_threshold_micros = row.column_optional_int64(7);
  key.policy.limit_retention = column_optional_text(row, 8);
  key.policy.expires_at_ms = row.column_optional_int64(9);
  key.policy.rate_limits_json = column_optional_text(row, 10);
  key.has_secret = row.column_int64(11) != 0;
  key.created_at_ms = row.column_int64(12);
  key.updated_at_ms = row.column_optional_int64(13);
  key.revoked_at_ms = row.column_optional_int64(14);
  key.last_used_at_ms = row.column_optional_int64(15);
  key.policy.regions_json = column_optional_text(row, 16);
  key.policy.byok_json = column_optional_text(row, 17);
  return key;
}

void check_retention(const std::optional<std::string>& retention) {
  if (retention && !is_limit_retention(*retention)) {
    throw std::invalid_argument("limit retention must be day, week, month or no_reset, not '" +
                                *retention + "'");
  }
}

// The SET list of an UPDATE, built from the fields a caller gave, and its values.
class Assignments {
 public:
  using Value = std::variant<std::monostate, int64_t, std::string>;  // monostate: NULL

  void set(std::string_view column, Value value) {
    if (!sql_.empty()) sql_ += ", ";
    sql_ += column;
    sql_ += " = ?";
    values_.push_back(std::move(value));
  }
  template <class T>
  void set_if(std::string_view column, const std::optional<T>& value) {
    if (value) set(column, as_value(*value));
  }
  template <class T>
  void set_if(std::string_view column, const Nullable<T>& value) {
    if (!value) return;
    if (*value) {
      set(column, as_value(**value));
    } else {
      set(column, std::monostate{});
    }
  }

  bool empty() const { return sql_.empty(); }
  const std::string& sql() const { return sql_; }
  // Binds the values to ?1.. in order; returns the next free index.
  int bind(Statement& statement) const {
    int index = 1;
    for (const Value& value : values_) {
      if (const auto* number = std::get_if<int64_t>(&value)) {
        statement.bind_int64(index, *number);
      } else if (const auto* text = std::get_if<std::string>(&value)) {
        statement.bind_text(index, *text);
      } else {
        statement.bind_null(index);
      }
      ++index;
    }
    return index;
  }

 private:
  static Value as_value(bool flag) { return int64_t{flag ? 1 : 0}; }
  static Value as_value(int64_t number) { return number; }
  static Value as_value(const std::string& text) { return text; }

  std::string sql_;
  std::vector<Value> values_;
};

}  // namespace

bool is_limit_retention(std::string_view text) {
  return text == "day" || text == "week" || text == "month" || text == "no_reset";
}

std::string_view to_string(AccountProblem problem) {
  switch (problem) {
    case AccountProblem::none:
      return "ok";
    case AccountProblem::not_found:
      return "no such account";
    case AccountProblem::name_taken:
      return "an account with this name already exists";
    case AccountProblem::email_taken:
      return "an account with this email already exists";
  }
  return "unknown";
}

AccountStore::AccountStore(Database& database) : database_(database) {}

// ---- accounts ----

AccountResult AccountStore::create(const NewAccount& account) {
  if (account.name.empty()) throw std::invalid_argument("an account needs a name");
  if (account.markup_ppm < 0) throw std::invalid_argument("markup_ppm must not be negative");
  // IMMEDIATE: the uniqueness checks and the insert see the same state.
  Transaction transaction(database_, TransactionKind::immediate);
  if (find_by_name(account.name)) return {AccountProblem::name_taken, {}};
  if (account.email && find_by_email(*account.email)) return {AccountProblem::email_taken, {}};

  Statement insert = database_.prepare(
      "INSERT INTO accounts (name, email, password_hash, markup_ppm, created_at, updated_at, "
      "rate_limits) VALUES (?, ?, ?, ?, ?, ?, ?)");
  const int64_t now = unix_now_ms();
  insert.bind_text(1, account.name);
  bind_optional_text(insert, 2, account.email);
  bind_optional_text(insert, 3, account.password_hash);
  insert.bind_int64(4, account.markup_ppm).bind_int64(5, now).bind_int64(6, now);
  bind_optional_text(insert, 7, account.rate_limits_json);
  insert.step();
  const int64_t id = database_.last_insert_rowid();
  transaction.commit();
  return {AccountProblem::none, *find(id)};
}

std::optional<Account> AccountStore::find(int64_t id) {
  Statement query =
      database_.prepare(sql("SELECT ", kAccountColumns, " FROM accounts WHERE id = ?"));
  query.bind_int64(1, id);
  if (!query.step()) return std::nullopt;
  return read_account(query);
}

std::optional<Account> AccountStore::find_where(std::string_view condition,
                                                std::string_view value) {
  Statement query = database_.prepare(sql("SELECT ", kAccountColumns, " FROM accounts WHERE ") +
                                      std::string(condition));
  query.bind_text(1, value);
  if (!query.step()) return std::nullopt;
  return read_account(query);
}

std::optional<Account> AccountStore::find_by_name(std::string_view name) {
  return find_where("name = ?", name);
}

std::optional<Account> AccountStore::find_by_email(std::string_view email) {
  return find_where("email = ?", email);  // the column's NOCASE collation applies
}

std::vector<Account> AccountStore::list() {
  Statement query =
      database_.prepare(sql("SELECT ", kAccountColumns, " FROM accounts ORDER BY id"));
  std::vector<Account> accounts;
  while (query.step()) accounts.push_back(read_account(query));
  return accounts;
}

AccountResult AccountStore::update(int64_t id, const AccountUpdate& update) {
  if (update.name && update.name->empty()) throw std::invalid_argument("an account needs a name");
  if (update.markup_ppm && *update.markup_ppm < 0) {
    throw std::invalid_argument("markup_ppm must not be negative");
  }
  Transaction transaction(database_, TransactionKind::immediate);
  if (!account_exists(id)) return {AccountProblem::not_found, {}};
  if (update.name) {
    std::optional<Account> holder = find_by_name(*update.name);
    if (holder && holder->id != id) return {AccountProblem::name_taken, {}};
  }
  Assignments assignments;
  assignments.set_if("name", update.name);
  assignments.set_if("disabled", update.disabled);
  assignments.set_if("markup_ppm", update.markup_ppm);
  assignments.set_if("password_hash", update.password_hash);
  assignments.set_if("rate_limits", update.rate_limits_json);
  assignments.set("updated_at", unix_now_ms());
  Statement statement =
      database_.prepare("UPDATE accounts SET " + assignments.sql() + " WHERE id = ?");
  statement.bind_int64(assignments.bind(statement), id);
  statement.step();
  transaction.commit();
  return {AccountProblem::none, *find(id)};
}

bool AccountStore::account_exists(int64_t id) {
  Statement query = database_.prepare("SELECT 1 FROM accounts WHERE id = ?");
  query.bind_int64(1, id);
  return query.step();
}

// ---- keys ----

StoredKey AccountStore::insert_key(const NewKeyRow& row) {
  if (row.name.empty()) throw std::invalid_argument("a key needs a name");
  check_retention(row.policy.limit_retention);
  if (!account_exists(row.account_id)) {
    throw std::invalid_argument("no account with id " + std::to_string(row.account_id));
  }
  Statement insert = database_.prepare(
      "INSERT INTO api_keys (prefix, name, salt, hash, created_at, updated_at, account_id, "
      "disabled, scopes, allowed_models, limit_threshold_micros, limit_retention, expires_at, "
      "rate_limits, secret_salt, secret_hash, regions, byok) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  const int64_t now = unix_now_ms();
  const KeyPolicy& policy = row.policy;
  insert.bind_text(1, row.prefix)
      .bind_text(2, row.name)
      .bind_blob(3, row.key.salt)
      .bind_blob(4, row.key.hash)
      .bind_int64(5, now)
      .bind_int64(6, now)
      .bind_int64(7, row.account_id)
      .bind_int64(8, policy.disabled ? 1 : 0);
  bind_optional_text(insert, 9, policy.scopes_json);
  bind_optional_text(insert, 10, policy.allowed_models_json);
  insert.bind_optional_int64(11, policy.limit_threshold_micros);
  bind_optional_text(insert, 12, policy.limit_retention);
  insert.bind_optional_int64(13, policy.expires_at_ms);
  bind_optional_text(insert, 14, policy.rate_limits_json);
  if (row.secret) {
    insert.bind_blob(15, row.secret->salt).bind_blob(16, row.secret->hash);
  } else {
    insert.bind_null(15).bind_null(16);
  }
  bind_optional_text(insert, 17, policy.regions_json);
  bind_optional_text(insert, 18, policy.byok_json);
  insert.step();
  return *find_key(row.prefix);
}

std::optional<StoredKey> AccountStore::find_key(std::string_view prefix,
                                                std::optional<int64_t> owner) {
  Statement query = database_.prepare(sql(
      "SELECT ", kKeyColumns, " FROM api_keys WHERE prefix = ? AND (? IS NULL OR account_id = ?)"));
  query.bind_text(1, prefix).bind_optional_int64(2, owner).bind_optional_int64(3, owner);
  if (!query.step()) return std::nullopt;
  return read_key(query);
}

std::vector<StoredKey> AccountStore::list_keys(int64_t account_id, bool include_revoked) {
  Statement query = database_.prepare(
      sql("SELECT ", kKeyColumns,
          " FROM api_keys WHERE account_id = ? AND (? OR revoked_at IS NULL) ORDER BY id"));
  query.bind_int64(1, account_id).bind_int64(2, include_revoked ? 1 : 0);
  std::vector<StoredKey> keys;
  while (query.step()) keys.push_back(read_key(query));
  return keys;
}

std::optional<StoredKey> AccountStore::update_key(std::string_view prefix, const KeyUpdate& update,
                                                  std::optional<int64_t> owner) {
  if (update.name && update.name->empty()) throw std::invalid_argument("a key needs a name");
  if (update.limit_retention) check_retention(*update.limit_retention);
  Assignments assignments;
  assignments.set_if("name", update.name);
  assignments.set_if("disabled", update.disabled);
  assignments.set_if("scopes", update.scopes_json);
  assignments.set_if("allowed_models", update.allowed_models_json);
  assignments.set_if("limit_threshold_micros", update.limit_threshold_micros);
  assignments.set_if("limit_retention", update.limit_retention);
  assignments.set_if("expires_at", update.expires_at_ms);
  assignments.set_if("rate_limits", update.rate_limits_json);
  assignments.set_if("regions", update.regions_json);
  assignments.set_if("byok", update.byok_json);
  assignments.set("updated_at", unix_now_ms());
  Statement statement = database_.prepare("UPDATE api_keys SET " + assignments.sql() +
                                          " WHERE prefix = ? AND (? IS NULL OR account_id = ?)");
  const int next = assignments.bind(statement);
  statement.bind_text(next, prefix)
      .bind_optional_int64(next + 1, owner)
      .bind_optional_int64(next + 2, owner);
  statement.step();
  if (database_.changes() == 0) return std::nullopt;
  return find_key(prefix);
}

KeyDeleteOutcome AccountStore::delete_key(std::string_view prefix, std::optional<int64_t> owner) {
  std::optional<StoredKey> key = find_key(prefix, owner);
  if (!key) return KeyDeleteOutcome::not_found;
  Statement update = database_.prepare(
      "UPDATE api_keys SET revoked_at = ?1, updated_at = ?1 WHERE id = ? AND revoked_at IS NULL");
  update.bind_int64(1, unix_now_ms()).bind_int64(2, key->id);
  update.step();
  return database_.changes() > 0 ? KeyDeleteOutcome::revoked : KeyDeleteOutcome::already_revoked;
}

}  // namespace tollgate::store
