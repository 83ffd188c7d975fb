#include "store/billing_queries.hpp"

#include "store/sqlite_database.hpp"

#include <chrono>
#include <cstdio>

namespace tollgate::store {
namespace {

// The WHERE clause of a scope: only the filters given, so SQLite can use the matching index
// ((account_id, created_at) or (key_prefix, created_at)); parameters ?1 = from, ?2 = to,
// ?3 = account, ?4 = key.
std::string scope_condition(const UsageScope& scope) {
  std::string condition = "WHERE created_at >= ?1 AND created_at < ?2";
  if (scope.account_id) condition += " AND account_id = ?3";
  if (scope.key_prefix) condition += " AND key_prefix = ?4";
  return condition;
}

void bind_scope(Statement& query, const UsageScope& scope) {
  query.bind_int64(1, scope.from_ms).bind_int64(2, scope.to_ms);
  if (scope.account_id) query.bind_int64(3, *scope.account_id);
  if (scope.key_prefix) query.bind_text(4, *scope.key_prefix);
}

Spend read_spend(Statement& query) {
  Spend spend;
  if (query.step()) {
    spend.requests = query.column_int64(0);
    spend.cost_micros = query.column_int64(1);
    spend.charged_micros = query.column_int64(2);
  }
  return spend;
}

}  // namespace

int64_t utc_day_start_ms(int64_t unix_ms) {
  const int64_t remainder = ((unix_ms % kMillisPerDay) + kMillisPerDay) % kMillisPerDay;
  return unix_ms - remainder;  // floor, also before 1970
}

std::string utc_day(int64_t unix_ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(unix_ms)));
  const year_month_day date(day);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::vector<DailyModelUsage> usage_by_day_and_model(Database& database, const UsageScope& scope) {
  // The day start is floor(created_at / day) * day, written with % so it floors for negative
  // times too (SQLite's integer division truncates toward zero).
  Statement query = database.prepare(
      "SELECT created_at - ((created_at % 86400000) + 86400000) % 86400000 AS day_start, "
      "COALESCE(public_model, '') AS model, COUNT(*), "
      "SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), "
      "COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), "
      "COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(cache_write_tokens), 0), "
      "COALESCE(SUM(reasoning_tokens), 0), COALESCE(SUM(cost_micros), 0), "
      "COALESCE(SUM(charged_micros), 0) FROM usage_log " +
      scope_condition(scope) + " GROUP BY day_start, model ORDER BY day_start, model");
  bind_scope(query, scope);
  std::vector<DailyModelUsage> rollups;
  while (query.step()) {
    DailyModelUsage& usage = rollups.emplace_back();
    usage.day_start_ms = query.column_int64(0);
    usage.day = utc_day(usage.day_start_ms);
    usage.public_model = query.column_text(1);
    usage.requests = query.column_int64(2);
    usage.errors = query.column_int64(3);
    usage.input_tokens = query.column_int64(4);
    usage.output_tokens = query.column_int64(5);
    usage.cached_tokens = query.column_int64(6);
    usage.cache_write_tokens = query.column_int64(7);
    usage.reasoning_tokens = query.column_int64(8);
    usage.cost_micros = query.column_int64(9);
    usage.charged_micros = query.column_int64(10);
  }
  return rollups;
}

Spend key_spend(Database& database, const std::string& key_prefix, int64_t since_ms) {
  Statement query = database.prepare(
      "SELECT COUNT(*), COALESCE(SUM(cost_micros), 0), COALESCE(SUM(charged_micros), 0) "
      "FROM usage_log WHERE key_prefix = ? AND created_at >= ?");
  query.bind_text(1, key_prefix).bind_int64(2, since_ms);
  return read_spend(query);
}

Spend account_spend(Database& database, int64_t account_id, int64_t since_ms) {
  Statement query = database.prepare(
      "SELECT COUNT(*), COALESCE(SUM(cost_micros), 0), COALESCE(SUM(charged_micros), 0) "
      "FROM usage_log WHERE account_id = ? AND created_at >= ?");
  query.bind_int64(1, account_id).bind_int64(2, since_ms);
  return read_spend(query);
}

}  // namespace tollgate::store
