// POST /v1/chat/completions — the life of a chat request, phase by phase:
//
//   authenticate → decode (validate, read model/stream) → resolve (catalog) →
//   attempt (patch body, send upstream) → relay (JSON, or SSE frame by frame) → settle
//
// This is the passthrough fast path for OpenAI-compatible upstreams: the client's body is
// forwarded with only `model` (and stream_options) patched at the byte level, and the response
// is relayed with only `model` restored, scanning it for usage on the way.
#include "api/openai/chat_request.hpp"
#include "api/openai/errors.hpp"
#include "gateway/gateway.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/phases.hpp"
#include "gateway/respond.hpp"
#include "net/sse/sse.hpp"
#include "obs/metrics.hpp"
#include "providers/openai/passthrough.hpp"

#include <prometheus/gauge.h>

namespace tollgate::gateway {

namespace {

namespace openai = providers::openai;
constexpr std::size_t kMaxUpstreamJsonBytes = 64 * 1024 * 1024;

// Measures a wait on the upstream or the client, so it can be excluded from the overhead.
struct WaitTimer {
  Clock::duration& total;
  Clock::time_point start = Clock::now();
  ~WaitTimer() { total += Clock::now() - start; }
};

// Rough token estimates for when the upstream reports no usage: ~4 characters per prompt token,
// one token per streamed content delta. Recorded with usage_source = "estimated".
void estimate_usage(RequestContext& ctx) {
  ctx.usage.prompt_tokens = static_cast<int64_t>((ctx.chat.prompt_chars + 3) / 4);
  ctx.usage.completion_tokens = ctx.content_chunks;
  ctx.usage.total_tokens = ctx.usage.prompt_tokens + ctx.usage.completion_tokens;
  ctx.usage_source = "estimated";
}

// Maps a failure to reach the upstream to the status and code the client sees.
boost::asio::awaitable<void> respond_upstream_failure(RequestContext& ctx, net::ClientError error,
                                                      const std::string& detail) {
  std::string provider = ctx.deployment->provider->name;
  if (net::is_timeout(error)) {
    co_await respond_openai_error(ctx, 504,
                                  "Upstream provider '" + provider + "' timed out (" +
                                      std::string(net::to_string(error)) + ")",
                                  "server_error", "upstream_timeout");
  } else {
    co_await respond_openai_error(ctx, 502,
                                  "Upstream provider '" + provider + "' is unreachable: " + detail,
                                  "server_error", "upstream_unreachable");
  }
}

// Headers worth passing from an upstream response to the client.
void copy_upstream_headers(const net::Headers& from, net::Headers& to) {
  for (const auto& h : from) {
    if (net::iequals(h.name, "retry-after") || net::iequals(h.name, "openai-processing-ms") ||
        h.name.starts_with("x-ratelimit-") || h.name.starts_with("X-RateLimit-")) {
      to.push_back(h);
    }
  }
}

}  // namespace

boost::asio::awaitable<void> Gateway::chat_completions(RequestContext& ctx) {
  // authenticate
  if (!co_await authenticate(ctx, services_)) co_return;

  // decode
  auto decoded = ctx.loop.chat_parser.parse(ctx.request.body);
  if (auto* error = std::get_if<api::openai::RequestError>(&decoded)) {
    co_await respond_openai_error(ctx, 400, error->message, "invalid_request_error", error->code,
                                  error->param);
    co_return;
  }
  ctx.chat = std::move(std::get<api::openai::ChatRequestView>(decoded));

  // resolve
  ctx.deployment = catalog_.find(ctx.chat.model);
  if (!ctx.deployment) {
    co_await respond_model_not_found(ctx, catalog_, ctx.chat.model);
    co_return;
  }
  const Deployment& deployment = *ctx.deployment;
  const std::string& public_model = deployment.model->id;

  // attempt
  net::ClientRequest upstream;
  upstream.method = "POST";
  upstream.target = deployment.chat_target;
  upstream.timeouts = deployment.timeouts;
  upstream.body =
      openai::build_upstream_body(ctx.request.body, ctx.chat, deployment.model->upstream_model);
  upstream.headers.push_back({"content-type", "application/json"});
  upstream.headers.push_back(
      {"accept", ctx.chat.stream ? "text/event-stream" : "application/json"});
  upstream.headers.push_back({"x-request-id", ctx.request_id});
  if (!deployment.authorization.empty()) {
    upstream.headers.push_back({"authorization", deployment.authorization});
  }
  for (const auto& prefix : deployment.provider->forward_headers) {
    for (const auto& h : ctx.request.headers) {
      if (h.name.size() >= prefix.size() &&
          net::iequals(std::string_view(h.name).substr(0, prefix.size()), prefix)) {
        upstream.headers.push_back(h);
      }
    }
  }

  auto upstream_started = Clock::now();
  net::ClientResult sent;
  {
    WaitTimer wait{ctx.upstream_wait};
    sent = co_await ctx.loop.client.send(deployment.origin, std::move(upstream));
  }
  if (sent.error != net::ClientError::none) {
    ctx.loop.metrics.record_upstream(deployment.provider->name, 0, ctx.elapsed());
    co_await respond_upstream_failure(ctx, sent.error, sent.detail);
    co_return;
  }
  auto& response = *sent.response;
  ctx.upstream_status = response.status();
  auto record_upstream_done = [&] {
    ctx.loop.metrics.record_upstream(
        deployment.provider->name, ctx.upstream_status,
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - upstream_started));
  };

  bool upstream_ok = response.status() >= 200 && response.status() < 300;
  std::string_view content_type = net::find_header(response.headers(), "content-type");
  bool is_event_stream = content_type.starts_with("text/event-stream");

  // relay: errors and JSON responses
  if (!upstream_ok || !ctx.chat.stream || !is_event_stream) {
    std::pair<net::ClientError, std::string> body;
    {
      WaitTimer wait{ctx.upstream_wait};
      body = co_await response.read_all(kMaxUpstreamJsonBytes);
    }
    record_upstream_done();
    if (body.first != net::ClientError::none) {
      co_await respond_upstream_failure(ctx, body.first, std::string(net::to_string(body.first)));
      co_return;
    }
    net::Headers extra;
    copy_upstream_headers(response.headers(), extra);
    if (!upstream_ok) {
      // Passed on faithfully: the provider's status and body (it is already OpenAI-shaped).
      ctx.error_code = "upstream_" + std::to_string(response.status());
      ctx.status = response.status();
      net::Headers headers;
      headers.push_back({"content-type", content_type.empty() ? std::string("application/json")
                                                              : std::string(content_type)});
      add_common_headers(ctx, headers);
      for (auto& h : extra) headers.push_back(std::move(h));
      WaitTimer wait{ctx.client_wait};
      if (!co_await ctx.writer.send(response.status(), std::move(headers),
                                    std::move(body.second))) {
        ctx.client_disconnected = true;
      }
      co_return;
    }
    openai::ResponseScan scan = ctx.loop.response_scanner.restore_model(body.second, public_model);
    if (!scan.valid_json) {
      co_await respond_openai_error(
          ctx, 502,
          "Upstream provider '" + deployment.provider->name + "' returned a malformed response",
          "server_error", "upstream_invalid_response");
      co_return;
    }
    ctx.usage = scan.usage;
    if (ctx.usage.present) {
      ctx.usage_source = "upstream";
    } else {
      estimate_usage(ctx);
    }
    co_await respond_json(ctx, 200, std::move(scan.body), std::move(extra));
    co_return;
  }

  // relay: the stream, frame by frame
  net::Headers headers{{"content-type", "text/event-stream"}, {"cache-control", "no-cache"}};
  add_common_headers(ctx, headers);
  copy_upstream_headers(response.headers(), headers);
  ctx.status = 200;
  services_.metrics.active_streams().Increment();
  struct StreamGauge {
    prometheus::Gauge& gauge;
    ~StreamGauge() { gauge.Decrement(); }
  } stream_gauge{services_.metrics.active_streams()};

  bool client_ok;
  {
    WaitTimer wait{ctx.client_wait};
    client_ok = co_await ctx.writer.start_stream(200, std::move(headers));
  }
  net::sse::Decoder decoder;
  openai::ChunkResult chunk;
  std::string out;
  bool done = false;
  std::string stream_error;  // stable code when the upstream stream broke
  while (client_ok && !done) {
    std::pair<net::ClientError, std::string_view> piece;
    {
      WaitTimer wait{ctx.upstream_wait};
      piece = co_await response.read_some();
    }
    if (piece.first != net::ClientError::none) {
      stream_error =
          net::is_timeout(piece.first) ? "upstream_timeout" : "upstream_stream_interrupted";
      break;
    }
    if (piece.second.empty()) break;  // upstream body ended
    out.clear();
    decoder.feed(piece.second, [&](const net::sse::Event& event) {
      if (done) return;
      ctx.loop.chunk_patcher.patch(event.data, public_model, ctx.chat.include_usage, chunk);
      if (chunk.done) {
        done = true;
        net::sse::append_event(out, "[DONE]");
        return;
      }
      if (chunk.malformed) {
        stream_error = "upstream_invalid_response";
        done = true;
        return;
      }
      if (chunk.usage.present) ctx.usage = chunk.usage;
      if (chunk.has_content) ++ctx.content_chunks;
      if (chunk.forward) net::sse::append_event(out, chunk.data);
    });
    if (decoder.overflowed()) stream_error = "upstream_invalid_response";
    if (!out.empty()) {
      WaitTimer wait{ctx.client_wait};
      client_ok = co_await ctx.writer.write_chunk(out);
    }
    if (!stream_error.empty()) break;
  }
  record_upstream_done();
  if (!done && stream_error.empty() && client_ok) stream_error = "upstream_stream_interrupted";

  if (!client_ok) {
    // The client went away: dropping `response` (below) closes the upstream connection, so the
    // provider stops generating. What was produced so far is what gets recorded.
    ctx.client_disconnected = true;
    ctx.error_code = "client_disconnected";
  } else if (!stream_error.empty()) {
    // Tell the client in the stream itself (the status line has gone already), then end it.
    ctx.error_code = stream_error;
    std::string message = stream_error == "upstream_timeout"
                              ? "The upstream provider stopped responding mid-stream."
                          : stream_error == "upstream_invalid_response"
                              ? "The upstream provider sent a malformed stream event."
                              : "The upstream provider closed the stream before it was complete.";
    out.clear();
    net::sse::append_event(out, api::openai::error_body(message, "server_error", stream_error));
    WaitTimer wait{ctx.client_wait};
    if (co_await ctx.writer.write_chunk(out)) co_await ctx.writer.finish_stream();
  } else {
    WaitTimer wait{ctx.client_wait};
    if (!co_await ctx.writer.finish_stream()) ctx.client_disconnected = true;
  }
  if (ctx.usage.present) {
    ctx.usage_source = "upstream";
  } else {
    estimate_usage(ctx);
  }
}

}  // namespace tollgate::gateway
