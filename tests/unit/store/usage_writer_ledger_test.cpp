// The usage writer carrying ledger entries: usage and entries in the same transactions, in
// order, on_commit once per submission, exact sums under concurrency.
#include "billing/usage_writer.hpp"

#include "store/accounts.hpp"
#include "store/ledger.hpp"
#include "store/sqlite_database.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace tollgate::billing {
namespace {

using namespace std::chrono_literals;
using store::LedgerEntry;
using store::LedgerKind;
using store::RequestLedgerContext;
using testing::TempDatabasePath;

class UsageWriterLedgerTest : public ::testing::Test {
 protected:
  UsageWriterLedgerTest() : reader_(file_.path()) { reader_.migrate(); }

  static RequestLedgerContext request(const std::string& id, int64_t account = 1) {
    return {
        .account_id = account, .key_prefix = "tg-Aaaaaaaa", .request_id = id, .instance = "node-a"};
  }

  static UsageRecord usage(const std::string& id, int64_t cost, int64_t charged) {
    UsageRecord record;
    record.request_id = id;
    record.created_at_ms = 1'700'000'000'000;
    record.public_model = "gpt-test";
    record.cost_micros = cost;
    record.charged_micros = charged;
    record.account_id = 1;
    record.cache_write_tokens = 9;
    record.status = 200;
    return record;
  }

  int64_t count(const std::string& sql) {
    store::Statement query = reader_.prepare(sql);
    return query.step() ? query.column_int64(0) : -1;
  }

  TempDatabasePath file_;
  store::Database reader_;
};

// Batched billing: one settle row per account and batch holds the charges; usage rows point at it.
TEST_F(UsageWriterLedgerTest, SumsABatchsChargesIntoOneSettleRowPerAccount) {
  store::AccountStore(reader_).create({.name = "other"});  // account 2
  UsageWriterOptions options;
  options.instance = "node-b";
  options.max_delay = 1h;  // one batch: everything below is committed by flush()
  UsageWriter writer(file_.path(), options);
  auto charged = [](UsageRecord record, int64_t account) {
    record.account_id = account;
    record.charge_in_batch = true;
    return record;
  };
  ASSERT_TRUE(writer.submit(charged(usage("a", 10, 10), 1)));
  ASSERT_TRUE(writer.submit(charged(usage("b", 20, 20), 1)));
  ASSERT_TRUE(writer.submit(charged(usage("free", 0, 0), 1)));
  ASSERT_TRUE(writer.submit(charged(usage("c", 5, 5), 2)));
  ASSERT_TRUE(writer.submit(usage("unbilled", 7, 7)));  // not charge_in_batch: no ledger row
  writer.flush();

  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger"), 2);
  EXPECT_EQ(count("SELECT amount_micros FROM ledger WHERE account_id = 1"), -30);
  EXPECT_EQ(count("SELECT cost_micros FROM ledger WHERE account_id = 1"), 30);
  EXPECT_EQ(count("SELECT amount_micros FROM ledger WHERE account_id = 2"), -5);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger WHERE instance = 'node-b' AND request_id IS NULL "
                  "AND kind = 'settle'"),
            2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM usage_log u JOIN ledger l ON l.id = u.ledger_id "
                  "WHERE u.request_id IN ('a', 'b') AND l.account_id = 1"),
            2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM usage_log WHERE ledger_id IS NULL"), 2)
      << "the free request and the unbilled one point at nothing";
  EXPECT_TRUE(store::LedgerStore(reader_).check_sum(1).ok());
  EXPECT_EQ(writer.ledger_entries_written(), 2u);
}

TEST_F(UsageWriterLedgerTest, WritesUsageAndItsLedgerEntriesLinkedByRequestId) {
  UsageWriter writer(file_.path());
  ASSERT_TRUE(writer.submit_ledger({store::reserve_entry(request("req-1"), 1000)}));
  ASSERT_TRUE(
      writer.submit(usage("req-1", 250, 250), {store::settle_entry(request("req-1"), 1000, 250)}));
  writer.flush();

  EXPECT_EQ(writer.written(), 2u);
  EXPECT_EQ(writer.ledger_entries_written(), 2u);
  store::LedgerStore ledger(reader_);
  EXPECT_EQ(ledger.balance(1), -250);
  EXPECT_TRUE(ledger.check_sum(1).ok());

  store::Statement joined = reader_.prepare(
      "SELECT u.charged_micros, u.account_id, u.cache_write_tokens, l.kind, l.amount_micros, "
      "l.cost_micros FROM usage_log u JOIN ledger l ON l.request_id = u.request_id ORDER BY l.id");
  ASSERT_TRUE(joined.step());
  EXPECT_EQ(joined.column_int64(0), 250);
  EXPECT_EQ(joined.column_int64(1), 1);
  EXPECT_EQ(joined.column_int64(2), 9);
  EXPECT_EQ(joined.column_text(3), "reserve");
  EXPECT_EQ(joined.column_int64(4), -1000);
  ASSERT_TRUE(joined.step());
  EXPECT_EQ(joined.column_text(3), "settle");
  EXPECT_EQ(joined.column_int64(4), 750);
  EXPECT_EQ(joined.column_int64(5), 250);
  EXPECT_FALSE(joined.step());
}

TEST_F(UsageWriterLedgerTest, UsageWithoutBillingStoresNullChargeAndAccount) {
  UsageWriter writer(file_.path());
  UsageRecord record;
  record.request_id = "metering-only";
  ASSERT_TRUE(writer.submit(record));
  writer.flush();
  EXPECT_EQ(count("SELECT COUNT(*) FROM usage_log WHERE charged_micros IS NULL AND account_id IS "
                  "NULL AND cache_write_tokens = 0"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger"), 0);
}

TEST_F(UsageWriterLedgerTest, OnCommitRunsOnceAfterTheCommitInSubmissionOrder) {
  UsageWriter writer(file_.path(), {.max_batch = 7});
  std::mutex mutex;
  std::vector<int> order;
  std::atomic<int> committed_true{0};
  constexpr int kSubmissions = 100;
  for (int i = 0; i < kSubmissions; ++i) {
    const std::string id = "req-" + std::to_string(i);
    ASSERT_TRUE(writer.submit(
        usage(id, 1, 1), {store::reserve_entry(request(id), 1)}, [&, i, id](bool committed) {
          // The commit is visible to another connection by now.
          store::Database check(file_.path());
          store::Statement query =
              check.prepare("SELECT COUNT(*) FROM ledger WHERE request_id = ?");
          query.bind_text(1, id);
          EXPECT_TRUE(query.step());
          EXPECT_EQ(query.column_int64(0), 1);
          if (committed) ++committed_true;
          std::lock_guard lock(mutex);
          order.push_back(i);
        }));
  }
  writer.flush();
  EXPECT_EQ(committed_true.load(), kSubmissions);
  ASSERT_EQ(order.size(), static_cast<std::size_t>(kSubmissions));
  for (int i = 0; i < kSubmissions; ++i) EXPECT_EQ(order[i], i);
  // Ids follow submission order: usage row i and ledger entry i were written i-th.
  store::Statement rows = reader_.prepare(
      "SELECT u.request_id FROM ledger l JOIN usage_log u ON u.request_id = l.request_id "
      "ORDER BY l.id");
  for (int i = 0; i < kSubmissions; ++i) {
    ASSERT_TRUE(rows.step());
    EXPECT_EQ(rows.column_text(0), "req-" + std::to_string(i));
  }
}

TEST_F(UsageWriterLedgerTest, ASubmissionWaitedForSkipsTheBatchingDelay) {
  UsageWriter writer(file_.path(), {.max_delay = 60s});
  ASSERT_TRUE(writer.submit(usage("early", 1, 1)));  // would wait 60 s for company
  std::atomic<bool> done{false};
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(writer.submit_ledger({store::reserve_entry(request("sync"), 5)},
                                   [&](bool committed) { done = committed; }));
  while (!done && std::chrono::steady_clock::now() - start < 5s) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(done);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(count("SELECT COUNT(*) FROM usage_log"), 1) << "queued work rides along";
}

TEST_F(UsageWriterLedgerTest, InvalidEntriesAreRefusedAtSubmitWithoutACallback) {
  UsageWriter writer(file_.path());
  bool called = false;
  EXPECT_FALSE(writer.submit(usage("r", 1, 1), {store::reserve_entry(request(""), 5)},
                             [&](bool) { called = true; }));
  EXPECT_FALSE(writer.submit_ledger({store::reserve_entry(request("r", 0), 5)}));
  writer.flush();
  EXPECT_FALSE(called);
  EXPECT_EQ(writer.rejected(), 2u);
  EXPECT_EQ(writer.dropped(), 0u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM usage_log"), 0) << "nothing of a refused submission";
}

TEST_F(UsageWriterLedgerTest, ARepeatedIdempotencyKeyDoesNotPoisonTheBatch) {
  store::LedgerStore(reader_).top_up(1, 100, "evt-1", "", "admin");
  UsageWriter writer(file_.path(), {.max_delay = 60s});
  LedgerEntry again{
      .account_id = 1, .kind = LedgerKind::topup, .amount_micros = 100, .idempotency_key = "evt-1"};
  ASSERT_TRUE(writer.submit_ledger({store::reserve_entry(request("a"), 10)}));
  ASSERT_TRUE(writer.submit_ledger({again}));
  ASSERT_TRUE(writer.submit_ledger({store::reserve_entry(request("b"), 20)}));
  writer.flush();
  EXPECT_EQ(writer.failed_attempts(), 0u);
  EXPECT_EQ(writer.written(), 3u);
  EXPECT_EQ(writer.ledger_entries_written(), 2u) << "the repeated top-up was skipped";
  EXPECT_EQ(store::LedgerStore(reader_).balance(1), 100 - 10 - 20);
}

TEST_F(UsageWriterLedgerTest, GivenUpSubmissionsAreToldSo) {
  UsageWriter writer(file_.path(),
                     {.max_delay = 1ms, .busy_timeout = 20ms, .shutdown_retry_limit = 50ms});
  store::Database cli(file_.path());
  store::Transaction held(cli);  // the write lock never comes free
  std::atomic<int> failed{0};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(writer.submit_ledger({store::reserve_entry(request("r" + std::to_string(i)), 1)},
                                     [&](bool committed) { failed += committed ? 0 : 1; }));
  }
  writer.stop();
  EXPECT_EQ(failed.load(), 5);
  EXPECT_EQ(writer.abandoned(), 5u);
}

// Many request threads, each reserving then settling through the writer: the ledger's final sum
// is exactly the sum of what was submitted, every callback ran once, the audit is clean.
TEST_F(UsageWriterLedgerTest, ConcurrentSubmittersKeepTheLedgerSumExact) {
  const int64_t second = store::AccountStore(reader_).create({.name = "second"}).account.id;
  store::LedgerStore(reader_).top_up(1, 1'000'000'000, "seed", "", "");
  constexpr int kThreads = 6;
  constexpr int kRequests = 400;
  UsageWriter writer(file_.path(), {.max_batch = 64, .max_delay = 2ms});
  std::atomic<int64_t> expected_1{1'000'000'000};
  std::atomic<int64_t> expected_2{0};
  std::atomic<int> callbacks{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 random(static_cast<uint64_t>(t) * 7919 + 1);
      for (int i = 0; i < kRequests; ++i) {
        const int64_t account = random() % 2 == 0 ? 1 : second;
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        const int64_t reserved = static_cast<int64_t>(random() % 50'000);
        const int64_t cost = static_cast<int64_t>(random() % 60'000);
        auto on_commit = [&](bool committed) { callbacks += committed ? 1 : 1000; };
        ASSERT_TRUE(writer.submit_ledger({store::reserve_entry(request(id, account), reserved)},
                                         on_commit));
        const bool upstream_failed = random() % 5 == 0;
        std::vector<LedgerEntry> closing{
            upstream_failed ? store::refund_entry(request(id, account), reserved, "upstream failed")
                            : store::settle_entry(request(id, account), reserved, cost)};
        const int64_t charged = upstream_failed ? 0 : cost;
        ASSERT_TRUE(writer.submit(usage(id, charged, charged), std::move(closing), on_commit));
        (account == 1 ? expected_1 : expected_2) -= charged;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  writer.flush();

  EXPECT_EQ(callbacks.load(), 2 * kThreads * kRequests);
  EXPECT_EQ(writer.dropped(), 0u);
  store::LedgerStore ledger(reader_);
  EXPECT_EQ(ledger.balance(1), expected_1.load());
  EXPECT_EQ(ledger.balance(second), expected_2.load());
  EXPECT_TRUE(ledger.check_sum(1).ok());
  EXPECT_TRUE(ledger.check_sum(second).ok());
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger"), 1 + 2 * kThreads * kRequests);
  EXPECT_EQ(count("SELECT COALESCE(SUM(charged_micros), 0) FROM usage_log"),
            1'000'000'000 - expected_1.load() - expected_2.load())
      << "usage records and ledger agree";
  EXPECT_EQ(ledger.release_open_reservations("restart"), 0) << "every request was closed";
}

}  // namespace
}  // namespace tollgate::billing
