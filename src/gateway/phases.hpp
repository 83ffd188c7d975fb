// The phases shared by every API endpoint, in the order a request meets them.
#pragma once

#include "gateway/gateway.hpp"
#include "gateway/request_context.hpp"

#include <boost/asio/awaitable.hpp>

namespace tollgate::gateway {

// authenticate: `Authorization: Bearer <key>` → ctx.key. On failure responds 401 (OpenAI shape)
// and returns false.
boost::asio::awaitable<bool> authenticate(RequestContext& ctx, Services& services);

// resolve: the 404 for an unknown model, listing close matches.
boost::asio::awaitable<void> respond_model_not_found(RequestContext& ctx, const Catalog& catalog,
                                                     std::string_view model);

// settle: metrics, usage record (authenticated model calls), access-log fields.
void settle(RequestContext& ctx, Services& services);

}  // namespace tollgate::gateway
