// Rate limits per key and per account: requests per minute (GCRA, the generic cell rate
// algorithm: a request is admitted when its theoretical arrival time is at most a minute ahead,
// so a scope may burst up to its whole minute's allowance and then gets one request every
// 60/rpm seconds), tokens per minute (the same cell, each request weighing its estimated
// tokens; after the answer the real count replaces the estimate) and concurrent requests.
//
// A request is checked against several scopes at once ("key:<prefix>", "account:<id>"), all or
// nothing: when one refuses, none counts it. The interface is what a shared implementation
// (Redis, one script per request for every scope, for many instances) would offer too;
// LocalRateLimiter keeps the counters in this process's memory.
#pragma once

#include "net/string_map.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tollgate::routing {

using Clock = std::chrono::steady_clock;

struct RateLimits {
  std::optional<std::int64_t> rpm;          // requests per minute
  std::optional<std::int64_t> tpm;          // tokens per minute
  std::optional<std::int64_t> concurrency;  // requests in flight at once

  bool any() const { return rpm || tpm || concurrency; }
};

// One counter set a request is checked against.
struct RateScope {
  std::string_view name;  // "key:tg-abcd1234", "account:7"
  RateLimits limits;
  // Scopes one request is checked against together share a group (the gateway uses the
  // account): they are kept together — one shard of LocalRateLimiter, as a Redis hash tag keeps
  // keys in one slot — while other groups' requests go on without meeting them. A scope always
  // comes with the same group.
  std::uint64_t group = 0;
};

struct RateDecision {
  bool allowed = true;
  // Refused: which scope and which limit ("requests", "tokens" or "concurrency").
  std::string_view scope;
  std::string_view limit_name;
  Clock::duration retry_after{};  // refused: until the request would be admitted
  // For the x-ratelimit-* headers: the first scope's figures (the key's), when it has the limit.
  std::int64_t limit_requests = 0;  // 0: no request limit
  std::int64_t remaining_requests = 0;
  Clock::duration reset_requests{};  // until the request allowance is whole again
  std::int64_t limit_tokens = 0;     // 0: no token limit
  std::int64_t remaining_tokens = 0;
  Clock::duration reset_tokens{};
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Counts one request of `tokens` estimated tokens against every scope, or none of them. When
  // allowed, every scope with a concurrency limit holds a slot until release(scopes).
  virtual RateDecision acquire(std::span<const RateScope> scopes, std::int64_t tokens,
                               Clock::time_point now) = 0;
  // After the answer: `actual` tokens replace the `estimated` ones in every scope's tpm count.
  virtual void settle(std::span<const RateScope> scopes, std::int64_t estimated,
                      std::int64_t actual) = 0;
  // Returns the concurrency slots acquire() took.
  virtual void release(std::span<const RateScope> scopes) = 0;
};

class LocalRateLimiter final : public RateLimiter {
 public:
  RateDecision acquire(std::span<const RateScope> scopes, std::int64_t tokens,
                       Clock::time_point now) override;
  void settle(std::span<const RateScope> scopes, std::int64_t estimated,
              std::int64_t actual) override;
  void release(std::span<const RateScope> scopes) override;

 private:
  struct ScopeState {
    Clock::time_point request_arrival{};  // GCRA's theoretical arrival time, requests
    Clock::time_point token_arrival{};    // and tokens
    std::int64_t in_flight = 0;
  };
  // Scopes are spread over shards by group, each with its own lock, so the event loops serving
  // different accounts rarely meet on one; a request's scopes are locked together.
  static constexpr std::size_t kShards = 16;
  struct alignas(64) Shard {
    std::mutex mutex;
    net::StringMap<ScopeState> scopes;  // find() takes the scope's string_view
  };
  class ShardLocks;

  Shard& shard_of(const RateScope& scope);

  std::array<Shard, kShards> shards_;
};

}  // namespace tollgate::routing
