#include "routing/rate_limiter.hpp"

#include <algorithm>

namespace tollgate::routing {

namespace {

constexpr Clock::duration kPeriod = std::chrono::minutes(1);

}  // namespace

RateDecision LocalRateLimiter::acquire(std::string_view key, const RateLimits& limits,
                                       Clock::time_point now) {
  RateDecision decision;
  std::lock_guard lock(mutex_);
  KeyState& state = keys_[std::string(key)];
  if (limits.concurrency && state.in_flight >= *limits.concurrency) {
    decision.allowed = false;
    decision.limit_name = "concurrency";
    decision.retry_after = std::chrono::seconds(1);
    return decision;
  }
  if (limits.rpm && *limits.rpm > 0) {
    const Clock::duration interval = kPeriod / *limits.rpm;
    const Clock::time_point arrival = std::max(state.theoretical_arrival, now);
    const Clock::time_point next = arrival + interval;
    decision.limit = *limits.rpm;
    if (next - now > kPeriod) {
      decision.allowed = false;
      decision.limit_name = "requests";
      decision.retry_after = next - kPeriod - now;
      decision.remaining = 0;
      decision.reset = arrival - now;
      return decision;
    }
    state.theoretical_arrival = next;
    decision.remaining = (kPeriod - (next - now)) / interval;
    decision.reset = next - now;
  }
  if (limits.concurrency) ++state.in_flight;
  return decision;
}

void LocalRateLimiter::release(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto it = keys_.find(std::string(key));
  if (it != keys_.end() && it->second.in_flight > 0) --it->second.in_flight;
}

}  // namespace tollgate::routing
