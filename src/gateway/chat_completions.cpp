// POST /v1/chat/completions — the life of a chat request, phase by phase:
//
//   authenticate → decode (validate, read model/stream) → resolve (catalog) →
//   attempt (patch body, send upstream) → relay (JSON, or SSE frame by frame) → settle
//
// An OpenAI-compatible upstream gets the passthrough fast path: the client's body is forwarded
// with only `model` (and stream_options) patched at the byte level, and the response is relayed
// with only `model` restored, scanning it for usage on the way. Any other upstream family gets
// the body decoded into the IR and the translated pipeline (translate.cpp).
#include "api/openai/chat_ir.hpp"
#include "api/openai/chat_request.hpp"
#include "api/openai/errors.hpp"
#include "gateway/gateway.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/phases.hpp"
#include "gateway/respond.hpp"
#include "gateway/upstream_call.hpp"
#include "net/sse/sse.hpp"
#include "obs/metrics.hpp"
#include "providers/openai/passthrough.hpp"

namespace tollgate::gateway {

namespace {

namespace openai = providers::openai;
constexpr std::size_t kMaxUpstreamJsonBytes = 64 * 1024 * 1024;

ir::Usage to_ir(const openai::Usage& usage) {
  ir::Usage out;
  out.input = usage.prompt_tokens;
  out.output = usage.completion_tokens;
  out.cache_read = usage.cached_tokens;
  out.reasoning = usage.reasoning_tokens;
  out.present = usage.present;
  return out;
}

}  // namespace

boost::asio::awaitable<void> Gateway::chat_completions(RequestContext& ctx) {
  // authenticate
  if (!co_await authenticate(ctx, services_)) co_return;

  // decode (validation and what the passthrough needs, without building anything)
  auto decoded = ctx.loop.chat_parser.parse(ctx.request.body);
  if (auto* error = std::get_if<api::openai::RequestError>(&decoded)) {
    co_await respond_error(ctx, 400, error->message, error->code, error->param);
    co_return;
  }
  ctx.chat = std::move(std::get<api::openai::ChatRequestView>(decoded));
  ctx.model_call = true;
  ctx.requested_model = ctx.chat.model;
  ctx.stream = ctx.chat.stream;
  ctx.prompt_chars = ctx.chat.prompt_chars;

  // resolve
  if (!co_await resolve(ctx, catalog_, ctx.chat.model, Surface::chat)) co_return;
  const Deployment& deployment = *ctx.deployment;
  if (deployment.family != ir::Format::openai_chat) {
    if (auto error = api::openai::decode_request(ctx.request.body, ctx.ir)) {
      co_await respond_error(ctx, *error);
      co_return;
    }
    co_await translate(ctx);
    co_return;
  }
  const std::string& public_model = deployment.model->id;

  // attempt
  auto upstream_started = Clock::now();
  net::ClientResult sent;
  {
    WaitTimer wait{ctx.upstream_wait};
    sent = co_await ctx.loop.client.send(
        deployment.origin,
        upstream_post(ctx, deployment.target,
                      openai::build_upstream_body(ctx.request.body, ctx.chat,
                                                  deployment.model->upstream_model),
                      ctx.chat.stream));
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
      co_await respond_error(
          ctx, 502,
          "Upstream provider '" + deployment.provider->name + "' returned a malformed response",
          "upstream_invalid_response");
      co_return;
    }
    if (scan.usage.present) {
      ctx.usage = to_ir(scan.usage);
      ctx.usage_source = "upstream";
    } else {
      estimate_usage(ctx, 0);
    }
    co_await respond_json(ctx, 200, std::move(scan.body), std::move(extra));
    co_return;
  }

  // relay: the stream, frame by frame
  net::Headers headers{{"content-type", "text/event-stream"}, {"cache-control", "no-cache"}};
  add_common_headers(ctx, headers);
  copy_upstream_headers(response.headers(), headers);
  ctx.status = 200;
  StreamGauge gauge(services_.metrics);

  bool client_ok;
  {
    WaitTimer wait{ctx.client_wait};
    client_ok = co_await ctx.writer.start_stream(200, std::move(headers));
  }
  net::sse::Decoder decoder;
  openai::ChunkResult chunk;
  std::int64_t content_chunks = 0;  // streamed deltas relayed (basis of estimates)
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
      if (chunk.usage.present) ctx.usage = to_ir(chunk.usage);
      if (chunk.has_content) ++content_chunks;
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
    estimate_usage(ctx, content_chunks);
  }
}

}  // namespace tollgate::gateway
