#include "billing/wallet.hpp"

#include <functional>

namespace tollgate::billing {

namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

}  // namespace

std::optional<Retention> parse_retention(std::string_view text) {
  if (text == "day") return Retention::day;
  if (text == "week") return Retention::week;
  if (text == "month") return Retention::month;
  if (text == "no_reset") return Retention::no_reset;
  return std::nullopt;
}

std::string_view to_string(Retention retention) {
  switch (retention) {
    case Retention::day:
      return "day";
    case Retention::week:
      return "week";
    case Retention::month:
      return "month";
    case Retention::no_reset:
      return "no_reset";
  }
  return "no_reset";
}

sys_seconds period_start(Retention retention, sys_seconds now) {
  const sys_days today = std::chrono::floor<days>(now);
  switch (retention) {
    case Retention::day:
      return today;
    case Retention::week: {
      // ISO weeks start on Monday; weekday 0 is Sunday.
      const unsigned weekday = std::chrono::weekday(today).c_encoding();
      return today - days((weekday + 6) % 7);
    }
    case Retention::month: {
      const std::chrono::year_month_day date(today);
      return sys_days(date.year() / date.month() / 1);
    }
    case Retention::no_reset:
      break;
  }
  return sys_seconds{};
}

std::int64_t period_start_ms(Retention retention, sys_seconds now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             period_start(retention, now).time_since_epoch())
      .count();
}

Wallet::Shard& Wallet::shard_of(std::int64_t account_id) const {
  return shards_[std::hash<std::int64_t>{}(account_id) % kShards];
}

Micros& Wallet::spend_in(KeySpend& key, sys_seconds period) {
  if (key.period != period) {
    key.period = period;
    key.spent = 0;
  }
  return key.spent;
}

void Wallet::set_balance(std::int64_t account_id, Micros balance) {
  Shard& shard = shard_of(account_id);
  std::lock_guard lock(shard.mutex);
  shard.balances[account_id] = balance;
}

void Wallet::set_key_spend(std::int64_t account_id, std::string_view key_prefix,
                           const KeyLimit& limit, Micros spent, sys_seconds now,
                           std::int64_t counted_through_row) {
  follows_keys_.store(true, std::memory_order_relaxed);
  Shard& shard = shard_of(account_id);
  std::lock_guard lock(shard.mutex);
  KeySpend& key = shard.keys[std::string(key_prefix)];
  key.period = period_start(limit.retention, now);
  key.spent = spent;
  key.retention = limit.retention;
  key.counted_through_row = counted_through_row;
}

void Wallet::add_key_spend(std::int64_t account_id, std::string_view key_prefix, std::int64_t row,
                           sys_seconds at, Micros amount) {
  Shard& shard = shard_of(account_id);
  std::lock_guard lock(shard.mutex);
  auto found = shard.keys.find(std::string(key_prefix));
  if (found == shard.keys.end()) return;  // no limit: nothing to count against
  KeySpend& key = found->second;
  if (row <= key.counted_through_row) return;
  const sys_seconds period = period_start(key.retention, at);
  if (period < key.period) return;
  spend_in(key, period) += amount;
}

bool Wallet::follows_key_spend() const {
  return follows_keys_.load(std::memory_order_relaxed);
}

std::variant<Hold, Refusal> Wallet::reserve(std::int64_t account_id, std::string_view key_prefix,
                                            const std::optional<KeyLimit>& limit, Micros amount,
                                            sys_seconds now) {
  Hold hold;
  hold.account_id = account_id;
  hold.amount = amount;
  if (amount <= 0) {
    hold.amount = 0;
    return hold;
  }
  Shard& shard = shard_of(account_id);
  std::lock_guard lock(shard.mutex);
  Micros& balance = shard.balances[account_id];
  if (balance < amount) {
    return Refusal{Refusal::Reason::insufficient_balance, amount, balance < 0 ? 0 : balance};
  }
  Micros* key_spent = nullptr;
  if (limit) {
    hold.period = period_start(limit->retention, now);
    KeySpend& key = shard.keys[std::string(key_prefix)];
    key.retention = limit->retention;
    if (!follows_keys_.load(std::memory_order_relaxed)) {
      follows_keys_.store(true, std::memory_order_relaxed);
    }
    key_spent = &spend_in(key, hold.period);
    const Micros left = limit->threshold - *key_spent;
    if (left < amount) {
      return Refusal{Refusal::Reason::key_limit_reached, amount, left < 0 ? 0 : left};
    }
    hold.key_prefix = std::string(key_prefix);
  }
  balance -= amount;
  if (key_spent) *key_spent += amount;
  return hold;
}

Micros Wallet::settle(const Hold& hold, Micros cost) {
  const Micros back = hold.amount - cost;
  Shard& shard = shard_of(hold.account_id);
  std::lock_guard lock(shard.mutex);
  shard.balances[hold.account_id] += back;
  if (!hold.key_prefix.empty()) {
    KeySpend& key = shard.keys[hold.key_prefix];
    // A hold from a period that has since ended is settled against nothing: the new period
    // starts from what it has spent itself.
    if (key.period == hold.period) key.spent -= back;
  }
  return back;
}

void Wallet::credit(std::int64_t account_id, Micros amount) {
  Shard& shard = shard_of(account_id);
  std::lock_guard lock(shard.mutex);
  shard.balances[account_id] += amount;
}

Micros Wallet::balance(std::int64_t account_id) const {
  Shard& shard = shard_of(account_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.balances.find(account_id);
  return it == shard.balances.end() ? 0 : it->second;
}

Micros Wallet::key_spend(std::int64_t account_id, std::string_view key_prefix,
                         const KeyLimit& limit, sys_seconds now) const {
  Shard& shard = shard_of(account_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.keys.find(std::string(key_prefix));
  if (it == shard.keys.end()) return 0;
  return it->second.period == period_start(limit.retention, now) ? it->second.spent : 0;
}

}  // namespace tollgate::billing
