// The phases that decide whether a model call may go ahead and what it costs:
//
//   authorize  the key's policy: the surfaces (scopes) it may use — 403 otherwise
//   admit      the key's and its account's rate limits (429); select: the deployments to try,
//              in order (select.hpp: the models the key may use, regions, health — 400 / 403 /
//              503); billing on: the reservation, priced at the dearest candidate model's rates
//              for the prompt and the largest answer allowed — 402 in the caller's format when
//              the balance or the key's spending limit cannot cover it; nothing is sent
//              upstream then
//   charge     the exact cost from the usage, settled against the reservation (the unused rest
//              returns to the balance). With `durability: sync` the reservation was committed
//              before dispatch (a reserve row) and the response waits for the settle's commit;
//              batched, the reservation stays in memory and the charge goes with the usage
//              record: the writer sums each committed batch's charges into one settle row per
//              account, which the usage rows point at. Called before a response's last bytes; settle() calls it for
//              requests that end otherwise.
//
// The reservation counts the request body's size in bytes as its prompt tokens: a ceiling for
// text, tool schemas and per-message overhead alike (a token is at least a byte), generous for
// inline images. What is charged (at the prices of the model whose deployment served — or, when
// it was sent with the key's own provider credential, the BYOK routing fee per token): the
// priced usage the upstream reported, or the estimate
// (usage_source says which); nothing when the request failed before any output (an upstream or
// gateway error answer, a transport failure, a stream cut before its first token); for a client
// that went away mid-stream, what was produced until then.
#pragma once

#include "gateway/catalog.hpp"
#include "gateway/gateway.hpp"
#include "gateway/request_context.hpp"
#include "gateway/respond.hpp"

#include <boost/asio/awaitable.hpp>

namespace tollgate::gateway {

// The key's scopes allow `surface`; else 403.
Verdict authorize(RequestContext& ctx, Surface surface);

// authorize, rate limits, select, then the reservation (ctx.hold); else 400 / 403 / 429 / 402 /
// 503.
Verdict admit(RequestContext& ctx, Services& services, Surface surface);

// With `durability: sync`, the reservation is committed (a reserve row) before anything is sent
// upstream, so that a crash leaves it for the next start to release; Gateway::serve does it
// first. (batched: it is written with the settle, after the answer.) commit_reservation waits
// for the commit without blocking the loop; false when it could not be written: the hold is
// released and the client has had its 503.
bool reservation_uncommitted(const RequestContext& ctx, const Services& services);
boost::asio::awaitable<bool> commit_reservation(RequestContext& ctx, Services& services);

// Settles the hold (once) for a request that delivered its answer (whole, or a stream however it
// ended), without waiting: the ledger entries go to ctx.ledger, which the settle phase writes
// with the usage record (batched: none — the charge, ctx.cost, travels in the record itself).
// With `durability: sync` the settle entry must be committed before the answer goes out:
// settle_uncommitted says so, and commit_settle writes it and waits for the commit without
// blocking the loop.
//   net::Headers echo = charge(ctx, services);
//   if (settle_uncommitted(ctx, services)) co_await commit_settle(ctx, services);
// Returns the headers that echo the cost (x-tollgate-cost-usd, x-tollgate-credits-used); empty
// when billing is off.
net::Headers charge(RequestContext& ctx, Services& services);
bool settle_uncommitted(const RequestContext& ctx, const Services& services);
boost::asio::awaitable<void> commit_settle(RequestContext& ctx, Services& services);

// The same for requests that ended any other way (the settle phase): charged only if the
// response was a 200; the entries go to ctx.ledger.
void charge_now(RequestContext& ctx, Services& services);

// `body` (a JSON object from an OpenAI-format response) with the AI/ML API's cost echo
// `"meta":{"usage":{"credits_used":N,"usd_spent":X}}` added — the values of the headers charge()
// returned (in `headers`), formatted once; unchanged when there are none (billing off).
std::string with_cost_echo(const net::Headers& headers, std::string body);

}  // namespace tollgate::gateway
