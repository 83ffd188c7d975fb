#include "store/ledger.hpp"

#include "store/accounts.hpp"
#include "store/sqlite_database.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <stdexcept>

namespace tollgate::store {
namespace {

using testing::TempDatabasePath;

// numbered("r", n), spelled so that GCC 12 does not warn (a -Wrestrict false positive).
std::string numbered(std::string_view prefix, int n) {
  std::string text(prefix);
  text += std::to_string(n);
  return text;
}

class LedgerTest : public ::testing::Test {
 protected:
  LedgerTest() : database_(file_.path()), ledger_(database_), accounts_(database_) {
    database_.migrate();
    second_account_ = accounts_.create({.name = "second"}).account.id;
  }

  // Writes entries the way the usage writer does (same INSERT).
  void append(const std::vector<LedgerEntry>& entries) {
    Statement insert = prepare_ledger_insert(database_);
    for (const LedgerEntry& entry : entries) {
      ASSERT_EQ(ledger_entry_problem(entry), std::nullopt) << to_string(entry.kind);
      bind_ledger_entry(insert, entry, 1'700'000'000'000);
      insert.step();
      insert.reset();
    }
  }

  static RequestLedgerContext request(int64_t account, const std::string& id,
                                      const std::string& instance = "node-a") {
    return {
        .account_id = account, .key_prefix = "tg-Aaaaaaaa", .request_id = id, .instance = instance};
  }

  TempDatabasePath file_;
  Database database_;
  LedgerStore ledger_;
  AccountStore accounts_;
  int64_t second_account_ = 0;
};

TEST_F(LedgerTest, RequestEntriesCarryTheDocumentedSigns) {
  const RequestLedgerContext context = request(1, "req-1");
  LedgerEntry reserve = reserve_entry(context, 500);
  EXPECT_EQ(reserve.kind, LedgerKind::reserve);
  EXPECT_EQ(reserve.amount_micros, -500);
  EXPECT_EQ(reserve.request_id, "req-1");
  EXPECT_GT(reserve.created_at_ms, 0);

  LedgerEntry settle = settle_entry(context, 500, 123);
  EXPECT_EQ(settle.kind, LedgerKind::settle);
  EXPECT_EQ(settle.amount_micros, 377);
  EXPECT_EQ(settle.cost_micros, 123);
  EXPECT_EQ(settle_entry(context, 100, 130).amount_micros, -30) << "cost above the reservation";

  LedgerEntry refund = refund_entry(context, 40, "client disconnected");
  EXPECT_EQ(refund.amount_micros, 40);
  EXPECT_EQ(refund.note, "client disconnected");

  append({reserve, settle});
  EXPECT_EQ(ledger_.balance(1), -123) << "reserve + settle = minus the cost";
}

TEST_F(LedgerTest, EntryValidationNamesTheProblem) {
  const RequestLedgerContext context = request(1, "r");
  EXPECT_EQ(ledger_entry_problem(reserve_entry(context, 10)), std::nullopt);
  EXPECT_EQ(ledger_entry_problem(reserve_entry(context, -10)),
            "a reserve takes money: its amount must not be positive");
  EXPECT_EQ(ledger_entry_problem(reserve_entry(request(1, ""), 10)),
            "a reserve needs a request_id");
  EXPECT_EQ(ledger_entry_problem(reserve_entry(request(0, "r"), 10)),
            "a ledger entry needs an account");
  LedgerEntry settle = settle_entry(context, 10, 5);
  settle.cost_micros.reset();
  EXPECT_EQ(ledger_entry_problem(settle), "a settle needs a non-negative cost_micros");
  EXPECT_EQ(ledger_entry_problem(refund_entry(context, -1, "")),
            "a refund returns money: its amount must not be negative");
  LedgerEntry refund = refund_entry(context, 1, "");
  refund.cost_micros = 1;
  EXPECT_EQ(ledger_entry_problem(refund), "only a settle carries cost_micros");
  LedgerEntry topup{.account_id = 1, .kind = LedgerKind::topup, .amount_micros = 5};
  EXPECT_EQ(ledger_entry_problem(topup), "a top-up needs an idempotency key");
  topup.idempotency_key = "k";
  EXPECT_EQ(ledger_entry_problem(topup), std::nullopt);
  topup.amount_micros = 0;
  EXPECT_EQ(ledger_entry_problem(topup), "a top-up amount must be positive");
  LedgerEntry adjustment{.account_id = 1, .kind = LedgerKind::adjustment, .idempotency_key = "k"};
  EXPECT_EQ(ledger_entry_problem(adjustment), "an adjustment amount must not be zero");
}

TEST_F(LedgerTest, KindsRoundTripThroughText) {
  for (LedgerKind kind : {LedgerKind::topup, LedgerKind::reserve, LedgerKind::settle,
                          LedgerKind::refund, LedgerKind::adjustment}) {
    EXPECT_EQ(parse_ledger_kind(to_string(kind)), kind);
  }
  EXPECT_EQ(parse_ledger_kind("gift"), std::nullopt);
}

TEST_F(LedgerTest, TopUpIsIdempotentPerAccountAndKey) {
  IdempotentResult first = ledger_.top_up(1, 5'000'000, "stripe-evt-1", "card", "node-a");
  EXPECT_EQ(first.outcome, IdempotentOutcome::created);
  EXPECT_TRUE(first.created());
  EXPECT_GT(first.entry.id, 0);
  EXPECT_EQ(first.entry.kind, LedgerKind::topup);
  EXPECT_EQ(first.entry.amount_micros, 5'000'000);
  EXPECT_EQ(first.entry.note, "card");
  EXPECT_EQ(first.entry.instance, "node-a");

  IdempotentResult again = ledger_.top_up(1, 5'000'000, "stripe-evt-1", "retry", "node-b");
  EXPECT_EQ(again.outcome, IdempotentOutcome::replayed);
  EXPECT_FALSE(again.created());
  EXPECT_EQ(again.entry, first.entry) << "the earlier entry, as stored";
  EXPECT_EQ(ledger_.balance(1), 5'000'000);

  IdempotentResult different = ledger_.top_up(1, 6'000'000, "stripe-evt-1", "", "");
  EXPECT_EQ(different.outcome, IdempotentOutcome::key_conflict);
  EXPECT_EQ(different.entry.amount_micros, 5'000'000);
  EXPECT_EQ(ledger_.balance(1), 5'000'000);
  EXPECT_EQ(ledger_.adjust(1, 5'000'000, "stripe-evt-1", "", "").outcome,
            IdempotentOutcome::key_conflict)
      << "same key, other kind";

  EXPECT_TRUE(ledger_.top_up(second_account_, 1, "stripe-evt-1", "", "").created())
      << "keys are per account";
  EXPECT_EQ(ledger_.top_up(404, 1, "k", "", "").outcome, IdempotentOutcome::unknown_account);
  EXPECT_THROW(ledger_.top_up(1, 0, "k2", "", ""), std::invalid_argument);
  EXPECT_THROW(ledger_.top_up(1, -5, "k2", "", ""), std::invalid_argument);
  EXPECT_THROW(ledger_.top_up(1, 5, "", "", ""), std::invalid_argument);

  Statement count = database_.prepare("SELECT COUNT(*) FROM ledger WHERE kind = 'topup'");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.column_int64(0), 2);
}

TEST_F(LedgerTest, AdjustmentsTakeEitherSignOnce) {
  EXPECT_TRUE(ledger_.adjust(1, -250, "fix-1", "goodwill reversal", "cli").created());
  EXPECT_EQ(ledger_.adjust(1, -250, "fix-1", "", "").outcome, IdempotentOutcome::replayed);
  EXPECT_TRUE(ledger_.adjust(1, 1000, "fix-2", "", "").created());
  EXPECT_THROW(ledger_.adjust(1, 0, "fix-3", "", ""), std::invalid_argument);
  EXPECT_EQ(ledger_.balance(1), 750);
}

TEST_F(LedgerTest, RepeatedIdempotencyKeyThroughTheSharedInsertIsSkippedNotAnError) {
  LedgerEntry topup{
      .account_id = 1, .kind = LedgerKind::topup, .amount_micros = 10, .idempotency_key = "same"};
  append({topup, topup});
  EXPECT_EQ(ledger_.balance(1), 10);
}

// Property: after any sequence of entries, balance() = the sum of what was written, for every
// account, and balances() agrees with balance().
TEST_F(LedgerTest, BalanceIsTheSumOfEntriesForRandomSequences) {
  std::mt19937_64 random(20240601);
  for (int round = 0; round < 40; ++round) {
    TempDatabasePath file;
    Database database(file.path());
    database.migrate();
    AccountStore accounts(database);
    LedgerStore ledger(database);
    std::vector<int64_t> ids{1};
    for (int i = 0; i < 3; ++i) {
      ids.push_back(accounts.create({.name = numbered("a", i)}).account.id);
    }
    std::map<int64_t, int64_t> expected;
    Statement insert = prepare_ledger_insert(database);
    Transaction transaction(database);
    const int entries = 1 + static_cast<int>(random() % 200);
    for (int n = 0; n < entries; ++n) {
      const int64_t account = ids[random() % ids.size()];
      const int64_t reserved = static_cast<int64_t>(random() % 10'000'000);
      const int64_t cost = static_cast<int64_t>(random() % 12'000'000);
      const RequestLedgerContext context = request(account, numbered("r", n));
      std::vector<LedgerEntry> batch{reserve_entry(context, reserved)};
      switch (random() % 3) {
        case 0:
          batch.push_back(settle_entry(context, reserved, cost));
          break;
        case 1:
          batch.push_back(refund_entry(context, reserved, "upstream failed"));
          break;
        default:
          break;  // left open
      }
      for (const LedgerEntry& entry : batch) {
        bind_ledger_entry(insert, entry, 1);
        insert.step();
        insert.reset();
        expected[account] += entry.amount_micros;
      }
    }
    transaction.commit();
    BalanceSnapshot snapshot = ledger.balances();
    ASSERT_EQ(snapshot.balances.size(), ids.size());
    for (const AccountBalance& balance : snapshot.balances) {
      EXPECT_EQ(balance.balance_micros, expected[balance.account_id]);
      EXPECT_EQ(ledger.balance(balance.account_id), expected[balance.account_id]);
      LedgerAudit audit = ledger.check_sum(balance.account_id);
      EXPECT_TRUE(audit.ok()) << (audit.problems.empty() ? "" : audit.problems[0]);
      EXPECT_EQ(audit.summed_micros, expected[balance.account_id]);
      EXPECT_EQ(audit.sql_sum_micros, audit.summed_micros);
    }
    EXPECT_EQ(snapshot.last_entry_id, ledger.entries_since(0, 100'000).back().id);
  }
}

TEST_F(LedgerTest, BalancesListEveryAccountAndTheLastEntryIncluded) {
  BalanceSnapshot empty = ledger_.balances();
  ASSERT_EQ(empty.balances.size(), 2u);
  EXPECT_EQ(empty.balances[0].balance_micros, 0);
  EXPECT_EQ(empty.last_entry_id, 0);

  ledger_.top_up(second_account_, 70, "t1", "", "");
  IdempotentResult last = ledger_.top_up(1, 30, "t2", "", "");
  BalanceSnapshot snapshot = ledger_.balances();
  ASSERT_EQ(snapshot.balances.size(), 2u);
  EXPECT_EQ(snapshot.balances[0].account_id, 1);
  EXPECT_EQ(snapshot.balances[0].balance_micros, 30);
  EXPECT_EQ(snapshot.balances[1].account_id, second_account_);
  EXPECT_EQ(snapshot.balances[1].balance_micros, 70);
  EXPECT_EQ(snapshot.last_entry_id, last.entry.id);
  EXPECT_TRUE(ledger_.entries_since(snapshot.last_entry_id).empty());
}

TEST_F(LedgerTest, EntriesSincePicksUpAnotherConnectionsWritesInOrder) {
  ledger_.top_up(1, 1, "t1", "", "");
  const int64_t seen = ledger_.balances().last_entry_id;
  Database other(file_.path());
  LedgerStore other_ledger(other);
  other_ledger.top_up(1, 2, "t2", "", "node-b");
  other_ledger.top_up(second_account_, 3, "t3", "", "node-b");
  std::vector<LedgerEntry> fresh = ledger_.entries_since(seen);
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_EQ(fresh[0].amount_micros, 2);
  EXPECT_EQ(fresh[0].instance, "node-b");
  EXPECT_EQ(fresh[1].account_id, second_account_);
  EXPECT_LT(fresh[0].id, fresh[1].id);
  EXPECT_EQ(ledger_.entries_since(seen, 1).size(), 1u);
}

TEST_F(LedgerTest, EntriesPaginateNewestFirstWithoutGapsOrRepeats) {
  for (int i = 1; i <= 25; ++i) {
    ledger_.top_up(1, i, numbered("t", i), "", "");
    ledger_.top_up(second_account_, 1000 + i, numbered("t", i), "", "");
  }
  std::vector<int64_t> amounts;
  std::optional<int64_t> cursor;
  int pages = 0;
  do {
    LedgerPage page = ledger_.entries(1, cursor, 10);
    ++pages;
    EXPECT_LE(page.entries.size(), 10u);
    for (const LedgerEntry& entry : page.entries) {
      EXPECT_EQ(entry.account_id, 1);
      amounts.push_back(entry.amount_micros);
    }
    cursor = page.next_before_id;
  } while (cursor);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(amounts.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(amounts[i], 25 - i) << "newest first";

  LedgerPage exact = ledger_.entries(1, std::nullopt, 25);
  EXPECT_EQ(exact.entries.size(), 25u);
  EXPECT_EQ(exact.next_before_id, std::nullopt) << "no empty last page";
  EXPECT_EQ(ledger_.entries(1, std::nullopt, 0).entries.size(), 1u) << "limit clamped to 1";
  EXPECT_TRUE(ledger_.entries(404, std::nullopt, 10).entries.empty());
}

TEST_F(LedgerTest, OpenReservationsAreReleasedExactlyOnce) {
  ledger_.top_up(1, 10'000, "t", "", "");
  append({
      reserve_entry(request(1, "settled"), 1000),
      settle_entry(request(1, "settled"), 1000, 400),
      reserve_entry(request(1, "open-1"), 2000),
      reserve_entry(request(1, "refunded"), 3000),
      refund_entry(request(1, "refunded"), 3000, "upstream failed before output"),
      reserve_entry(request(second_account_, "open-2", "node-b"), 500),
  });
  EXPECT_EQ(ledger_.balance(1), 10'000 - 400 - 2000);
  EXPECT_EQ(ledger_.balance(second_account_), -500);

  EXPECT_EQ(ledger_.release_open_reservations("node-a@restart"), 2);
  EXPECT_EQ(ledger_.balance(1), 10'000 - 400);
  EXPECT_EQ(ledger_.balance(second_account_), 0);
  std::vector<LedgerEntry> refunds = ledger_.entries(1, std::nullopt, 1).entries;
  ASSERT_EQ(refunds.size(), 1u);
  EXPECT_EQ(refunds[0].kind, LedgerKind::refund);
  EXPECT_EQ(refunds[0].request_id, "open-1");
  EXPECT_EQ(refunds[0].amount_micros, 2000);
  EXPECT_EQ(refunds[0].note, "released at start-up");
  EXPECT_EQ(refunds[0].instance, "node-a@restart");
  EXPECT_EQ(refunds[0].key_prefix, "tg-Aaaaaaaa");

  EXPECT_EQ(ledger_.release_open_reservations("node-a@restart"), 0) << "second start";
  EXPECT_EQ(ledger_.balance(1), 10'000 - 400);
  EXPECT_TRUE(ledger_.check_sum(1).ok());
  EXPECT_TRUE(ledger_.check_sum(second_account_).ok());
}

TEST_F(LedgerTest, ReleaseCanBeLimitedToTheReservesOfOneInstance) {
  append({reserve_entry(request(1, "a", "node-a"), 100),
          reserve_entry(request(1, "b", "node-b"), 200)});
  EXPECT_EQ(ledger_.release_open_reservations("node-a", ReleaseScope::this_instance), 1);
  EXPECT_EQ(ledger_.balance(1), -200) << "node-b's request may still be running";
  EXPECT_EQ(ledger_.release_open_reservations("node-b", ReleaseScope::this_instance), 1);
  EXPECT_EQ(ledger_.balance(1), 0);
}

TEST_F(LedgerTest, CheckSumReportsInconsistentRequests) {
  LedgerEntry wrong_settle = settle_entry(request(1, "r1"), 1000, 300);
  wrong_settle.amount_micros = 650;
  append({reserve_entry(request(1, "r1"), 1000), wrong_settle,
          settle_entry(request(1, "r2"), 10, 5), reserve_entry(request(1, "r3"), 5),
          reserve_entry(request(1, "r3"), 5), settle_entry(request(1, "r4"), 0, 7)});
  LedgerAudit audit = ledger_.check_sum(1);
  EXPECT_FALSE(audit.ok());
  EXPECT_EQ(audit.entries, 6);
  EXPECT_EQ(audit.sql_sum_micros, audit.summed_micros);
  // r2 claims to release a reservation of 10 that no row made; r4 (batched durability: the
  // charge alone, R = 0) is consistent.
  EXPECT_EQ(audit.problems,
            (std::vector<std::string>{"request r1: settle amount 650 is not R - cost = 700",
                                      "request r2: settle amount 5 is not R - cost = -5",
                                      "request r3: more than one reserve"}));
}

}  // namespace
}  // namespace tollgate::store
