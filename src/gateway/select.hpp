// select (part of admission): which deployments a request may go to, in the order they are
// tried. The route the client named (resolve) gives the models — one model, an alias's models in
// order, or for "auto" every capable model from the cheapest up — and the router orders each
// model's deployments (priority, weights, health, caps, regions) into ctx.plan.
#pragma once

#include "gateway/gateway.hpp"
#include "gateway/request_context.hpp"
#include "gateway/respond.hpp"

namespace tollgate::gateway {

// The request header that prefers a region ("eu"): within a priority, its deployments go first.
inline constexpr std::string_view kRegionHeader = "x-tollgate-region";

// What a request needs of the model that serves it, for "auto": capability bits (tools,
// vision, structured output; from ctx.ir) and its context, in estimated tokens (prompt + the
// largest answer asked for).
struct Needs {
  std::uint8_t capabilities = 0;
  std::int64_t context_tokens = 0;
};
Needs needs_of(const RequestContext& ctx);

// ctx.route → ctx.plan (and ctx.deployment = its first). The key's allowed models and regions
// apply. Refuses when nothing is left: 400 (no model of the route serves this surface /
// request), 403 (the key may not use them, or not in its regions), 503 with retry-after (every
// deployment is cooling down or at its caps).
Verdict select(RequestContext& ctx, Services& services, Surface surface);

}  // namespace tollgate::gateway
