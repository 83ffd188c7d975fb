// /_mock/fault: GET shows the sticky fault (sticky_fault.hpp), POST sets it from
// {"fault","count","retry_after"}, DELETE (or POST {"fault":null}) clears it. Tests only.
#pragma once

#include "mock_upstream/mock_context.hpp"
#include "net/http.hpp"

#include <boost/asio/awaitable.hpp>

namespace tollgate::mock {

boost::asio::awaitable<void> handle_fault_endpoint(net::HttpRequest& request,
                                                   net::ResponseWriter& writer,
                                                   MockContext& context);

}  // namespace tollgate::mock
