#include "billing/wallet_sync.hpp"

#include "store/background_thread.hpp"
#include "store/billing_queries.hpp"
#include "store/ledger.hpp"
#include "store/sqlite_database.hpp"

#include <cstdio>
#include <vector>

namespace tollgate::billing {

WalletSync::WalletSync(Wallet& wallet, std::string sqlite_path, std::string instance,
                       WalletSyncOptions options)
    : wallet_(wallet),
      sqlite_path_(std::move(sqlite_path)),
      instance_(std::move(instance)),
      options_(options) {}

WalletSync::~WalletSync() {
  stop();
}

void load_key_spend(Wallet& wallet, store::Database& database, std::int64_t account_id,
                    const std::string& key_prefix, const KeyLimit& limit,
                    std::chrono::sys_seconds now) {
  store::Transaction snapshot(database, store::TransactionKind::deferred);
  const int64_t through_row = store::newest_usage_row(database);
  const store::Spend spent =
      store::key_spend(database, key_prefix, period_start_ms(limit.retention, now));
  snapshot.commit();
  wallet.set_key_spend(account_id, key_prefix, limit, spent.charged_micros, now, through_row);
}

int64_t WalletSync::start() {
  database_ = std::make_unique<store::Database>(
      sqlite_path_, store::DatabaseOptions{.cache_kib = store::kBackgroundCacheKib});
  store::LedgerStore ledger(*database_);
  const int64_t released = ledger.release_open_reservations(instance_);
  const store::BalanceSnapshot snapshot = ledger.balances();
  for (const auto& account : snapshot.balances) {
    wallet_.set_balance(account.account_id, account.balance_micros);
  }
  last_entry_id_ = snapshot.last_entry_id;
  // Read before the keys' spend: each key's figure includes the rows up to its own read, at or
  // after this one, and the rows in between are skipped for it (Wallet::add_key_spend).
  last_usage_row_ = store::newest_usage_row(*database_);
  load_key_spends(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = false;
  }
  thread_ = std::thread([this] { run(); });
  return released;
}

void WalletSync::load_key_spends(std::chrono::sys_seconds now) {
  struct LimitedKey {
    std::string prefix;
    std::int64_t account_id;
    KeyLimit limit;
  };
  std::vector<LimitedKey> limited;
  {
    store::Statement keys = database_->prepare(
        "SELECT prefix, account_id, limit_threshold_micros, limit_retention FROM api_keys "
        "WHERE revoked_at IS NULL AND limit_threshold_micros IS NOT NULL");
    while (keys.step()) {
      limited.push_back({keys.column_text(0), keys.column_int64(1),
                         KeyLimit{keys.column_int64(2), parse_retention(keys.column_text(3))
                                                            .value_or(Retention::no_reset)}});
    }
  }
  for (const LimitedKey& key : limited) {
    load_key_spend(wallet_, *database_, key.account_id, key.prefix, key.limit, now);
  }
}

void WalletSync::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WalletSync::run() {
  store::become_background_thread("tg-wallet");
  std::unique_lock lock(mutex_);
  while (!stop_requested_) {
    if (wake_.wait_for(lock, options_.interval, [this] { return stop_requested_; })) break;
    lock.unlock();
    try {
      poll_once();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "tollgate: wallet sync failed (retrying): %s\n", error.what());
      database_.reset();
    }
    lock.lock();
  }
}

void WalletSync::poll_once() {
  if (!database_) {
    database_ = std::make_unique<store::Database>(
        sqlite_path_, store::DatabaseOptions{.cache_kib = store::kBackgroundCacheKib});
    seen_data_version_ = -1;  // a new connection's version says nothing of the old one's
  }
  // Read before the entries and recorded after them: a commit landing in between is seen at the
  // next poll rather than missed.
  const int64_t data_version = database_->data_version();
  if (data_version == seen_data_version_) return;  // no other connection committed
  store::LedgerStore ledger(*database_);
  for (;;) {
    const std::vector<store::LedgerEntry> entries = ledger.entries_since(last_entry_id_);
    for (const auto& entry : entries) {
      last_entry_id_ = entry.id;
      if (entry.instance == instance_) continue;  // already applied when it was made
      wallet_.credit(entry.account_id, entry.amount_micros);
      applied_.fetch_add(1, std::memory_order_relaxed);
    }
    if (entries.size() < 1000) break;
  }
  apply_others_usage();
  seen_data_version_ = data_version;
}

void WalletSync::apply_others_usage() {
  const int64_t newest = store::newest_usage_row(*database_);
  if (newest <= last_usage_row_) return;
  // Without a key that has a limit there is nothing to count: the cursor just moves on.
  if (wallet_.follows_key_spend()) {
    for (const store::OthersCharge& charge :
         store::charges_of_others(*database_, instance_, last_usage_row_, newest)) {
      const auto at = std::chrono::floor<std::chrono::seconds>(
          std::chrono::sys_time<std::chrono::milliseconds>(
              std::chrono::milliseconds(charge.created_at_ms)));
      wallet_.add_key_spend(charge.account_id, charge.key_prefix, charge.row, at,
                            charge.charged_micros);
    }
  }
  last_usage_row_ = newest;
}

}  // namespace tollgate::billing
