#include "store/sqlite_database.hpp"

#include "temp_database.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tollgate::store {
namespace {

using testing::TempDatabasePath;

int64_t count_rows(Database& database, const std::string& table) {
  Statement query = database.prepare("SELECT COUNT(*) FROM " + table);
  return query.step() ? query.column_int64(0) : -1;
}

TEST(SqliteDatabase, OpensInWalModeWithForeignKeys) {
  TempDatabasePath file;
  Database database(file.path());
  Statement journal = database.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(journal.step());
  EXPECT_EQ(journal.column_text(0), "wal");
  Statement foreign_keys = database.prepare("PRAGMA foreign_keys");
  ASSERT_TRUE(foreign_keys.step());
  EXPECT_EQ(foreign_keys.column_int64(0), 1);
}

TEST(SqliteDatabase, APageCacheSizeIsAppliedToTheConnection) {
  TempDatabasePath file;
  auto cache_size = [](Database& database) {
    Statement query = database.prepare("PRAGMA cache_size");
    return query.step() ? query.column_int64(0) : 0;
  };
  Database background(file.path(), {.cache_kib = kBackgroundCacheKib});
  EXPECT_EQ(cache_size(background), -kBackgroundCacheKib) << "negative: KiB, not pages";
  Database usual(file.path());
  EXPECT_EQ(cache_size(usual), -2000) << "SQLite's default";
}

TEST(SqliteDatabase, MigrateIsIdempotent) {
  TempDatabasePath file;
  Database database(file.path());
  EXPECT_EQ(database.schema_version(), 0);
  EXPECT_EQ(database.migrate(), Database::latest_schema_version());
  EXPECT_EQ(database.schema_version(), Database::latest_schema_version());
  EXPECT_EQ(database.migrate(), 0);
  EXPECT_EQ(count_rows(database, "schema_migrations"), Database::latest_schema_version());

  Database reopened(file.path());
  EXPECT_EQ(reopened.migrate(), 0);
  EXPECT_EQ(count_rows(reopened, "api_keys"), 0);
  EXPECT_EQ(count_rows(reopened, "usage_log"), 0);
  EXPECT_TRUE(reopened.check_integrity().empty());
  EXPECT_TRUE(reopened.check_integrity(/*quick=*/true).empty());
}

TEST(SqliteDatabase, ConcurrentMigrationsApplyEachVersionOnce) {
  TempDatabasePath file;
  constexpr int kProcesses = 4;
  std::vector<int> applied(kProcesses, -1);
  std::vector<std::thread> starters;
  for (int i = 0; i < kProcesses; ++i) {
    starters.emplace_back([&, i] {
      Database database(file.path());
      applied[i] = database.migrate();
    });
  }
  for (std::thread& starter : starters) starter.join();
  int total = 0;
  for (int count : applied) total += count;
  EXPECT_EQ(total, Database::latest_schema_version());
  Database database(file.path());
  EXPECT_EQ(count_rows(database, "schema_migrations"), Database::latest_schema_version());
}

TEST(SqliteDatabase, RefusesASchemaNewerThanTheBuild) {
  TempDatabasePath file;
  Database database(file.path());
  database.migrate();
  database.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)");
  EXPECT_THROW(database.migrate(), DatabaseError);
}

TEST(SqliteDatabase, StatementBindsAndReadsEveryType) {
  TempDatabasePath file;
  Database database(file.path());
  database.exec("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n INTEGER)");
  Statement insert = database.prepare("INSERT INTO t VALUES (?, ?, ?, ?)");
  const std::vector<uint8_t> blob{0, 1, 2, 255};
  insert.bind_int64(1, -42).bind_text(2, std::string_view("h\0llo", 5)).bind_blob(3, blob);
  insert.bind_null(4);
  EXPECT_FALSE(insert.step());
  insert.reset();
  insert.bind_int64(1, 7).bind_text(2, "").bind_blob(3, {}).bind_optional_int64(4, 9);
  EXPECT_FALSE(insert.step());
  EXPECT_EQ(database.changes(), 1);
  EXPECT_EQ(database.last_insert_rowid(), 2);

  Statement query = database.prepare("SELECT i, s, b, n FROM t ORDER BY rowid");
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.column_int64(0), -42);
  EXPECT_EQ(query.column_text(1), std::string("h\0llo", 5));
  EXPECT_EQ(query.column_blob(2), blob);
  EXPECT_TRUE(query.column_is_null(3));
  EXPECT_EQ(query.column_optional_int64(3), std::nullopt);
  ASSERT_TRUE(query.step());
  EXPECT_FALSE(query.column_is_null(1));
  EXPECT_FALSE(query.column_is_null(2));  // an empty blob is not NULL
  EXPECT_EQ(query.column_optional_int64(3), 9);
  EXPECT_FALSE(query.step());
}

TEST(SqliteDatabase, AResetKeepingBindingsRunsAgainWithThemAndAResetClearsThem) {
  TempDatabasePath file;
  Database database(file.path());
  database.exec("CREATE TABLE t (i INTEGER, s TEXT)");
  Statement insert = database.prepare("INSERT INTO t VALUES (?, ?)");
  const std::string text = "kept";
  insert.bind_int64(1, 1).bind_borrowed_text_or_null(2, text);
  EXPECT_FALSE(insert.step());
  insert.reset_keeping_bindings();
  EXPECT_FALSE(insert.step()) << "the same bindings, run again";
  insert.reset_keeping_bindings();
  insert.bind_int64(1, 2);  // one parameter rebound, the other kept
  EXPECT_FALSE(insert.step());
  insert.reset();
  EXPECT_FALSE(insert.step()) << "cleared: both NULL";

  Statement query = database.prepare("SELECT i, s FROM t ORDER BY rowid");
  const std::vector<std::pair<int64_t, std::string>> expected{
      {1, "kept"}, {1, "kept"}, {2, "kept"}};
  for (const auto& [i, s] : expected) {
    ASSERT_TRUE(query.step());
    EXPECT_EQ(query.column_int64(0), i);
    EXPECT_EQ(query.column_text(1), s);
  }
  ASSERT_TRUE(query.step());
  EXPECT_TRUE(query.column_is_null(0));
  EXPECT_TRUE(query.column_is_null(1));
  EXPECT_FALSE(query.step());
}

TEST(SqliteDatabase, BadSqlThrowsWithTheSqliteMessage) {
  TempDatabasePath file;
  Database database(file.path());
  try {
    database.prepare("SELEKT 1");
    FAIL() << "expected DatabaseError";
  } catch (const DatabaseError& error) {
    EXPECT_NE(std::string(error.what()).find("syntax error"), std::string::npos);
  }
  EXPECT_THROW(database.exec("INSERT INTO missing VALUES (1)"), DatabaseError);
}

TEST(SqliteDatabase, TransactionRollsBackUnlessCommitted) {
  TempDatabasePath file;
  Database database(file.path());
  database.exec("CREATE TABLE t (i INTEGER)");
  {
    Transaction transaction(database);
    database.exec("INSERT INTO t VALUES (1)");
  }
  EXPECT_EQ(count_rows(database, "t"), 0);
  {
    Transaction transaction(database, TransactionKind::deferred);
    database.exec("INSERT INTO t VALUES (2)");
    transaction.commit();
  }
  EXPECT_EQ(count_rows(database, "t"), 1);
}

TEST(SqliteDatabase, DataVersionTracksOtherConnectionsOnly) {
  TempDatabasePath file;
  Database watcher(file.path());
  watcher.exec("CREATE TABLE t (i INTEGER)");
  const int64_t initial = watcher.data_version();
  watcher.exec("INSERT INTO t VALUES (1)");
  EXPECT_EQ(watcher.data_version(), initial) << "own commits do not count";

  Database other(file.path());
  other.exec("INSERT INTO t VALUES (2)");
  EXPECT_NE(watcher.data_version(), initial);
}

TEST(SqliteDatabase, DataVersionKeepsSeeingCommitsThroughItsKeptStatement) {
  // data_version() runs a kept statement: each loan must end its read transaction, or the
  // second look would still see the snapshot of the first and miss the commit in between.
  TempDatabasePath file;
  Database watcher(file.path());
  watcher.exec("CREATE TABLE t (i INTEGER)");
  Database other(file.path());
  int64_t last = watcher.data_version();
  for (int i = 0; i < 3; ++i) {
    other.exec("INSERT INTO t VALUES (1)");
    const int64_t now = watcher.data_version();
    EXPECT_NE(now, last) << "commit " << i;
    EXPECT_EQ(watcher.data_version(), now) << "nothing committed since";
    last = now;
  }
}

TEST(SqliteDatabase, CachedStatementIsPreparedOnceAndResetAfterEachLoan) {
  TempDatabasePath file;
  Database database(file.path());
  database.exec("CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (1), (2), (3)");
  const std::string sql = "SELECT COUNT(*) FROM t WHERE i >= ?";
  const Statement* first = nullptr;
  for (int64_t from : {1, 3, 2}) {
    CachedStatement query = database.prepare_cached(sql);
    if (!first) first = &*query;
    EXPECT_EQ(&*query, first) << "the same statement every time";
    query->bind_int64(1, from);
    ASSERT_TRUE(query->step());
    EXPECT_EQ(query->column_int64(0), 4 - from);
  }
  {
    CachedStatement unbound = database.prepare_cached(sql);
    ASSERT_TRUE(unbound->step());
    EXPECT_EQ(unbound->column_int64(0), 0) << "the last loan's binding was cleared (NULL)";
    EXPECT_THROW(database.prepare_cached(sql), std::logic_error) << "one loan at a time";
  }
  // A loan that stopped at its first row ended its read: a writer can checkpoint the whole WAL.
  { CachedStatement partial = database.prepare_cached("SELECT i FROM t"); partial->step(); }
  Database writer(file.path());
  writer.exec("INSERT INTO t VALUES (4)");
  Statement checkpoint = writer.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
  ASSERT_TRUE(checkpoint.step());
  EXPECT_EQ(checkpoint.column_int64(0), 0) << "not blocked by a reader";
}

TEST(SqliteDatabase, BusyWriteLockReportsBusy) {
  TempDatabasePath file;
  Database holder(file.path());
  holder.exec("CREATE TABLE t (i INTEGER)");
  Transaction held(holder);
  Database waiter(file.path(), DatabaseOptions{.busy_timeout = std::chrono::milliseconds(10)});
  try {
    Transaction blocked(waiter);
    FAIL() << "expected SQLITE_BUSY";
  } catch (const DatabaseError& error) {
    EXPECT_TRUE(error.is_busy());
  }
}

TEST(SqliteDatabase, OpeningAnUnreachablePathThrows) {
  EXPECT_THROW(Database("/nonexistent-dir/for/sure/tollgate.db"), DatabaseError);
}

}  // namespace
}  // namespace tollgate::store
