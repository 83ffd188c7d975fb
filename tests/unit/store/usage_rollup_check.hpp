// Test helpers around usage_daily (migration 5): the rollups recomputed from usage_log rows,
// written out here independently of the migration's backfill and of the writer's upserts so that
// both can be checked against it.
#pragma once

#include "store/sqlite_database.hpp"

#include <cstdint>
#include <string>

namespace tollgate::testing {

// usage_log summed per UTC day (floored, negative times too), account, key and model, with
// "none" as 0 / '', in usage_daily's column order.
inline constexpr const char* kRollupsOfTheRows = R"sql(
SELECT (created_at / 86400000 - (created_at % 86400000 < 0)) * 86400000, IFNULL(account_id, 0),
       IFNULL(key_prefix, ''), IFNULL(public_model, ''), COUNT(*),
       COUNT(CASE WHEN status >= 400 THEN 1 END), IFNULL(SUM(prompt_tokens), 0),
       IFNULL(SUM(completion_tokens), 0), IFNULL(SUM(cached_tokens), 0),
       IFNULL(SUM(cache_write_tokens), 0), IFNULL(SUM(reasoning_tokens), 0),
       IFNULL(SUM(cost_micros), 0), IFNULL(SUM(charged_micros), 0)
FROM usage_log WHERE created_at IS NOT NULL GROUP BY 1, 2, 3, 4
)sql";

inline int64_t count_of(store::Database& database, const std::string& sql) {
  store::Statement query = database.prepare(sql);
  return query.step() ? query.column_int64(0) : -1;
}

// How many rows usage_daily and the rows' own rollups do not have in common (0: identical).
inline int64_t rollups_differing_from_rows(store::Database& database) {
  const std::string daily =
      "SELECT day_start, account_id, key_prefix, public_model, requests, errors, prompt_tokens, "
      "completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost_micros, "
      "charged_micros FROM usage_daily";
  const std::string rows = kRollupsOfTheRows;
  return count_of(database, "SELECT COUNT(*) FROM (" + daily + " EXCEPT " + rows + ")") +
         count_of(database, "SELECT COUNT(*) FROM (" + rows + " EXCEPT " + daily + ")");
}

}  // namespace tollgate::testing
