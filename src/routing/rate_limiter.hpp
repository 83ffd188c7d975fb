// Per-key rate limits: requests per minute (GCRA, the generic cell rate algorithm: a request is
// admitted when its theoretical arrival time is at most a minute ahead, so a key may burst up to
// its whole minute's allowance and then gets one request every 60/rpm seconds) and concurrent
// requests. The interface is what a shared implementation (Redis, for many instances) would offer
// too; LocalRateLimiter keeps the counters in this process's memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tollgate::routing {

using Clock = std::chrono::steady_clock;

struct RateLimits {
  std::optional<std::int64_t> rpm;          // requests per minute
  std::optional<std::int64_t> concurrency;  // requests in flight at once
};

struct RateDecision {
  bool allowed = true;
  std::string_view limit_name;    // "requests" or "concurrency" when refused
  std::int64_t limit = 0;         // the request limit, for x-ratelimit-limit-requests (0: none)
  std::int64_t remaining = 0;     // requests left in the current minute's allowance
  Clock::duration reset{};        // until the allowance is whole again
  Clock::duration retry_after{};  // refused: until a request would be admitted
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Counts one request of `key` against `limits`. When allowed and `limits.concurrency` is set,
  // the caller holds a slot until release(key).
  virtual RateDecision acquire(std::string_view key, const RateLimits& limits,
                               Clock::time_point now) = 0;
  virtual void release(std::string_view key) = 0;
};

class LocalRateLimiter final : public RateLimiter {
 public:
  RateDecision acquire(std::string_view key, const RateLimits& limits,
                       Clock::time_point now) override;
  void release(std::string_view key) override;

 private:
  struct KeyState {
    Clock::time_point theoretical_arrival{};  // GCRA's TAT
    std::int64_t in_flight = 0;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, KeyState> keys_;
};

}  // namespace tollgate::routing
