// The phases shared by every API endpoint, in the order a request meets them.
#pragma once

#include "gateway/gateway.hpp"
#include "gateway/request_context.hpp"

#include <boost/asio/awaitable.hpp>

namespace tollgate::gateway {

// authenticate: the API key (Bearer, x-api-key, x-goog-api-key or ?key=) → ctx.key. On failure
// responds 401 in the client's format and returns false.
boost::asio::awaitable<bool> authenticate(RequestContext& ctx, Services& services);

// resolve: the 404 for an unknown model, listing close matches.
boost::asio::awaitable<void> respond_model_not_found(RequestContext& ctx, const Catalog& catalog,
                                                     std::string_view model);

// resolve: the public id the client named (a model, an alias or "auto") → ctx.route, if
// `surface` may call it; then the request is decoded when the route needs it (decode_for_route).
// Otherwise responds 404 (unknown model, with close matches) or 400 (naming the surfaces the
// model allows, or the decoding error) and returns false.
boost::asio::awaitable<bool> resolve(RequestContext& ctx, const Catalog& catalog,
                                     std::string_view model, Surface surface);

// decode: the client's request in the IR (ctx.ir), once; the format's own 400 when it is not
// valid. Needed when the route has deployments of another wire format than the client's, and
// for "auto" (what the request needs decides the model).
std::optional<ir::Error> decode_client_request(RequestContext& ctx);

// The same after resolve, when the route needs it: a decoding error is answered (false).
boost::asio::awaitable<bool> decode_for_route(RequestContext& ctx);

// settle: metrics, usage record (authenticated model calls), access-log fields.
void settle(RequestContext& ctx, Services& services);

}  // namespace tollgate::gateway
