#include "billing/wallet_sync.hpp"

#include "store/background_thread.hpp"
#include "store/billing_queries.hpp"
#include "store/ledger.hpp"
#include "store/sqlite_database.hpp"

#include <cstdio>

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

int64_t WalletSync::start() {
  database_ = std::make_unique<store::Database>(sqlite_path_);
  store::LedgerStore ledger(*database_);
  const int64_t released = ledger.release_open_reservations(instance_);
  const store::BalanceSnapshot snapshot = ledger.balances();
  for (const auto& account : snapshot.balances) {
    wallet_.set_balance(account.account_id, account.balance_micros);
  }
  last_entry_id_ = snapshot.last_entry_id;
  load_key_spends(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = false;
  }
  thread_ = std::thread([this] { run(); });
  return released;
}

void WalletSync::load_key_spends(std::chrono::sys_seconds now) {
  store::Statement keys = database_->prepare(
      "SELECT prefix, account_id, limit_threshold_micros, limit_retention FROM api_keys "
      "WHERE revoked_at IS NULL AND limit_threshold_micros IS NOT NULL");
  while (keys.step()) {
    const std::string prefix = keys.column_text(0);
    KeyLimit limit{keys.column_int64(2),
                   parse_retention(keys.column_text(3)).value_or(Retention::no_reset)};
    const auto since = period_start(limit.retention, now);
    const int64_t since_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(since.time_since_epoch()).count();
    const store::Spend spent = store::key_spend(*database_, prefix, since_ms);
    wallet_.set_key_spend(keys.column_int64(1), prefix, limit, spent.charged_micros, now);
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
    database_ = std::make_unique<store::Database>(sqlite_path_);
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
  seen_data_version_ = data_version;
}

}  // namespace tollgate::billing
