#include "gateway/upstream_call.hpp"

#include "gateway/loop_state.hpp"
#include "gateway/respond.hpp"
#include "obs/metrics.hpp"

#include <prometheus/gauge.h>

#include <cstdio>

namespace tollgate::gateway {

StreamGauge::StreamGauge(obs::Metrics& metrics) : metrics_(metrics) {
  metrics_.active_streams().Increment();
}

StreamGauge::~StreamGauge() { metrics_.active_streams().Decrement(); }

net::ClientRequest upstream_post(const RequestContext& ctx, std::string target, std::string body,
                                 bool stream) {
  const Deployment& deployment = *ctx.deployment;
  net::ClientRequest upstream;
  upstream.method = "POST";
  upstream.target = std::move(target);
  upstream.timeouts = deployment.timeouts;
  upstream.body = std::move(body);
  upstream.headers.reserve(4 + deployment.upstream_headers.size());
  upstream.headers.push_back({"content-type", "application/json"});
  upstream.headers.push_back({"accept", stream ? "text/event-stream" : "application/json"});
  upstream.headers.push_back({"x-request-id", ctx.request_id});
  for (const auto& h : deployment.upstream_headers) upstream.headers.push_back(h);
  // An Anthropic client's beta flags mean something only to an Anthropic upstream.
  if (deployment.family == ir::Format::anthropic && ctx.format == ir::Format::anthropic) {
    if (auto beta = ctx.request.header("anthropic-beta"); !beta.empty()) {
      upstream.headers.push_back({"anthropic-beta", std::string(beta)});
    }
  }
  for (const auto& prefix : deployment.provider->forward_headers) {
    for (const auto& h : ctx.request.headers) {
      if (h.name.size() >= prefix.size() &&
          net::iequals(std::string_view(h.name).substr(0, prefix.size()), prefix)) {
        upstream.headers.push_back(h);
      }
    }
  }
  return upstream;
}

boost::asio::awaitable<void> respond_upstream_failure(RequestContext& ctx, net::ClientError error,
                                                      const std::string& detail) {
  const std::string& provider = ctx.deployment->provider->name;
  if (net::is_timeout(error)) {
    co_await respond_error(ctx, 504,
                           "Upstream provider '" + provider + "' timed out (" +
                               std::string(net::to_string(error)) + ")",
                           "upstream_timeout");
  } else {
    co_await respond_error(ctx, 502,
                           "Upstream provider '" + provider + "' is unreachable: " + detail,
                           "upstream_unreachable");
  }
}

void copy_upstream_headers(const net::Headers& from, net::Headers& to) {
  for (const auto& h : from) {
    if (net::iequals(h.name, "retry-after") || net::iequals(h.name, "openai-processing-ms") ||
        h.name.starts_with("x-ratelimit-") || h.name.starts_with("X-RateLimit-")) {
      to.push_back(h);
    }
  }
}

void estimate_usage(RequestContext& ctx, std::int64_t generated_deltas) {
  ctx.usage = {};
  ctx.usage.input = static_cast<int64_t>((ctx.prompt_chars + 3) / 4);
  ctx.usage.output = generated_deltas;
  ctx.usage_source = "estimated";
}

void take_usage(RequestContext& ctx, const ir::Usage& usage, std::int64_t generated_deltas) {
  if (usage.present) {
    ctx.usage = usage;
    ctx.usage_source = "upstream";
  } else {
    estimate_usage(ctx, generated_deltas);
  }
}

ir::Error stream_failure(std::string_view code) {
  std::string message = code == "upstream_timeout"
                            ? "The upstream provider stopped responding mid-stream."
                        : code == "upstream_invalid_response"
                            ? "The upstream provider sent a malformed stream event."
                            : "The upstream provider closed the stream before it was complete.";
  return ir::make_error(code == "upstream_timeout" ? 504 : 502, std::move(message),
                        std::string(code));
}

void MeteringSink::on_event(const ir::Event& event) {
  switch (event.kind) {
    case ir::Event::Kind::message_start:
    case ir::Event::Kind::usage:
      if (event.usage.present) usage = event.usage;
      break;
    case ir::Event::Kind::text_delta:
    case ir::Event::Kind::arguments_delta: ++deltas; break;
    case ir::Event::Kind::end: ended = true; break;
    case ir::Event::Kind::error: errored = true; break;
    default: break;
  }
  if (next_) next_->on_event(event);
}

std::string random_id(RequestContext& ctx, std::string_view prefix) {
  char hex[2 * 12 + 1];
  std::snprintf(hex, sizeof hex, "%012llx%012llx",
                static_cast<unsigned long long>(ctx.loop.rng() & 0xffffffffffffULL),
                static_cast<unsigned long long>(ctx.loop.rng() & 0xffffffffffffULL));
  std::string id(prefix);
  id += hex;
  return id;
}

}  // namespace tollgate::gateway
