// Usage records and ledger entries from the request path to the database, without the request
// path ever waiting on the disk: submit() appends to a bounded in-memory queue; one background
// thread takes what has accumulated and writes it in one transaction per batch (group commit).
// That thread runs at low priority (store::become_background_thread), out of the event loops'
// way; should it fall behind — the cores saturated by the loops — a second, catch-up thread at
// normal priority takes the writing over until the queue is short again, so a backlog (and the
// memory it holds) stays bounded by what a fair share of a core writes.
//
// A submission is a usage record and/or the ledger entries of a request (reserve, settle,
// refund); submissions are written in the order accepted, each one's usage row before its
// entries, and a submission is never split across transactions. The same transaction adds the
// batch's usage to the daily rollups (usage_daily: one row per UTC day, account, key and model,
// which the billing reports read), so rows and rollups are committed together or not at all.
// A submission's on_commit callback, if any, runs on the writer thread once: true after the
// transaction holding it committed, false if it was given up at shutdown. A submission with a
// callback (`durability: sync`) skips the batching delay; whatever else is queued rides along in
// the same commit.
//
// Top-ups and adjustments do not go through the writer: they are written by store::LedgerStore
// directly, whose caller must know at once whether the idempotency key was new. Should an entry
// with an already-used idempotency key reach the writer anyway, it is skipped (ON CONFLICT DO
// NOTHING) rather than failing the batch it shares with other requests.
#pragma once

#include "store/ledger.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tollgate::store {
class Database;
class Statement;
}  // namespace tollgate::store

namespace tollgate::billing {

// One row of usage_log. Empty strings are stored as NULL.
struct UsageRecord {
  std::string request_id;
  int64_t created_at_ms = 0;  // unix ms
  std::string key_prefix;
  std::string surface;  // inbound API, e.g. "openai.chat"
  std::string public_model;
  std::string upstream_model;
  std::string provider;
  std::string deployment;  // the deployment that served (or was tried last)
  int attempts = 0;        // upstream attempts made (failover and retries included)
  bool byok = false;       // sent with the key's own provider credential
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t cache_write_tokens = 0;
  int64_t reasoning_tokens = 0;
  std::string usage_source = "none";      // "upstream" | "estimated" | "none"
  int64_t cost_micros = 0;                // the priced cost
  std::optional<int64_t> charged_micros;  // what the ledger charged; nullopt with billing off
  int64_t account_id = 0;                 // 0: none (stored NULL)
  // Batched billing: the charge is written to the ledger by the writer, summed with the other
  // charges of the account in the same committed batch into one settle row, which the usage row
  // then points at (usage_log.ledger_id).
  bool charge_in_batch = false;
  int status = 0;                         // HTTP status sent to the client
  std::string error_code;
  int64_t latency_us = 0;
  int64_t upstream_latency_us = 0;
  int64_t overhead_us = 0;
  bool stream = false;
  bool client_disconnected = false;
};

// Called on the writer thread, once per accepted submission: committed or given up. Must not
// throw or block for long (it delays the next batch); post to an event loop instead.
using CommitCallback = std::function<void(bool committed)>;

struct UsageWriterOptions {
  // This process, in the `instance` column of its usage rows and batch charges.
  std::string instance{};
  std::size_t max_queue = 100'000;  // submissions waiting; submit() refuses beyond this
  std::size_t max_batch = 4096;     // submissions per transaction
  // How long the first record of a batch may wait for company before the batch is written.
  std::chrono::milliseconds max_delay{20};
  std::chrono::milliseconds busy_timeout{5000};  // per attempt, for the write lock
  // While stopping, how long a failing write keeps being retried before its records are given up
  // (logged, counted in abandoned()). Outside shutdown a failing write is retried forever.
  std::chrono::milliseconds shutdown_retry_limit{10'000};
  // A queue this long is written by the catch-up thread (normal priority) until it is under half
  // of this again. 0: no catch-up thread.
  std::size_t catch_up_at = 2048;
};

class UsageWriter {
 public:
  // Opens its own connection and prepares its statements (so a missing migration fails here, at
  // start-up, by throwing store::DatabaseError), then starts the writer thread.
  explicit UsageWriter(std::string sqlite_path, UsageWriterOptions options = {});
  UsageWriter(const UsageWriter&) = delete;
  UsageWriter& operator=(const UsageWriter&) = delete;
  ~UsageWriter();  // stop()

  // Queues the record and the request's ledger entries; never touches the disk, never waits for
  // the writer's I/O. Returns false if the writer is stopping, or the queue is full and the
  // submission has no ledger entries (counted in dropped()), or an entry is invalid
  // (store::ledger_entry_problem; counted in rejected()); the callback is then never called.
  // Submissions with ledger entries are accepted beyond max_queue: see congested().
  bool submit(UsageRecord record, std::vector<store::LedgerEntry> ledger = {},
              CommitCallback on_commit = {});
  // Ledger entries without a usage record (e.g. a reserve before dispatch).
  bool submit_ledger(std::vector<store::LedgerEntry> ledger, CommitCallback on_commit = {});
  // The queue holds max_queue submissions or more: the gateway admits no billable request then
  // (its ledger entries could otherwise grow the queue without bound). Takes no lock: the event
  // loops ask at every admission.
  bool congested() const;
  // Blocks until every submission accepted before the call is committed (or given up at
  // shutdown).
  // Skips the batching delay. For tests and shutdown: never call it on an event loop.
  void flush();
  // Writes everything still queued, then joins the writer thread. Idempotent.
  void stop();

  // Counted per submission, except ledger_entries_written().
  uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t ledger_entries_written() const {
    return ledger_entries_written_.load(std::memory_order_relaxed);
  }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }
  uint64_t batches() const { return batches_.load(std::memory_order_relaxed); }
  uint64_t failed_attempts() const { return failed_attempts_.load(std::memory_order_relaxed); }
  uint64_t abandoned() const { return abandoned_.load(std::memory_order_relaxed); }
  // Times the catch-up thread took the writing over.
  uint64_t catch_ups() const { return catch_ups_.load(std::memory_order_relaxed); }
  // Submissions accepted and not yet written (queued or being written).
  std::size_t backlog();

 private:
  struct Submission {
    std::optional<UsageRecord> usage;
    std::vector<store::LedgerEntry> ledger;
    CommitCallback on_commit;
  };

  bool enqueue(Submission&& submission);
  void run_background();
  void run_catch_up();
  // With the turn held and `lock` locked: writes the rest of in_hand_, then (taking the queue in
  // hand again) while the queue holds at least `continue_at`, in transactions of at most `chunk`
  // submissions; returns early when `yield` and the catch-up thread waits for the turn.
  void write_in_turn(std::unique_lock<std::mutex>& lock, std::size_t chunk,
                     std::size_t continue_at, bool yield);
  void write_with_retry(std::span<Submission> batch);
  void write_batch(std::span<const Submission> batch);
  // The batch's in-batch charges, one settle row per account; returns each account's row id.
  std::map<int64_t, int64_t> write_batch_charges(std::span<const Submission> batch,
                                                 int64_t now_ms, uint64_t& entries);
  // Adds the batch's usage records to usage_daily, one upsert per (day, account, key, model).
  void write_daily_rollups(std::span<const Submission> batch);
  void finish(std::span<Submission> batch, bool committed);

  std::string sqlite_path_;
  UsageWriterOptions options_;
  std::unique_ptr<store::Database> database_;        // turn holder only once started
  std::unique_ptr<store::Statement> insert_;         // turn holder only once started
  std::unique_ptr<store::Statement> insert_rows_;    // kUsageRowsPerInsert rows; turn holder only
  std::unique_ptr<store::Statement> insert_ledger_;  // turn holder only once started
  std::unique_ptr<store::Statement> upsert_daily_;   // turn holder only once started
  // write_daily_rollups' scratch, kept to reuse its memory: the batch's records with their UTC
  // day start, sorted by rollup key. Turn holder only.
  std::vector<std::pair<int64_t, const UsageRecord*>> by_rollup_key_;
  bool giving_up_ = false;                           // turn holder only
  // The submissions taken from the queue by the thread holding the turn, written up to
  // in_hand_next_. A turn handed over mid-way leaves the rest to the next holder.
  std::vector<Submission> in_hand_;  // turn holder only
  std::size_t in_hand_next_ = 0;     // turn holder only

  std::mutex mutex_;
  std::condition_variable work_ready_;  // writer waits: records, flush or stop
  std::condition_variable progress_;    // flush() waits: records committed
  std::condition_variable backlog_;     // the catch-up thread waits: a long queue, or stop
  std::condition_variable turn_free_;   // either writer waits for the turn to write
  // The turn: one writer thread writes at a time (the "turn holder" above), and the queue is
  // taken in hand only with the turn, so submissions are written in the order accepted.
  bool turn_taken_ = false;             // guarded by mutex_
  bool catch_up_waiting_ = false;       // guarded by mutex_
  std::vector<Submission> pending_;     // guarded by mutex_
  std::atomic<std::size_t> queued_{0};  // pending_.size(), written under mutex_, read without
  std::size_t pending_callbacks_ = 0;   // pending submissions with on_commit; guarded by mutex_
  uint64_t accepted_ = 0;               // guarded by mutex_
  uint64_t settled_ = 0;                // written + abandoned; guarded by mutex_
  std::size_t flush_waiters_ = 0;       // guarded by mutex_
  bool stop_requested_ = false;         // guarded by mutex_
  bool writer_finished_ = false;        // guarded by mutex_
  std::chrono::steady_clock::time_point give_up_at_;  // guarded by mutex_; set by stop()
  std::thread thread_;
  std::thread catch_up_thread_;

  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> ledger_entries_written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> failed_attempts_{0};
  std::atomic<uint64_t> abandoned_{0};
  std::atomic<uint64_t> catch_ups_{0};
};

}  // namespace tollgate::billing
