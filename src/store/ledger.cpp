#include "store/ledger.hpp"

#include "store/sqlite_database.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>

namespace tollgate::store {
namespace {

constexpr int kMaxPage = 1000;
constexpr std::string_view kReleasedNote = "released at start-up";

// Every read of ledger rows: these columns in this order (see read_entry), then `rest`.
std::string select_entries(std::string_view rest) {
  std::string sql =
      "SELECT id, account_id, key_prefix, kind, amount_micros, cost_micros, request_id, "
      "idempotency_key, note, instance, created_at FROM ledger ";
  sql += rest;
  return sql;
}

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

LedgerEntry read_entry(const Statement& row) {
  LedgerEntry entry;
  entry.id = row.column_int64(0);
  entry.account_id = row.column_int64(1);
  entry.key_prefix = row.column_text(2);
  // The table's CHECK admits only the five kinds.
  entry.kind = parse_ledger_kind(row.column_text(3)).value_or(LedgerKind::adjustment);
  entry.amount_micros = row.column_int64(4);
  entry.cost_micros = row.column_optional_int64(5);
  entry.request_id = row.column_text(6);
  entry.idempotency_key = row.column_text(7);
  entry.note = row.column_text(8);
  entry.instance = row.column_text(9);
  entry.created_at_ms = row.column_int64(10);
  return entry;
}

std::vector<LedgerEntry> read_entries(Statement& query) {
  std::vector<LedgerEntry> entries;
  while (query.step()) entries.push_back(read_entry(query));
  return entries;
}

LedgerEntry request_entry(const RequestLedgerContext& request, LedgerKind kind,
                          int64_t amount_micros) {
  LedgerEntry entry;
  entry.account_id = request.account_id;
  entry.key_prefix = request.key_prefix;
  entry.kind = kind;
  entry.amount_micros = amount_micros;
  entry.request_id = request.request_id;
  entry.instance = request.instance;
  entry.created_at_ms = unix_now_ms();
  return entry;
}

std::optional<std::string> kind_problem(const LedgerEntry& entry) {
  const int64_t amount = entry.amount_micros;
  switch (entry.kind) {
    case LedgerKind::reserve:
      if (amount > 0) return "a reserve takes money: its amount must not be positive";
      if (entry.request_id.empty()) return "a reserve needs a request_id";
      return std::nullopt;
    case LedgerKind::settle:
      if (!entry.cost_micros || *entry.cost_micros < 0) {
        return "a settle needs a non-negative cost_micros";
      }
      // Without a request_id it is a batch's charges for the account (the usage rows point at
      // it): the charge alone.
      if (entry.request_id.empty() && amount != -*entry.cost_micros) {
        return "a settle without a request_id is a batch's charges: its amount must be -cost";
      }
      return std::nullopt;
    case LedgerKind::refund:
      if (amount < 0) return "a refund returns money: its amount must not be negative";
      return std::nullopt;
    case LedgerKind::topup:
      if (amount <= 0) return "a top-up amount must be positive";
      if (entry.idempotency_key.empty()) return "a top-up needs an idempotency key";
      return std::nullopt;
    case LedgerKind::adjustment:
      if (amount == 0) return "an adjustment amount must not be zero";
      if (entry.idempotency_key.empty()) return "an adjustment needs an idempotency key";
      return std::nullopt;
  }
  return "unknown ledger kind";
}

}  // namespace

std::string_view to_string(LedgerKind kind) {
  switch (kind) {
    case LedgerKind::topup:
      return "topup";
    case LedgerKind::reserve:
      return "reserve";
    case LedgerKind::settle:
      return "settle";
    case LedgerKind::refund:
      return "refund";
    case LedgerKind::adjustment:
      return "adjustment";
  }
  return "adjustment";
}

std::optional<LedgerKind> parse_ledger_kind(std::string_view text) {
  for (LedgerKind kind : {LedgerKind::topup, LedgerKind::reserve, LedgerKind::settle,
                          LedgerKind::refund, LedgerKind::adjustment}) {
    if (to_string(kind) == text) return kind;
  }
  return std::nullopt;
}

std::string_view to_string(IdempotentOutcome outcome) {
  switch (outcome) {
    case IdempotentOutcome::created:
      return "created";
    case IdempotentOutcome::replayed:
      return "this idempotency key was already used for the same amount; nothing was written";
    case IdempotentOutcome::key_conflict:
      return "this idempotency key was already used for a different amount";
    case IdempotentOutcome::unknown_account:
      return "no such account";
  }
  return "unknown";
}

LedgerEntry reserve_entry(const RequestLedgerContext& request, int64_t reserved_micros) {
  return request_entry(request, LedgerKind::reserve, -reserved_micros);
}

LedgerEntry settle_entry(const RequestLedgerContext& request, int64_t reserved_micros,
                         int64_t cost_micros) {
  LedgerEntry entry = request_entry(request, LedgerKind::settle, reserved_micros - cost_micros);
  entry.cost_micros = cost_micros;
  return entry;
}

LedgerEntry refund_entry(const RequestLedgerContext& request, int64_t refunded_micros,
                         std::string note) {
  LedgerEntry entry = request_entry(request, LedgerKind::refund, refunded_micros);
  entry.note = std::move(note);
  return entry;
}

std::optional<std::string> ledger_entry_problem(const LedgerEntry& entry) {
  if (entry.account_id <= 0) return "a ledger entry needs an account";
  if (entry.cost_micros && entry.kind != LedgerKind::settle) {
    return "only a settle carries cost_micros";
  }
  return kind_problem(entry);
}

Statement prepare_ledger_insert(Database& database) {
  return database.prepare(
      "INSERT INTO ledger (account_id, key_prefix, kind, amount_micros, cost_micros, request_id, "
      "idempotency_key, note, instance, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (account_id, idempotency_key) DO NOTHING");
}

void bind_ledger_entry(Statement& insert, const LedgerEntry& entry, int64_t now_ms) {
  insert.bind_int64(1, entry.account_id);
  insert.bind_borrowed_text_or_null(2, entry.key_prefix);
  insert.bind_text(3, to_string(entry.kind));
  insert.bind_int64(4, entry.amount_micros);
  insert.bind_optional_int64(5, entry.cost_micros);
  insert.bind_borrowed_text_or_null(6, entry.request_id);
  insert.bind_borrowed_text_or_null(7, entry.idempotency_key);
  insert.bind_borrowed_text_or_null(8, entry.note);
  insert.bind_borrowed_text_or_null(9, entry.instance);
  insert.bind_int64(10, entry.created_at_ms != 0 ? entry.created_at_ms : now_ms);
}

// ---- LedgerStore ----

LedgerStore::LedgerStore(Database& database) : database_(database) {}

IdempotentResult LedgerStore::top_up(int64_t account_id, int64_t amount_micros,
                                     std::string_view idempotency_key, std::string_view note,
                                     std::string_view instance) {
  if (amount_micros <= 0) throw std::invalid_argument("a top-up amount must be positive");
  return append_idempotent(LedgerKind::topup, account_id, amount_micros, idempotency_key, note,
                           instance);
}

IdempotentResult LedgerStore::adjust(int64_t account_id, int64_t amount_micros,
                                     std::string_view idempotency_key, std::string_view note,
                                     std::string_view instance) {
  if (amount_micros == 0) throw std::invalid_argument("an adjustment amount must not be zero");
  return append_idempotent(LedgerKind::adjustment, account_id, amount_micros, idempotency_key, note,
                           instance);
}

IdempotentResult LedgerStore::append_idempotent(LedgerKind kind, int64_t account_id,
                                                int64_t amount_micros,
                                                std::string_view idempotency_key,
                                                std::string_view note, std::string_view instance) {
  if (idempotency_key.empty()) throw std::invalid_argument("an idempotency key is required");
  // IMMEDIATE: two processes replaying the same key serialize here, so exactly one writes.
  Transaction transaction(database_, TransactionKind::immediate);
  Statement earlier =
      database_.prepare(select_entries("WHERE account_id = ? AND idempotency_key = ?"));
  earlier.bind_int64(1, account_id).bind_text(2, idempotency_key);
  if (earlier.step()) {
    IdempotentResult result{IdempotentOutcome::replayed, read_entry(earlier)};
    if (result.entry.kind != kind || result.entry.amount_micros != amount_micros) {
      result.outcome = IdempotentOutcome::key_conflict;
    }
    return result;  // nothing written: the transaction rolls back
  }
  Statement account = database_.prepare("SELECT 1 FROM accounts WHERE id = ?");
  account.bind_int64(1, account_id);
  if (!account.step()) return {IdempotentOutcome::unknown_account, {}};

  LedgerEntry entry;
  entry.account_id = account_id;
  entry.kind = kind;
  entry.amount_micros = amount_micros;
  entry.idempotency_key = std::string(idempotency_key);
  entry.note = std::string(note);
  entry.instance = std::string(instance);
  entry.created_at_ms = unix_now_ms();
  Statement insert = prepare_ledger_insert(database_);
  bind_ledger_entry(insert, entry, entry.created_at_ms);
  insert.step();
  entry.id = database_.last_insert_rowid();
  transaction.commit();
  return {IdempotentOutcome::created, std::move(entry)};
}

int64_t LedgerStore::balance(int64_t account_id) {
  // SUM over INTEGER stays an exact integer (SQLite raises "integer overflow" rather than round).
  Statement query =
      database_.prepare("SELECT COALESCE(SUM(amount_micros), 0) FROM ledger WHERE account_id = ?");
  query.bind_int64(1, account_id);
  return query.step() ? query.column_int64(0) : 0;
}

BalanceSnapshot LedgerStore::balances() {
  // One read transaction: the sums and last_entry_id describe the same moment.
  Transaction snapshot_read(database_, TransactionKind::deferred);
  BalanceSnapshot snapshot;
  Statement sums = database_.prepare(
      "SELECT a.id, COALESCE((SELECT SUM(l.amount_micros) FROM ledger l "
      "WHERE l.account_id = a.id), 0) FROM accounts a ORDER BY a.id");
  while (sums.step()) {
    snapshot.balances.push_back({sums.column_int64(0), sums.column_int64(1)});
  }
  Statement last = database_.prepare("SELECT COALESCE(MAX(id), 0) FROM ledger");
  snapshot.last_entry_id = last.step() ? last.column_int64(0) : 0;
  snapshot_read.commit();
  return snapshot;
}

LedgerPage LedgerStore::entries(int64_t account_id, std::optional<int64_t> before_id, int limit) {
  limit = std::clamp(limit, 1, kMaxPage);
  Statement query =
      database_.prepare(select_entries("WHERE account_id = ? AND id < ? "
                                       "ORDER BY id DESC LIMIT ?"));
  query.bind_int64(1, account_id)
      .bind_int64(2, before_id.value_or(std::numeric_limits<int64_t>::max()))
      .bind_int64(3, limit + 1);  // one more than asked says whether another page follows
  LedgerPage page;
  page.entries = read_entries(query);
  if (page.entries.size() > static_cast<std::size_t>(limit)) {
    page.entries.pop_back();
    page.next_before_id = page.entries.back().id;
  }
  return page;
}

std::vector<LedgerEntry> LedgerStore::entries_since(int64_t after_id, int limit) {
  // Ids grow in commit order: SQLite serializes writers and an entry is never deleted, so an id
  // read here is never followed by a smaller one committed later.
  // Kept prepared: WalletSync runs this every 200 ms.
  static const std::string sql = select_entries("WHERE id > ? ORDER BY id LIMIT ?");
  CachedStatement query = database_.prepare_cached(sql);
  query->bind_int64(1, after_id).bind_int64(2, std::max(limit, 0));
  return read_entries(*query);
}

int64_t LedgerStore::release_open_reservations(std::string_view instance, ReleaseScope scope) {
  Transaction transaction(database_, TransactionKind::immediate);
  Statement release = database_.prepare(
      "INSERT INTO ledger (account_id, key_prefix, kind, amount_micros, request_id, note, "
      "instance, created_at) "
      "SELECT r.account_id, r.key_prefix, 'refund', -r.amount_micros, r.request_id, ?1, ?2, ?3 "
      "FROM ledger r WHERE r.kind = 'reserve' AND r.request_id IS NOT NULL "
      "AND (?4 = 0 OR r.instance = ?2) "
      "AND NOT EXISTS (SELECT 1 FROM ledger c WHERE c.request_id = r.request_id "
      "AND c.account_id = r.account_id AND c.kind IN ('settle', 'refund')) "
      "ORDER BY r.id");
  release.bind_text(1, kReleasedNote)
      .bind_text(2, instance)
      .bind_int64(3, unix_now_ms())
      .bind_int64(4, scope == ReleaseScope::this_instance ? 1 : 0);
  release.step();
  const int64_t released = database_.changes();
  transaction.commit();
  return released;
}

namespace {

struct RequestEntries {
  int reserves = 0;
  int settles = 0;
  int64_t reserved_micros = 0;  // R, positive
  std::optional<LedgerEntry> settle;
};

void audit_requests(const std::map<std::string, RequestEntries>& requests, LedgerAudit& audit) {
  for (const auto& [request_id, seen] : requests) {
    const std::string where = "request " + request_id + ": ";
    if (seen.reserves > 1) audit.problems.push_back(where + "more than one reserve");
    if (seen.settles > 1) audit.problems.push_back(where + "more than one settle");
    if (!seen.settle) continue;
    // Without a reserve row (batched durability keeps the reservation in memory only) the
    // settle is the charge alone: R = 0.
    const int64_t reserved = seen.reserves == 0 ? 0 : seen.reserved_micros;
    const int64_t expected = reserved - seen.settle->cost_micros.value_or(0);
    if (seen.settle->amount_micros != expected) {
      audit.problems.push_back(where + "settle amount " +
                               std::to_string(seen.settle->amount_micros) +
                               " is not R - cost = " + std::to_string(expected));
    }
  }
}

}  // namespace

LedgerAudit LedgerStore::check_sum(int64_t account_id) {
  Transaction snapshot_read(database_, TransactionKind::deferred);
  LedgerAudit audit;
  audit.sql_sum_micros = balance(account_id);
  Statement query = database_.prepare(select_entries("WHERE account_id = ? ORDER BY id"));
  query.bind_int64(1, account_id);
  std::map<std::string, RequestEntries> requests;
  bool overflowed = false;
  while (query.step()) {
    LedgerEntry entry = read_entry(query);
    ++audit.entries;
    overflowed |=
        __builtin_add_overflow(audit.summed_micros, entry.amount_micros, &audit.summed_micros);
    if (auto problem = ledger_entry_problem(entry)) {
      audit.problems.push_back("entry " + std::to_string(entry.id) + ": " + *problem);
    }
    if (entry.request_id.empty()) continue;
    RequestEntries& seen = requests[entry.request_id];
    if (entry.kind == LedgerKind::reserve) {
      ++seen.reserves;
      seen.reserved_micros = -entry.amount_micros;
    } else if (entry.kind == LedgerKind::settle) {
      ++seen.settles;
      seen.settle = std::move(entry);
    }
  }
  snapshot_read.commit();
  if (overflowed) audit.problems.push_back("the entries' sum overflows 64 bits");
  if (audit.summed_micros != audit.sql_sum_micros) {
    audit.problems.push_back(
        "SUM() " + std::to_string(audit.sql_sum_micros) +
        " differs from the entries added up: " + std::to_string(audit.summed_micros));
  }
  audit_requests(requests, audit);
  return audit;
}

}  // namespace tollgate::store
