#include "gateway/admission.hpp"

#include "billing/pricing.hpp"
#include "billing/usage_writer.hpp"
#include "billing/wallet.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/respond.hpp"
#include "gateway/select.hpp"
#include "routing/rate_limiter.hpp"
#include "store/ledger.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

namespace tollgate::gateway {

namespace {

using billing::Micros;

bool listed(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// A scope names a surface as "chat" or, as the AI/ML API writes it, "model:chat".
bool scope_allows(const std::vector<std::string>& scopes, Surface surface) {
  if (scopes.empty()) return true;
  const std::string name(surface_name(surface));
  return listed(scopes, name) || listed(scopes, "model:" + name);
}

std::int64_t markup_of(const RequestContext& ctx, const Services& services) {
  __extension__ using Wide = __int128;
  const Wide combined = static_cast<Wide>(services.billing.markup_ppm) *
                        (ctx.key ? ctx.key->account_markup_ppm : billing::kMarkupOne) /
                        billing::kMarkupOne;
  return static_cast<std::int64_t>(combined);
}

std::chrono::sys_seconds now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::optional<billing::KeyLimit> limit_of(const auth::AuthenticatedKey& key) {
  if (!key.limit_threshold_micros) return std::nullopt;
  return billing::KeyLimit{
      *key.limit_threshold_micros,
      billing::parse_retention(key.limit_retention).value_or(billing::Retention::no_reset)};
}

store::RequestLedgerContext ledger_context(const RequestContext& ctx, const Services& services) {
  return {ctx.key->account_id, ctx.key->prefix, ctx.request_id, services.instance};
}

std::int64_t max_output_tokens(const RequestContext& ctx, const Services& services) {
  return ctx.max_tokens.value_or(services.billing.default_max_tokens);
}

// Submits ledger entries; with sync durability, waits (without blocking the loop) until the
// writer reports the commit. False when the writer refused them (queue full, stopping).
boost::asio::awaitable<bool> write_ledger(const Services& services,
                                          std::vector<store::LedgerEntry> entries) {
  if (services.billing.durability != config::Durability::sync) {
    co_return services.usage.submit_ledger(std::move(entries));
  }
  auto executor = co_await boost::asio::this_coro::executor;
  auto done = std::make_shared<boost::asio::steady_timer>(
      executor, boost::asio::steady_timer::time_point::max());
  auto committed = std::make_shared<bool>(false);
  bool accepted = services.usage.submit_ledger(std::move(entries), [done, committed](bool ok) {
    // The writer's thread: hand the outcome to the request's loop.
    boost::asio::post(done->get_executor(), [done, committed, ok] {
      *committed = ok;
      done->cancel();
    });
  });
  if (!accepted) co_return false;
  boost::system::error_code ignored;
  co_await done->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
  co_return *committed;
}

std::string money(Micros micros) {
  std::string text(1, '$');  // not "$" + ...: GCC 12 warns falsely (-Wrestrict) on that form
  text += billing::usd_decimal(micros);
  return text;
}

// What the request costs, by the rules in admission.hpp.
Micros cost_of(const RequestContext& ctx, const Services& services, bool produced_output) {
  if (!produced_output || !ctx.deployment) return 0;
  // An estimate with nothing generated: the upstream failed before any output.
  if (ctx.usage_source == "estimated" && ctx.usage.output == 0) return 0;
  if (!ctx.byok_credential.empty()) {
    // Sent with the key's own provider credential: the routing fee instead of the price.
    return billing::with_minimum_charge(
        billing::byok_fee(ctx.usage.input + ctx.usage.output, services.billing.byok_fee_micros_per_m),
        services.billing.min_charge_micros);
  }
  billing::Metered metered{ctx.usage.input,       ctx.usage.output, ctx.usage.cache_read,
                           ctx.usage.cache_write, ctx.images,       0};
  return billing::with_minimum_charge(
      billing::request_cost(ctx.deployment->price, metered, markup_of(ctx, services)),
      services.billing.min_charge_micros);
}

bool sync_durability(const Services& services) {
  return services.billing.durability == config::Durability::sync;
}

// Settles the hold with the cost; returns the ledger entry still to be written with sync
// durability: the settle, R − C after the committed reserve row (nothing when no money moved).
// Batched, the charge travels in the usage record instead.
std::vector<store::LedgerEntry> settle_hold(RequestContext& ctx, Services& services,
                                            bool produced_output) {
  std::vector<store::LedgerEntry> entries;
  if (ctx.charged) return entries;
  ctx.charged = true;
  ctx.cost = cost_of(ctx, services, produced_output);
  if (!ctx.hold || !services.wallet) return entries;
  services.wallet->settle(*ctx.hold, ctx.cost);
  if (sync_durability(services)) {
    // The reserve row was committed before dispatch: the settle releases it and charges.
    if (ctx.hold->amount > 0 || ctx.cost > 0) {
      entries.push_back(
          store::settle_entry(ledger_context(ctx, services), ctx.hold->amount, ctx.cost));
    }
  }
  // batched: the reservation lived in memory only; the usage record carries the charge and the
  // writer sums the batch's charges into one settle row per account (UsageRecord::charge_in_batch).
  return entries;
}

ir::Error refusal_error(const RequestContext& ctx, const billing::Refusal& refusal) {
  if (refusal.reason == billing::Refusal::Reason::insufficient_balance) {
    return ir::make_error(
        402,
        "Insufficient balance: this request needs up to " + money(refusal.needed) +
            " (reserved before it is sent: the prompt and max_tokens at the model's prices) and "
            "the account has " +
            money(refusal.available) + ". Top up the account or lower max_tokens.",
        "insufficient_balance");
  }
  return ir::make_error(402,
                        "This API key's spending limit is reached: the request needs up to " +
                            money(refusal.needed) + " and the key has " + money(refusal.available) +
                            " left in its period (" + ctx.key->limit_retention + ").",
                        "key_limit_reached");
}

std::string whole_seconds(routing::Clock::duration d) {
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(d).count();
  return std::to_string(seconds < 1 ? 1 : seconds);
}

routing::RateLimits key_limits(const auth::AuthenticatedKey& key) {
  return {key.rate_rpm, key.rate_tpm, key.rate_concurrency};
}
routing::RateLimits account_limits(const auth::AuthenticatedKey& key) {
  return {key.account_rate_rpm, key.account_rate_tpm, key.account_rate_concurrency};
}

// The key's and its account's limits (requests and tokens per minute, requests in flight): 429
// with retry-after and x-ratelimit-* when one is reached. Every answer to a limited key carries
// the x-ratelimit-* headers of the key's limits.
Verdict within_rate_limits(RequestContext& ctx, Services& services) {
  const auth::AuthenticatedKey& key = *ctx.key;
  const routing::RateLimits for_key = key_limits(key);
  const routing::RateLimits for_account = account_limits(key);
  if (!services.rate_limiter || (!for_key.any() && !for_account.any())) return std::nullopt;
  ctx.rate_key_scope = "key:" + key.prefix;
  ctx.rate_account_scope = "account:" + std::to_string(key.account_id);
  const auto group = static_cast<std::uint64_t>(key.account_id);
  const routing::RateScope scopes[] = {{ctx.rate_key_scope, for_key, group},
                                       {ctx.rate_account_scope, for_account, group}};
  const routing::RateDecision decision =
      services.rate_limiter->acquire(scopes, ctx.token_estimate, routing::Clock::now());
  if (decision.limit_requests > 0) {
    ctx.rate_headers.push_back(
        {"x-ratelimit-limit-requests", std::to_string(decision.limit_requests)});
    ctx.rate_headers.push_back(
        {"x-ratelimit-remaining-requests", std::to_string(decision.remaining_requests)});
    ctx.rate_headers.push_back(
        {"x-ratelimit-reset-requests", whole_seconds(decision.reset_requests) + "s"});
  }
  if (decision.limit_tokens > 0) {
    ctx.rate_headers.push_back({"x-ratelimit-limit-tokens", std::to_string(decision.limit_tokens)});
    ctx.rate_headers.push_back(
        {"x-ratelimit-remaining-tokens", std::to_string(decision.remaining_tokens)});
    ctx.rate_headers.push_back(
        {"x-ratelimit-reset-tokens", whole_seconds(decision.reset_tokens) + "s"});
  }
  if (decision.allowed) {
    ctx.rate_counted = true;
    return std::nullopt;
  }
  const bool account = decision.scope == ctx.rate_account_scope;
  const routing::RateLimits& limits = account ? for_account : for_key;
  const std::string whose = account ? "this account" : "this API key";
  std::string message;
  std::string code = "rate_limit_exceeded";
  if (decision.limit_name == "concurrency") {
    message = "Too many requests in flight for " + whose + " (its limit is " +
              std::to_string(limits.concurrency.value_or(0)) + " at once).";
    code = "concurrency_limit_exceeded";
  } else if (decision.limit_name == "tokens") {
    message = "Token rate limit reached for " + whose + ": " +
              std::to_string(limits.tpm.value_or(0)) + " tokens per minute (this request counts " +
              std::to_string(ctx.token_estimate) +
              " until its real usage is known). Retry after the time in retry-after.";
    code = "token_rate_limit_exceeded";
  } else {
    message = "Rate limit reached for " + whose + ": " + std::to_string(limits.rpm.value_or(0)) +
              " requests per minute. Retry after the time in retry-after.";
  }
  Refusal refusal = turn_away(429, std::move(message), std::move(code));
  refusal.headers.push_back({"retry-after", whole_seconds(decision.retry_after)});
  return refusal;
}

// The reservation: the dearest of the models the plan may end on (billing follows the attempt
// that serves), at its prices for the prompt and the largest answer allowed, plus the images
// asked for.
Micros reservation_of(const RequestContext& ctx, const Services& services) {
  const std::int64_t markup = markup_of(ctx, services);
  const auto& deployments = services.catalog->deployments();
  Micros most = 0;
  const config::ModelConfig* seen = nullptr;
  for (std::uint16_t index : ctx.plan.view()) {
    const Deployment& d = deployments[index];
    if (d.model == seen) continue;
    seen = d.model;
    const Micros images = billing::request_cost(d.price, {.images = ctx.images}, markup) -
                          billing::request_cost(d.price, {}, markup);
    const Micros amount =
        billing::reserve_amount(d.price, static_cast<std::int64_t>(ctx.request.body.size()),
                                max_output_tokens(ctx, services), markup,
                                services.billing.min_reserve_micros) +
        images;
    most = std::max(most, amount);
  }
  return most;
}

}  // namespace

Verdict authorize(RequestContext& ctx, Surface surface) {
  const auth::AuthenticatedKey& key = *ctx.key;
  if (scope_allows(key.scopes, surface)) return std::nullopt;
  return turn_away(403,
                   "This API key may not call " + std::string(surface_path(surface)) +
                       " (its scopes do not include \"" + std::string(surface_name(surface)) +
                       "\").",
                   "scope_not_allowed");
}

Verdict admit(RequestContext& ctx, Services& services, Surface surface) {
  if (Verdict refusal = authorize(ctx, surface)) return refusal;
  ctx.token_estimate =
      static_cast<std::int64_t>((ctx.prompt_chars + 3) / 4) + ctx.max_tokens.value_or(0);
  if (Verdict refusal = within_rate_limits(ctx, services)) return refusal;
  if (Verdict refusal = select(ctx, services, surface)) return refusal;
  if (!services.billing.enabled || !services.wallet) return std::nullopt;
  if (services.usage.congested()) {
    return turn_away(
        503, "The gateway is recording charges more slowly than requests arrive; try again.",
        "billing_congested");
  }
  const Micros reserve = reservation_of(ctx, services);
  const std::optional<billing::KeyLimit> limit = limit_of(*ctx.key);
  auto result =
      services.wallet->reserve(ctx.key->account_id, ctx.key->prefix, limit, reserve, now_seconds());
  if (auto* refusal = std::get_if<billing::Refusal>(&result)) {
    return Refusal{refusal_error(ctx, *refusal), {}};
  }
  ctx.hold = std::get<billing::Hold>(std::move(result));
  return std::nullopt;
}

bool reservation_uncommitted(const RequestContext& ctx, const Services& services) {
  return ctx.hold && ctx.hold->amount > 0 && sync_durability(services) && !ctx.reserve_committed;
}

boost::asio::awaitable<bool> commit_reservation(RequestContext& ctx, Services& services) {
  std::vector<store::LedgerEntry> entries;
  entries.push_back(store::reserve_entry(ledger_context(ctx, services), ctx.hold->amount));
  if (!co_await write_ledger(services, std::move(entries))) {
    services.wallet->settle(*ctx.hold, 0);
    ctx.hold.reset();
    const ir::Error error = ir::make_error(
        503, "The gateway cannot record charges right now; try again.", "billing_unavailable");
    co_await respond_error(ctx, error);
    co_return false;
  }
  ctx.reserve_committed = true;
  co_return true;
}

net::Headers charge(RequestContext& ctx, Services& services) {
  net::Headers echo;
  echo.reserve(kJsonResponseFields);  // the response's: these two, then the others
  for (auto& entry : settle_hold(ctx, services, true)) ctx.ledger.push_back(std::move(entry));
  if (services.billing.enabled) {
    echo.push_back({"x-tollgate-cost-usd", billing::usd_decimal(ctx.cost)});
    echo.push_back({"x-tollgate-credits-used",
                    billing::credits_decimal(ctx.cost, services.billing.credits_per_usd)});
  }
  return echo;
}

bool settle_uncommitted(const RequestContext& ctx, const Services& services) {
  return sync_durability(services) && !ctx.ledger.empty();
}

boost::asio::awaitable<void> commit_settle(RequestContext& ctx, Services& services) {
  std::vector<store::LedgerEntry> entries = std::exchange(ctx.ledger, {});
  if (!co_await write_ledger(services, std::move(entries))) {
    std::fprintf(stderr, "tollgate: the settle entry of %s was not recorded\n",
                 ctx.request_id.c_str());
  }
}

void charge_now(RequestContext& ctx, Services& services) {
  for (auto& entry : settle_hold(ctx, services, ctx.status == 200)) {
    ctx.ledger.push_back(std::move(entry));
  }
}

std::string with_cost_echo(const net::Headers& headers, std::string body) {
  const std::string_view usd = net::find_header(headers, "x-tollgate-cost-usd");
  const std::string_view credits = net::find_header(headers, "x-tollgate-credits-used");
  if (usd.empty() || credits.empty()) return body;
  const std::size_t end = body.find_last_of('}');
  if (end == std::string::npos) return body;
  constexpr std::string_view kCredits = R"(,"meta":{"usage":{"credits_used":)";
  constexpr std::string_view kUsd = R"(,"usd_spent":)";
  // In place before the closing brace, which moves along with what follows it (a few bytes): a
  // passthrough body comes with room for the additions.
  std::size_t at = end;
  for (const std::string_view part : {kCredits, credits, kUsd, usd, std::string_view("}}")}) {
    body.insert(at, part);
    at += part.size();
  }
  return body;
}

}  // namespace tollgate::gateway
