// Keeps the in-memory wallet equal to the ledger, and keys' spend equal to their usage, with
// other processes on the same file. At start-up, before serving: reservations a crash left open
// are released, every account's balance is loaded, and every key with a spending limit gets what
// it has spent in its current period (load_key_spend). Afterwards a background thread applies,
// every `interval` and only when another connection has committed since: the ledger entries
// other processes appended (a top-up made with the CLI, another gateway's charges) to balances,
// and the charged usage rows other gateways wrote to the spend of the keys with a limit. This
// process's own entries and requests are already in the wallet.
//
// Another gateway's requests count here once they are committed (its in-flight reservations do
// not), so gateways sharing a key can together pass its limit by what they have in flight.
#pragma once

#include "billing/wallet.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace tollgate::store {
class Database;
}

namespace tollgate::billing {

// Sets the wallet's figure for what `key_prefix` has spent in the period of `limit` that contains
// `now`: every process's committed usage, read from `database` in one snapshot whose newest usage
// row is recorded with it (WalletSync adds only other processes' rows after it). For a key whose
// limit the process sees for the first time: at start-up, or when the key cache meets a new limit
// (KeyCache::on_new_limit). Throws store::DatabaseError.
void load_key_spend(Wallet& wallet, store::Database& database, std::int64_t account_id,
                    const std::string& key_prefix, const KeyLimit& limit,
                    std::chrono::sys_seconds now);

struct WalletSyncOptions {
  std::chrono::milliseconds interval{200};
};

class WalletSync {
 public:
  // `instance` names this process in the ledger's `instance` column.
  WalletSync(Wallet& wallet, std::string sqlite_path, std::string instance,
             WalletSyncOptions options = {});
  ~WalletSync();  // stop()
  WalletSync(const WalletSync&) = delete;
  WalletSync& operator=(const WalletSync&) = delete;

  // Releases open reservations and loads the wallet (throws store::DatabaseError when the file
  // cannot be read), then starts following. Returns how many reservations were released.
  int64_t start();
  void stop();

  // Applies what other processes wrote since the last look (the thread calls it; tests too).
  void poll_once();
  std::uint64_t entries_applied() const { return applied_.load(std::memory_order_relaxed); }

 private:
  void load_key_spends(std::chrono::sys_seconds now);
  void apply_others_usage();
  void run();

  Wallet& wallet_;
  std::string sqlite_path_;
  std::string instance_;
  WalletSyncOptions options_;
  std::unique_ptr<store::Database> database_;  // the thread's, once started
  std::int64_t last_entry_id_ = 0;
  std::int64_t last_usage_row_ = 0;  // usage_log rows up to it have been looked at
  // PRAGMA data_version when the ledger was last read: polls in between that find it unchanged
  // (no other connection committed) read nothing.
  std::int64_t seen_data_version_ = -1;
  std::atomic<std::uint64_t> applied_{0};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_requested_ = false;
  std::thread thread_;
};

}  // namespace tollgate::billing
