#include "billing/usage_writer.hpp"

#include <map>

#include "store/background_thread.hpp"
#include "store/billing_queries.hpp"
#include "store/sqlite_database.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string_view>
#include <utility>

namespace tollgate::billing {
namespace {

constexpr std::string_view kInsertUsageInto =
    "INSERT INTO usage_log (request_id, created_at, key_prefix, surface, public_model, "
    "upstream_model, provider, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, "
    "usage_source, cost_micros, status, error_code, latency_us, upstream_latency_us, overhead_us, "
    "stream, client_disconnected, account_id, cache_write_tokens, charged_micros, ledger_id, "
    "deployment, attempts, byok, instance) VALUES ";
constexpr std::string_view kUsageRowValues =
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr int kUsageColumns = 28;
// Usage rows per INSERT for the bulk of a batch: one statement run per group spares SQLite's
// per-statement start, halt and reset (~2,900 of a row's ~16,300 instructions, callgrind).
constexpr std::size_t kUsageRowsPerInsert = 32;

// The INSERT of `rows` usage rows.
std::string insert_usage_sql(std::size_t rows) {
  std::string sql(kInsertUsageInto);
  for (std::size_t row = 0; row < rows; ++row) {
    if (row > 0) sql += ", ";
    sql += kUsageRowValues;
  }
  return sql;
}

// Adds one (day, account, key, model) sum to its rollup row. "None" is 0 / '' (migration 5).
constexpr std::string_view kUpsertDaily =
    "INSERT INTO usage_daily (day_start, account_id, key_prefix, public_model, requests, errors, "
    "prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, "
    "cost_micros, charged_micros) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (day_start, account_id, key_prefix, public_model) DO UPDATE SET "
    "requests = requests + excluded.requests, errors = errors + excluded.errors, "
    "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
    "completion_tokens = completion_tokens + excluded.completion_tokens, "
    "cached_tokens = cached_tokens + excluded.cached_tokens, "
    "cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens, "
    "reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens, "
    "cost_micros = cost_micros + excluded.cost_micros, "
    "charged_micros = charged_micros + excluded.charged_micros";

constexpr std::chrono::milliseconds kFirstBackoff{10};
constexpr std::chrono::milliseconds kMaxBackoff{1000};
// The queue's capacity kept from one batch to the next: more than a 20 ms batch window holds at
// ~50k requests/s. Larger queues are released after their batch is written.
constexpr std::size_t kRetainedQueue = 1024;
// Submissions per transaction of the low-priority writer thread (below max_batch).
constexpr std::size_t kBackgroundChunk = 512;
// write_in_turn's continue_at for a turn that takes the queue in hand once.
constexpr std::size_t kTakeTheQueueOnce = std::numeric_limits<std::size_t>::max();

// During a long outage, one log line per this many failed attempts (after the first).
constexpr uint64_t kLogEveryAttempts = 30;

// Binds `record` as the statement's row number `row` (from 0).
void bind_record(store::Statement& insert, std::size_t row, const UsageRecord& record,
                 std::optional<int64_t> ledger_id, std::string_view instance) {
  const int first = static_cast<int>(row) * kUsageColumns;
  insert.bind_borrowed_text_or_null(first + 1, record.request_id);
  insert.bind_int64(first + 2, record.created_at_ms);
  insert.bind_borrowed_text_or_null(first + 3, record.key_prefix);
  insert.bind_borrowed_text_or_null(first + 4, record.surface);
  insert.bind_borrowed_text_or_null(first + 5, record.public_model);
  insert.bind_borrowed_text_or_null(first + 6, record.upstream_model);
  insert.bind_borrowed_text_or_null(first + 7, record.provider);
  insert.bind_int64(first + 8, record.prompt_tokens);
  insert.bind_int64(first + 9, record.completion_tokens);
  insert.bind_int64(first + 10, record.cached_tokens);
  insert.bind_int64(first + 11, record.reasoning_tokens);
  insert.bind_borrowed_text_or_null(first + 12, record.usage_source);
  insert.bind_int64(first + 13, record.cost_micros);
  insert.bind_int64(first + 14, record.status);
  insert.bind_borrowed_text_or_null(first + 15, record.error_code);
  insert.bind_int64(first + 16, record.latency_us);
  insert.bind_int64(first + 17, record.upstream_latency_us);
  insert.bind_int64(first + 18, record.overhead_us);
  insert.bind_int64(first + 19, record.stream ? 1 : 0);
  insert.bind_int64(first + 20, record.client_disconnected ? 1 : 0);
  if (record.account_id != 0) {
    insert.bind_int64(first + 21, record.account_id);
  } else {
    insert.bind_null(first + 21);
  }
  insert.bind_int64(first + 22, record.cache_write_tokens);
  insert.bind_optional_int64(first + 23, record.charged_micros);
  insert.bind_optional_int64(first + 24, ledger_id);
  insert.bind_borrowed_text_or_null(first + 25, record.deployment);
  insert.bind_int64(first + 26, record.attempts);
  insert.bind_int64(first + 27, record.byok ? 1 : 0);
  insert.bind_borrowed_text_or_null(first + 28, instance);
}

// One rollup row's share of a batch.
struct DailySums {
  int64_t requests = 0;
  int64_t errors = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t cache_write_tokens = 0;
  int64_t reasoning_tokens = 0;
  int64_t cost_micros = 0;
  int64_t charged_micros = 0;

  void add(const UsageRecord& record) {
    ++requests;
    errors += record.status >= 400 ? 1 : 0;
    prompt_tokens += record.prompt_tokens;
    completion_tokens += record.completion_tokens;
    cached_tokens += record.cached_tokens;
    cache_write_tokens += record.cache_write_tokens;
    reasoning_tokens += record.reasoning_tokens;
    cost_micros += record.cost_micros;
    charged_micros += record.charged_micros.value_or(0);
  }
};

// Orders (day start, record) by usage_daily's primary key.
bool before_in_rollup(const std::pair<int64_t, const UsageRecord*>& a,
                      const std::pair<int64_t, const UsageRecord*>& b) {
  if (a.first != b.first) return a.first < b.first;
  if (a.second->account_id != b.second->account_id) {
    return a.second->account_id < b.second->account_id;
  }
  if (const int order = a.second->key_prefix.compare(b.second->key_prefix); order != 0) {
    return order < 0;
  }
  return a.second->public_model < b.second->public_model;
}

bool same_rollup(const std::pair<int64_t, const UsageRecord*>& a,
                 const std::pair<int64_t, const UsageRecord*>& b) {
  return a.first == b.first && a.second->account_id == b.second->account_id &&
         a.second->key_prefix == b.second->key_prefix &&
         a.second->public_model == b.second->public_model;
}

void bind_daily(store::Statement& upsert, int64_t day_start, const UsageRecord& key,
                const DailySums& sums) {
  upsert.bind_int64(1, day_start);
  upsert.bind_int64(2, key.account_id);
  upsert.bind_text(3, key.key_prefix);
  upsert.bind_text(4, key.public_model);
  upsert.bind_int64(5, sums.requests);
  upsert.bind_int64(6, sums.errors);
  upsert.bind_int64(7, sums.prompt_tokens);
  upsert.bind_int64(8, sums.completion_tokens);
  upsert.bind_int64(9, sums.cached_tokens);
  upsert.bind_int64(10, sums.cache_write_tokens);
  upsert.bind_int64(11, sums.reasoning_tokens);
  upsert.bind_int64(12, sums.cost_micros);
  upsert.bind_int64(13, sums.charged_micros);
}

bool charged_in_batch(const UsageRecord& record) {
  return record.charge_in_batch && record.charged_micros.value_or(0) > 0 && record.account_id > 0;
}

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

UsageWriter::UsageWriter(std::string sqlite_path, UsageWriterOptions options)
    : sqlite_path_(std::move(sqlite_path)), options_(options) {
  options_.max_batch = std::max<std::size_t>(options_.max_batch, 1);
  database_ = std::make_unique<store::Database>(
      sqlite_path_, store::DatabaseOptions{.busy_timeout = options_.busy_timeout,
                                           .cache_kib = store::kBackgroundCacheKib});
  insert_ = std::make_unique<store::Statement>(database_->prepare(insert_usage_sql(1)));
  insert_rows_ =
      std::make_unique<store::Statement>(database_->prepare(insert_usage_sql(kUsageRowsPerInsert)));
  insert_ledger_ = std::make_unique<store::Statement>(store::prepare_ledger_insert(*database_));
  upsert_daily_ = std::make_unique<store::Statement>(database_->prepare(kUpsertDaily));
  in_hand_.reserve(kRetainedQueue);
  thread_ = std::thread([this] { run_background(); });
  if (options_.catch_up_at > 0) catch_up_thread_ = std::thread([this] { run_catch_up(); });
}

UsageWriter::~UsageWriter() {
  stop();
}

bool UsageWriter::submit(UsageRecord record, std::vector<store::LedgerEntry> ledger,
                         CommitCallback on_commit) {
  return enqueue({std::move(record), std::move(ledger), std::move(on_commit)});
}

bool UsageWriter::submit_ledger(std::vector<store::LedgerEntry> ledger, CommitCallback on_commit) {
  return enqueue({std::nullopt, std::move(ledger), std::move(on_commit)});
}

bool UsageWriter::enqueue(Submission&& submission) {
  // Checked here, on the caller's thread: an invalid entry would fail its whole batch forever.
  for (const store::LedgerEntry& entry : submission.ledger) {
    if (store::ledger_entry_problem(entry)) {
      rejected_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
  const bool waited_for = static_cast<bool>(submission.on_commit);
  bool wake_writer = false;
  bool wake_catch_up = false;
  {
    std::lock_guard lock(mutex_);
    // Ledger entries are money: they are queued even beyond max_queue (the gateway stops
    // admitting billable requests while the queue is congested, which bounds them).
    const bool over_limit = pending_.size() >= options_.max_queue && submission.ledger.empty();
    if (stop_requested_ || over_limit) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    pending_.push_back(std::move(submission));
    queued_.store(pending_.size(), std::memory_order_relaxed);
    ++accepted_;
    if (waited_for) ++pending_callbacks_;
    // The writer sleeps either until the queue is non-empty, until a batch is full or until
    // someone waits for a commit; the queue grows one submission at a time, so it passes
    // through exactly these sizes.
    wake_writer = pending_.size() == 1 || pending_.size() == options_.max_batch || waited_for;
    wake_catch_up = pending_.size() == options_.catch_up_at;
  }
  if (wake_writer) work_ready_.notify_one();
  if (wake_catch_up) backlog_.notify_one();
  return true;
}

std::size_t UsageWriter::backlog() {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(accepted_ - settled_);
}

bool UsageWriter::congested() const {
  return queued_.load(std::memory_order_relaxed) >= options_.max_queue;
}

void UsageWriter::flush() {
  std::unique_lock lock(mutex_);
  const uint64_t target = accepted_;
  ++flush_waiters_;
  work_ready_.notify_one();
  progress_.wait(lock, [&] { return settled_ >= target || writer_finished_; });
  --flush_waiters_;
}

void UsageWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!stop_requested_) {
      stop_requested_ = true;
      give_up_at_ = std::chrono::steady_clock::now() + options_.shutdown_retry_limit;
    }
  }
  work_ready_.notify_all();
  backlog_.notify_all();
  if (catch_up_thread_.joinable()) catch_up_thread_.join();
  if (thread_.joinable()) thread_.join();
}

void UsageWriter::run_background() {
  store::become_background_thread("tg-usage");
  std::unique_lock lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [this] { return !pending_.empty() || stop_requested_; });
    if (!stop_requested_ && flush_waiters_ == 0 && pending_callbacks_ == 0 &&
        pending_.size() < options_.max_batch) {
      // Let a batch form: at low rates this turns many tiny commits into one.
      work_ready_.wait_for(lock, options_.max_delay, [this] {
        return pending_.size() >= options_.max_batch || stop_requested_ || flush_waiters_ > 0 ||
               pending_callbacks_ > 0;
      });
    }
    turn_free_.wait(lock, [this] { return !turn_taken_ && !catch_up_waiting_; });
    turn_taken_ = true;
    // Small transactions at low priority: a catch-up thread waiting for the turn gets it after
    // one of them, not after everything this thread took in hand.
    write_in_turn(lock, std::min(options_.max_batch, kBackgroundChunk), kTakeTheQueueOnce, true);
    const bool all_written = stop_requested_ && pending_.empty() && in_hand_.empty();
    turn_taken_ = false;
    turn_free_.notify_all();
    if (all_written) break;
  }
  writer_finished_ = true;
  lock.unlock();
  progress_.notify_all();
  if (giving_up_) {
    std::fprintf(stderr,
                 "tollgate: usage writer: %llu usage records / ledger submissions were NOT "
                 "saved\n",
                 static_cast<unsigned long long>(abandoned()));
  }
}

void UsageWriter::run_catch_up() {
  store::become_batch_thread("tg-usage-catch");
  std::unique_lock lock(mutex_);
  for (;;) {
    backlog_.wait(lock, [this] {
      return pending_.size() >= options_.catch_up_at || stop_requested_;
    });
    if (pending_.size() < options_.catch_up_at) return;  // stopping; the background thread ends
    catch_up_waiting_ = true;
    turn_free_.wait(lock, [this] { return !turn_taken_; });
    catch_up_waiting_ = false;
    turn_taken_ = true;
    catch_ups_.fetch_add(1, std::memory_order_relaxed);
    write_in_turn(lock, options_.max_batch, options_.catch_up_at / 2, false);
    turn_taken_ = false;
    turn_free_.notify_all();
  }
}

void UsageWriter::write_in_turn(std::unique_lock<std::mutex>& lock, std::size_t chunk,
                                std::size_t continue_at, bool yield) {
  bool took_the_queue = false;
  for (;;) {
    if (yield && catch_up_waiting_) return;
    if (in_hand_.empty()) {
      if (pending_.empty() || (took_the_queue && pending_.size() < continue_at)) return;
      // The emptied buffer goes back as the next queue.
      in_hand_.swap(pending_);
      queued_.store(0, std::memory_order_relaxed);
      in_hand_next_ = 0;
      pending_callbacks_ = 0;
      took_the_queue = true;
    }
    const std::size_t offset = in_hand_next_;
    const std::size_t count = std::min(chunk, in_hand_.size() - offset);
    lock.unlock();
    write_with_retry(std::span<Submission>(in_hand_).subspan(offset, count));
    const bool all_written = offset + count == in_hand_.size();
    if (all_written) {
      in_hand_.clear();
      // A buffer that grew past what a batch window usually holds (a stall, a burst) is given
      // back, not kept: each such backlog would otherwise raise the writer's resident memory
      // for good, a little more every time a larger one came (the slow creep of a long soak).
      // The replacement is reserved here, off the event loops' path, so that they rarely grow
      // the queue under the lock.
      if (in_hand_.capacity() > kRetainedQueue) {
        std::vector<Submission>().swap(in_hand_);
        in_hand_.reserve(kRetainedQueue);
      }
    }
    lock.lock();
    in_hand_next_ = all_written ? 0 : offset + count;
  }
}

void UsageWriter::write_with_retry(std::span<Submission> batch) {
  if (giving_up_) {  // shutdown deadline passed on an earlier batch: do not wait on each one
    finish(batch, false);
    return;
  }
  std::chrono::milliseconds backoff = kFirstBackoff;
  uint64_t attempts_failed = 0;
  for (;;) {
    std::string error;
    try {
      write_batch(batch);
      batches_.fetch_add(1, std::memory_order_relaxed);
      finish(batch, true);
      if (attempts_failed > 0) {
        std::fprintf(stderr, "tollgate: usage writer: batch of %zu written after %llu retries\n",
                     batch.size(), static_cast<unsigned long long>(attempts_failed));
      }
      return;
    } catch (const std::exception& failure) {
      error = failure.what();
    }
    failed_attempts_.fetch_add(1, std::memory_order_relaxed);
    ++attempts_failed;

    std::unique_lock lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (stop_requested_ && now >= give_up_at_) {
      lock.unlock();
      std::fprintf(stderr,
                   "tollgate: usage writer: shutdown retry limit reached, giving up on the "
                   "remaining usage records (last error: %s)\n",
                   error.c_str());
      giving_up_ = true;
      finish(batch, false);
      return;
    }
    if (attempts_failed == 1 || attempts_failed % kLogEveryAttempts == 0) {
      std::fprintf(stderr,
                   "tollgate: usage writer: writing %zu records failed (attempt %llu): %s; "
                   "retrying\n",
                   batch.size(), static_cast<unsigned long long>(attempts_failed), error.c_str());
    }
    auto retry_at = now + backoff;
    if (stop_requested_) retry_at = std::min(retry_at, give_up_at_);
    const bool was_stopping = stop_requested_;
    // A stop() during the pause wakes it, so the shutdown deadline starts to apply.
    work_ready_.wait_until(lock, retry_at, [&] { return stop_requested_ != was_stopping; });
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

std::map<int64_t, int64_t> UsageWriter::write_batch_charges(std::span<const Submission> batch,
                                                            int64_t now_ms, uint64_t& entries) {
  struct Charges {
    int64_t micros = 0;
    int64_t requests = 0;
  };
  std::map<int64_t, Charges> by_account;
  for (const Submission& submission : batch) {
    if (submission.usage && charged_in_batch(*submission.usage)) {
      Charges& charges = by_account[submission.usage->account_id];
      charges.micros += *submission.usage->charged_micros;
      ++charges.requests;
    }
  }
  std::map<int64_t, int64_t> ledger_ids;
  for (const auto& [account_id, charges] : by_account) {
    store::LedgerEntry entry;
    entry.account_id = account_id;
    entry.kind = store::LedgerKind::settle;
    entry.amount_micros = -charges.micros;
    entry.cost_micros = charges.micros;
    entry.note = "charges of " + std::to_string(charges.requests) + " requests";
    entry.instance = options_.instance;
    store::bind_ledger_entry(*insert_ledger_, entry, now_ms);
    insert_ledger_->step();
    insert_ledger_->reset();
    ledger_ids[account_id] = database_->last_insert_rowid();
    ++entries;
  }
  return ledger_ids;
}

// Sorting the batch's records by rollup key turns each rollup row into a run: one upsert per run,
// in primary-key order, with no allocation once the scratch vector has grown to a batch.
void UsageWriter::write_daily_rollups(std::span<const Submission> batch) {
  by_rollup_key_.clear();
  for (const Submission& submission : batch) {
    if (submission.usage) {
      by_rollup_key_.emplace_back(store::utc_day_start_ms(submission.usage->created_at_ms),
                                  &*submission.usage);
    }
  }
  std::sort(by_rollup_key_.begin(), by_rollup_key_.end(), before_in_rollup);
  for (auto run = by_rollup_key_.begin(); run != by_rollup_key_.end();) {
    DailySums sums;
    auto next = run;
    for (; next != by_rollup_key_.end() && same_rollup(*run, *next); ++next) {
      sums.add(*next->second);
    }
    bind_daily(*upsert_daily_, run->first, *run->second, sums);
    upsert_daily_->step();
    upsert_daily_->reset();
    run = next;
  }
}

void UsageWriter::write_batch(std::span<const Submission> batch) {
  store::Transaction transaction(*database_);
  const int64_t now_ms = unix_now_ms();
  uint64_t entries = 0;
  try {
    const std::map<int64_t, int64_t> ledger_ids = write_batch_charges(batch, now_ms, entries);
    // Rows go kUsageRowsPerInsert to a statement while a whole group is left, the rest one by one.
    const auto records = static_cast<std::size_t>(std::ranges::count_if(
        batch, [](const Submission& submission) { return submission.usage.has_value(); }));
    const std::size_t in_groups = records - records % kUsageRowsPerInsert;
    std::size_t seen = 0;
    for (const Submission& submission : batch) {
      if (submission.usage) {
        std::optional<int64_t> ledger_id;
        if (charged_in_batch(*submission.usage)) {
          ledger_id = ledger_ids.at(submission.usage->account_id);
        }
        const bool grouped = seen < in_groups;
        store::Statement& insert = grouped ? *insert_rows_ : *insert_;
        const std::size_t row = grouped ? seen % kUsageRowsPerInsert : 0;
        bind_record(insert, row, *submission.usage, ledger_id, options_.instance);
        ++seen;
        if (row + 1 == (grouped ? kUsageRowsPerInsert : 1)) {
          insert.step();
          insert.reset_keeping_bindings();  // bind_record binds every parameter of each row
        }
      }
      for (const store::LedgerEntry& entry : submission.ledger) {
        store::bind_ledger_entry(*insert_ledger_, entry, now_ms);
        insert_ledger_->step();
        insert_ledger_->reset();
        entries += static_cast<uint64_t>(database_->changes());  // 0 for a repeated idempotency key
      }
    }
    write_daily_rollups(batch);
  } catch (...) {
    // Before the rollback, so no statement of this connection is left active.
    insert_->reset();
    insert_rows_->reset();
    insert_ledger_->reset();
    upsert_daily_->reset();
    throw;
  }
  // All or nothing, rollups included: a retried batch is never written or counted twice.
  transaction.commit();
  ledger_entries_written_.fetch_add(entries, std::memory_order_relaxed);
}

// Runs the callbacks before counting the batch as settled, so flush() returns after them.
void UsageWriter::finish(std::span<Submission> batch, bool committed) {
  for (Submission& submission : batch) {
    if (!submission.on_commit) continue;
    try {
      submission.on_commit(committed);
    } catch (const std::exception& failure) {
      std::fprintf(stderr, "tollgate: usage writer: a commit callback threw: %s\n", failure.what());
    } catch (...) {
      std::fprintf(stderr, "tollgate: usage writer: a commit callback threw\n");
    }
  }
  {
    std::lock_guard lock(mutex_);
    settled_ += batch.size();
    (committed ? written_ : abandoned_).fetch_add(batch.size(), std::memory_order_relaxed);
  }
  progress_.notify_all();
}

}  // namespace tollgate::billing
