#include "store/sqlite_database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

namespace tollgate::store {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Append only: a released migration is never edited, a change is a new numbered entry.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  prefix TEXT UNIQUE NOT NULL,
  name TEXT NOT NULL,
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER
);

CREATE TABLE usage_log (
  id INTEGER PRIMARY KEY,
  request_id TEXT,
  created_at INTEGER,
  key_prefix TEXT,
  surface TEXT,
  public_model TEXT,
  upstream_model TEXT,
  provider TEXT,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  cached_tokens INTEGER,
  reasoning_tokens INTEGER,
  usage_source TEXT,
  cost_micros INTEGER,
  status INTEGER,
  error_code TEXT,
  latency_us INTEGER,
  upstream_latency_us INTEGER,
  overhead_us INTEGER,
  stream INTEGER,
  client_disconnected INTEGER
);
CREATE INDEX usage_log_created_at ON usage_log (created_at);
CREATE INDEX usage_log_model_created_at ON usage_log (public_model, created_at);
)sql"},
    // Accounts, key policy and the ledger. Every key of a version-1 file (and every key created
    // without an account) belongs to account 1, 'default'. Times are unix milliseconds.
    {2, R"sql(
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  email TEXT UNIQUE COLLATE NOCASE,
  password_hash TEXT,
  markup_ppm INTEGER NOT NULL DEFAULT 1000000,  -- price multiplier, parts per million
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO accounts (id, name, created_at, updated_at)
  VALUES (1, 'default', CAST(strftime('%s', 'now') AS INTEGER) * 1000,
          CAST(strftime('%s', 'now') AS INTEGER) * 1000);

-- SQLite cannot ADD a column that REFERENCES another table with a non-NULL default while
-- foreign keys are on, so api_keys is rebuilt (ids, hashes and times carried over).
CREATE TABLE api_keys_v2 (
  id INTEGER PRIMARY KEY,
  prefix TEXT UNIQUE NOT NULL,
  name TEXT NOT NULL,
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER,
  account_id INTEGER NOT NULL DEFAULT 1 REFERENCES accounts(id),
  disabled INTEGER NOT NULL DEFAULT 0,
  scopes TEXT,                   -- JSON array of surfaces; NULL = all
  allowed_models TEXT,           -- JSON array of public model ids; NULL = all
  limit_threshold_micros INTEGER,  -- spend allowed per retention period; NULL = no limit
  limit_retention TEXT CHECK (limit_retention IN ('day', 'week', 'month', 'no_reset')),
  expires_at INTEGER,
  updated_at INTEGER,
  secret_salt BLOB,              -- the key + secret form: salted hash of the secret
  secret_hash BLOB,
  rate_limits TEXT               -- JSON, for later
);
INSERT INTO api_keys_v2 (id, prefix, name, salt, hash, created_at, revoked_at, last_used_at,
                         updated_at)
  SELECT id, prefix, name, salt, hash, created_at, revoked_at, last_used_at, created_at
  FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_v2 RENAME TO api_keys;
CREATE INDEX api_keys_account ON api_keys (account_id);

-- Append-only: an account's balance IS the sum of its amounts (micro-USD). A request writes
-- 'reserve' (-R) before dispatch and 'settle' (R - C, cost_micros = C) when it ends; a
-- 'refund' (+) returns money afterwards (e.g. a reservation a crash left open); 'topup' (+) and
-- 'adjustment' (+/-) carry an idempotency key. usage_log rows link to their entries through
-- request_id. `instance` names the process that wrote the entry.
CREATE TABLE ledger (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  key_prefix TEXT,
  kind TEXT NOT NULL CHECK (kind IN ('topup', 'reserve', 'settle', 'refund', 'adjustment')),
  amount_micros INTEGER NOT NULL,
  cost_micros INTEGER,
  request_id TEXT,
  idempotency_key TEXT,
  note TEXT,
  instance TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (account_id, idempotency_key)
);
CREATE INDEX ledger_account_id ON ledger (account_id, id);
CREATE INDEX ledger_request_id ON ledger (request_id);

-- usage_log.request_id = ledger.request_id links a request to its reserve/settle/refund entries.
-- cost_micros stays the priced cost; charged_micros is what the ledger charged (NULL when billing
-- is off).
ALTER TABLE usage_log ADD COLUMN account_id INTEGER;
ALTER TABLE usage_log ADD COLUMN cache_write_tokens INTEGER;
ALTER TABLE usage_log ADD COLUMN charged_micros INTEGER;
CREATE INDEX usage_log_account_created_at ON usage_log (account_id, created_at);
CREATE INDEX usage_log_key_created_at ON usage_log (key_prefix, created_at);
)sql"},
    // Batched billing: a committed batch's charges are one settle row per account (request_id
    // NULL, amount -sum of the charges), and each usage row of the batch points at its row.
    {3, R"sql(
ALTER TABLE usage_log ADD COLUMN ledger_id INTEGER;
)sql"},
    // Routing and resilience: a key's own provider credentials (BYOK) and allowed regions, an
    // account's rate limits, and which deployment served a request after how many attempts.
    {4, R"sql(
ALTER TABLE api_keys ADD COLUMN byok TEXT;       -- JSON {provider: sealed credential}; NULL = none
ALTER TABLE api_keys ADD COLUMN regions TEXT;    -- JSON array of deployment regions; NULL = any
ALTER TABLE accounts ADD COLUMN rate_limits TEXT;  -- JSON {rpm?, tpm?, concurrency?}; NULL = none
ALTER TABLE usage_log ADD COLUMN deployment TEXT;
ALTER TABLE usage_log ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_log ADD COLUMN byok INTEGER NOT NULL DEFAULT 0;  -- 1: sent with the key's own credential
)sql"},
    // Daily rollups: every usage row also adds to its (UTC day, account, key, model) row here, in
    // the same transaction, so the billing reports and spend limits (whole UTC days) read a few
    // rows instead of an index range of usage_log, and usage_log keeps only its created_at index
    // (`tollgate usage --since`, recent rows): each index dropped is one B-tree insert fewer per
    // request. "None" is stored as 0 / '' so that every row of a day and scope has one key.
    // Rows without created_at were never in a period report and are not rolled up.
    {5, R"sql(
CREATE TABLE usage_daily (
  day_start INTEGER NOT NULL,     -- unix ms of 00:00 UTC
  account_id INTEGER NOT NULL,    -- 0: none
  key_prefix TEXT NOT NULL,       -- '': none
  public_model TEXT NOT NULL,     -- '': never resolved
  requests INTEGER NOT NULL,
  errors INTEGER NOT NULL,        -- status >= 400
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  cost_micros INTEGER NOT NULL,
  charged_micros INTEGER NOT NULL,  -- 0 for usage written with billing off
  PRIMARY KEY (day_start, account_id, key_prefix, public_model)
) WITHOUT ROWID;
CREATE INDEX usage_daily_key_day ON usage_daily (key_prefix, day_start);
CREATE INDEX usage_daily_account_day ON usage_daily (account_id, day_start);

-- The day start floors for negative times too (SQLite's % truncates toward zero).
INSERT INTO usage_daily (day_start, account_id, key_prefix, public_model, requests, errors,
                         prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens,
                         reasoning_tokens, cost_micros, charged_micros)
  SELECT created_at - ((created_at % 86400000) + 86400000) % 86400000,
         COALESCE(account_id, 0), COALESCE(key_prefix, ''), COALESCE(public_model, ''),
         COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END),
         COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0),
         COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(cache_write_tokens), 0),
         COALESCE(SUM(reasoning_tokens), 0), COALESCE(SUM(cost_micros), 0),
         COALESCE(SUM(charged_micros), 0)
  FROM usage_log WHERE created_at IS NOT NULL
  GROUP BY 1, 2, 3, 4;

-- IF EXISTS: an operator may already have dropped them by hand to lighten the writes.
DROP INDEX IF EXISTS usage_log_model_created_at;
DROP INDEX IF EXISTS usage_log_account_created_at;
DROP INDEX IF EXISTS usage_log_key_created_at;
)sql"},
    // A version for what the key cache reads (api_keys and accounts: KeyStore::load_all), moved
    // on by triggers at every change to those rows. SQLite's data_version moves on with any
    // commit, a usage batch every few milliseconds under load, so the gateway's refresher reads
    // this row after it and reloads every key only when the keys did change. One row, so that a
    // trigger is a single-row UPDATE. Any UPDATE counts, whatever its columns: a column list would
    // have to follow load_all() and, once it missed one, a disabled key would go on working.
    // DROP TABLE drops a table's triggers: a migration that rebuilds api_keys or accounts must
    // create them again.
    {6, R"sql(
CREATE TABLE change_versions (
  name TEXT PRIMARY KEY,       -- 'keys'
  version INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO change_versions (name, version) VALUES ('keys', 0);

CREATE TRIGGER api_keys_insert_versions_keys AFTER INSERT ON api_keys BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'keys';
END;
CREATE TRIGGER api_keys_update_versions_keys AFTER UPDATE ON api_keys BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'keys';
END;
CREATE TRIGGER api_keys_delete_versions_keys AFTER DELETE ON api_keys BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'keys';
END;
CREATE TRIGGER accounts_insert_versions_keys AFTER INSERT ON accounts BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'keys';
END;
CREATE TRIGGER accounts_update_versions_keys AFTER UPDATE ON accounts BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'keys';
END;
CREATE TRIGGER accounts_delete_versions_keys AFTER DELETE ON accounts BEGIN
  UPDATE change_versions SET version = version + 1 WHERE name = 'keys';
END;
)sql"},
    // Usage rows name the process that wrote them, as ledger entries do: a gateway counts, against
    // a key's spending limit, what the key spent through the other gateways on the same file
    // (WalletSync reads their rows since its last look). NULL for rows written before.
    {7, R"sql(
ALTER TABLE usage_log ADD COLUMN instance TEXT;
)sql"},
};

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void throw_error(sqlite3* connection, int code, std::string_view context);

}  // namespace

// Several connections opening a new file at once may find the switch to WAL busy at once, the
// busy handler notwithstanding: it is retried until the busy timeout has passed.
std::string Database::enable_wal(std::chrono::milliseconds busy_timeout) {
  const auto give_up = std::chrono::steady_clock::now() + busy_timeout;
  for (;;) {
    try {
      Statement journal = prepare("PRAGMA journal_mode=WAL");
      return journal.step() ? journal.column_text(0) : std::string();
    } catch (const DatabaseError& error) {
      if (!error.is_busy() || std::chrono::steady_clock::now() >= give_up) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

namespace {

[[noreturn]] void throw_error(sqlite3* connection, int code, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += connection != nullptr ? sqlite3_errmsg(connection) : sqlite3_errstr(code);
  int extended = connection != nullptr ? sqlite3_extended_errcode(connection) : code;
  throw DatabaseError(extended, message);
}

}  // namespace

// ---- DatabaseError ----

DatabaseError::DatabaseError(int sqlite_code, const std::string& message)
    : std::runtime_error(message), sqlite_code_(sqlite_code) {}

bool DatabaseError::is_busy() const {
  int primary = sqlite_code_ & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

bool DatabaseError::is_unique_violation() const {
  return sqlite_code_ == SQLITE_CONSTRAINT_UNIQUE;
}

// ---- Statement ----

Statement::Statement(sqlite3* connection, sqlite3_stmt* statement) noexcept
    : connection_(connection), statement_(statement) {}

Statement::Statement(Statement&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)),
      statement_(std::exchange(other.statement_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    connection_ = std::exchange(other.connection_, nullptr);
    statement_ = std::exchange(other.statement_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(statement_);
}

void Statement::check_bind(int result_code) const {
  if (result_code != SQLITE_OK) throw_error(connection_, result_code, "bind");
}

Statement& Statement::bind_int64(int index, int64_t value) {
  check_bind(sqlite3_bind_int64(statement_, index, value));
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
  check_bind(sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_borrowed_text_or_null(int index, std::string_view value) {
  if (value.empty()) return bind_null(index);
  check_bind(sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_STATIC,
                                 SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const uint8_t> value) {
  // A zero-length blob with a null pointer would bind NULL; a non-null pointer keeps it a blob.
  static constexpr uint8_t kEmpty = 0;
  const void* data = value.empty() ? &kEmpty : value.data();
  check_bind(sqlite3_bind_blob64(statement_, index, data, value.size(), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(statement_, index));
  return *this;
}

Statement& Statement::bind_optional_int64(int index, std::optional<int64_t> value) {
  return value ? bind_int64(index, *value) : bind_null(index);
}

bool Statement::step() {
  int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  throw_error(connection_, code, "step");
}

void Statement::reset() noexcept {
  reset_keeping_bindings();
  sqlite3_clear_bindings(statement_);
}

void Statement::reset_keeping_bindings() noexcept {
  // sqlite3_reset repeats the last step's error, which step() has already reported.
  sqlite3_reset(statement_);
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

int64_t Statement::column_int64(int index) const {
  return sqlite3_column_int64(statement_, index);
}

std::optional<int64_t> Statement::column_optional_int64(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_int64(index);
}

std::string Statement::column_text(int index) const {
  const unsigned char* text = sqlite3_column_text(statement_, index);
  if (text == nullptr) return {};
  int size = sqlite3_column_bytes(statement_, index);
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::vector<uint8_t> Statement::column_blob(int index) const {
  const void* data = sqlite3_column_blob(statement_, index);
  int size = sqlite3_column_bytes(statement_, index);
  if (data == nullptr || size <= 0) return {};
  const auto* bytes = static_cast<const uint8_t*>(data);
  return std::vector<uint8_t>(bytes, bytes + size);
}

// ---- Database ----

Database::Database(const std::string& path, DatabaseOptions options) : path_(path) {
  // NOMUTEX: a connection is owned by one thread at a time (see the header), so SQLite's
  // per-connection mutex would only cost time.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int code = sqlite3_open_v2(path.c_str(), &connection_, flags, nullptr);
  if (code != SQLITE_OK) {
    std::string message =
        "cannot open database '" + path +
        "': " + (connection_ != nullptr ? sqlite3_errmsg(connection_) : sqlite3_errstr(code));
    close();
    throw DatabaseError(code, message);
  }
  sqlite3_extended_result_codes(connection_, 1);
  try {
    // The busy timeout comes first: switching to WAL needs a lock another process may hold.
    sqlite3_busy_timeout(connection_, static_cast<int>(options.busy_timeout.count()));
    std::string mode = enable_wal(options.busy_timeout);
    if (mode != "wal" && path != ":memory:") {
      throw DatabaseError(SQLITE_ERROR, "cannot enable WAL journal on '" + path + "' (got '" +
                                            mode + "'; network file system?)");
    }
    // NORMAL in WAL mode: a commit survives a process crash; only the last commits before a power
    // loss may be lost, and the file is never corrupted.
    exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    if (options.cache_kib > 0) {
      exec("PRAGMA cache_size=-" + std::to_string(options.cache_kib));
    }
  } catch (...) {
    close();
    throw;
  }
}

Database::Database(Database&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)),
      path_(std::move(other.path_)),
      cached_(std::move(other.cached_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    close();
    connection_ = std::exchange(other.connection_, nullptr);
    path_ = std::move(other.path_);
    cached_ = std::move(other.cached_);
  }
  return *this;
}

Database::~Database() {
  close();
}

void Database::close() noexcept {
  cached_.clear();  // finalizes the kept statements
  // close_v2 defers the close until every Statement of this connection is finalized.
  sqlite3_close_v2(connection_);
  connection_ = nullptr;
}

void Database::exec(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec needs a NUL-terminated string
  char* error = nullptr;
  int code = sqlite3_exec(connection_, text.c_str(), nullptr, nullptr, &error);
  if (code != SQLITE_OK) {
    std::string message = "exec: ";
    message += error != nullptr ? error : sqlite3_errstr(code);
    sqlite3_free(error);
    throw DatabaseError(sqlite3_extended_errcode(connection_), message);
  }
}

Statement Database::prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  int code = sqlite3_prepare_v3(connection_, sql.data(), static_cast<int>(sql.size()), 0,
                                &statement, nullptr);
  if (code != SQLITE_OK) throw_error(connection_, code, "prepare");
  return Statement(connection_, statement);
}

CachedStatement Database::prepare_cached(std::string_view sql) {
  auto kept = std::find_if(cached_.begin(), cached_.end(),
                           [sql](const std::unique_ptr<Cached>& c) { return c->sql == sql; });
  if (kept == cached_.end()) {
    cached_.push_back(std::make_unique<Cached>(Cached{std::string(sql), prepare(sql)}));
    kept = cached_.end() - 1;
  }
  Cached& cached = **kept;
  if (cached.in_use) throw std::logic_error("cached statement already in use: " + cached.sql);
  cached.in_use = true;
  return CachedStatement(cached.statement, cached.in_use);
}

CachedStatement::~CachedStatement() {
  statement_->reset();
  *in_use_ = false;
}

int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(connection_);
}

int64_t Database::changes() const {
  return sqlite3_changes64(connection_);
}

int64_t Database::data_version() {
  CachedStatement query = prepare_cached("PRAGMA data_version");
  return query->step() ? query->column_int64(0) : 0;
}

int Database::latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

int Database::schema_version() {
  Statement exists =
      prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists.step()) return 0;
  Statement query = prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return query.step() ? static_cast<int>(query.column_int64(0)) : 0;
}

int Database::migrate() {
  // IMMEDIATE: a second process starting at the same moment waits here (busy timeout) and then
  // sees the versions the first one recorded, instead of applying them twice.
  Transaction transaction(*this, TransactionKind::immediate);
  exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  int current = schema_version();
  if (current > latest_schema_version()) {
    throw DatabaseError(SQLITE_ERROR, "database '" + path_ + "' has schema version " +
                                          std::to_string(current) +
                                          ", newer than this build supports (" +
                                          std::to_string(latest_schema_version()) + ")");
  }
  int applied = 0;
  Statement record = prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)");
  for (const Migration& migration : kMigrations) {
    if (migration.version <= current) continue;
    exec(migration.sql);
    record.bind_int64(1, migration.version).bind_int64(2, unix_now_ms());
    record.step();
    record.reset();
    ++applied;
  }
  transaction.commit();
  return applied;
}

std::vector<std::string> Database::check_integrity(bool quick) {
  Statement query = prepare(quick ? "PRAGMA quick_check" : "PRAGMA integrity_check");
  std::vector<std::string> problems;
  while (query.step()) {
    std::string line = query.column_text(0);
    if (line != "ok") problems.push_back(std::move(line));
  }
  return problems;
}

// ---- Transaction ----

namespace {

// BEGIN, COMMIT and ROLLBACK are kept prepared: the usage writer runs a transaction every few
// milliseconds under load, and parsing BEGIN cost it more than running it.
void run_kept(Database& database, std::string_view sql) {
  CachedStatement statement = database.prepare_cached(sql);
  statement->step();
}

}  // namespace

Transaction::Transaction(Database& database, TransactionKind kind) : database_(database) {
  run_kept(database_, kind == TransactionKind::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
  if (finished_) return;
  try {
    run_kept(database_, "ROLLBACK");
  } catch (const DatabaseError&) {
    // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL); nothing to undo.
  }
}

void Transaction::commit() {
  run_kept(database_, "COMMIT");
  finished_ = true;
}

}  // namespace tollgate::store
