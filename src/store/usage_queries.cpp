#include "store/usage_queries.hpp"

#include "store/sqlite_database.hpp"

namespace tollgate::store {

std::vector<UsageLogRow> recent(Database& database, int limit) {
  std::vector<UsageLogRow> rows;
  if (limit <= 0) return rows;
  Statement query = database.prepare(
      "SELECT id, request_id, created_at, key_prefix, surface, public_model, upstream_model, "
      "provider, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, usage_source, "
      "cost_micros, status, error_code, latency_us, upstream_latency_us, overhead_us, stream, "
      "client_disconnected "
      "FROM usage_log ORDER BY created_at DESC, id DESC LIMIT ?");
  query.bind_int64(1, limit);
  rows.reserve(static_cast<std::size_t>(limit));
  while (query.step()) {
    UsageLogRow& row = rows.emplace_back();
    row.id = query.column_int64(0);
    row.request_id = query.column_text(1);
    row.created_at_ms = query.column_int64(2);
    row.key_prefix = query.column_text(3);
    row.surface = query.column_text(4);
    row.public_model = query.column_text(5);
    row.upstream_model = query.column_text(6);
    row.provider = query.column_text(7);
    row.prompt_tokens = query.column_int64(8);
    row.completion_tokens = query.column_int64(9);
    row.cached_tokens = query.column_int64(10);
    row.reasoning_tokens = query.column_int64(11);
    row.usage_source = query.column_text(12);
    row.cost_micros = query.column_int64(13);
    row.status = query.column_int64(14);
    row.error_code = query.column_text(15);
    row.latency_us = query.column_int64(16);
    row.upstream_latency_us = query.column_int64(17);
    row.overhead_us = query.column_int64(18);
    row.stream = query.column_int64(19) != 0;
    row.client_disconnected = query.column_int64(20) != 0;
  }
  return rows;
}

std::vector<ModelUsageTotals> totals_by_model(Database& database, std::optional<int64_t> since_ms) {
  // SUM over INTEGER columns stays an exact integer (AVG and TOTAL would go through a double);
  // the averages are SUM / COUNT in integer arithmetic, i.e. rounded down.
  Statement query = database.prepare(
      "SELECT COALESCE(public_model, ''), COUNT(*), "
      " SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), "
      " COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), "
      "COALESCE(SUM(cached_tokens), 0), "
      " COALESCE(SUM(cost_micros), 0), "
      " COALESCE(SUM(latency_us), 0) / COUNT(*), COALESCE(SUM(overhead_us), 0) / COUNT(*) "
      "FROM usage_log WHERE ?1 IS NULL OR created_at >= ?1 "
      "GROUP BY COALESCE(public_model, '') ORDER BY 1");
  query.bind_optional_int64(1, since_ms);
  std::vector<ModelUsageTotals> totals;
  while (query.step()) {
    ModelUsageTotals& entry = totals.emplace_back();
    entry.public_model = query.column_text(0);
    entry.requests = query.column_int64(1);
    entry.errors = query.column_int64(2);
    entry.prompt_tokens = query.column_int64(3);
    entry.completion_tokens = query.column_int64(4);
    entry.cached_tokens = query.column_int64(5);
    entry.cost_micros = query.column_int64(6);
    entry.avg_latency_us = query.column_int64(7);
    entry.avg_overhead_us = query.column_int64(8);
  }
  return totals;
}

}  // namespace tollgate::store
