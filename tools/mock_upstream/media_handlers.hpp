// The OpenAI endpoints that are not chat: POST /v1/embeddings (deterministic vectors) and
// POST /v1/images/generations (a tiny valid PNG), with the same authentication, directives and
// faults as chat. GET /_mock/image.png serves the PNG that `url` replies point at.
#pragma once

#include "mock_upstream/mock_context.hpp"
#include "net/http.hpp"

#include <boost/asio/awaitable.hpp>

namespace tollgate::mock {

boost::asio::awaitable<void> handle_embeddings(net::HttpRequest& request,
                                               net::ResponseWriter& writer, MockContext& context);

boost::asio::awaitable<void> handle_image_generation(net::HttpRequest& request,
                                                     net::ResponseWriter& writer,
                                                     MockContext& context);

boost::asio::awaitable<void> send_mock_image(net::ResponseWriter& writer);

}  // namespace tollgate::mock
