// The request path's authenticator: API keys held in memory, kept in step with the database by a
// background refresher. authenticate() reads one immutable snapshot and never touches the disk or
// waits for a writer; reload() and revoke_now() build a new snapshot and swap it in.
//
// A key's BYOK credentials (byok.hpp) are opened at reload with the cache's SecretBox, so the
// request path finds them decrypted in AuthenticatedKey::byok and never runs the cipher.
#pragma once

#include "auth/key_store.hpp"
#include "auth/secret_box.hpp"
#include "net/string_map.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

namespace tollgate::store {
class Database;
}

namespace tollgate::auth {

// What the request path knows of a key once it is authenticated: whose it is and what it may do.
struct AuthenticatedKey {
  int64_t id = 0;
  std::string prefix;
  std::string name;
  int64_t account_id = 0;
  int64_t account_markup_ppm = 1'000'000;  // the account's price multiplier
  std::vector<std::string> scopes;          // surfaces it may call ("chat", ...); empty: all
  std::vector<std::string> allowed_models;  // public model ids; empty: all
  std::optional<int64_t> limit_threshold_micros;  // spend allowed per period
  std::string limit_retention;                    // "day" | "week" | "month" | "no_reset"
  std::optional<int64_t> rate_rpm;                // requests per minute
  std::optional<int64_t> rate_concurrency;        // requests in flight at once
  std::optional<int64_t> rate_tpm;                // tokens per minute (key's rate_limits "tpm")
  // The account's own limits, shared by all its keys (accounts.rate_limits).
  std::optional<int64_t> account_rate_rpm;
  std::optional<int64_t> account_rate_tpm;
  std::optional<int64_t> account_rate_concurrency;
  std::vector<std::string> regions;  // deployments' regions it may be routed to; empty: any
  std::vector<ByokCredential> byok;  // never logged or shown
};

// An authenticated key as the request path holds it: shared with the cache's snapshot, so
// authenticating copies nothing (the snapshot lives as long as a request holds its key).
using KeyHandle = std::shared_ptr<const AuthenticatedKey>;

// Why authenticate() refused a key.
enum class KeyRefusal : uint8_t {
  unknown,           // malformed, not found, revoked, or the secret does not match
  disabled,          // the key or its account is disabled
  expired,           // past its expires_at
  secret_required,   // created in the key + secret form: the secret must come with it
};
std::string_view to_string(KeyRefusal refusal);

class KeyCache {
 public:
  // `secret_box` opens the keys' BYOK credentials (the config's byok.master_key); without one,
  // keys carry none.
  explicit KeyCache(std::shared_ptr<const SecretBox> secret_box = nullptr);

  // The box credentials are opened with, for whoever seals them (the keys API); null when BYOK
  // is not configured.
  const SecretBox* secret_box() const { return secret_box_.get(); }

  // The key's identity if `presented_key` is well formed, known, not revoked and its secret
  // matches (salted SHA-256, constant-time compare); nullopt otherwise. Thread-safe and without
  // I/O. Each thread keeps a view of the snapshot it last read: while no reload has published
  // another, authenticating reads one atomic and shares nothing another thread writes (no
  // mutex, no reference count of another loop's); after one, the first call takes the mutex
  // once to copy the new snapshot's pointer.
  std::optional<AuthenticatedKey> authenticate(std::string_view presented_key) const;
  // The same with the policy applied at `now_ms`: a disabled or expired key (or one of a disabled
  // account) is refused, and a key created with a secret needs `presented_secret` to match.
  std::variant<KeyHandle, KeyRefusal> authenticate(std::string_view presented_key,
                                                  std::string_view presented_secret,
                                                  int64_t now_ms) const;

  // Told by reload() of each key whose spending limit is new to this cache (a key that had none,
  // a new key with one, or a limit that now starts again on another schedule) before the keys
  // with that limit are published: no request counts against a limit before the key's spend in
  // its period is known (billing loads it from `source`, the connection the keys were read from).
  using LimitListener =
      std::function<void(store::Database& source, const AuthenticatedKey& key)>;
  void on_new_limit(LimitListener listener);

  // Replaces the whole set of keys (revoked records are kept out). Given `source`, the
  // connection `records` came from, the limit listener hears of new limits first; if it throws,
  // the keys in place stay. Every reload of what the database holds passes its connection: a
  // limit published without one would never have its spend loaded.
  void reload(std::vector<KeyRecord> records, store::Database* source = nullptr);
  // Refuses the key from now on, in this process, without waiting for the database round trip.
  // The revocation survives later reloads that still show the key active (a reload racing the
  // database write); it is forgotten once the database agrees.
  void revoke_now(std::string_view prefix);

  std::size_t active_keys() const;

 private:
  struct ActiveKey {
    AuthenticatedKey identity;
    std::vector<uint8_t> salt;
    KeyHash hash{};
    bool disabled = false;  // the key or its account
    std::optional<int64_t> expires_at_ms;
    std::optional<store::SaltedHash> secret;
  };
  // Called with writer_mutex_ held (it reports credentials that do not open).
  ActiveKey active_key(KeyRecord& record);
  using Snapshot = net::StringMap<ActiveKey>;

  std::shared_ptr<const Snapshot> current() const;
  // This thread's view of the current snapshot (see authenticate()): valid until this thread
  // calls it again.
  const std::shared_ptr<const Snapshot>& thread_view() const;
  void publish(std::shared_ptr<const Snapshot> next);

  // Guards only the pointer: held for a reference-count increment or a pointer swap, never while
  // a snapshot is built or the disk is read. (Not std::atomic<std::shared_ptr>: GCC 12's
  // load() releases its internal lock with a relaxed store, a data race ThreadSanitizer reports.)
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const Snapshot> snapshot_;  // guarded by snapshot_mutex_; never null
  // Names snapshot_ among every snapshot of the process (set with it, under snapshot_mutex_);
  // read without the mutex, it tells a thread whether its view is still the current one.
  std::atomic<uint64_t> generation_;
  // Serializes writers (reload, revoke_now) so neither loses the other's change. Readers never
  // take it.
  std::mutex writer_mutex_;
  std::unordered_set<std::string> revoked_in_process_;  // guarded by writer_mutex_
  const std::shared_ptr<const SecretBox> secret_box_;   // may be null
  // Sealed credentials that did not open, already reported: each is logged once, not at every
  // reload. Guarded by writer_mutex_.
  std::unordered_set<std::string> unopenable_reported_;
  LimitListener limit_listener_;  // guarded by writer_mutex_
};

struct KeyCacheRefresherOptions {
  std::chrono::milliseconds interval{200};  // how often PRAGMA data_version is checked
};

// Keeps a KeyCache in step with the database, so `tollgate keys create|revoke` run by another
// process takes effect here within one interval. Owns its own connection. The poll is a
// PRAGMA data_version (memory only); when another connection committed, it reads the keys'
// version (KeyStore::version, one row), and only when that moved are the keys re-read: the usage
// writer commits many times a second and changes neither keys nor accounts.
class KeyCacheRefresher {
 public:
  KeyCacheRefresher(KeyCache& cache, std::string sqlite_path,
                    KeyCacheRefresherOptions options = {});
  KeyCacheRefresher(const KeyCacheRefresher&) = delete;
  KeyCacheRefresher& operator=(const KeyCacheRefresher&) = delete;
  ~KeyCacheRefresher();  // stop()

  // Opens the connection and loads the keys before returning (so the gateway never serves with an
  // empty cache), then polls on a background thread. Throws store::DatabaseError at start-up.
  void start();
  // Wakes the thread and joins it; returns within one database read. Idempotent.
  void stop();

  uint64_t reloads() const { return reloads_.load(std::memory_order_relaxed); }
  uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  void run();
  void poll_once();
  void connect();
  void refresh();

  KeyCache& cache_;
  std::string sqlite_path_;
  KeyCacheRefresherOptions options_;
  // The members below are used by the refresher thread only, once started.
  std::unique_ptr<store::Database> database_;
  int64_t seen_data_version_ = -1;    // of database_, whose commits up to it have been looked at
  int64_t loaded_keys_version_ = -1;  // KeyStore::version() of the keys the cache holds
  bool failing_ = false;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_requested_ = false;  // guarded by mutex_
  std::thread thread_;

  std::atomic<uint64_t> reloads_{0};
  std::atomic<uint64_t> failures_{0};
};

}  // namespace tollgate::auth
