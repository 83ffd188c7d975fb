// A thin RAII layer over one SQLite connection: open with the pragmas Tollgate relies on,
// prepared statements, transactions, numbered schema migrations.
//
// Threading: a Database (and its Statements) belongs to one thread at a time. Every thread that
// touches the file (usage writer, key refresher, CLI) opens its own connection; WAL mode lets
// readers run while one writer commits.
//
// Errors: SQLite failures throw DatabaseError. Nothing here runs on an event-loop thread — callers
// are start-up code, the CLI and background workers, which catch and retry.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace tollgate::store {

class DatabaseError : public std::runtime_error {
 public:
  DatabaseError(int sqlite_code, const std::string& message);
  int sqlite_code() const { return sqlite_code_; }  // extended result code
  // The database was locked by another connection for longer than the busy timeout.
  bool is_busy() const;
  // A UNIQUE constraint refused the row.
  bool is_unique_violation() const;

 private:
  int sqlite_code_;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameter indexes start at 1, as in SQLite. Text and blobs are copied at bind time.
  Statement& bind_int64(int index, int64_t value);
  Statement& bind_text(int index, std::string_view value);
  // Text bound without a copy (the writers' hot loops bind thousands of rows a batch): `value`
  // must stay valid and unchanged until the statement has run and been reset (reset() clears the
  // bindings). Empty text binds NULL.
  Statement& bind_borrowed_text_or_null(int index, std::string_view value);
  Statement& bind_blob(int index, std::span<const uint8_t> value);
  Statement& bind_null(int index);
  Statement& bind_optional_int64(int index, std::optional<int64_t> value);

  // Advances to the next row: true while there is a row to read, false once done.
  bool step();
  // Makes the statement ready to run again and clears its bindings. Never throws.
  void reset() noexcept;
  // reset() without clearing the bindings, for a caller that binds every parameter before each
  // step: clearing is a pass over all of them (896 for the usage writer's 32-row insert). Text
  // bound borrowed stays referenced, and must not be stepped over again until it is bound anew.
  void reset_keeping_bindings() noexcept;

  // Column indexes start at 0. NULL reads as 0, "" or an empty blob.
  bool column_is_null(int index) const;
  int64_t column_int64(int index) const;
  std::optional<int64_t> column_optional_int64(int index) const;
  std::string column_text(int index) const;
  std::vector<uint8_t> column_blob(int index) const;

 private:
  friend class Database;
  Statement(sqlite3* connection, sqlite3_stmt* statement) noexcept;
  void check_bind(int result_code) const;

  sqlite3* connection_ = nullptr;
  sqlite3_stmt* statement_ = nullptr;
};

// A statement the connection keeps (Database::prepare_cached), lent for one use: it is reset
// (its bindings cleared, any read transaction it holds ended) when the loan goes out of scope.
class CachedStatement {
 public:
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  ~CachedStatement();

  Statement& operator*() const { return *statement_; }
  Statement* operator->() const { return statement_; }

 private:
  friend class Database;
  CachedStatement(Statement& statement, bool& in_use) noexcept
      : statement_(&statement), in_use_(&in_use) {}

  Statement* statement_;
  bool* in_use_;
};

struct DatabaseOptions {
  // How long a write waits for another connection's write lock before failing with SQLITE_BUSY.
  std::chrono::milliseconds busy_timeout{5000};
  // The connection's page cache, KiB; 0: SQLite's default (2,000 KiB). A background connection
  // that touches a few pages again and again (the usage writer appends at the end of its tables,
  // the pollers read the newest rows) needs far less, and a smaller cache keeps the gateway's
  // resident memory from creeping up as the database grows.
  int cache_kib = 0;
};

// The page cache of the gateway's background connections (usage writer, key refresher, wallet
// sync): the pages they touch again and again, with room to spare.
inline constexpr int kBackgroundCacheKib = 256;

class Database {
 public:
  // Opens (creating if needed) the file and applies WAL, synchronous=NORMAL, busy_timeout and
  // foreign_keys=ON. Throws DatabaseError if the file cannot be opened or WAL cannot be enabled.
  explicit Database(const std::string& path, DatabaseOptions options = {});
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  const std::string& path() const { return path_; }

  // Runs one or more statements that return nothing of interest.
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);
  // The same statement for the same `sql`, prepared at its first use and kept until the
  // connection closes: for the queries a background thread repeats every few hundred
  // milliseconds, where preparing costs far more than running (sqlite3_prepare and finalize were
  // 94 % of a ledger poll's instructions). One loan per statement at a time: borrowing one that
  // is already lent throws std::logic_error.
  CachedStatement prepare_cached(std::string_view sql);

  int64_t last_insert_rowid() const;
  int64_t changes() const;  // rows touched by the last INSERT/UPDATE/DELETE

  // Changes whenever ANOTHER connection (this process or another) commits to the file; stays the
  // same for this connection's own commits. Cheap: no disk read.
  int64_t data_version();

  // Applies every schema migration newer than the file's version, all in one BEGIN IMMEDIATE
  // transaction, so two processes starting at once apply each migration exactly once.
  // Returns how many were applied (0 when up to date). Throws if the file was written by a newer
  // Tollgate (schema version above the newest this build knows).
  int migrate();
  // Newest migration recorded in the file (0 for a fresh file).
  int schema_version();
  static int latest_schema_version();

  // PRAGMA integrity_check (or quick_check): the problems found, empty when the file is sound.
  std::vector<std::string> check_integrity(bool quick = false);

 private:
  void close() noexcept;
  std::string enable_wal(std::chrono::milliseconds busy_timeout);  // returns the journal mode

  struct Cached {
    std::string sql;
    Statement statement;
    bool in_use = false;
  };

  sqlite3* connection_ = nullptr;
  std::string path_;
  // Few (one per repeated query); boxed so that a loan outlives the vector growing.
  std::vector<std::unique_ptr<Cached>> cached_;
};

enum class TransactionKind {
  deferred,   // takes the write lock at the first write (read-mostly work)
  immediate,  // takes the write lock at BEGIN: the busy timeout applies, no upgrade deadlock
};

// Rolls back on destruction unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database& database, TransactionKind kind = TransactionKind::immediate);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  void commit();

 private:
  Database& database_;
  bool finished_ = false;
};

}  // namespace tollgate::store
