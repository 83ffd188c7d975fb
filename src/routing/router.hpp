// Choosing where a request goes, and remembering how each deployment has been doing.
//
// The router knows deployments by index (0 .. size()-1) and keeps, per deployment, the state
// every event loop shares: its circuit breaker (closed → open after `failures` consecutive
// failures → half-open after `cooldown`, when one probe request is let through: success closes
// it, failure opens it again), a cool-down until a retry-after has passed, its own rpm / tpm caps
// (GCRA cells), and an EWMA of its time to first byte. All of it is lock-free (atomics), so
// selection costs well under a microsecond and never waits on another thread.
//
// The life of a request here:
//   order()          its candidates in try order (a Plan), the unusable ones left out
//   begin()          before each attempt: may this deployment take it now? (caps consumed,
//                    half-open probe slot taken)
//   succeeded() / failed() / cool_down()   the attempt's outcome
//   settle_tokens()  the real token count replaces the estimate in the deployment's tpm cell
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::routing {

using Clock = std::chrono::steady_clock;

// One deployment as the router sees it.
struct DeploymentInfo {
  std::string name;           // for metrics and logs
  int priority = 0;           // lower first
  std::uint32_t weight = 1;   // >= 1
  std::uint8_t region = 0;    // region id (0: none); see RegionSet
  std::optional<std::int64_t> rpm;
  std::optional<std::int64_t> tpm;
};

enum class Strategy : std::uint8_t { weighted, least_latency };

struct BreakerSettings {
  int failures = 5;  // consecutive failures that open the breaker (>= 1)
  Clock::duration cooldown = std::chrono::seconds(30);
};

enum class BreakerState : std::uint8_t { closed, open, half_open };
std::string_view to_string(BreakerState state);  // "closed", "open", "half_open"

// Region ids 1..63 as a bit set; `any()` allows every deployment, whatever its region.
struct RegionSet {
  std::uint64_t bits = ~std::uint64_t{0};
  static RegionSet any() { return {}; }
  bool contains(std::uint8_t region) const { return (bits >> region) & 1; }
};

// A request's candidates, in the order they are tried. Fixed capacity: no allocation.
inline constexpr std::size_t kMaxCandidates = 16;
struct Plan {
  std::array<std::uint16_t, kMaxCandidates> deployments{};
  std::uint8_t size = 0;

  bool full() const { return size == kMaxCandidates; }
  void push(std::uint16_t d) {
    if (!full()) deployments[size++] = d;
  }
  std::span<const std::uint16_t> view() const { return {deployments.data(), size}; }
};

struct Preferences {
  RegionSet allowed = RegionSet::any();  // others are left out (a key's region policy)
  std::uint8_t preferred = 0;            // within a priority, these go first (0: none)
  // The request has this one deployment and no other: its health (breaker, cool-down) does not
  // turn it away — there is nothing to fail over to, and the upstream's own answer tells the
  // client more than a 503 would. Its caps still do.
  bool sole = false;
};

class Router {
 public:
  Router(std::vector<DeploymentInfo> deployments, Strategy strategy, BreakerSettings breaker);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  std::size_t size() const { return infos_.size(); }
  const DeploymentInfo& info(std::uint16_t d) const { return infos_[d]; }

  // Appends `members` (one model's deployments, or an alias's in model order — callers append
  // group after group) to `plan` in try order: ascending priority (stable: equal priorities keep
  // the order of `members` relative to other priorities); within a priority the preferred
  // region first, then a weighted random order (weighted: each next pick proportional to weight
  // among those left, driven by `random`) or ascending EWMA time to first byte (least_latency;
  // deployments with no sample yet first, in weighted order). Left out: deployments outside
  // `allowed`, with an open breaker (before its cooldown ends), half-open with a probe already
  // in flight, cooling down after a retry-after, or at their rpm / tpm cap (checked, not
  // consumed). A deployment already in `plan` is not added twice.
  void order(std::span<const std::uint16_t> members, const Preferences& preferences,
             std::uint64_t random, Clock::time_point now, Plan& plan) const;

  // Right before an attempt on `d`: true when it may take the request now — its breaker is
  // closed, or half-open (or open with its cooldown over) and no probe is in flight, in which case
  // this attempt becomes the probe — and its caps admit one request of `tokens` tokens, which
  // are then counted. False: skip it.
  // `sole`: as Preferences::sole (no breaker or cool-down check, no probe taken).
  bool begin(std::uint16_t d, std::int64_t tokens, Clock::time_point now, bool sole = false);

  // The attempt's outcome. A success: closes a half-open breaker, resets the failure count,
  // updates the latency EWMA with `first_byte`. A failure: counts towards opening the breaker;
  // a failed probe opens it again for another cooldown. Each returns the breaker's new state
  // when it changed (for metrics and logs).
  std::optional<BreakerState> succeeded(std::uint16_t d, Clock::duration first_byte,
                                        Clock::time_point now);
  std::optional<BreakerState> failed(std::uint16_t d, Clock::time_point now);
  // The upstream said when to come back (retry-after): the deployment is left out until then.
  void cool_down(std::uint16_t d, Clock::time_point until);
  // Undoes begin()'s counting for an attempt that was never sent.
  void abandon(std::uint16_t d, std::int64_t tokens);
  // The tokens the request really used replace the `estimated` ones in d's tpm cell.
  void settle_tokens(std::uint16_t d, std::int64_t estimated, std::int64_t actual);

  BreakerState state(std::uint16_t d, Clock::time_point now) const;
  // The EWMA of d's time to first byte; zero before the first sample.
  Clock::duration latency(std::uint16_t d) const;
  // When the first of `members` becomes usable again (breaker cooldown or retry-after over);
  // `now` if one already is. For the retry-after of a 503 when every candidate is out.
  Clock::time_point next_available(std::span<const std::uint16_t> members,
                                   Clock::time_point now) const;

 private:
  struct Health;  // per deployment, cache-line aligned atomics (router.cpp)
  std::vector<DeploymentInfo> infos_;
  Strategy strategy_;
  BreakerSettings breaker_;
  std::unique_ptr<Health[]> health_;
};

}  // namespace tollgate::routing
