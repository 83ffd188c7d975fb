#include "mock_upstream/router.hpp"

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/chat_handler.hpp"

#include <string>

namespace tollgate::mock {
namespace {

// A fixed list: the mock answers chat requests for any model id, these are only what it lists.
constexpr std::string_view kModelsBody =
    R"({"object":"list","data":[)"
    R"({"id":"gpt-4o","object":"model","created":1700000000,"owned_by":"mock"},)"
    R"({"id":"gpt-4o-mini","object":"model","created":1700000000,"owned_by":"mock"},)"
    R"({"id":"mock-model","object":"model","created":1700000000,"owned_by":"mock"}]})";

boost::asio::awaitable<void> send_text(net::ResponseWriter& writer, int status,
                                       std::string_view content_type, std::string body) {
  net::Headers headers;
  headers.push_back({"Content-Type", std::string(content_type)});
  co_await writer.send(status, std::move(headers), std::move(body));
}

boost::asio::awaitable<void> list_models(net::HttpRequest& request, net::ResponseWriter& writer,
                                         MockContext& context) {
  if (auto error = check_api_key(request, context.options)) {
    co_await send_api_error(writer, *error);
    co_return;
  }
  co_await send_text(writer, 200, "application/json", std::string(kModelsBody));
}

// What the mock last received, for tests that check what the gateway sent upstream.
boost::asio::awaitable<void> send_last_request(net::ResponseWriter& writer, MockContext& context) {
  auto json = context.recorder.last_request_json();
  if (!json) {
    const ApiError error =
        api_error(404, "invalid_request_error", "No chat completion request has been received yet.",
                  "mock_no_request");
    co_await send_api_error(writer, error);
    co_return;
  }
  co_await send_text(writer, 200, "application/json", std::move(*json));
}

boost::asio::awaitable<void> not_found(net::HttpRequest& request, net::ResponseWriter& writer) {
  // OpenAI's wording for an unknown route or method.
  const ApiError error =
      api_error(404, "invalid_request_error",
                "Invalid URL (" + request.method + " " + std::string(request.path()) + ")");
  co_await send_api_error(writer, error);
}

boost::asio::awaitable<void> route(net::HttpRequest& request, net::ResponseWriter& writer,
                                   MockContext& context) {
  const std::string_view path = request.path();
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (post && path == "/v1/chat/completions") {
    co_await handle_chat_completions(request, writer, context);
  } else if (get && path == "/v1/models") {
    co_await list_models(request, writer, context);
  } else if (get && path == "/healthz") {
    co_await send_text(writer, 200, "text/plain", "ok");
  } else if (get && path == "/_mock/last-request") {
    co_await send_last_request(writer, context);
  } else if (get && path == "/_mock/stats") {
    co_await send_text(writer, 200, "application/json", context.stats.to_json());
  } else if (post && path == "/_mock/reset-stats") {
    context.stats.reset();
    co_await send_text(writer, 200, "application/json", context.stats.to_json());
  } else {
    co_await not_found(request, writer);
  }
}

}  // namespace

net::Handler make_mock_handler(MockContext& context) {
  // Not a coroutine itself: the returned awaitable refers only to the server's request and
  // writer and to `context`, never to this lambda.
  return [&context](net::HttpRequest& request, net::ResponseWriter& writer) {
    return route(request, writer, context);
  };
}

}  // namespace tollgate::mock
