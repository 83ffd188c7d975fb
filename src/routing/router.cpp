// The router's shared state and the selection over it (router.hpp says what each call means).
//
// Each deployment's Health sits on a cache line of its own, so event loops working on different
// deployments never bounce each other's lines. Nothing here locks: every change is one atomic
// store, add or compare-exchange, and a race between two threads ends in one of the outcomes
// either would have produced alone.
//
// The breaker is one atomic word holding its state and the time that goes with it: when an open
// breaker may be probed, or when the probe in flight was sent. Kept apart, a thread could see
// the state of one opening and the time of the next (an open → probe → open again that happens
// between its two loads) and let a second probe through; as one word, every transition is a
// single compare-exchange against exactly what the thread saw. Half-open has no word of its
// own: it is "open, cooldown over" until a begin() takes the probe.
//
// The caps are GCRA cells: a theoretical arrival time (TAT) that each admitted request pushes
// forward by cost × 60 s / limit; a request is admitted while the new TAT stays within a minute
// of now. A deployment may thus burst its whole minute and then takes one request per interval.
#include "routing/router.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace tollgate::routing {

namespace {

constexpr std::int64_t kPeriod =
    std::chrono::duration_cast<Clock::duration>(std::chrono::minutes(1)).count();
// "Long ago" for cells never used: far enough back to be harmless, far enough from the int64
// limit that adding a minute or a cooldown to it cannot overflow.
constexpr std::int64_t kLongAgo = std::numeric_limits<std::int64_t>::min() / 4;

std::int64_t ticks(Clock::time_point t) {
  return t.time_since_epoch().count();
}
Clock::time_point time_at(std::int64_t count) {
  return Clock::time_point(Clock::duration(count));
}

// The breaker word: (time << 2) | kind. Closed carries no time; open carries the end of its
// cooldown; probing (half-open with the probe in flight) carries when the probe was sent.
enum BreakerKind : std::int64_t { kClosed = 0, kOpen = 1, kProbing = 2 };
constexpr std::int64_t breaker_word(BreakerKind kind, std::int64_t time) {
  return time * 4 + kind;
}
constexpr BreakerKind kind_of(std::int64_t word) {
  return static_cast<BreakerKind>(word & 3);
}
// An arithmetic shift (C++20): times before the clock's epoch decode too.
constexpr std::int64_t time_of(std::int64_t word) {
  return word >> 2;
}

// cost × 60 s / limit without overflowing for large costs (tokens) or rounding away the
// remainder for large limits.
std::int64_t cell_increment(std::int64_t cost, std::int64_t limit) {
  return cost * (kPeriod / limit) + cost * (kPeriod % limit) / limit;
}

// The earliest time a cell admits a request of `increment`: max(TAT, t) + increment - t <= 60 s.
std::int64_t cell_admits_from(std::int64_t tat, std::int64_t increment) {
  return tat + increment - kPeriod;
}

// GCRA admission: moves the TAT forward when the request fits in the minute.
bool cell_admit(std::atomic<std::int64_t>& tat, std::int64_t increment, std::int64_t now) {
  std::int64_t current = tat.load(std::memory_order_relaxed);
  for (;;) {
    const std::int64_t next = std::max(current, now) + increment;
    if (next - now > kPeriod) return false;
    if (tat.compare_exchange_weak(current, next, std::memory_order_relaxed)) return true;
  }
}

// splitmix64: turns the caller's one random value into as many well-mixed draws as a weighted
// order needs, for the price of a few multiplications each.
struct Draws {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

// A usable member during order(): the sort key and the weight for the draws.
struct Candidate {
  std::uint16_t deployment;
  std::uint32_t weight;
  int priority;
  std::uint8_t elsewhere;  // 0: in the preferred region, so first within its priority
  std::int64_t latency;    // least_latency: the EWMA, 0 when unsampled (those go first)

  bool same_rank(const Candidate& other) const {
    return priority == other.priority && elsewhere == other.elsewhere && latency == other.latency;
  }
  bool ranks_before(const Candidate& other) const {
    if (priority != other.priority) return priority < other.priority;
    if (elsewhere != other.elsewhere) return elsewhere < other.elsewhere;
    return latency < other.latency;
  }
};

// Weighted order without replacement over [first, last): each position takes one of those left
// with probability proportional to its weight.
void weighted_shuffle(Candidate* first, Candidate* last, Draws& draws) {
  std::uint64_t total = 0;
  for (const Candidate* c = first; c != last; ++c) total += c->weight;
  for (; last - first > 1; ++first) {
    // The modulo bias is total / 2^64: invisible next to any weight a config can hold.
    std::uint64_t pick = draws.next() % total;
    Candidate* chosen = first;
    while (pick >= chosen->weight) pick -= (chosen++)->weight;
    total -= chosen->weight;
    std::swap(*first, *chosen);
  }
}

bool contains(std::span<const std::uint16_t> deployments, std::uint16_t d) {
  return std::find(deployments.begin(), deployments.end(), d) != deployments.end();
}

}  // namespace

struct alignas(64) Router::Health {
  std::atomic<std::int64_t> breaker{breaker_word(kClosed, 0)};
  std::atomic<std::int32_t> consecutive_failures{0};
  std::atomic<std::int64_t> cooldown_until{kLongAgo};  // a retry-after
  std::atomic<std::int64_t> rpm_tat{kLongAgo};
  std::atomic<std::int64_t> tpm_tat{kLongAgo};
  std::atomic<std::int64_t> first_byte_ns{0};  // EWMA; 0 before the first sample
  // From the configuration: a cap of zero or less is no cap (as in the key rate limiter).
  std::int64_t rpm = 0;
  std::int64_t tpm = 0;

  // When the deployment can take a request again as far as order() can tell (the smallest
  // request: one request, one token); at or before now when it can now. One answer for order()
  // and next_available(), so the two never disagree.
  // `health` false: the caps only (a sole deployment).
  std::int64_t usable_from(std::int64_t cooldown, bool health = true) const {
    std::int64_t from = std::numeric_limits<std::int64_t>::min();
    if (health) {
      from = cooldown_until.load(std::memory_order_relaxed);
      const std::int64_t word = breaker.load(std::memory_order_acquire);
      if (kind_of(word) == kOpen) from = std::max(from, time_of(word));
      // A probe unanswered for a whole cooldown is taken as lost, so the slot frees itself.
      if (kind_of(word) == kProbing) from = std::max(from, time_of(word) + cooldown);
    }
    if (rpm > 0) {
      from = std::max(
          from, cell_admits_from(rpm_tat.load(std::memory_order_relaxed), cell_increment(1, rpm)));
    }
    if (tpm > 0) {
      from = std::max(
          from, cell_admits_from(tpm_tat.load(std::memory_order_relaxed), cell_increment(1, tpm)));
    }
    return from;
  }
};

Router::Router(std::vector<DeploymentInfo> deployments, Strategy strategy, BreakerSettings breaker)
    : infos_(std::move(deployments)),
      strategy_(strategy),
      breaker_(breaker),
      health_(std::make_unique<Health[]>(infos_.size())) {
  for (std::size_t d = 0; d < infos_.size(); ++d) {
    health_[d].rpm = std::max<std::int64_t>(infos_[d].rpm.value_or(0), 0);
    health_[d].tpm = std::max<std::int64_t>(infos_[d].tpm.value_or(0), 0);
  }
}

Router::~Router() = default;

void Router::order(std::span<const std::uint16_t> members, const Preferences& preferences,
                   std::uint64_t random, Clock::time_point now, Plan& plan) const {
  const std::int64_t at = ticks(now);
  const std::int64_t cooldown = breaker_.cooldown.count();
  std::array<Candidate, kMaxCandidates> candidates;
  std::size_t count = 0;
  for (std::uint16_t d : members) {
    if (count == candidates.size()) break;
    const DeploymentInfo& info = infos_[d];
    if (!preferences.allowed.contains(info.region)) continue;
    if (contains(plan.view(), d)) continue;
    if (std::any_of(candidates.begin(), candidates.begin() + count,
                    [d](const Candidate& c) { return c.deployment == d; })) {
      continue;
    }
    if (health_[d].usable_from(cooldown, !preferences.sole) > at) continue;
    const bool preferred = preferences.preferred != 0 && info.region == preferences.preferred;
    const std::int64_t latency = strategy_ == Strategy::least_latency
                                     ? health_[d].first_byte_ns.load(std::memory_order_relaxed)
                                     : 0;
    Candidate c{d, std::max<std::uint32_t>(info.weight, 1), info.priority, !preferred, latency};
    // Insertion sort, stable: a handful of candidates, already close to order in practice.
    std::size_t i = count++;
    for (; i > 0 && c.ranks_before(candidates[i - 1]); --i) candidates[i] = candidates[i - 1];
    candidates[i] = c;
  }
  // Equal ranks (one priority and region; for least_latency, the unsampled ones) are ordered
  // by weight at random.
  Draws draws{random};
  for (std::size_t first = 0; first < count;) {
    std::size_t last = first + 1;
    while (last < count && candidates[last].same_rank(candidates[first])) ++last;
    weighted_shuffle(&candidates[first], &candidates[last], draws);
    first = last;
  }
  for (std::size_t i = 0; i < count; ++i) plan.push(candidates[i].deployment);
}

bool Router::begin(std::uint16_t d, std::int64_t tokens, Clock::time_point now, bool sole) {
  Health& h = health_[d];
  const std::int64_t at = ticks(now);
  if (!sole && h.cooldown_until.load(std::memory_order_relaxed) > at) return false;

  // The breaker: closed lets it through; open with its cooldown over (or a probe lost) makes
  // this attempt the probe, for whichever thread's compare-exchange lands first.
  std::int64_t word = h.breaker.load(std::memory_order_acquire);
  bool probe = false;
  for (;;) {
    if (sole) break;
    if (kind_of(word) == kClosed) break;
    const std::int64_t from =
        kind_of(word) == kOpen ? time_of(word) : time_of(word) + breaker_.cooldown.count();
    if (at < from) return false;
    if (h.breaker.compare_exchange_weak(word, breaker_word(kProbing, at),
                                        std::memory_order_acq_rel)) {
      probe = true;
      break;
    }
  }

  // The caps, all or nothing.
  bool admitted = true;
  if (h.rpm > 0) admitted = cell_admit(h.rpm_tat, cell_increment(1, h.rpm), at);
  if (admitted && h.tpm > 0 && !cell_admit(h.tpm_tat, cell_increment(tokens, h.tpm), at)) {
    if (h.rpm > 0) h.rpm_tat.fetch_sub(cell_increment(1, h.rpm), std::memory_order_relaxed);
    admitted = false;
  }
  if (!admitted && probe) {
    // Give the probe slot back: open with a cooldown already over, so the next begin() may
    // probe. Unless an outcome has moved the breaker on meanwhile.
    std::int64_t taken = breaker_word(kProbing, at);
    h.breaker.compare_exchange_strong(taken, breaker_word(kOpen, at), std::memory_order_acq_rel);
  }
  return admitted;
}

std::optional<BreakerState> Router::succeeded(std::uint16_t d, Clock::duration first_byte,
                                              Clock::time_point) {
  Health& h = health_[d];
  // Reset before closing: a failure racing with the close must not find the old count.
  if (h.consecutive_failures.load(std::memory_order_relaxed) != 0) {
    h.consecutive_failures.store(0, std::memory_order_relaxed);
  }

  // EWMA with alpha 1/8. Two threads racing here may lose one sample: an average can afford it.
  // A zero sample would read as "unsampled", hence the floor of 1 ns.
  const std::int64_t sample = std::max<std::int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(first_byte).count(), 1);
  const std::int64_t average = h.first_byte_ns.load(std::memory_order_relaxed);
  h.first_byte_ns.store(average == 0 ? sample : average + (sample - average) / 8,
                        std::memory_order_relaxed);

  std::int64_t word = h.breaker.load(std::memory_order_acquire);
  if (kind_of(word) == kProbing && h.breaker.compare_exchange_strong(word, breaker_word(kClosed, 0),
                                                                     std::memory_order_acq_rel)) {
    return BreakerState::closed;
  }
  return std::nullopt;
}

std::optional<BreakerState> Router::failed(std::uint16_t d, Clock::time_point now) {
  Health& h = health_[d];
  std::int64_t word = h.breaker.load(std::memory_order_acquire);
  const std::int64_t reopen = breaker_word(kOpen, ticks(now) + breaker_.cooldown.count());
  switch (kind_of(word)) {
    case kProbing:
      // The probe failed: another full cooldown. (An attempt sent before the breaker opened
      // and answered only now says the same about the deployment.)
      if (h.breaker.compare_exchange_strong(word, reopen, std::memory_order_acq_rel)) {
        return BreakerState::open;
      }
      return std::nullopt;
    case kOpen:
      return std::nullopt;  // attempts sent before it opened: it is already out
    case kClosed:
      break;
  }
  if (h.consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1 < breaker_.failures) {
    return std::nullopt;
  }
  // Several threads may reach the threshold together: one opens the breaker, and says so.
  if (h.breaker.compare_exchange_strong(word, reopen, std::memory_order_acq_rel)) {
    return BreakerState::open;
  }
  return std::nullopt;
}

void Router::cool_down(std::uint16_t d, Clock::time_point until) {
  // Two retry-afters racing: the later one wins.
  std::atomic<std::int64_t>& cooldown_until = health_[d].cooldown_until;
  std::int64_t current = cooldown_until.load(std::memory_order_relaxed);
  while (current < ticks(until) &&
         !cooldown_until.compare_exchange_weak(current, ticks(until), std::memory_order_relaxed)) {
  }
}

void Router::abandon(std::uint16_t d, std::int64_t tokens) {
  Health& h = health_[d];
  if (h.rpm > 0) h.rpm_tat.fetch_sub(cell_increment(1, h.rpm), std::memory_order_relaxed);
  if (h.tpm > 0) h.tpm_tat.fetch_sub(cell_increment(tokens, h.tpm), std::memory_order_relaxed);
  // abandon() follows the begin() it undoes at once, so a probe in flight is this attempt's:
  // its slot frees (open, cooldown over since the probe's own start).
  std::int64_t word = h.breaker.load(std::memory_order_acquire);
  if (kind_of(word) == kProbing) {
    h.breaker.compare_exchange_strong(word, breaker_word(kOpen, time_of(word)),
                                      std::memory_order_acq_rel);
  }
}

void Router::settle_tokens(std::uint16_t d, std::int64_t estimated, std::int64_t actual) {
  Health& h = health_[d];
  // A negative difference moves the TAT back: the tokens not used are given back.
  if (h.tpm > 0 && actual != estimated) {
    h.tpm_tat.fetch_add(cell_increment(actual - estimated, h.tpm), std::memory_order_relaxed);
  }
}

BreakerState Router::state(std::uint16_t d, Clock::time_point now) const {
  const std::int64_t word = health_[d].breaker.load(std::memory_order_acquire);
  switch (kind_of(word)) {
    case kClosed:
      return BreakerState::closed;
    case kOpen:
      return ticks(now) < time_of(word) ? BreakerState::open : BreakerState::half_open;
    case kProbing:
      return BreakerState::half_open;
  }
  return BreakerState::open;  // unreachable: the word has no fourth kind
}

Clock::duration Router::latency(std::uint16_t d) const {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::nanoseconds(health_[d].first_byte_ns.load(std::memory_order_relaxed)));
}

Clock::time_point Router::next_available(std::span<const std::uint16_t> members,
                                         Clock::time_point now) const {
  if (members.empty()) return now;  // nothing to wait for
  std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
  for (std::uint16_t d : members) {
    earliest = std::min(earliest, health_[d].usable_from(breaker_.cooldown.count()));
  }
  return std::max(now, time_at(earliest));
}

std::string_view to_string(BreakerState state) {
  switch (state) {
    case BreakerState::closed:
      return "closed";
    case BreakerState::open:
      return "open";
    case BreakerState::half_open:
      return "half_open";
  }
  return "unknown";
}

}  // namespace tollgate::routing
