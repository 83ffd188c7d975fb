// Usage records from the request path to the usage_log table, without the request path ever
// waiting on the disk: submit() appends to a bounded in-memory queue; one background thread takes
// what has accumulated and writes it in one transaction per batch (group commit).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
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
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t reasoning_tokens = 0;
  std::string usage_source = "none";  // "upstream" | "estimated" | "none"
  int64_t cost_micros = 0;
  int status = 0;  // HTTP status sent to the client
  std::string error_code;
  int64_t latency_us = 0;
  int64_t upstream_latency_us = 0;
  int64_t overhead_us = 0;
  bool stream = false;
  bool client_disconnected = false;
};

struct UsageWriterOptions {
  std::size_t max_queue = 100'000;  // records waiting; submit() refuses beyond this
  std::size_t max_batch = 512;      // records per transaction
  // How long the first record of a batch may wait for company before the batch is written.
  std::chrono::milliseconds max_delay{20};
  std::chrono::milliseconds busy_timeout{5000};  // per attempt, for the write lock
  // While stopping, how long a failing write keeps being retried before its records are given up
  // (logged, counted in abandoned()). Outside shutdown a failing write is retried forever.
  std::chrono::milliseconds shutdown_retry_limit{10'000};
};

class UsageWriter {
 public:
  // Opens its own connection and prepares the INSERT (so a missing migration fails here, at
  // start-up, by throwing store::DatabaseError), then starts the writer thread.
  explicit UsageWriter(std::string sqlite_path, UsageWriterOptions options = {});
  UsageWriter(const UsageWriter&) = delete;
  UsageWriter& operator=(const UsageWriter&) = delete;
  ~UsageWriter();  // stop()

  // Queues the record; never touches the disk, never waits for the writer's I/O. Returns false
  // (and counts it in dropped()) if the queue is full or the writer is stopping.
  bool submit(UsageRecord record);
  // Blocks until every record accepted before the call is committed (or given up at shutdown).
  // Skips the batching delay. For tests and shutdown: never call it on an event loop.
  void flush();
  // Writes everything still queued, then joins the writer thread. Idempotent.
  void stop();

  uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t batches() const { return batches_.load(std::memory_order_relaxed); }
  uint64_t failed_attempts() const { return failed_attempts_.load(std::memory_order_relaxed); }
  uint64_t abandoned() const { return abandoned_.load(std::memory_order_relaxed); }

 private:
  void run();
  void write_with_retry(std::span<const UsageRecord> batch);
  void write_batch(std::span<const UsageRecord> batch);
  void count_done(std::size_t written, std::size_t abandoned);

  std::string sqlite_path_;
  UsageWriterOptions options_;
  std::unique_ptr<store::Database> database_;  // writer thread only once started
  std::unique_ptr<store::Statement> insert_;   // writer thread only once started
  bool giving_up_ = false;                     // writer thread only

  std::mutex mutex_;
  std::condition_variable work_ready_;                // writer waits: records, flush or stop
  std::condition_variable progress_;                  // flush() waits: records committed
  std::vector<UsageRecord> pending_;                  // guarded by mutex_
  uint64_t accepted_ = 0;                             // guarded by mutex_
  uint64_t settled_ = 0;                              // written + abandoned; guarded by mutex_
  std::size_t flush_waiters_ = 0;                     // guarded by mutex_
  bool stop_requested_ = false;                       // guarded by mutex_
  bool writer_finished_ = false;                      // guarded by mutex_
  std::chrono::steady_clock::time_point give_up_at_;  // guarded by mutex_; set by stop()
  std::thread thread_;

  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> failed_attempts_{0};
  std::atomic<uint64_t> abandoned_{0};
};

}  // namespace tollgate::billing
