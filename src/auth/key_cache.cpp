#include "auth/key_cache.hpp"

#include "store/sqlite_database.hpp"

#include <pthread.h>

#include <cstdio>
#include <utility>

namespace tollgate::auth {

// ---- KeyCache ----

KeyCache::KeyCache() : snapshot_(std::make_shared<const Snapshot>()) {}

std::shared_ptr<const KeyCache::Snapshot> KeyCache::current() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

void KeyCache::publish(std::shared_ptr<const Snapshot> next) {
  std::lock_guard lock(snapshot_mutex_);
  snapshot_.swap(next);
  // `next` now holds the old snapshot; it is freed here, after the unlock, unless a reader still
  // uses it.
}

std::optional<AuthenticatedKey> KeyCache::authenticate(std::string_view presented_key) const {
  std::string_view prefix = key_prefix(presented_key);
  if (prefix.empty()) return std::nullopt;

  // Holding the shared_ptr keeps this snapshot alive even if a reload swaps it out meanwhile.
  std::shared_ptr<const Snapshot> snapshot = current();
  auto found = snapshot->find(prefix);
  // The prefix is not secret (it is shown in listings), so an early return for an unknown one
  // leaks nothing; the secret itself is only ever compared in constant time.
  if (found == snapshot->end()) return std::nullopt;

  const ActiveKey& key = found->second;
  KeyHash presented_hash = hash_key(key.salt, presented_key);
  if (!hash_equals(presented_hash, key.hash)) return std::nullopt;
  return AuthenticatedKey{key.id, key.prefix, key.name};
}

void KeyCache::reload(std::vector<KeyRecord> records) {
  std::lock_guard lock(writer_mutex_);
  auto next = std::make_shared<Snapshot>();
  next->reserve(records.size());
  std::unordered_set<std::string> still_pending;
  for (KeyRecord& record : records) {
    if (record.revoked_at_ms) continue;  // the database agrees: the tombstone can go
    if (revoked_in_process_.contains(record.prefix)) {
      still_pending.insert(record.prefix);
      continue;
    }
    std::string prefix = record.prefix;
    next->emplace(std::move(prefix),
                  ActiveKey{record.id, std::move(record.prefix), std::move(record.name),
                            std::move(record.salt), record.hash});
  }
  // Keys the database shows revoked or no longer has need no tombstone.
  revoked_in_process_ = std::move(still_pending);
  publish(std::move(next));
}

void KeyCache::revoke_now(std::string_view prefix) {
  std::lock_guard lock(writer_mutex_);
  revoked_in_process_.emplace(prefix);
  std::shared_ptr<const Snapshot> snapshot = current();
  if (!snapshot->contains(prefix)) return;
  auto next = std::make_shared<Snapshot>(*snapshot);
  next->erase(next->find(prefix));
  publish(std::move(next));
}

std::size_t KeyCache::active_keys() const {
  return current()->size();
}

// ---- KeyCacheRefresher ----

KeyCacheRefresher::KeyCacheRefresher(KeyCache& cache, std::string sqlite_path,
                                     KeyCacheRefresherOptions options)
    : cache_(cache), sqlite_path_(std::move(sqlite_path)), options_(options) {}

KeyCacheRefresher::~KeyCacheRefresher() {
  stop();
}

void KeyCacheRefresher::start() {
  if (thread_.joinable()) return;
  database_ = std::make_unique<store::Database>(sqlite_path_);
  load_keys();
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void KeyCacheRefresher::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void KeyCacheRefresher::run() {
  pthread_setname_np(pthread_self(), "tg-keys");
  std::unique_lock lock(mutex_);
  while (!stop_requested_) {
    if (wake_.wait_for(lock, options_.interval, [this] { return stop_requested_; })) break;
    lock.unlock();
    poll_once();
    lock.lock();
  }
}

void KeyCacheRefresher::load_keys() {
  // Read the version first: a commit landing between the two reads shows up as a newer version at
  // the next poll, so it is loaded again rather than missed.
  seen_data_version_ = database_->data_version();
  cache_.reload(KeyStore(*database_).load_all());
  reloads_.fetch_add(1, std::memory_order_relaxed);
}

void KeyCacheRefresher::poll_once() {
  try {
    if (!database_) database_ = std::make_unique<store::Database>(sqlite_path_);
    if (database_->data_version() != seen_data_version_) load_keys();
    if (failing_) {
      failing_ = false;
      std::fprintf(stderr, "tollgate: key refresh from '%s' works again\n", sqlite_path_.c_str());
    }
  } catch (const std::exception& error) {
    // The cache keeps serving the last good snapshot; try again with a fresh connection. One line
    // per outage, not one per poll.
    failures_.fetch_add(1, std::memory_order_relaxed);
    if (!failing_) {
      failing_ = true;
      std::fprintf(stderr, "tollgate: key refresh from '%s' failed (retrying): %s\n",
                   sqlite_path_.c_str(), error.what());
    }
    database_.reset();
    seen_data_version_ = -1;
  }
}

}  // namespace tollgate::auth
