#include "mock_upstream/router.hpp"

#include "mock_upstream/anthropic_request.hpp"
#include "mock_upstream/anthropic_wire.hpp"
#include "mock_upstream/api_error.hpp"
#include "mock_upstream/auth.hpp"
#include "mock_upstream/fault_endpoint.hpp"
#include "mock_upstream/gemini_request.hpp"
#include "mock_upstream/gemini_wire.hpp"
#include "mock_upstream/instance_name_writer.hpp"
#include "mock_upstream/media_handlers.hpp"
#include "mock_upstream/model_handler.hpp"
#include "mock_upstream/openai_request.hpp"
#include "mock_upstream/openai_wire.hpp"

#include <string>

namespace tollgate::mock {
namespace {

// A fixed list: the mock answers chat requests for any model id, these are only what it lists.
constexpr std::string_view kModelsBody =
    R"({"object":"list","data":[)"
    R"({"id":"gpt-4o","object":"model","created":1700000000,"owned_by":"mock"},)"
    R"({"id":"gpt-4o-mini","object":"model","created":1700000000,"owned_by":"mock"},)"
    R"({"id":"mock-model","object":"model","created":1700000000,"owned_by":"mock"}]})";

const WireAdapter kOpenAiChat{
    .format = WireFormat::openai,
    .id_prefix = "chatcmpl-mock-",
    .authenticate = check_openai_key,
    .parse = [](net::HttpRequest& request) { return parse_openai_chat(request.body); },
    .json_body = openai_json_body,
    .stream_encoder = openai_stream_encoder,
};

const WireAdapter kAnthropicMessages{
    .format = WireFormat::anthropic,
    .id_prefix = "msg_mock_",
    .authenticate = check_anthropic_key,
    .parse = [](net::HttpRequest& request) { return parse_anthropic_messages(request.body); },
    .json_body = anthropic_json_body,
    .stream_encoder = anthropic_stream_encoder,
};

const WireAdapter kGeminiGenerate{
    .format = WireFormat::gemini,
    .id_prefix = "mock-",
    .authenticate = check_gemini_key,
    .parse = parse_gemini_request,
    .json_body = gemini_json_body,
    .stream_encoder = gemini_stream_encoder,
};

boost::asio::awaitable<void> send_text(net::ResponseWriter& writer, int status,
                                       std::string_view content_type, std::string body) {
  net::Headers headers;
  headers.push_back({"Content-Type", std::string(content_type)});
  co_await writer.send(status, std::move(headers), std::move(body));
}

boost::asio::awaitable<void> list_models(net::HttpRequest& request, net::ResponseWriter& writer,
                                         MockContext& context) {
  if (auto error = check_openai_key(request, context.options)) {
    co_await send_api_error(writer, *error);
    co_return;
  }
  co_await send_text(writer, 200, "application/json", std::string(kModelsBody));
}

// What the mock last received or answered, for tests that compare it with what went through the
// gateway; 404 before the first.
boost::asio::awaitable<void> send_recorded(net::ResponseWriter& writer,
                                           std::optional<std::string> json, std::string_view what) {
  if (!json) {
    const ApiError error =
        api_error(404, "invalid_request_error",
                  "No " + std::string(what) + " has been recorded yet.", "mock_no_request");
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
    co_await handle_model_request(request, writer, context, kOpenAiChat);
  } else if (post && path == "/v1/messages") {
    co_await handle_model_request(request, writer, context, kAnthropicMessages);
  } else if (post && gemini_method(path)) {
    co_await handle_model_request(request, writer, context, kGeminiGenerate);
  } else if (post && path == "/v1/embeddings") {
    co_await handle_embeddings(request, writer, context);
  } else if (post && path == "/v1/images/generations") {
    co_await handle_image_generation(request, writer, context);
  } else if (get && path == "/v1/models") {
    co_await list_models(request, writer, context);
  } else if (get && path == "/healthz") {
    co_await send_text(writer, 200, "text/plain", "ok");
  } else if (get && path == "/_mock/last-request") {
    co_await send_recorded(writer, context.recorder.last_request_json(), "model request");
  } else if (get && path == "/_mock/last-response") {
    co_await send_recorded(writer, context.replies.last_reply_json(), "model reply");
  } else if (get && path == "/_mock/image.png") {
    co_await send_mock_image(writer);
  } else if (get && path == "/_mock/stats") {
    co_await send_text(writer, 200, "application/json", context.stats.to_json());
  } else if (post && path == "/_mock/reset-stats") {
    context.stats.reset();
    co_await send_text(writer, 200, "application/json", context.stats.to_json());
  } else if (path == "/_mock/fault" && (get || post || request.method == "DELETE")) {
    co_await handle_fault_endpoint(request, writer, context);
  } else {
    co_await not_found(request, writer);
  }
}

// --name: every response, whichever route gives it, carries the instance's name.
boost::asio::awaitable<void> route_naming_instance(net::HttpRequest& request,
                                                   net::ResponseWriter& writer,
                                                   MockContext& context) {
  InstanceNameWriter named(writer, context.options.instance_name);
  co_await route(request, named, context);
}

}  // namespace

net::Handler make_mock_handler(MockContext& context) {
  // Not a coroutine itself: the returned awaitable refers only to the server's request and
  // writer and to `context`, never to this lambda.
  if (!context.options.instance_name.empty()) {
    return [&context](net::HttpRequest& request, net::ResponseWriter& writer) {
      return route_naming_instance(request, writer, context);
    };
  }
  return [&context](net::HttpRequest& request, net::ResponseWriter& writer) {
    return route(request, writer, context);
  };
}

}  // namespace tollgate::mock
