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

// resolve: the model's deployment → ctx.deployment, if `surface` may call it. Otherwise responds
// 404 (unknown model, with close matches) or 400 (naming the surfaces the model allows) and
// returns false.
boost::asio::awaitable<bool> resolve(RequestContext& ctx, const Catalog& catalog,
                                     std::string_view model, Surface surface);

// settle: metrics, usage record (authenticated model calls), access-log fields.
void settle(RequestContext& ctx, Services& services);

}  // namespace tollgate::gateway
