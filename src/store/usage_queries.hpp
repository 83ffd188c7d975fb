// Read-only reports over usage_log, for `tollgate usage`. Runs in the CLI (or an admin worker),
// on its own connection; WAL lets it read while the gateway's writer commits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::store {

class Database;

// One usage_log row as stored (NULL text reads as "", NULL numbers as 0).
struct UsageLogRow {
  int64_t id = 0;
  std::string request_id;
  int64_t created_at_ms = 0;
  std::string key_prefix;
  std::string surface;
  std::string public_model;
  std::string upstream_model;
  std::string provider;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t reasoning_tokens = 0;
  std::string usage_source;
  int64_t cost_micros = 0;
  int64_t status = 0;
  std::string error_code;
  int64_t latency_us = 0;
  int64_t upstream_latency_us = 0;
  int64_t overhead_us = 0;
  bool stream = false;
  bool client_disconnected = false;
};

struct ModelUsageTotals {
  std::string public_model;  // "" for requests that never resolved a model
  int64_t requests = 0;
  int64_t errors = 0;  // status >= 400
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t cost_micros = 0;
  int64_t avg_latency_us = 0;   // rounded down
  int64_t avg_overhead_us = 0;  // rounded down
};

// The `limit` newest rows, newest first (by created_at, then id). limit <= 0 gives none.
std::vector<UsageLogRow> recent(Database& database, int limit);

// One entry per public model, ordered by model name; only rows with created_at >= since_ms when
// given.
std::vector<ModelUsageTotals> totals_by_model(Database& database,
                                              std::optional<int64_t> since_ms = std::nullopt);

}  // namespace tollgate::store
