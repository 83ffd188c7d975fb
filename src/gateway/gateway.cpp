// Routing and the endpoints that do not call an upstream. The chat pipeline is in
// chat_completions.cpp; settle.cpp closes every request (metrics, usage log, access log).
#include "gateway/gateway.hpp"

#include "api/json_text.hpp"
#include "auth/key_cache.hpp"
#include "billing/usage_writer.hpp"
#include "gateway/blocking_pool.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/phases.hpp"
#include "gateway/respond.hpp"
#include "obs/metrics.hpp"
#include "routing/router.hpp"

#include <ctime>

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

boost::asio::awaitable<void> Gateway::route(net::HttpRequest& request,
                                            net::ResponseWriter& writer) {
  LoopState& loop = *loops_[request.loop_index];
  RequestContext ctx(request, writer, loop, services_);
  ctx.request_id = loop.next_request_id();
  std::string_view path = request.path();
  std::string_view method = request.method;

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

  // A POST-only model API: its surface name, wire format and handler.
  auto post_only = [&](std::string_view surface, ir::Format format) {
    ctx.surface = surface;
    ctx.format = format;
    return method == "POST";
  };
  auto method_not_allowed = [&] {
    return respond_error(ctx, 405,
                         "Method not allowed: use POST " + std::string(ctx.request.path()),
                         "method_not_allowed");
  };
  constexpr std::string_view gemini_models = "/v1beta/models/";

  // A model API admits the request (a Verdict: chat_completions.cpp, surfaces.cpp); it is then
  // served (dispatch.cpp), or the refusal answered.
  if (path == "/v1/chat/completions") {
    if (!post_only("openai.chat", ir::Format::openai_chat))
      co_await method_not_allowed();
    else if (auto refusal = chat_completions(ctx))
      co_await refuse(ctx, *refusal);
    else
      co_await serve(ctx, Surface::chat);
  } else if (path == "/v1/messages") {
    if (!post_only("anthropic.messages", ir::Format::anthropic))
      co_await method_not_allowed();
    else if (auto refusal = messages(ctx))
      co_await refuse(ctx, *refusal);
    else
      co_await serve(ctx, Surface::messages);
  } else if (path == "/v1/responses") {
    if (!post_only("openai.responses", ir::Format::openai_responses))
      co_await method_not_allowed();
    else if (auto refusal = responses(ctx))
      co_await refuse(ctx, *refusal);
    else
      co_await serve(ctx, Surface::responses);
  } else if (path.starts_with(gemini_models) && path.find(':') != std::string_view::npos) {
    if (!post_only("gemini.generate_content", ir::Format::gemini))
      co_await method_not_allowed();
    else if (auto refusal = generate_content(ctx, path.substr(gemini_models.size())))
      co_await refuse(ctx, *refusal);
    else
      co_await serve(ctx, Surface::gemini);
  } else if (path == "/v1/embeddings") {
    if (!post_only("openai.embeddings", ir::Format::openai_chat))
      co_await method_not_allowed();
    else if (auto refusal = forward_openai_json(ctx, Surface::embeddings))
      co_await refuse(ctx, *refusal);
    else
      co_await serve(ctx, Surface::embeddings);
  } else if (path == "/v1/images/generations") {
    if (!post_only("openai.images", ir::Format::openai_chat))
      co_await method_not_allowed();
    else if (auto refusal = forward_openai_json(ctx, Surface::images))
      co_await refuse(ctx, *refusal);
    else
      co_await serve(ctx, Surface::images);
  } else if (is_management_path(path)) {
    ctx.surface = "management";
    co_await management(ctx);
  } else if (path == "/v1/models" || path.starts_with("/v1/models/")) {
    // Anthropic's SDK lists models here too; it always sends anthropic-version.
    ctx.surface = "models";
    ctx.format = request.header("anthropic-version").empty() ? ir::Format::openai_chat
                                                             : ir::Format::anthropic;
    co_await models(ctx, path.substr(std::string_view("/v1/models").size()));
  } else if (path == "/v1beta/models" || path.starts_with(gemini_models)) {
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
