#include "billing/usage_writer.hpp"

#include "store/sqlite_database.hpp"
#include "store/usage_queries.hpp"
#include "temp_database.hpp"
#include "usage_rollup_check.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tollgate::billing {
namespace {

using namespace std::chrono_literals;
using testing::TempDatabasePath;

class UsageWriterTest : public ::testing::Test {
 protected:
  UsageWriterTest() : reader_(file_.path()) { reader_.migrate(); }

  int64_t rows() {
    store::Statement query = reader_.prepare("SELECT COUNT(*) FROM usage_log");
    return query.step() ? query.column_int64(0) : -1;
  }

  static UsageRecord record(int n) {
    UsageRecord usage;
    usage.request_id = "req-" + std::to_string(n);
    usage.created_at_ms = 1'700'000'000'000 + n;
    usage.public_model = "gpt-test";
    usage.prompt_tokens = 10;
    usage.completion_tokens = 5;
    usage.usage_source = "upstream";
    usage.status = 200;
    return usage;
  }

  TempDatabasePath file_;
  store::Database reader_;  // a separate connection, as the CLI would use
};

TEST_F(UsageWriterTest, WritesEveryFieldOfARecord) {
  UsageRecord usage;
  usage.request_id = "req-1";
  usage.created_at_ms = 1'700'000'000'123;
  usage.key_prefix = "tg-AbC12xYz";
  usage.surface = "openai.chat";
  usage.public_model = "fast";
  usage.upstream_model = "gpt-4o-mini";
  usage.provider = "openai";
  usage.prompt_tokens = 11;
  usage.completion_tokens = 22;
  usage.cached_tokens = 3;
  usage.reasoning_tokens = 4;
  usage.usage_source = "estimated";
  usage.cost_micros = 1234;
  usage.status = 502;
  usage.error_code = "upstream_error";
  usage.latency_us = 5000;
  usage.upstream_latency_us = 4800;
  usage.overhead_us = 200;
  usage.stream = true;
  usage.client_disconnected = true;

  UsageWriter writer(file_.path());
  ASSERT_TRUE(writer.submit(usage));
  writer.flush();

  std::vector<store::UsageLogRow> stored = store::recent(reader_, 10);
  ASSERT_EQ(stored.size(), 1u);
  const store::UsageLogRow& row = stored[0];
  EXPECT_EQ(row.request_id, "req-1");
  EXPECT_EQ(row.created_at_ms, 1'700'000'000'123);
  EXPECT_EQ(row.key_prefix, "tg-AbC12xYz");
  EXPECT_EQ(row.surface, "openai.chat");
  EXPECT_EQ(row.public_model, "fast");
  EXPECT_EQ(row.upstream_model, "gpt-4o-mini");
  EXPECT_EQ(row.provider, "openai");
  EXPECT_EQ(row.prompt_tokens, 11);
  EXPECT_EQ(row.completion_tokens, 22);
  EXPECT_EQ(row.cached_tokens, 3);
  EXPECT_EQ(row.reasoning_tokens, 4);
  EXPECT_EQ(row.usage_source, "estimated");
  EXPECT_EQ(row.cost_micros, 1234);
  EXPECT_EQ(row.status, 502);
  EXPECT_EQ(row.error_code, "upstream_error");
  EXPECT_EQ(row.latency_us, 5000);
  EXPECT_EQ(row.upstream_latency_us, 4800);
  EXPECT_EQ(row.overhead_us, 200);
  EXPECT_TRUE(row.stream);
  EXPECT_TRUE(row.client_disconnected);
}

TEST_F(UsageWriterTest, WritesTheDeploymentAttemptsAndByok) {
  UsageRecord routed = record(1);
  routed.deployment = "gpt-4o@azure-eu";
  routed.attempts = 3;
  routed.byok = true;
  UsageRecord plain = record(2);  // no deployment, no attempt (refused before dispatch)
  UsageWriter writer(file_.path());
  ASSERT_TRUE(writer.submit(routed));
  ASSERT_TRUE(writer.submit(plain));
  writer.flush();

  store::Statement rows = reader_.prepare(
      "SELECT deployment, deployment IS NULL, attempts, byok FROM usage_log ORDER BY request_id");
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.column_text(0), "gpt-4o@azure-eu");
  EXPECT_EQ(rows.column_int64(2), 3);
  EXPECT_EQ(rows.column_int64(3), 1);
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.column_int64(1), 1) << "an empty deployment is stored as NULL";
  EXPECT_EQ(rows.column_int64(2), 0);
  EXPECT_EQ(rows.column_int64(3), 0);
}

// A batch's rows go many to an INSERT (and the rest one by one): every column of every row must
// land in its own row, in submission order, whichever way it was written.
TEST_F(UsageWriterTest, ABatchOfManyRowsKeepsEveryColumnOfEachRowInOrder) {
  constexpr int kRecords = 75;  // groups of rows and a remainder written singly
  auto varied = [](int n) {
    UsageRecord usage;
    const std::string tag = std::to_string(n);
    usage.request_id = "req-" + tag;
    usage.created_at_ms = 1'700'000'000'000 + n;
    usage.key_prefix = "tg-key" + tag;
    usage.surface = n % 2 == 0 ? "openai.chat" : "anthropic.messages";
    usage.public_model = "model-" + tag;
    usage.upstream_model = "upstream-" + tag;
    usage.provider = "provider-" + tag;
    usage.deployment = n % 3 == 0 ? "" : "deployment-" + tag;
    usage.attempts = n % 4;
    usage.byok = n % 5 == 0;
    usage.prompt_tokens = 1000 + n;
    usage.completion_tokens = 2000 + n;
    usage.cached_tokens = 3000 + n;
    usage.cache_write_tokens = 4000 + n;
    usage.reasoning_tokens = 5000 + n;
    usage.usage_source = n % 2 == 0 ? "upstream" : "estimated";
    usage.cost_micros = 6000 + n;
    if (n % 7 != 0) usage.charged_micros = 7000 + n;
    usage.account_id = n % 7 != 0 ? 1 : 0;
    usage.charge_in_batch = n % 7 != 0;
    usage.status = n % 6 == 0 ? 502 : 200;
    usage.error_code = n % 6 == 0 ? "upstream_error" : "";
    usage.latency_us = 8000 + n;
    usage.upstream_latency_us = 9000 + n;
    usage.overhead_us = 10'000 + n;
    usage.stream = n % 2 == 1;
    usage.client_disconnected = n % 8 == 0;
    return usage;
  };
  UsageWriter writer(file_.path(), {.instance = "gateway-a", .max_delay = 1h});
  for (int n = 0; n < kRecords; ++n) ASSERT_TRUE(writer.submit(varied(n)));
  writer.flush();
  ASSERT_EQ(writer.batches(), 1u);

  store::Statement written = reader_.prepare(
      "SELECT request_id, created_at, key_prefix, surface, public_model, upstream_model, provider, "
      "prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, usage_source, "
      "cost_micros, status, ifnull(error_code, 'NULL'), latency_us, upstream_latency_us, "
      "overhead_us, stream, client_disconnected, ifnull(account_id, -1), cache_write_tokens, "
      "ifnull(charged_micros, -1), ledger_id IS NOT NULL, ifnull(deployment, 'NULL'), attempts, "
      "byok, instance FROM usage_log ORDER BY id");
  int n = 0;
  for (; written.step(); ++n) {
    const UsageRecord expected = varied(n);
    SCOPED_TRACE("row " + std::to_string(n));
    EXPECT_EQ(written.column_text(0), expected.request_id);
    EXPECT_EQ(written.column_int64(1), expected.created_at_ms);
    EXPECT_EQ(written.column_text(2), expected.key_prefix);
    EXPECT_EQ(written.column_text(3), expected.surface);
    EXPECT_EQ(written.column_text(4), expected.public_model);
    EXPECT_EQ(written.column_text(5), expected.upstream_model);
    EXPECT_EQ(written.column_text(6), expected.provider);
    EXPECT_EQ(written.column_int64(7), expected.prompt_tokens);
    EXPECT_EQ(written.column_int64(8), expected.completion_tokens);
    EXPECT_EQ(written.column_int64(9), expected.cached_tokens);
    EXPECT_EQ(written.column_int64(10), expected.reasoning_tokens);
    EXPECT_EQ(written.column_text(11), expected.usage_source);
    EXPECT_EQ(written.column_int64(12), expected.cost_micros);
    EXPECT_EQ(written.column_int64(13), expected.status);
    EXPECT_EQ(written.column_text(14), expected.error_code.empty() ? "NULL" : expected.error_code);
    EXPECT_EQ(written.column_int64(15), expected.latency_us);
    EXPECT_EQ(written.column_int64(16), expected.upstream_latency_us);
    EXPECT_EQ(written.column_int64(17), expected.overhead_us);
    EXPECT_EQ(written.column_int64(18), expected.stream ? 1 : 0);
    EXPECT_EQ(written.column_int64(19), expected.client_disconnected ? 1 : 0);
    EXPECT_EQ(written.column_int64(20), expected.account_id != 0 ? expected.account_id : -1);
    EXPECT_EQ(written.column_int64(21), expected.cache_write_tokens);
    EXPECT_EQ(written.column_int64(22), expected.charged_micros.value_or(-1));
    EXPECT_EQ(written.column_int64(23), expected.charge_in_batch ? 1 : 0);
    EXPECT_EQ(written.column_text(24), expected.deployment.empty() ? "NULL" : expected.deployment);
    EXPECT_EQ(written.column_int64(25), expected.attempts);
    EXPECT_EQ(written.column_int64(26), expected.byok ? 1 : 0);
    EXPECT_EQ(written.column_text(27), "gateway-a");
  }
  EXPECT_EQ(n, kRecords);
}

TEST_F(UsageWriterTest, ConcurrentSubmittersAreAllWrittenInGroupCommits) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2500;
  UsageWriter writer(file_.path());
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) EXPECT_TRUE(writer.submit(record(t * kPerThread + i)));
    });
  }
  for (std::thread& submitter : submitters) submitter.join();
  writer.flush();

  EXPECT_EQ(rows(), kThreads * kPerThread);
  EXPECT_EQ(writer.written(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(writer.dropped(), 0u);
  EXPECT_GT(writer.batches(), 0u);
  EXPECT_LT(writer.batches(), static_cast<uint64_t>(kThreads * kPerThread / 10))
      << "records should share transactions";
  store::Statement distinct = reader_.prepare("SELECT COUNT(DISTINCT request_id) FROM usage_log");
  ASSERT_TRUE(distinct.step());
  EXPECT_EQ(distinct.column_int64(0), kThreads * kPerThread);
}

TEST_F(UsageWriterTest, FlushCommitsWithoutWaitingForTheBatchDelay) {
  UsageWriter writer(file_.path(), {.max_delay = 60s});
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(writer.submit(record(i)));
  const auto start = std::chrono::steady_clock::now();
  writer.flush();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(rows(), 100);
  EXPECT_EQ(writer.batches(), 1u);

  writer.flush();  // nothing pending: returns at once
  ASSERT_TRUE(writer.submit(record(100)));
  writer.flush();
  EXPECT_EQ(rows(), 101);
}

TEST_F(UsageWriterTest, RecordsWaitForTheBatchDelayThenAreWritten) {
  UsageWriter writer(file_.path(), {.max_delay = 200ms});
  ASSERT_TRUE(writer.submit(record(1)));
  ASSERT_TRUE(writer.submit(record(2)));
  const auto start = std::chrono::steady_clock::now();
  while (rows() < 2 && std::chrono::steady_clock::now() - start < 2s) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(rows(), 2);
  EXPECT_EQ(writer.batches(), 1u);
}

TEST_F(UsageWriterTest, LargeBacklogIsSplitIntoBatchesOfMaxBatch) {
  UsageWriter writer(file_.path(), {.max_batch = 100, .max_delay = 60s});
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(writer.submit(record(i)));
  writer.flush();
  EXPECT_EQ(rows(), 1000);
  EXPECT_GE(writer.batches(), 10u);
}

TEST_F(UsageWriterTest, FullQueueRefusesAndCountsDrops) {
  // The writer is held back by a long batch delay, so the queue fills deterministically.
  UsageWriter writer(file_.path(), {.max_queue = 10, .max_delay = 60s});
  int accepted = 0;
  for (int i = 0; i < 25; ++i) {
    EXPECT_EQ(writer.congested(), i >= 10) << "after " << i << " submissions";
    accepted += writer.submit(record(i)) ? 1 : 0;
  }
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(writer.dropped(), 15u);
  writer.flush();
  EXPECT_EQ(rows(), 10);
  EXPECT_FALSE(writer.congested()) << "the queue was taken in hand and written";
  EXPECT_TRUE(writer.submit(record(99))) << "room again once written";
}

TEST_F(UsageWriterTest, StopWritesEverythingStillQueued) {
  UsageWriter writer(file_.path(), {.max_delay = 60s});
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(writer.submit(record(i)));
  writer.stop();
  EXPECT_EQ(rows(), 50);
  EXPECT_FALSE(writer.submit(record(50))) << "a stopped writer refuses";
  EXPECT_EQ(writer.dropped(), 1u);
  writer.stop();  // idempotent
}

// The low-priority writer waits for its batch delay (an hour here); a queue of catch_up_at
// submissions is written at once by the catch-up thread, down to under half of it.
TEST_F(UsageWriterTest, ALongQueueIsWrittenByTheCatchUpThreadWithoutWaiting) {
  UsageWriter writer(file_.path(), {.max_delay = 1h, .catch_up_at = 64});
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(writer.submit(record(i)));
  const auto start = std::chrono::steady_clock::now();
  while (writer.backlog() >= 32 && std::chrono::steady_clock::now() - start < 10s) {
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_LT(writer.backlog(), 32u);
  EXPECT_GT(rows(), 200 - 32);
  EXPECT_GE(writer.catch_ups(), 1u);
  writer.stop();
  EXPECT_EQ(rows(), 200) << "the rest is written at stop";
}

TEST_F(UsageWriterTest, NoCatchUpThreadBelowItsQueueLength) {
  UsageWriter writer(file_.path(), {.max_delay = 200ms, .catch_up_at = 64});
  for (int i = 0; i < 63; ++i) ASSERT_TRUE(writer.submit(record(i)));
  writer.flush();
  EXPECT_EQ(rows(), 63);
  EXPECT_EQ(writer.catch_ups(), 0u);
}

// Both writer threads take turns; whichever writes, each submitter's records reach the table in
// the order it submitted them.
TEST_F(UsageWriterTest, TheTwoWriterThreadsKeepTheOrderOfSubmissions) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2500;
  UsageWriter writer(file_.path(), {.max_batch = 64, .max_delay = 1h, .catch_up_at = 16});
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(writer.submit(record(i)));
  const auto start = std::chrono::steady_clock::now();
  while (writer.catch_ups() == 0 && std::chrono::steady_clock::now() - start < 10s) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_GE(writer.catch_ups(), 1u);
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(writer.submit(record(1000 + t * kPerThread + i)));
      }
    });
  }
  for (std::thread& submitter : submitters) submitter.join();
  writer.flush();

  ASSERT_EQ(rows(), 16 + kThreads * kPerThread);
  std::vector<int> last_seen(kThreads, -1);
  store::Statement written = reader_.prepare("SELECT request_id FROM usage_log ORDER BY id");
  int out_of_order = 0;
  while (written.step()) {
    const int n = std::stoi(written.column_text(0).substr(4));  // "req-N"
    if (n < 1000) continue;
    const int thread = (n - 1000) / kPerThread;
    const int index = (n - 1000) % kPerThread;
    if (index <= last_seen[thread]) ++out_of_order;
    last_seen[thread] = index;
  }
  EXPECT_EQ(out_of_order, 0);
}

TEST_F(UsageWriterTest, LockedDatabaseIsRetriedNotDropped) {
  UsageWriter writer(file_.path(), {.max_delay = 1ms, .busy_timeout = 5ms});
  store::Database cli(file_.path());
  auto held = std::make_unique<store::Transaction>(cli);  // holds the write lock
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(writer.submit(record(i)));
  const auto start = std::chrono::steady_clock::now();
  while (writer.failed_attempts() < 2 && std::chrono::steady_clock::now() - start < 2s) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GE(writer.failed_attempts(), 2u);
  EXPECT_EQ(rows(), 0);
  held.reset();  // the lock goes away
  writer.flush();
  EXPECT_EQ(rows(), 20);
  EXPECT_EQ(writer.written(), 20u);
  EXPECT_EQ(writer.abandoned(), 0u);
}

TEST_F(UsageWriterTest, AFailedBatchIsRolledBackAndRetriedWhole) {
  // A trigger makes the 4th insert of the batch fail, after three rows were inserted.
  reader_.exec(
      "CREATE TRIGGER refuse_req_3 BEFORE INSERT ON usage_log WHEN NEW.request_id = 'req-3' "
      "BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END");
  UsageWriter writer(file_.path(), {.max_delay = 1ms});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(writer.submit(record(i)));
  const auto start = std::chrono::steady_clock::now();
  while (writer.failed_attempts() < 1 && std::chrono::steady_clock::now() - start < 2s) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_GE(writer.failed_attempts(), 1u);
  EXPECT_EQ(rows(), 0) << "the three rows before the failure were rolled back";

  reader_.exec("DROP TRIGGER refuse_req_3");
  writer.flush();
  EXPECT_EQ(rows(), 10);
  store::Statement distinct = reader_.prepare("SELECT COUNT(DISTINCT request_id) FROM usage_log");
  ASSERT_TRUE(distinct.step());
  EXPECT_EQ(distinct.column_int64(0), 10);
}

TEST_F(UsageWriterTest, StopGivesUpOnAPermanentFailureAfterTheLimitAndSaysSo) {
  // Five batches, each attempt waiting 500 ms for the lock: once the limit has passed, the later
  // batches are given up at once instead of each waiting out the busy timeout again.
  UsageWriter writer(
      file_.path(),
      {.max_batch = 2, .max_delay = 1ms, .busy_timeout = 500ms, .shutdown_retry_limit = 100ms});
  store::Database cli(file_.path());
  store::Transaction held(cli);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(writer.submit(record(i)));
  const auto start = std::chrono::steady_clock::now();
  writer.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(writer.written(), 0u);
  EXPECT_EQ(writer.abandoned(), 10u);
}

// 2024-03-01T00:00:00Z.
constexpr int64_t kMarch1 = 1'709'251'200'000;
constexpr int64_t kDay = 86'400'000;

// One usage_daily row.
struct DailyRow {
  int64_t day_start, account_id;
  std::string key_prefix, public_model;
  int64_t requests, errors, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens,
      reasoning_tokens, cost_micros, charged_micros;

  friend bool operator==(const DailyRow&, const DailyRow&) = default;
  friend std::ostream& operator<<(std::ostream& out, const DailyRow& row) {
    return out << row.day_start << ' ' << row.account_id << " '" << row.key_prefix << "' '"
               << row.public_model << "' " << row.requests << ' ' << row.errors << ' '
               << row.prompt_tokens << ' ' << row.completion_tokens << ' ' << row.cached_tokens
               << ' ' << row.cache_write_tokens << ' ' << row.reasoning_tokens << ' '
               << row.cost_micros << ' ' << row.charged_micros;
  }
};

std::vector<DailyRow> daily_rows(store::Database& database) {
  store::Statement query = database.prepare(
      "SELECT day_start, account_id, key_prefix, public_model, requests, errors, prompt_tokens, "
      "completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost_micros, "
      "charged_micros FROM usage_daily ORDER BY day_start, account_id, key_prefix, public_model");
  std::vector<DailyRow> rows;
  while (query.step()) {
    rows.push_back({query.column_int64(0), query.column_int64(1), query.column_text(2),
                    query.column_text(3), query.column_int64(4), query.column_int64(5),
                    query.column_int64(6), query.column_int64(7), query.column_int64(8),
                    query.column_int64(9), query.column_int64(10), query.column_int64(11),
                    query.column_int64(12)});
  }
  return rows;
}

// A record in its day, account, key and model, with these tokens (prompt, completion, cached,
// cache write, reasoning all `tokens` apart from prompt) and cost.
UsageRecord rollup_record(int64_t at_ms, int64_t account, std::string key, std::string model,
                          int status, int64_t tokens, int64_t cost,
                          std::optional<int64_t> charged) {
  UsageRecord usage;
  usage.created_at_ms = at_ms;
  usage.account_id = account;
  usage.key_prefix = std::move(key);
  usage.public_model = std::move(model);
  usage.status = status;
  usage.prompt_tokens = 2 * tokens;
  usage.completion_tokens = tokens;
  usage.cached_tokens = tokens;
  usage.cache_write_tokens = tokens;
  usage.reasoning_tokens = tokens;
  usage.cost_micros = cost;
  usage.charged_micros = charged;
  return usage;
}

TEST_F(UsageWriterTest, ABatchIsRolledUpPerUtcDayAccountKeyAndModel) {
  UsageWriter writer(file_.path(), {.max_delay = 1h});
  // Out of order on purpose: the writer groups them, whatever the order.
  ASSERT_TRUE(writer.submit(rollup_record(kMarch1 + kDay, 1, "tg-A", "m1", 200, 1, 1, 1)));
  ASSERT_TRUE(writer.submit(rollup_record(kMarch1 + 10, 1, "tg-A", "m1", 200, 50, 1000, 1200)));
  ASSERT_TRUE(writer.submit(rollup_record(kMarch1 + 20, 2, "tg-B", "m1", 200, 3, 6, 7)));
  ASSERT_TRUE(
      writer.submit(rollup_record(kMarch1 + kDay - 1, 1, "tg-A", "m1", 503, 10, 0, std::nullopt)));
  ASSERT_TRUE(writer.submit(rollup_record(kMarch1 + 30, 1, "tg-A", "m2", 429, 9, 9, 9)));
  ASSERT_TRUE(writer.submit(rollup_record(kMarch1 + 40, 0, "", "", 401, 0, 0, std::nullopt)));
  writer.flush();
  ASSERT_EQ(writer.batches(), 1u);

  const std::vector<DailyRow> expected{
      {kMarch1, 0, "", "", 1, 1, 0, 0, 0, 0, 0, 0, 0},
      {kMarch1, 1, "tg-A", "m1", 2, 1, 120, 60, 60, 60, 60, 1000, 1200},
      {kMarch1, 1, "tg-A", "m2", 1, 1, 18, 9, 9, 9, 9, 9, 9},
      {kMarch1, 2, "tg-B", "m1", 1, 0, 6, 3, 3, 3, 3, 6, 7},
      {kMarch1 + kDay, 1, "tg-A", "m1", 1, 0, 2, 1, 1, 1, 1, 1, 1},
  };
  EXPECT_EQ(daily_rows(reader_), expected);
  EXPECT_EQ(testing::rollups_differing_from_rows(reader_), 0);
}

TEST_F(UsageWriterTest, AFailedBatchIsRetriedWithoutCountingItsRollupsTwice) {
  UsageWriter writer(file_.path(), {.max_delay = 1ms});
  ASSERT_TRUE(writer.submit(rollup_record(kMarch1, 1, "tg-A", "a", 200, 1, 10, 10)));
  writer.flush();
  // The batch below updates the rollup "a" (committed above) and then fails on inserting
  // "zz-refused", which sorts after it: the update must be rolled back with the rows.
  reader_.exec(
      "CREATE TRIGGER refuse_zz BEFORE INSERT ON usage_daily WHEN NEW.public_model = "
      "'zz-refused' BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END");
  ASSERT_TRUE(writer.submit(rollup_record(kMarch1 + 1, 1, "tg-A", "a", 200, 1, 10, 10)));
  ASSERT_TRUE(writer.submit(rollup_record(kMarch1 + 2, 1, "tg-A", "zz-refused", 200, 1, 5, 5)));
  ASSERT_TRUE(writer.submit(rollup_record(kMarch1 + 3, 1, "tg-A", "a", 500, 1, 10, 10)));
  const auto start = std::chrono::steady_clock::now();
  while (writer.failed_attempts() < 2 && std::chrono::steady_clock::now() - start < 5s) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_GE(writer.failed_attempts(), 2u) << "tried, failed and retried at least once";
  EXPECT_EQ(rows(), 1);
  EXPECT_EQ(daily_rows(reader_),
            (std::vector<DailyRow>{{kMarch1, 1, "tg-A", "a", 1, 0, 2, 1, 1, 1, 1, 10, 10}}));

  reader_.exec("DROP TRIGGER refuse_zz");
  writer.flush();
  EXPECT_EQ(rows(), 4);
  EXPECT_EQ(daily_rows(reader_),
            (std::vector<DailyRow>{{kMarch1, 1, "tg-A", "a", 3, 1, 6, 3, 3, 3, 3, 30, 30},
                                   {kMarch1, 1, "tg-A", "zz-refused", 1, 0, 2, 1, 1, 1, 1, 5, 5}}));
  EXPECT_EQ(testing::rollups_differing_from_rows(reader_), 0);
}

// Many threads, many small batches, records spread over days, accounts, keys and models (with
// and without each): the rollups are exactly the GROUP BY of the rows.
TEST_F(UsageWriterTest, ConcurrentRecordsRollUpExactlyAsTheirRows) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2500;
  UsageWriter writer(file_.path(), {.max_batch = 128, .max_delay = 1ms});
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        const int64_t at = kMarch1 + (n % 7) * (kDay / 3) - kDay;  // 02-29 to 03-02
        const std::string key = n % 4 == 0 ? "" : "tg-K" + std::to_string(n % 3);
        const std::string model = n % 5 == 0 ? "" : "m" + std::to_string(n % 2);
        const std::optional<int64_t> charged =
            n % 6 == 0 ? std::nullopt : std::optional<int64_t>(n % 1000);
        EXPECT_TRUE(writer.submit(rollup_record(at, n % 3, key, model, n % 9 == 0 ? 502 : 200,
                                                n % 11, n % 997, charged)));
      }
    });
  }
  for (std::thread& submitter : submitters) submitter.join();
  writer.flush();

  EXPECT_EQ(rows(), kThreads * kPerThread);
  EXPECT_GT(writer.batches(), 10u) << "rollup rows are updated by later batches";
  EXPECT_EQ(testing::count_of(reader_, "SELECT SUM(requests) FROM usage_daily"),
            kThreads * kPerThread);
  EXPECT_EQ(testing::rollups_differing_from_rows(reader_), 0);
}

TEST(UsageWriter, ConstructionFailsWithoutTheSchema) {
  TempDatabasePath file;
  EXPECT_THROW(UsageWriter writer(file.path()), store::DatabaseError);
}

}  // namespace
}  // namespace tollgate::billing
