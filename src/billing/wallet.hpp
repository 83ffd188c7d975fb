// The money side of admitting a request, in memory: each account's balance and each key's spend
// in its limit period. A billable request reserves before it is dispatched and settles when it
// ends; both are a few operations under one lock and never touch the disk, so an event loop may
// call them. The ledger entries that make them durable (reserve −R, settle R − C) are the
// caller's to write (through the group-commit writer).
//
// The balance here is the ledger's sum: a reservation is taken out of it at once, so what is
// left is what the next request may reserve. A reservation is refused when it would take the
// balance below zero, or a key's spend in its period above the key's threshold. Settling takes
// the request's exact cost: a cost above its reservation (a model that wrote more than the
// reserve assumed) is charged in full, so only then can a balance end below zero.
#pragma once

#include "billing/pricing.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

namespace tollgate::billing {

// How often a key's spending limit starts again (the AI/ML API's `limit.retention`).
enum class Retention : std::uint8_t { day, week, month, no_reset };
std::optional<Retention> parse_retention(std::string_view text);  // "day", "week", ...
std::string_view to_string(Retention retention);

// The start of the period `now` falls in, in UTC: midnight, Monday midnight, the 1st of the
// month; the epoch for no_reset.
std::chrono::sys_seconds period_start(Retention retention, std::chrono::sys_seconds now);
// The same as unix milliseconds, as the usage queries take it (store::key_spend).
std::int64_t period_start_ms(Retention retention, std::chrono::sys_seconds now);

struct KeyLimit {
  Micros threshold = 0;  // USD spend allowed per period, in micro-USD
  Retention retention = Retention::no_reset;
};

// Money set aside for one request.
struct Hold {
  std::int64_t account_id = 0;
  std::string key_prefix;  // empty when the key has no limit
  Micros amount = 0;
  std::chrono::sys_seconds period{};  // the key period the hold counts in
};

struct Refusal {
  enum class Reason : std::uint8_t { insufficient_balance, key_limit_reached };
  Reason reason = Reason::insufficient_balance;
  Micros needed = 0;     // the reservation asked for
  Micros available = 0;  // what the balance (or the key's limit) had left
};

class Wallet {
 public:
  // Sets an account's balance (its ledger sum), e.g. at start-up.
  void set_balance(std::int64_t account_id, Micros balance);
  // Sets what a key has spent in the period that contains `now` (from the usage log, when its
  // limit is first seen); spend from earlier periods is forgotten as periods roll over.
  // `counted_through_row` is the newest usage row that figure includes (see add_key_spend).
  void set_key_spend(std::int64_t account_id, std::string_view key_prefix, const KeyLimit& limit,
                     Micros spent, std::chrono::sys_seconds now,
                     std::int64_t counted_through_row = 0);
  // Adds what a key spent through another process (its usage row `row`, made at `at`) to the
  // period `at` falls in. Only a key whose limit this wallet follows counts it, and only a row
  // newer than those its loaded spend already includes; a row from a period that has ended
  // changes nothing.
  void add_key_spend(std::int64_t account_id, std::string_view key_prefix, std::int64_t row,
                     std::chrono::sys_seconds at, Micros amount);
  // Whether any key's spend is followed (add_key_spend would count something).
  bool follows_key_spend() const;

  // Takes `amount` out of the account's balance (and counts it against the key's limit when it
  // has one), or says why it cannot. An amount of 0 always succeeds.
  std::variant<Hold, Refusal> reserve(std::int64_t account_id, std::string_view key_prefix,
                                      const std::optional<KeyLimit>& limit, Micros amount,
                                      std::chrono::sys_seconds now);
  // Closes a hold with the request's cost. Returns the settle entry's amount, R − C: what goes
  // back to the balance (negative when the cost exceeded the reservation).
  Micros settle(const Hold& hold, Micros cost);

  // Money in or out from elsewhere: top-ups, refunds, adjustments, entries other processes wrote.
  void credit(std::int64_t account_id, Micros amount);

  Micros balance(std::int64_t account_id) const;
  // What the key has spent (settled costs plus open holds) in the period containing `now`.
  Micros key_spend(std::int64_t account_id, std::string_view key_prefix,
                   const KeyLimit& limit, std::chrono::sys_seconds now) const;

 private:
  struct KeySpend {
    std::chrono::sys_seconds period{};
    Micros spent = 0;
    Retention retention = Retention::no_reset;  // of the limit the spend counts against
    std::int64_t counted_through_row = 0;       // usage rows up to it are in `spent`
  };
  // Accounts (with their keys' spend) are spread over shards, each with its own lock, so
  // concurrent requests of different accounts rarely meet on a lock, and a reservation checks
  // the balance and the key's limit under one lock.
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::int64_t, Micros> balances;
    std::unordered_map<std::string, KeySpend> keys;
  };

  Shard& shard_of(std::int64_t account_id) const;
  // The key's spend in `period`, starting from 0 when the key's period has rolled over.
  static Micros& spend_in(KeySpend& key, std::chrono::sys_seconds period);

  mutable std::array<Shard, kShards> shards_;
  std::atomic<bool> follows_keys_{false};  // set once any key's spend is followed
};

}  // namespace tollgate::billing
