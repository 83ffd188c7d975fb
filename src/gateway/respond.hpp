// Writing responses in the shape of the OpenAI API (the only inbound surface so far).
#pragma once

#include "gateway/request_context.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace tollgate::gateway {

// Sends a JSON body with the common headers (request id, overhead).
boost::asio::awaitable<void> respond_json(RequestContext& ctx, int status, std::string body,
                                          net::Headers extra = {});

// Sends `{"error":{"message","type","param","code"}}`, and records the code for metrics/logs.
boost::asio::awaitable<void> respond_openai_error(RequestContext& ctx, int status,
                                                  std::string_view message, std::string_view type,
                                                  std::string_view code,
                                                  std::string_view param = {});

// Headers every gateway response carries.
void add_common_headers(RequestContext& ctx, net::Headers& headers);

}  // namespace tollgate::gateway
