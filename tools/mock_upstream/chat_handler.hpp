// POST /v1/chat/completions: authenticate, read the x-mock-* directives, parse the request and
// answer with a deterministic reply (JSON or SSE), or with the fault the request asked for.
#pragma once

#include "mock_upstream/mock_context.hpp"
#include "net/http.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>

namespace tollgate::mock {

struct ApiError;

boost::asio::awaitable<void> handle_chat_completions(net::HttpRequest& request,
                                                     net::ResponseWriter& writer,
                                                     MockContext& context);

// 401 unless `Authorization: Bearer <non-empty>` (and equal to --require-key when given).
std::optional<ApiError> check_api_key(const net::HttpRequest& request, const MockOptions& options);

}  // namespace tollgate::mock
