#include "store/billing_queries.hpp"

#include "store/sqlite_database.hpp"

#include <chrono>
#include <cstdio>

namespace tollgate::store {
namespace {

// The WHERE clause of a scope: only the filters given, so SQLite can use the matching index
// (the primary key's day_start, (account_id, day_start) or (key_prefix, day_start)); parameters
// ?1 = first day, ?2 = to, ?3 = account, ?4 = key.
std::string scope_condition(const UsageScope& scope) {
  std::string condition = "WHERE day_start >= ?1 AND day_start < ?2";
  if (scope.account_id) condition += " AND account_id = ?3";
  if (scope.key_prefix) condition += " AND key_prefix = ?4";
  return condition;
}

void bind_scope(Statement& query, const UsageScope& scope) {
  query.bind_int64(1, utc_day_start_ms(scope.from_ms)).bind_int64(2, scope.to_ms);
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
  // An empty range is empty even when both ends fall inside one day.
  if (scope.from_ms >= scope.to_ms) return {};
  Statement query = database.prepare(
      "SELECT day_start, public_model, SUM(requests), SUM(errors), SUM(prompt_tokens), "
      "SUM(completion_tokens), SUM(cached_tokens), SUM(cache_write_tokens), "
      "SUM(reasoning_tokens), SUM(cost_micros), SUM(charged_micros) FROM usage_daily " +
      scope_condition(scope) +
      " GROUP BY day_start, public_model ORDER BY day_start, public_model");
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
      "SELECT COALESCE(SUM(requests), 0), COALESCE(SUM(cost_micros), 0), "
      "COALESCE(SUM(charged_micros), 0) FROM usage_daily WHERE key_prefix = ? AND day_start >= ?");
  query.bind_text(1, key_prefix).bind_int64(2, utc_day_start_ms(since_ms));
  return read_spend(query);
}

int64_t newest_usage_row(Database& database) {
  CachedStatement query = database.prepare_cached("SELECT COALESCE(MAX(id), 0) FROM usage_log");
  return query->step() ? query->column_int64(0) : 0;
}

std::vector<OthersCharge> charges_of_others(Database& database, std::string_view instance,
                                            int64_t after_row, int64_t through_row) {
  CachedStatement query = database.prepare_cached(
      "SELECT id, account_id, key_prefix, charged_micros, created_at FROM usage_log "
      "WHERE id > ?1 AND id <= ?2 AND instance IS NOT ?3 AND charged_micros > 0 "
      "AND key_prefix IS NOT NULL ORDER BY id");
  query->bind_int64(1, after_row).bind_int64(2, through_row).bind_text(3, instance);
  std::vector<OthersCharge> charges;
  while (query->step()) {
    charges.push_back({query->column_int64(0), query->column_int64(1), query->column_text(2),
                       query->column_int64(3), query->column_int64(4)});
  }
  return charges;
}

Spend account_spend(Database& database, int64_t account_id, int64_t since_ms) {
  Statement query = database.prepare(
      "SELECT COALESCE(SUM(requests), 0), COALESCE(SUM(cost_micros), 0), "
      "COALESCE(SUM(charged_micros), 0) FROM usage_daily WHERE account_id = ? AND day_start >= ?");
  query.bind_int64(1, account_id).bind_int64(2, utc_day_start_ms(since_ms));
  return read_spend(query);
}

}  // namespace tollgate::store
