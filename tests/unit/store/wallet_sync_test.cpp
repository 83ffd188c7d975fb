#include "billing/wallet_sync.hpp"

#include "auth/key_store.hpp"
#include "billing/usage_writer.hpp"
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

// A usage row `instance` commits: a request of `key` charged `charged` micro-USD (batched
// billing), now.
void commit_usage(const std::string& path, const std::string& instance, const std::string& key,
                  int64_t charged) {
  UsageWriterOptions options;
  options.instance = instance;
  UsageWriter writer(path, options);
  static int counter = 0;
  UsageRecord record;
  record.request_id = "req-" + std::to_string(++counter);
  record.created_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  record.key_prefix = key;
  record.account_id = 1;
  record.status = 200;
  record.cost_micros = charged;
  record.charged_micros = charged;
  record.charge_in_batch = true;
  ASSERT_TRUE(writer.submit(std::move(record)));
  writer.flush();
}

TEST(WalletSync, CountsWhatOtherGatewaysChargedAKeyWithALimitAgainstIt) {
  TempDatabasePath file;
  store::Database cli(file.path());
  cli.migrate();
  store::LedgerStore(cli).top_up(1, 1'000, "t0", "", "cli");
  const std::string limited =
      auth::KeyStore(cli)
          .create(1, "limited", {.limit_threshold_micros = 100, .limit_retention = "day"})
          .record.prefix;
  const std::string unlimited = auth::KeyStore(cli).create(1, "unlimited", {}).record.prefix;
  commit_usage(file.path(), "gw-b", limited, 30);  // before this gateway starts

  Wallet wallet;
  WalletSync sync(wallet, file.path(), "gw-a", kManual);
  sync.start();
  const KeyLimit limit{100, Retention::day};
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  EXPECT_EQ(wallet.key_spend(1, limited, limit, now), 30) << "loaded at start";
  EXPECT_EQ(wallet.balance(1), 970);

  commit_usage(file.path(), "gw-b", limited, 20);
  commit_usage(file.path(), "gw-a", limited, 25);  // this gateway's own: counted when it reserved
  commit_usage(file.path(), "gw-b", unlimited, 9);
  sync.poll_once();
  EXPECT_EQ(wallet.key_spend(1, limited, limit, now), 50);
  EXPECT_EQ(wallet.key_spend(1, unlimited, limit, now), 0) << "no limit: not followed";
  EXPECT_EQ(wallet.balance(1), 941) << "the batch charges of gw-b; gw-a's own were applied when made";
  sync.poll_once();
  EXPECT_EQ(wallet.key_spend(1, limited, limit, now), 50) << "each row once";

  // A limit set while the gateway runs: the key cache has its spend loaded first
  // (KeyCache::on_new_limit), then only rows after that load are added.
  commit_usage(file.path(), "gw-b", unlimited, 40);
  load_key_spend(wallet, cli, 1, unlimited, limit, now);
  EXPECT_EQ(wallet.key_spend(1, unlimited, limit, now), 49);
  commit_usage(file.path(), "gw-b", unlimited, 5);
  sync.poll_once();
  EXPECT_EQ(wallet.key_spend(1, unlimited, limit, now), 54) << "the 40 is not counted twice";
}

}  // namespace
}  // namespace tollgate::billing
