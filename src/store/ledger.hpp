// The ledger: the durable, append-only record of every movement of an account's money
// (table `ledger`, migration 2). Amounts are integer micro-USD.
//
//   balance(account) = SUM(amount_micros) over the account's entries. Nothing else stores a
//   balance; the gateway's in-memory wallet is loaded from balances() and kept in step with
//   entries_since().
//
// Kinds and their signs:
//   reserve     -R        before dispatch; request_id required
//   settle      R - C     when the request ends: the hold R released and the charge C taken in one
//                         entry (cost_micros = C); positive when the reservation exceeded the cost
//   refund      +X        money returned after the fact, in particular the release of a
//                         reservation a crash left open (release_open_reservations)
//   topup       +X        idempotency key required
//   adjustment  +/-X      idempotency key required; never 0
//
// Who writes what: reserve, settle and refund entries of requests go through the one
// group-commit writer (billing::UsageWriter), never from an event loop. Top-ups and adjustments
// are written here, directly and synchronously (admin API worker, CLI), because their caller
// must learn at once whether the idempotency key was new; a repeated key in the writer would
// otherwise be a unique-key violation inside someone else's batch.
//
// Threading: a LedgerStore uses the Database it is given, on that connection's thread.
// SQLite failures throw store::DatabaseError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::store {

class Database;
class Statement;

enum class LedgerKind { topup, reserve, settle, refund, adjustment };
std::string_view to_string(LedgerKind kind);
std::optional<LedgerKind> parse_ledger_kind(std::string_view text);

// One ledger row. Empty strings are stored as NULL.
struct LedgerEntry {
  int64_t id = 0;  // assigned when stored
  int64_t account_id = 0;
  std::string key_prefix{};
  LedgerKind kind = LedgerKind::adjustment;
  int64_t amount_micros = 0;
  std::optional<int64_t> cost_micros{};  // settle only: the charge C
  std::string request_id{};
  std::string idempotency_key{};
  std::string note{};
  std::string instance{};
  int64_t created_at_ms = 0;  // 0: stamped with the current time when written

  friend bool operator==(const LedgerEntry&, const LedgerEntry&) = default;
};

// What every entry of one request shares.
struct RequestLedgerContext {
  int64_t account_id = 0;
  std::string key_prefix{};
  std::string request_id{};
  std::string instance{};
};

// The entries of a request's lifecycle, signs as in the table above.
LedgerEntry reserve_entry(const RequestLedgerContext& request, int64_t reserved_micros);
LedgerEntry settle_entry(const RequestLedgerContext& request, int64_t reserved_micros,
                         int64_t cost_micros);
LedgerEntry refund_entry(const RequestLedgerContext& request, int64_t refunded_micros,
                         std::string note);

// Why the entry may not be written (sign, required fields), or nullopt when it may.
std::optional<std::string> ledger_entry_problem(const LedgerEntry& entry);

enum class IdempotentOutcome {
  created,         // written now
  replayed,        // the key was used before with the same kind and amount: nothing written
  key_conflict,    // the key was used before for a different kind or amount: nothing written
  unknown_account  // no such account: nothing written
};
std::string_view to_string(IdempotentOutcome outcome);

struct IdempotentResult {
  IdempotentOutcome outcome = IdempotentOutcome::created;
  LedgerEntry entry;  // the new entry, or the earlier one for replayed and key_conflict
  bool created() const { return outcome == IdempotentOutcome::created; }
};

struct AccountBalance {
  int64_t account_id = 0;
  int64_t balance_micros = 0;
};

// Every account's balance as of one moment, and the newest entry that moment includes: a
// refresher continues with entries_since(last_entry_id) without missing or double-counting one.
struct BalanceSnapshot {
  std::vector<AccountBalance> balances{};  // every account, those without entries at 0; by id
  int64_t last_entry_id = 0;
};

struct LedgerPage {
  std::vector<LedgerEntry> entries{};       // newest first
  std::optional<int64_t> next_before_id{};  // pass as before_id for the next page; nullopt: last
};

// check_sum's findings; ok() when there are none.
struct LedgerAudit {
  int64_t entries = 0;
  int64_t sql_sum_micros = 0;  // SUM() in SQLite
  int64_t summed_micros = 0;   // the entries added up one by one here
  std::vector<std::string> problems{};
  bool ok() const { return problems.empty(); }
};

// Whose open reservations release_open_reservations() releases.
enum class ReleaseScope {
  all_instances,  // one process per database file: everything open is left over from a crash
  this_instance,  // several processes share the file: only reserves this instance wrote
};

class LedgerStore {
 public:
  explicit LedgerStore(Database& database);

  // Credits `amount_micros` (> 0) once per (account, idempotency_key). Throws
  // std::invalid_argument for a non-positive amount or an empty key.
  IdempotentResult top_up(int64_t account_id, int64_t amount_micros,
                          std::string_view idempotency_key, std::string_view note,
                          std::string_view instance);
  // Same for a correction of either sign (non-zero).
  IdempotentResult adjust(int64_t account_id, int64_t amount_micros,
                          std::string_view idempotency_key, std::string_view note,
                          std::string_view instance);

  int64_t balance(int64_t account_id);
  BalanceSnapshot balances();

  // Newest first, only entries with id < before_id when given; limit is clamped to 1..1000.
  LedgerPage entries(int64_t account_id, std::optional<int64_t> before_id, int limit);
  // Every account's entries with id > after_id, oldest first, at most `limit`.
  std::vector<LedgerEntry> entries_since(int64_t after_id, int limit = 1000);

  // At start-up, before serving: every reserve whose request has no settle or refund gets a
  // refund of +R (note "released at start-up", written by `instance`), all in one transaction.
  // Returns how many were released; a second call releases nothing.
  int64_t release_open_reservations(std::string_view instance,
                                    ReleaseScope scope = ReleaseScope::all_instances);

  // For tests and `doctor`-style checks: the balance summed two ways, and per request at most
  // one reserve and one settle, each settle matching its reserve (amount = R - cost).
  LedgerAudit check_sum(int64_t account_id);

 private:
  IdempotentResult append_idempotent(LedgerKind kind, int64_t account_id, int64_t amount_micros,
                                     std::string_view idempotency_key, std::string_view note,
                                     std::string_view instance);

  Database& database_;
};

// Shared with the usage writer: the INSERT for one entry, and binding an entry to it (a
// created_at_ms of 0 becomes now_ms). An entry whose idempotency key the account already used is
// skipped (ON CONFLICT DO NOTHING), so a repeated key never fails a batch.
Statement prepare_ledger_insert(Database& database);
// Its text is not copied: `entry` must outlive the statement's step and reset.
void bind_ledger_entry(Statement& insert, const LedgerEntry& entry, int64_t now_ms);

}  // namespace tollgate::store
