// Routing, the life of a model API request in outline, and the endpoints that do not call an
// upstream. route() picks a request's coroutine by its path: serve() takes a model API's request
// through admission (chat_completions.cpp, surfaces.cpp), the attempts (dispatch.cpp), the relay
// (chat_completions.cpp, same_format.cpp, translate.cpp, surfaces.cpp) and settle (phases.cpp:
// metrics, usage log, access log); serve_other() answers everything else.
#include "gateway/gateway.hpp"

#include "api/json_text.hpp"
#include "auth/key_cache.hpp"
#include "billing/usage_writer.hpp"
#include "gateway/admission.hpp"
#include "gateway/blocking_pool.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/phases.hpp"
#include "gateway/respond.hpp"
#include "gateway/upstream_call.hpp"
#include "obs/metrics.hpp"
#include "routing/router.hpp"

#include <ctime>
#include <memory>
#include <optional>

namespace tollgate::gateway {

Gateway::Gateway(const config::Config& config, Services services, unsigned loop_count)
    : config_(config),
      services_(services),
      catalog_(config),
      blocking_(std::make_unique<BlockingPool>(config.store.sqlite_path)) {
  std::vector<routing::DeploymentInfo> deployments;
  for (const Deployment& d : catalog_.deployments()) {
    deployments.push_back({d.config->name, d.config->priority, d.config->weight, d.region,
                           d.config->rpm, d.config->tpm});
    deployment_metrics_.push_back(
        services_.metrics.deployment_series(d.config->name, d.model->id, d.provider->name));
  }
  const config::RoutingConfig& routing = config.routing;
  router_ = std::make_unique<routing::Router>(
      std::move(deployments),
      routing.strategy == config::RoutingStrategy::least_latency ? routing::Strategy::least_latency
                                                                 : routing::Strategy::weighted,
      routing::BreakerSettings{routing.breaker_failures, routing.breaker_cooldown});
  services_.catalog = &catalog_;
  services_.router = router_.get();
  services_.routing = &config.routing;
  services_.deployment_metrics = &deployment_metrics_;
  services_.access_log = config.server.access_log != "off";
  loops_.resize(loop_count);
}

Gateway::~Gateway() = default;

void Gateway::start_loop(unsigned index, boost::asio::io_context& io) {
  loops_.at(index) = std::make_unique<LoopState>(io, index, services_.metrics);
}

void Gateway::stop_loop(unsigned index) {
  loops_.at(index).reset();
}

net::Handler Gateway::handler() {
  return [this](net::HttpRequest& request, net::ResponseWriter& writer) {
    return route(request, writer);
  };
}

namespace {

constexpr std::string_view kGeminiModels = "/v1beta/models/";

}  // namespace

std::optional<Gateway::ModelApi> Gateway::model_api(std::string_view path) {
  if (path == "/v1/chat/completions")
    return ModelApi{Surface::chat, "openai.chat", ir::Format::openai_chat};
  if (path == "/v1/messages")
    return ModelApi{Surface::messages, "anthropic.messages", ir::Format::anthropic};
  if (path == "/v1/responses")
    return ModelApi{Surface::responses, "openai.responses", ir::Format::openai_responses};
  if (path.starts_with(kGeminiModels) && path.find(':') != std::string_view::npos)
    return ModelApi{Surface::gemini, "gemini.generate_content", ir::Format::gemini};
  if (path == "/v1/embeddings")
    return ModelApi{Surface::embeddings, "openai.embeddings", ir::Format::openai_chat};
  if (path == "/v1/images/generations")
    return ModelApi{Surface::images, "openai.images", ir::Format::openai_chat};
  return std::nullopt;
}

boost::asio::awaitable<void> Gateway::route(net::HttpRequest& request,
                                            net::ResponseWriter& writer) {
  if (std::optional<ModelApi> api = model_api(request.path())) return serve(request, writer, *api);
  return serve_other(request, writer);
}

boost::asio::awaitable<void> Gateway::serve(net::HttpRequest& request, net::ResponseWriter& writer,
                                            ModelApi api) {
  RequestContext ctx(request, writer, *loops_[request.loop_index], services_);
  ctx.request_id = ctx.loop.next_request_id();
  ctx.surface = api.name;
  ctx.format = api.format;
  if (request.method != "POST") {
    co_await respond_error(ctx, 405, "Method not allowed: use POST " + std::string(request.path()),
                           "method_not_allowed");
  } else if (Verdict refusal = admit_model_api(ctx, api.surface)) {
    co_await refuse(ctx, *refusal);
  } else if (!reservation_uncommitted(ctx, services_) ||
             co_await commit_reservation(ctx, services_)) {
    std::unique_ptr<UpstreamCall> call = co_await dispatch(ctx, services_, api.surface);
    if (call) co_await relay(ctx, *call, api.surface);
  }
  settle(ctx, services_);
}

Verdict Gateway::admit_model_api(RequestContext& ctx, Surface surface) {
  switch (surface) {
    case Surface::chat:
      return chat_completions(ctx);
    case Surface::messages:
      return messages(ctx);
    case Surface::responses:
      return responses(ctx);
    case Surface::gemini:
      return generate_content(ctx, ctx.request.path().substr(kGeminiModels.size()));
    case Surface::embeddings:
    case Surface::images:
      return forward_openai_json(ctx, surface);
  }
  return turn_away(404, "Unknown model API", "unknown_url");
}

boost::asio::awaitable<void> Gateway::relay(RequestContext& ctx, UpstreamCall& call,
                                            Surface surface) {
  if (surface == Surface::embeddings || surface == Surface::images) {
    return relay_openai_json(ctx, call, surface);
  }
  if (call.deployment().family != ctx.format) return relay_translated(ctx, call);
  if (ctx.format == ir::Format::openai_chat) return relay_passthrough(ctx, call);
  return relay_same_format(ctx, call);
}

boost::asio::awaitable<void> Gateway::serve_other(net::HttpRequest& request,
                                                  net::ResponseWriter& writer) {
  RequestContext ctx(request, writer, *loops_[request.loop_index], services_);
  ctx.request_id = ctx.loop.next_request_id();
  std::string_view path = request.path();

  // The operations endpoints: not settled (no request metrics, access log or usage of their own).
  if (path == "/healthz") {
    ctx.surface = "ops";
    co_await respond_json(ctx, 200, R"({"status":"ok"})");
    co_return;
  }
  if (path == "/readyz") {
    ctx.surface = "ops";
    if (draining_)
      co_await respond_json(ctx, 503, R"({"status":"draining"})");
    else
      co_await respond_json(ctx, 200, R"({"status":"ready"})");
    co_return;
  }
  if (path == "/metrics") {
    ctx.surface = "ops";
    ctx.status = 200;
    net::Headers headers{{"content-type", "text/plain; version=0.0.4"}};
    services_.metrics.set_usage_backlog(services_.usage.backlog());
    co_await writer.send(200, std::move(headers), services_.metrics.render());
    co_return;
  }

  if (is_management_path(path)) {
    ctx.surface = "management";
    co_await management(ctx);
  } else if (path == "/v1/models" || path.starts_with("/v1/models/")) {
    // Anthropic's SDK lists models here too; it always sends anthropic-version.
    ctx.surface = "models";
    ctx.format = request.header("anthropic-version").empty() ? ir::Format::openai_chat
                                                             : ir::Format::anthropic;
    co_await models(ctx, path.substr(std::string_view("/v1/models").size()));
  } else if (path == "/v1beta/models" || path.starts_with(kGeminiModels)) {
    ctx.surface = "models";
    ctx.format = ir::Format::gemini;
    co_await models(ctx, path.substr(std::string_view("/v1beta/models").size()));
  } else {
    ctx.surface = "unknown";
    co_await not_found(ctx);
  }
  settle(ctx, services_);
}

boost::asio::awaitable<void> Gateway::not_found(RequestContext& ctx) {
  std::string message = "Unknown request URL: ";
  message += ctx.request.method;
  message += ' ';
  message += ctx.request.path();
  co_await respond_error(ctx, 404, std::move(message), "unknown_url");
}

}  // namespace tollgate::gateway
