// LocalRateLimiter: every scope's counters in memory, in shards by group. Requests and tokens are
// two GCRA cells per scope; a cell is a theoretical arrival time (TAT) that each admitted request
// pushes forward by its cost (one request: 60 s / rpm; n tokens: n × 60 s / tpm), and a request
// is admitted while the pushed TAT stays at most a minute ahead of now. The TAT never needs to
// be decayed: max(TAT, now) forgets any idle time, which is what "the allowance refills" means.
//
// acquire() works in two passes with the shards of the request's scopes locked: the first asks
// every scope and changes nothing, the second (only when all admit) applies the same verdicts, so
// a refusal anywhere leaves every scope as it was.
#include "routing/rate_limiter.hpp"

#include <algorithm>
#include <bitset>

namespace tollgate::routing {

namespace {

constexpr Clock::duration kPeriod = std::chrono::minutes(1);

// A token cost is cut to this: the estimate comes from the client's max_tokens, which may be any
// number, and tokens × interval must not overflow. A year is beyond any limit worth enforcing.
constexpr Clock::duration kMaxTokenCost = std::chrono::hours(24 * 365);

// The GCRA emission interval of a per-minute limit; nothing when there is no (usable) limit.
std::optional<Clock::duration> interval_of(std::optional<std::int64_t> per_minute) {
  if (!per_minute || *per_minute <= 0) return std::nullopt;
  return kPeriod / *per_minute;
}

Clock::duration token_cost(std::int64_t tokens, Clock::duration interval) {
  if (tokens <= 0) return {};
  if (tokens >= kMaxTokenCost / interval) return kMaxTokenCost;
  return tokens * interval;
}

// One cell asked to take a request of `cost`: where its TAT moves if admitted, or how long until
// it would admit. The tolerance is a minute, except that a request costing more than a minute on
// its own (more estimated tokens than the whole tpm) is admitted when the cell is empty (TAT at or
// before now): otherwise it could never pass. Its excess then stays as debt in the TAT, which the
// following requests wait out.
struct CellCheck {
  bool admitted = false;
  Clock::time_point next_arrival;
  Clock::duration retry_after{};
};

CellCheck check_cell(Clock::time_point arrival, Clock::duration cost, Clock::time_point now) {
  const Clock::duration tolerance = std::max(kPeriod, cost);
  const Clock::time_point next = std::max(arrival, now) + cost;
  if (next - now <= tolerance) return {.admitted = true, .next_arrival = next};
  return {.admitted = false, .next_arrival = next, .retry_after = next - tolerance - now};
}

// What one scope says about a request, computed without changing the scope.
struct ScopeVerdict {
  std::string_view refused_by;  // empty: admitted; else "concurrency", "requests" or "tokens"
  Clock::duration retry_after{};
  Clock::time_point request_arrival;  // the cells' TATs once the request counts
  Clock::time_point token_arrival;
};

struct Allowance {
  std::int64_t remaining = 0;  // whole requests (or tokens) left in the minute's allowance
  Clock::duration reset{};     // until that allowance is whole again
};

Allowance allowance_of(Clock::time_point arrival, Clock::duration interval, Clock::time_point now) {
  const Clock::duration ahead = std::max(arrival, now) - now;
  return {.remaining = ahead >= kPeriod ? 0 : (kPeriod - ahead) / interval, .reset = ahead};
}

// A template only because the state type is private to LocalRateLimiter.
template <class State>
ScopeVerdict judge(const State& state, const RateLimits& limits, std::int64_t tokens,
                   Clock::time_point now) {
  ScopeVerdict verdict;
  verdict.request_arrival = state.request_arrival;
  verdict.token_arrival = state.token_arrival;
  if (limits.concurrency && state.in_flight >= *limits.concurrency) {
    verdict.refused_by = "concurrency";
    // When a slot frees depends on answers still running; a second is a polite guess.
    verdict.retry_after = std::chrono::seconds(1);
    return verdict;
  }
  if (const auto interval = interval_of(limits.rpm)) {
    const CellCheck cell = check_cell(state.request_arrival, *interval, now);
    if (!cell.admitted) {
      verdict.refused_by = "requests";
      verdict.retry_after = cell.retry_after;
      return verdict;
    }
    verdict.request_arrival = cell.next_arrival;
  }
  if (const auto interval = interval_of(limits.tpm)) {
    const CellCheck cell = check_cell(state.token_arrival, token_cost(tokens, *interval), now);
    if (!cell.admitted) {
      verdict.refused_by = "tokens";
      verdict.retry_after = cell.retry_after;
      return verdict;
    }
    verdict.token_arrival = cell.next_arrival;
  }
  return verdict;
}

}  // namespace

// The shards of a request's scopes (one when they share a group, as the gateway's do), each
// locked once and in index order, so two requests whose scopes share shards never wait for each
// other in a cycle; unlocked in reverse.
class LocalRateLimiter::ShardLocks {
 public:
  ShardLocks(LocalRateLimiter& limiter, std::span<const RateScope> scopes) {
    if (scopes.empty()) return;
    const std::size_t first = scopes.front().group % kShards;
    if (std::all_of(scopes.begin(), scopes.end(),
                    [&](const RateScope& scope) { return scope.group % kShards == first; })) {
      limiter.shards_[first].mutex.lock();  // the usual case: one group
      locked_[count_++] = &limiter.shards_[first].mutex;
      return;
    }
    std::bitset<kShards> wanted;
    for (const RateScope& scope : scopes) wanted.set(scope.group % kShards);
    for (std::size_t index = 0; index < kShards; ++index) {
      if (!wanted.test(index)) continue;
      std::mutex& mutex = limiter.shards_[index].mutex;
      mutex.lock();
      locked_[count_++] = &mutex;
    }
  }
  ShardLocks(const ShardLocks&) = delete;
  ShardLocks& operator=(const ShardLocks&) = delete;
  ~ShardLocks() {
    while (count_ > 0) locked_[--count_]->unlock();
  }

 private:
  std::array<std::mutex*, kShards> locked_{};
  std::size_t count_ = 0;
};

LocalRateLimiter::Shard& LocalRateLimiter::shard_of(const RateScope& scope) {
  return shards_[scope.group % kShards];
}

RateDecision LocalRateLimiter::acquire(std::span<const RateScope> scopes, std::int64_t tokens,
                                       Clock::time_point now) {
  RateDecision decision;
  const ShardLocks locks(*this, scopes);
  const ScopeState unseen{};
  auto state_of = [&](const RateScope& scope) -> const ScopeState& {
    const net::StringMap<ScopeState>& states = shard_of(scope).scopes;
    auto it = states.find(scope.name);
    return it == states.end() ? unseen : it->second;
  };

  for (const RateScope& scope : scopes) {
    if (!scope.limits.any()) continue;
    const ScopeVerdict verdict = judge(state_of(scope), scope.limits, tokens, now);
    if (!verdict.refused_by.empty()) {
      decision.allowed = false;
      decision.scope = scope.name;
      decision.limit_name = verdict.refused_by;
      decision.retry_after = verdict.retry_after;
      break;
    }
  }

  if (decision.allowed) {
    for (const RateScope& scope : scopes) {
      if (!scope.limits.any()) continue;
      net::StringMap<ScopeState>& states = shard_of(scope).scopes;
      auto it = states.find(scope.name);
      if (it == states.end()) it = states.emplace(std::string(scope.name), ScopeState{}).first;
      ScopeState& state = it->second;
      const ScopeVerdict verdict = judge(state, scope.limits, tokens, now);
      state.request_arrival = verdict.request_arrival;
      state.token_arrival = verdict.token_arrival;
      if (scope.limits.concurrency) ++state.in_flight;
    }
  }

  // The headers describe the first scope (the key's) as this decision leaves it.
  if (!scopes.empty()) {
    const RateScope& first = scopes.front();
    const ScopeState& state = state_of(first);
    if (const auto interval = interval_of(first.limits.rpm)) {
      const Allowance left = allowance_of(state.request_arrival, *interval, now);
      decision.limit_requests = *first.limits.rpm;
      decision.remaining_requests = left.remaining;
      decision.reset_requests = left.reset;
    }
    if (const auto interval = interval_of(first.limits.tpm)) {
      const Allowance left = allowance_of(state.token_arrival, *interval, now);
      decision.limit_tokens = *first.limits.tpm;
      decision.remaining_tokens = left.remaining;
      decision.reset_tokens = left.reset;
    }
  }
  return decision;
}

// Moving the TAT back may leave it before now; admission reads max(TAT, now), so the returned
// allowance is usable at once but never accumulates beyond a whole minute.
void LocalRateLimiter::settle(std::span<const RateScope> scopes, std::int64_t estimated,
                              std::int64_t actual) {
  if (estimated == actual) return;
  const ShardLocks locks(*this, scopes);
  for (const RateScope& scope : scopes) {
    const auto interval = interval_of(scope.limits.tpm);
    if (!interval) continue;
    net::StringMap<ScopeState>& states = shard_of(scope).scopes;
    auto it = states.find(scope.name);
    if (it == states.end()) continue;
    it->second.token_arrival += token_cost(actual, *interval) - token_cost(estimated, *interval);
  }
}

void LocalRateLimiter::release(std::span<const RateScope> scopes) {
  const ShardLocks locks(*this, scopes);
  for (const RateScope& scope : scopes) {
    if (!scope.limits.concurrency) continue;
    net::StringMap<ScopeState>& states = shard_of(scope).scopes;
    auto it = states.find(scope.name);
    if (it != states.end() && it->second.in_flight > 0) --it->second.in_flight;
  }
}

}  // namespace tollgate::routing
