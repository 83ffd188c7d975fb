// Writing responses and errors in the shape of the API the client called (ctx.format).
#pragma once

#include "gateway/request_context.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace tollgate::gateway {

// Sends a JSON body with the common headers (request id, overhead).
boost::asio::awaitable<void> respond_json(RequestContext& ctx, int status, std::string body,
                                          net::Headers extra = {});

// Sends the error in the client's format (OpenAI error object, Anthropic {"type":"error"}, Gemini
// google.rpc.Status) with error.status, and records its code for metrics and logs.
boost::asio::awaitable<void> respond_error(RequestContext& ctx, const ir::Error& error,
                                           net::Headers extra = {});
boost::asio::awaitable<void> respond_error(RequestContext& ctx, int status, std::string message,
                                           std::string code, std::string param = {});

// Headers every gateway response carries.
void add_common_headers(RequestContext& ctx, net::Headers& headers);

}  // namespace tollgate::gateway
