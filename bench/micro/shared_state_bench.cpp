// Google Benchmark: what every request does to state all event loops share, on one thread and on
// two at once (`threads: 2` in the config). A loop authenticates its key (auth::KeyCache), counts
// the request against the key's and account's rate limits when they have some
// (routing::LocalRateLimiter), takes and settles a hold on the account (billing::Wallet), queues
// its usage row (billing::UsageWriter) and checks that queue's length at admission. With two
// threads the figures show what the loops cost each other: a lock or a reference count both touch
// moves its cache line between cores.
//
//   cmake --build build --target shared_state_bench && build/bin/shared_state_bench
//
// Google Benchmark reports the time per operation per thread: with no contention it stays the
// same from 1 to 2 threads (on a machine with two idle cores).
#include "auth/api_key.hpp"
#include "auth/key_cache.hpp"
#include "billing/usage_writer.hpp"
#include "billing/wallet.hpp"
#include "routing/rate_limiter.hpp"
#include "store/sqlite_database.hpp"

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace {

using namespace tollgate;

// A cache of 1,000 keys and the plaintext of one of them.
struct Keys {
  auth::KeyCache cache;
  std::string presented;

  Keys() {
    std::vector<auth::KeyRecord> records;
    for (int n = 0; n < 1000; ++n) {
      auth::GeneratedKey key = auth::generate_api_key();
      auth::KeyRecord record;
      record.id = n + 1;
      record.prefix = key.prefix;
      record.name = "key " + std::to_string(n);
      record.salt = auth::generate_salt();
      record.hash = auth::hash_key(record.salt, key.plaintext);
      records.push_back(std::move(record));
      if (n == 500) presented = key.plaintext;
    }
    cache.reload(std::move(records));
  }
};

Keys& keys() {
  static Keys shared;
  return shared;
}

void BM_Authenticate(benchmark::State& state) {
  const Keys& shared = keys();
  for (auto _ : state) {
    auto result = shared.cache.authenticate(shared.presented, {}, 1'700'000'000'000);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_Authenticate)->Threads(1)->Threads(2)->UseRealTime();

// Every thread bills the same account (one customer's traffic spread over the loops), or its
// own (many customers).
void reserve_and_settle(benchmark::State& state, bool same_account) {
  static billing::Wallet wallet;
  if (state.thread_index() == 0) {
    wallet.set_balance(1, 1'000'000'000'000'000);
    wallet.set_balance(2, 1'000'000'000'000'000);
  }
  const std::int64_t account = same_account ? 1 : 1 + state.thread_index();
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  for (auto _ : state) {
    auto hold = wallet.reserve(account, {}, std::nullopt, 1'000, now);
    benchmark::DoNotOptimize(wallet.settle(std::get<billing::Hold>(hold), 700));
  }
}
void BM_ReserveSettleOneAccount(benchmark::State& state) {
  reserve_and_settle(state, true);
}
void BM_ReserveSettleAccountPerThread(benchmark::State& state) {
  reserve_and_settle(state, false);
}
BENCHMARK(BM_ReserveSettleOneAccount)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_ReserveSettleAccountPerThread)->Threads(1)->Threads(2)->UseRealTime();

// A request's rate-limit scopes (its key's and its account's), acquired and released, as a key
// with limits costs each request. Every thread uses its own key and account (many customers), or
// all the same ones (one customer's traffic spread over the loops).
void acquire_and_release(benchmark::State& state, bool same_scopes) {
  static routing::LocalRateLimiter limiter;
  const int owner = same_scopes ? 0 : state.thread_index();
  const std::string key = "key:tg-AbC12xY" + std::to_string(owner);
  const std::string account = "account:" + std::to_string(owner + 1);
  const auto group = static_cast<std::uint64_t>(owner + 1);  // the account, as the gateway's
  const routing::RateScope scopes[] = {
      {key, {.rpm = 1'000'000'000, .tpm = std::nullopt, .concurrency = 1'000}, group},
      {account, {.rpm = 1'000'000'000, .tpm = std::nullopt, .concurrency = 1'000}, group}};
  for (auto _ : state) {
    benchmark::DoNotOptimize(limiter.acquire(scopes, 100, routing::Clock::now()));
    limiter.release(scopes);
  }
}
void BM_RateLimitSameScopes(benchmark::State& state) {
  acquire_and_release(state, true);
}
void BM_RateLimitScopesPerThread(benchmark::State& state) {
  acquire_and_release(state, false);
}
BENCHMARK(BM_RateLimitSameScopes)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_RateLimitScopesPerThread)->Threads(1)->Threads(2)->UseRealTime();

// Queuing a usage row as the gateway does (the congestion check at admission, then the submit
// at the end). Every 256 submissions the clock stops until the writer has written them: it
// writes a row in a few microseconds, so a queue fed back to back would only grow (and measure
// the allocator growing it).
void BM_UsageSubmit(benchmark::State& state) {
  static std::string path;
  static std::unique_ptr<billing::UsageWriter> writer;
  if (state.thread_index() == 0) {
    path = "/tmp/tollgate-shared-state-bench-" + std::to_string(getpid()) + ".db";
    store::Database(path).migrate();
    writer = std::make_unique<billing::UsageWriter>(path);
  }
  billing::UsageRecord record;
  record.request_id = "req-0123456789abcdef";
  record.key_prefix = "tg-AbC12xYz";
  record.surface = "openai.chat";
  record.public_model = "gpt-4o-mini";
  record.usage_source = "upstream";
  record.status = 200;
  int queued = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(writer->congested());
    benchmark::DoNotOptimize(writer->submit(record));
    if (++queued == 256) {
      state.PauseTiming();
      writer->flush();
      queued = 0;
      state.ResumeTiming();
    }
  }
  if (state.thread_index() == 0) {
    writer->flush();
    writer.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  }
}
BENCHMARK(BM_UsageSubmit)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
