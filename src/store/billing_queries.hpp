// Read-only billing reports over usage_daily (migration 5), the per-UTC-day rollups the usage
// writer keeps next to usage_log: usage per UTC day and model for `GET /v1/usage` and the CLI, and
// the spend of a key or an account since a time (a key's `monthly_usage`, its spend limit per
// retention period).
//
// The rollups hold whole UTC days, so every time given here is a UTC day boundary (00:00 UTC, a
// multiple of kMillisPerDay): the callers pass day starts (`/v1/usage` dates, a retention
// period's start, 0 for "ever"), and for those the figures equal the sums over the usage_log rows
// in the range. A time inside a day stands for that whole day (a day counts if it overlaps the
// range), never for part of it.
//
// Figures are exact integer sums. `cost_micros` is the priced cost of the requests;
// `charged_micros` is what the ledger charged for them (0 for rows written with billing off).
// Runs on its own connection off the event loop (admin worker, CLI); SQLite errors throw
// store::DatabaseError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::store {

class Database;

inline constexpr int64_t kMillisPerDay = 86'400'000;

// Whose usage, over which half-open range [from_ms, to_ms) of UTC days: from_ms and to_ms are
// day starts (see above).
struct UsageScope {
  std::optional<int64_t> account_id{};      // nullopt: every account; 0: requests without one
  std::optional<std::string> key_prefix{};  // nullopt: every key; "": requests without one
  int64_t from_ms = 0;
  int64_t to_ms = 0;
};

struct DailyModelUsage {
  std::string day{};           // "YYYY-MM-DD", UTC
  int64_t day_start_ms = 0;    // 00:00:00 UTC of that day
  std::string public_model{};  // "" for requests that never resolved a model
  int64_t requests = 0;
  int64_t errors = 0;         // status >= 400
  int64_t input_tokens = 0;   // prompt tokens, cached and cache-write included
  int64_t output_tokens = 0;  // completion tokens, reasoning included
  int64_t cached_tokens = 0;
  int64_t cache_write_tokens = 0;
  int64_t reasoning_tokens = 0;
  int64_t cost_micros = 0;
  int64_t charged_micros = 0;

  friend bool operator==(const DailyModelUsage&, const DailyModelUsage&) = default;
};

struct Spend {
  int64_t requests = 0;
  int64_t cost_micros = 0;
  int64_t charged_micros = 0;
};

// One entry per (UTC day, model) with any request in scope, by day then model.
std::vector<DailyModelUsage> usage_by_day_and_model(Database& database, const UsageScope& scope);

// Usage of one key / one account from the UTC day starting at since_ms on (see above).
Spend key_spend(Database& database, const std::string& key_prefix, int64_t since_ms);
Spend account_spend(Database& database, int64_t account_id, int64_t since_ms);

// The newest usage_log row's id, 0 when there is none.
int64_t newest_usage_row(Database& database);

// A charged usage row another process wrote: spend a gateway counts against a key's limit for
// the other gateways on the same file.
struct OthersCharge {
  int64_t row = 0;  // usage_log.id
  int64_t account_id = 0;
  std::string key_prefix;
  int64_t charged_micros = 0;
  int64_t created_at_ms = 0;
};
// The rows in (after_row, through_row] with a key and a charge, written by an instance other
// than `instance` (rows from before usage rows named their instance count as others'), oldest
// first. Walks the rows by id: the cost grows with every process's rows in the range.
std::vector<OthersCharge> charges_of_others(Database& database, std::string_view instance,
                                            int64_t after_row, int64_t through_row);

// "YYYY-MM-DD" of the UTC day that contains unix_ms (proleptic Gregorian; any int64 value).
std::string utc_day(int64_t unix_ms);
// 00:00 UTC of the day that contains unix_ms.
int64_t utc_day_start_ms(int64_t unix_ms);

}  // namespace tollgate::store
