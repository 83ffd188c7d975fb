#include "billing/wallet_sync.hpp"

#include "store/ledger.hpp"
#include "store/sqlite_database.hpp"
#include "temp_database.hpp"

#include <gtest/gtest.h>

namespace tollgate::billing {
namespace {

using namespace std::chrono_literals;
using testing::TempDatabasePath;

// The sync's thread would poll once an hour: the test polls by hand.
constexpr WalletSyncOptions kManual{.interval = 1h};

TEST(WalletSync, AppliesWhatOtherProcessesCommitOnceAndNothingWhenNoneDid) {
  TempDatabasePath file;
  store::Database cli(file.path());
  cli.migrate();
  store::LedgerStore ledger(cli);
  ledger.top_up(1, 100, "t0", "before start", "cli");

  Wallet wallet;
  WalletSync sync(wallet, file.path(), "gw-a", kManual);
  sync.start();
  EXPECT_EQ(wallet.balance(1), 100) << "loaded at start";

  sync.poll_once();  // nobody committed: nothing to apply
  EXPECT_EQ(wallet.balance(1), 100);
  EXPECT_EQ(sync.entries_applied(), 0u);

  ledger.top_up(1, 5, "t1", "a CLI top-up", "cli");
  sync.poll_once();
  EXPECT_EQ(wallet.balance(1), 105);
  sync.poll_once();  // the same commit is not applied twice
  EXPECT_EQ(wallet.balance(1), 105);

  // Written under this process's own name: it was applied when it was made.
  ledger.top_up(1, 7, "t2", "own", "gw-a");
  sync.poll_once();
  EXPECT_EQ(wallet.balance(1), 105);

  ledger.top_up(1, 11, "t3", "after polls that found nothing new", "cli");
  ledger.adjust(1, -2, "a1", "in the same poll", "cli");
  sync.poll_once();
  EXPECT_EQ(wallet.balance(1), 114);
  EXPECT_EQ(sync.entries_applied(), 3u);
}

}  // namespace
}  // namespace tollgate::billing
