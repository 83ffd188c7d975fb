// The phases shared by every API endpoint, in the order a request meets them.
#pragma once

#include "gateway/gateway.hpp"
#include "gateway/request_context.hpp"
#include "gateway/respond.hpp"

namespace tollgate::gateway {

// Each phase that only decides returns a Verdict (respond.hpp): nothing when the request goes
// on, else the refusal for the caller to answer (`co_return co_await refuse(ctx, *refusal)`).

// authenticate: the API key (Bearer, x-api-key, x-goog-api-key or ?key=) → ctx.key; else 401.
Verdict authenticate(RequestContext& ctx, Services& services);

// resolve: the 404 for an unknown model, listing close matches.
Refusal model_not_found(const Catalog& catalog, std::string_view model);

// resolve: the public id the client named (a model, an alias or "auto") → ctx.route, if
// `surface` may call it; then the request is decoded when the route needs it (decode_for_route).
// Else 404 (unknown model, with close matches) or 400 (naming the surfaces the model allows, or
// the decoding error). `found`: the route the caller already looked `model` up to, if it did.
Verdict resolve(RequestContext& ctx, const Catalog& catalog, std::string_view model,
                Surface surface, const Route* found = nullptr);

// decode: the client's request in the IR (ctx.ir), once; the format's own 400 when it is not
// valid. Needed when the route has deployments of another wire format than the client's, and
// for "auto" (what the request needs decides the model).
std::optional<ir::Error> decode_client_request(RequestContext& ctx);

// The same after resolve, when the route needs it: a decoding error refuses the request.
Verdict decode_for_route(RequestContext& ctx);

// The request's rate-limit slots and token estimates given back (the tokens it really used
// replace the estimate), and its deployment's breaker told of a stream that broke. Once: before
// the response's last write (respond_json_now, relay_upstream_error, finish_client_stream), so
// that a client that has its answer finds its slots free, or else in settle.
void release_limits(RequestContext& ctx, Services& services);

// settle: metrics, usage record (authenticated model calls), access-log fields; release_limits
// if the response has not.
void settle(RequestContext& ctx, Services& services);

}  // namespace tollgate::gateway
