// The translated pipeline: whenever the client's wire format differs from the upstream's (or is
// not OpenAI chat, whose same-format calls take the passthrough in chat_completions.cpp), the
// decoded ir::Request is encoded for the upstream's family, and what comes back — a JSON
// response, an error, or a stream event by event — is decoded into the IR and encoded in the
// client's format. Stream frames are written as soon as the upstream bytes that make them have
// arrived: nothing waits for the whole response.
#include "gateway/formats.hpp"
#include "gateway/gateway.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/respond.hpp"
#include "gateway/upstream_call.hpp"
#include "net/sse/sse.hpp"

#include <chrono>
#include <ctime>

namespace tollgate::gateway {

namespace {

constexpr std::size_t kMaxUpstreamJsonBytes = 64 * 1024 * 1024;

ir::EncodeOptions encode_options(RequestContext& ctx, const SurfaceCodec& surface) {
  ir::EncodeOptions options;
  options.model = ctx.deployment->model->id;
  options.id = random_id(ctx, surface.id_prefix());
  options.created = static_cast<std::int64_t>(std::time(nullptr));
  options.include_usage = ctx.ir.include_usage;
  return options;
}

}  // namespace

boost::asio::awaitable<void> Gateway::translate(RequestContext& ctx) {
  const Deployment& deployment = *ctx.deployment;
  const FamilyCodec& family = family_codec(deployment.family);
  const SurfaceCodec& surface = surface_codec(ctx.format);

  // encode
  std::string body;
  if (auto error = family.encode_request(ctx.ir, deployment, body)) {
    co_await respond_error(ctx, *error);
    co_return;
  }

  // attempt
  const std::string& target = ctx.stream ? deployment.stream_target : deployment.target;
  auto upstream_started = Clock::now();
  net::ClientResult sent;
  {
    WaitTimer wait{ctx.upstream_wait};
    sent = co_await ctx.loop.client.send(deployment.origin,
                                         upstream_post(ctx, target, std::move(body), ctx.stream));
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
  bool is_event_stream =
      net::find_header(response.headers(), "content-type").starts_with("text/event-stream");
  ir::EncodeOptions options = encode_options(ctx, surface);

  // relay: errors and JSON responses
  if (!upstream_ok || !ctx.stream || !is_event_stream) {
    std::pair<net::ClientError, std::string> read;
    {
      WaitTimer wait{ctx.upstream_wait};
      read = co_await response.read_all(kMaxUpstreamJsonBytes);
    }
    record_upstream_done();
    if (read.first != net::ClientError::none) {
      co_await respond_upstream_failure(ctx, read.first, std::string(net::to_string(read.first)));
      co_return;
    }
    net::Headers extra;
    copy_upstream_headers(response.headers(), extra);
    if (!upstream_ok) {
      // The provider's error, in the client's format, with the provider's status.
      ir::Error error = family.decode_error(response.status(), read.second);
      error.status = response.status();
      error.code = "upstream_" + std::to_string(response.status());
      co_await respond_error(ctx, error, std::move(extra));
      co_return;
    }
    if (ctx.stream) {  // a 2xx that is not a stream: nothing the client could be sent
      co_await respond_error(ctx, 502,
                             "Upstream provider '" + deployment.provider->name +
                                 "' answered a streaming request without a stream",
                             "upstream_invalid_response");
      co_return;
    }
    ir::Response decoded;
    if (auto error = family.decode_response(read.second, decoded)) {
      error->message = "Upstream provider '" + deployment.provider->name +
                       "' returned a malformed response: " + error->message;
      co_await respond_error(ctx, *error);
      co_return;
    }
    take_usage(ctx, decoded.usage, 0);
    co_await respond_json(ctx, 200, surface.encode_response(decoded, options, ctx.ir),
                          std::move(extra));
    co_return;
  }

  // relay: the stream, event by event
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

  std::string out;
  std::unique_ptr<ir::EventSink> encoder = surface.stream_encoder(out, options, ctx.ir);
  std::unique_ptr<UpstreamStreamDecoder> decoder = family.stream_decoder();
  MeteringSink meter(encoder.get());
  net::sse::Decoder sse;
  std::string stream_error;  // stable code when the upstream stream broke
  while (client_ok && !meter.ended && !meter.errored) {
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
    if (piece.second.empty()) {  // upstream body ended
      const bool errored_before = meter.errored;  // the upstream's own error event
      if (!decoder->finish(meter) && !errored_before) {
        stream_error = "upstream_stream_interrupted";
      }
      break;
    }
    sse.feed(piece.second, [&](const net::sse::Event& event) {
      if (!decoder->failed() && !meter.ended) decoder->feed(event.event, event.data, meter);
    });
    if (sse.overflowed() && !meter.errored) stream_error = "upstream_invalid_response";
    if (!out.empty()) {
      WaitTimer wait{ctx.client_wait};
      client_ok = co_await ctx.writer.write_chunk(out);
      out.clear();
    }
    if (!stream_error.empty()) break;
  }
  record_upstream_done();

  if (!client_ok) {
    // The client went away: dropping `response` closes the upstream connection, so the
    // provider stops generating. What was produced so far is what gets recorded.
    ctx.client_disconnected = true;
    ctx.error_code = "client_disconnected";
  } else {
    if (!stream_error.empty()) {
      // The status line has gone: the client learns of it from an error event in its format
      // (unless the upstream's decoder has already sent one through the encoder).
      ctx.error_code = stream_error;
      if (!meter.errored) {
        ir::Event failure;
        failure.kind = ir::Event::Kind::error;
        failure.error = stream_failure(stream_error);
        meter.on_event(failure);
      }
    } else if (meter.errored) {
      ctx.error_code = "upstream_stream_error";
    }
    WaitTimer wait{ctx.client_wait};
    bool delivered = out.empty() || co_await ctx.writer.write_chunk(out);
    if (!delivered || !co_await ctx.writer.finish_stream()) ctx.client_disconnected = true;
  }
  take_usage(ctx, meter.usage, meter.deltas);
}

}  // namespace tollgate::gateway
