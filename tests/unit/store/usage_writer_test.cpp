#include "billing/usage_writer.hpp"

#include "store/sqlite_database.hpp"
#include "store/usage_queries.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

#include <chrono>
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
  for (int i = 0; i < 25; ++i) accepted += writer.submit(record(i)) ? 1 : 0;
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(writer.dropped(), 15u);
  writer.flush();
  EXPECT_EQ(rows(), 10);
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

TEST(UsageWriter, ConstructionFailsWithoutTheSchema) {
  TempDatabasePath file;
  EXPECT_THROW(UsageWriter writer(file.path()), store::DatabaseError);
}

}  // namespace
}  // namespace tollgate::billing
