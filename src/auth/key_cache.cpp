#include "auth/key_cache.hpp"

#include "auth/credentials.hpp"
#include "store/background_thread.hpp"
#include "store/sqlite_database.hpp"

#include <simdjson.h>

#include <cstdio>
#include <utility>

namespace tollgate::auth {

// ---- KeyCache ----

namespace {

// Numbers every snapshot any cache of this process publishes: a generation names one snapshot of
// one cache, never another's.
std::atomic<uint64_t> next_generation{1};

// This thread's view of the snapshot it last read, from whichever cache (a process has one; tests
// have several). `view` has a reference count of its own, touched only by this thread's requests,
// and keeps the shared snapshot alive while it or a handle made from it lives.
template <typename Snapshot>
struct ThreadView {
  uint64_t generation = 0;  // 0: none yet
  std::shared_ptr<const Snapshot> view;
};

}  // namespace

KeyCache::KeyCache(std::shared_ptr<const SecretBox> secret_box)
    : snapshot_(std::make_shared<const Snapshot>()),
      generation_(next_generation.fetch_add(1, std::memory_order_relaxed)),
      secret_box_(std::move(secret_box)) {}

std::shared_ptr<const KeyCache::Snapshot> KeyCache::current() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

const std::shared_ptr<const KeyCache::Snapshot>& KeyCache::thread_view() const {
  thread_local ThreadView<Snapshot> seen;
  if (seen.generation == generation_.load(std::memory_order_acquire)) return seen.view;
  std::shared_ptr<const Snapshot> shared;
  {
    std::lock_guard lock(snapshot_mutex_);
    shared = snapshot_;
    seen.generation = generation_.load(std::memory_order_relaxed);
  }
  const Snapshot* snapshot = shared.get();
  seen.view = std::shared_ptr<const Snapshot>(snapshot, [keep = std::move(shared)](auto*) {});
  return seen.view;
}

void KeyCache::publish(std::shared_ptr<const Snapshot> next) {
  std::lock_guard lock(snapshot_mutex_);
  snapshot_.swap(next);
  generation_.store(next_generation.fetch_add(1, std::memory_order_relaxed),
                    std::memory_order_release);
  // `next` now holds the old snapshot; it is freed here, after the unlock, unless a reader still
  // uses it.
}

std::string_view to_string(KeyRefusal refusal) {
  switch (refusal) {
    case KeyRefusal::unknown: return "unknown";
    case KeyRefusal::disabled: return "disabled";
    case KeyRefusal::expired: return "expired";
    case KeyRefusal::secret_required: return "secret_required";
  }
  return "unknown";
}

namespace {

// The keys this thread has seen match, by prefix: the key as presented, and the salt and hash it
// matched. The same bytes presented again match the same salt and hash again, so SHA-256 (about
// 5,000 instructions, most of what authenticating a request costs) runs once per key and event
// loop rather than once per request. Only a key that matched is remembered: a guess always pays
// for its hash. An entry answers only while the key's salt and hash are what it matched, so a key
// made again under the same prefix is hashed again; a revoked key's entry is dropped the next time
// it is presented. Bounded: forgotten all at once when full.
//
// The keys' text stays in this memory while they are in use, as it does in each request that
// carries one; it is compared in constant time, and never logged.
struct VerifiedKey {
  std::string presented;
  std::vector<uint8_t> salt;
  KeyHash hash{};
};
constexpr std::size_t kMaxVerifiedKeys = 4096;
thread_local net::StringMap<VerifiedKey> verified_keys;

bool matches_verified(std::string_view prefix, std::string_view presented,
                      const std::vector<uint8_t>& salt, const KeyHash& hash) {
  auto it = verified_keys.find(prefix);
  if (it == verified_keys.end()) return false;
  const VerifiedKey& known = it->second;
  return known.salt == salt && hash_equals(known.hash, hash) &&
         constant_time_equals(known.presented, presented);
}

void remember_verified(std::string_view prefix, std::string_view presented,
                       const std::vector<uint8_t>& salt, const KeyHash& hash) {
  if (verified_keys.size() >= kMaxVerifiedKeys) verified_keys.clear();
  VerifiedKey& known = verified_keys[std::string(prefix)];
  known.presented.assign(presented);
  known.salt = salt;
  known.hash = hash;
}

void forget_verified(std::string_view prefix) {
  if (verified_keys.empty()) return;
  if (auto it = verified_keys.find(prefix); it != verified_keys.end()) verified_keys.erase(it);
}

}  // namespace

std::optional<AuthenticatedKey> KeyCache::authenticate(std::string_view presented_key) const {
  auto result = authenticate(presented_key, {}, 0);
  if (auto* key = std::get_if<KeyHandle>(&result)) return **key;
  return std::nullopt;
}

std::variant<KeyHandle, KeyRefusal> KeyCache::authenticate(
    std::string_view presented_key, std::string_view presented_secret, int64_t now_ms) const {
  std::string_view prefix = key_prefix(presented_key);
  if (prefix.empty()) return KeyRefusal::unknown;

  // The handle returned shares the thread's view, which keeps this snapshot alive even if a
  // reload swaps it out meanwhile.
  const std::shared_ptr<const Snapshot>& view = thread_view();
  const Snapshot* snapshot = view.get();
  auto found = snapshot->find(prefix);
  // The prefix is not secret (it is shown in listings), so an early return for an unknown one
  // leaks nothing; the secret itself is only ever compared in constant time.
  if (found == snapshot->end()) {
    forget_verified(prefix);  // revoked: its text is not kept
    return KeyRefusal::unknown;
  }

  const ActiveKey& key = found->second;
  if (!matches_verified(prefix, presented_key, key.salt, key.hash)) {
    KeyHash presented_hash = hash_key(key.salt, presented_key);
    if (!hash_equals(presented_hash, key.hash)) return KeyRefusal::unknown;
    remember_verified(prefix, presented_key, key.salt, key.hash);
  }
  if (key.secret) {
    if (presented_secret.empty()) return KeyRefusal::secret_required;
    if (!verify_key_secret(presented_secret, key.secret->salt, to_key_hash(key.secret->hash))) {
      return KeyRefusal::unknown;
    }
  }
  if (key.disabled) return KeyRefusal::disabled;
  if (key.expires_at_ms && now_ms >= *key.expires_at_ms) return KeyRefusal::expired;
  return KeyHandle(view, &key.identity);  // aliasing: shares the view
}

namespace {

// A JSON array of strings, as the policy columns store them; anything else reads as empty.
std::vector<std::string> string_list(const std::optional<std::string>& json) {
  std::vector<std::string> out;
  if (!json) return out;
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parser.parse(*json).get_array().get(array)) return out;
  for (simdjson::dom::element item : array) {
    std::string_view text;
    if (!item.get_string().get(text)) out.emplace_back(text);
  }
  return out;
}

// One positive whole number of the rate_limits JSON object, e.g. "rpm".
std::optional<int64_t> rate_limit(const std::optional<std::string>& json, const char* name) {
  if (!json) return std::nullopt;
  simdjson::dom::parser parser;
  int64_t value = 0;
  if (parser.parse(*json).at_key(name).get_int64().get(value) || value <= 0) return std::nullopt;
  return value;
}

}  // namespace

KeyCache::ActiveKey KeyCache::active_key(KeyRecord& record) {
  const SealedCredentials sealed = parse_sealed_credentials(record.policy.byok_json);
  ActiveKey key;
  key.identity.id = record.id;
  key.identity.prefix = record.prefix;
  key.identity.name = std::move(record.name);
  key.identity.account_id = record.account_id;
  key.identity.account_markup_ppm = record.account_markup_ppm;
  key.identity.scopes = string_list(record.policy.scopes_json);
  key.identity.allowed_models = string_list(record.policy.allowed_models_json);
  key.identity.limit_threshold_micros = record.policy.limit_threshold_micros;
  key.identity.limit_retention = record.policy.limit_retention.value_or("no_reset");
  key.identity.rate_rpm = rate_limit(record.policy.rate_limits_json, "rpm");
  key.identity.rate_concurrency = rate_limit(record.policy.rate_limits_json, "concurrency");
  key.identity.rate_tpm = rate_limit(record.policy.rate_limits_json, "tpm");
  key.identity.account_rate_rpm = rate_limit(record.account_rate_limits_json, "rpm");
  key.identity.account_rate_tpm = rate_limit(record.account_rate_limits_json, "tpm");
  key.identity.account_rate_concurrency =
      rate_limit(record.account_rate_limits_json, "concurrency");
  key.identity.regions = string_list(record.policy.regions_json);
  key.identity.byok =
      open_credentials(secret_box_.get(), record.prefix, sealed, [&](const std::string& provider) {
        // The sealed text identifies the failure without revealing anything: report each once.
        if (!unopenable_reported_.insert(record.prefix + ':' + sealed.at(provider)).second) return;
        std::fprintf(stderr,
                     "tollgate: key %s: BYOK credential for provider '%s' left out: it does not "
                     "open (%s)\n",
                     record.prefix.c_str(), provider.c_str(),
                     secret_box_ ? "sealed with another byok.master_key, or altered"
                                 : "no byok.master_key configured");
      });
  key.salt = std::move(record.salt);
  key.hash = record.hash;
  key.disabled = record.policy.disabled || record.account_disabled;
  key.expires_at_ms = record.policy.expires_at_ms;
  key.secret = std::move(record.secret);
  return key;
}

void KeyCache::on_new_limit(LimitListener listener) {
  std::lock_guard lock(writer_mutex_);
  limit_listener_ = std::move(listener);
}

void KeyCache::reload(std::vector<KeyRecord> records, store::Database* source) {
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
    next->emplace(std::move(prefix), active_key(record));
  }
  if (source && limit_listener_) {
    const std::shared_ptr<const Snapshot> previous = current();
    for (const auto& [prefix, key] : *next) {
      if (!key.identity.limit_threshold_micros) continue;
      const auto before = previous->find(prefix);
      const bool known = before != previous->end() &&
                         before->second.identity.limit_threshold_micros &&
                         before->second.identity.limit_retention == key.identity.limit_retention;
      if (!known) limit_listener_(*source, key.identity);
    }
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
  connect();
  refresh();  // loads the keys, as after every new connection
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
  store::become_background_thread("tg-keys");
  std::unique_lock lock(mutex_);
  while (!stop_requested_) {
    if (wake_.wait_for(lock, options_.interval, [this] { return stop_requested_; })) break;
    lock.unlock();
    poll_once();
    lock.lock();
  }
}

void KeyCacheRefresher::connect() {
  database_ = std::make_unique<store::Database>(
      sqlite_path_, store::DatabaseOptions{.cache_kib = store::kBackgroundCacheKib});
  // A new connection's data_version says nothing of the old one's, and after an outage the file
  // may be another one (a restored backup) whose keys version happens to match: load everything.
  seen_data_version_ = -1;
  loaded_keys_version_ = -1;
}

void KeyCacheRefresher::refresh() {
  // Each version is read before what it stands for, and recorded only once that is loaded: a
  // commit landing between the reads shows up as a newer version at the next poll, so it is
  // loaded then rather than missed.
  const int64_t data_version = database_->data_version();
  if (data_version == seen_data_version_) return;  // no other connection committed
  KeyStore store(*database_);
  const int64_t keys_version = store.version();
  // The same version: the commits were to other tables (usage, the ledger), nothing to load.
  if (keys_version != loaded_keys_version_) {
    cache_.reload(store.load_all(), database_.get());
    loaded_keys_version_ = keys_version;
    reloads_.fetch_add(1, std::memory_order_relaxed);
  }
  seen_data_version_ = data_version;
}

void KeyCacheRefresher::poll_once() {
  try {
    if (!database_) connect();
    refresh();
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
  }
}

}  // namespace tollgate::auth
