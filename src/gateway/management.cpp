// Accounts, keys and billing endpoints (issue 4 §1, §2, §6). Being written.
#include "gateway/gateway.hpp"
#include "gateway/phases.hpp"
#include "gateway/respond.hpp"

namespace tollgate::gateway {

bool Gateway::is_management_path(std::string_view path) {
  return path == "/v1/keys" || path.starts_with("/v1/keys/") || path == "/v1/key" ||
         path == "/v1/billing/balance" || path == "/v2/billing" || path == "/v2/billing/detail" ||
         path == "/v1/me/balance" || path == "/v1/credits" || path == "/v1/credits/topup" ||
         path == "/v1/usage" || path == "/auth/register" || path == "/auth/login";
}

boost::asio::awaitable<void> Gateway::management(RequestContext& ctx) {
  co_await not_found(ctx);
}

}  // namespace tollgate::gateway
