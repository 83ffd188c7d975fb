// The translated relay: whenever the client's wire format differs from the upstream's, the
// decoded ir::Request was encoded for the upstream's family (dispatch.cpp), and what comes back —
// a JSON response, an error, or a stream event by event — is decoded into the IR and encoded in
// the client's format. Stream frames are written as soon as the upstream bytes that make them have
// arrived: nothing waits for the whole response.
#include "gateway/admission.hpp"
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

ir::EncodeOptions encode_options(RequestContext& ctx, const SurfaceCodec& surface) {
  ir::EncodeOptions options;
  options.model = ctx.deployment->model->id;
  options.id = random_id(ctx, surface.id_prefix());
  options.created = static_cast<std::int64_t>(std::time(nullptr));
  options.include_usage = ctx.ir.include_usage;
  return options;
}

}  // namespace

boost::asio::awaitable<void> Gateway::relay_translated(RequestContext& ctx, UpstreamCall& call) {
  const Deployment& deployment = call.deployment();
  const FamilyCodec& family = family_codec(deployment.family);
  const SurfaceCodec& surface = surface_codec(ctx.format);
  ir::EncodeOptions options = encode_options(ctx, surface);

  // relay: errors and JSON responses
  if (!call.ok() || !ctx.stream || !call.is_event_stream()) {
    std::optional<std::string> read = call.received_body();
    if (!read) read = co_await call.read_body();
    if (!read) co_return;
    net::Headers extra;
    call.copy_headers(extra);
    if (!call.ok()) {
      // The provider's error, in the client's format, with the provider's status.
      ir::Error error = family.decode_error(call.status(), *read);
      error.status = call.status();
      error.code = "upstream_" + std::to_string(call.status());
      co_await respond_error(ctx, error, std::move(extra));
      co_return;
    }
    ir::Response decoded;
    if (ctx.stream) {  // a 2xx that is not a stream: nothing the client could be sent
      co_await respond_error(ctx, 502,
                             "Upstream provider '" + deployment.provider->name +
                                 "' answered a streaming request without a stream",
                             "upstream_invalid_response");
      co_return;
    }
    if (auto error = family.decode_response(*read, decoded)) {
      error->message = "Upstream provider '" + deployment.provider->name +
                       "' returned a malformed response: " + error->message;
      co_await respond_error(ctx, *error);
      co_return;
    }
    take_usage(ctx, decoded.usage, 0);
    net::Headers echo = charge(ctx, services_);
    if (settle_uncommitted(ctx, services_)) co_await commit_settle(ctx, services_);
    for (auto& header : echo) extra.push_back(std::move(header));
    std::string encoded = surface.encode_response(decoded, options, ctx.ir);
    if (ctx.format == ir::Format::openai_chat || ctx.format == ir::Format::openai_responses) {
      encoded = with_cost_echo(extra, std::move(encoded));
    }
    if (!respond_json_now(ctx, 200, std::move(encoded), std::move(extra)))
      co_await finish_response(ctx);
    co_return;
  }

  // relay: the stream, event by event
  StreamGauge gauge(services_.metrics);
  bool client_ok = co_await start_client_stream(ctx, call, services_.billing.enabled);
  std::string out;
  std::unique_ptr<ir::EventSink> encoder = surface.stream_encoder(out, options, ctx.ir);
  std::unique_ptr<UpstreamStreamDecoder> decoder = family.stream_decoder();
  MeteringSink meter(encoder.get());
  net::sse::Decoder sse;
  std::string_view stream_error;  // stable code when the upstream stream broke
  while (client_ok && !meter.ended && !meter.errored) {
    auto [error, piece] = co_await call.read_piece();
    if (error != net::ClientError::none) {
      stream_error = stream_read_failure(error);
      break;
    }
    if (piece.empty()) {                          // upstream body ended
      const bool errored_before = meter.errored;  // the upstream's own error event
      if (!decoder->finish(meter) && !errored_before) stream_error = "upstream_stream_interrupted";
      break;
    }
    sse.feed(piece, [&](const net::sse::Event& event) {
      if (!decoder->failed() && !meter.ended) decoder->feed(event.event, event.data, meter);
    });
    if (sse.overflowed() && !meter.errored) stream_error = "upstream_invalid_response";
    // The stream's last frames wait until the request is charged (charge() below).
    if (!out.empty() && !meter.ended) {
      WaitTimer wait{ctx.client_wait};
      std::optional<bool> sent = ctx.writer.write_chunk_now(out);
      if (!sent) sent = co_await ctx.writer.write_chunk(out);
      client_ok = *sent;
      out.clear();
    }
    if (!stream_error.empty()) break;
  }
  call.record();
  // Its last event is in: the connection goes back to the pool. (When the client has gone, the
  // response is dropped instead, closing the connection: that stops the upstream generating.)
  if (client_ok && stream_error.empty()) call.discard_rest();
  take_usage(ctx, meter.usage, meter.deltas);
  net::Headers cost_trailers = charge(ctx, services_);
  if (settle_uncommitted(ctx, services_)) co_await commit_settle(ctx, services_);
  // A decoder that found the stream broken has already sent the client its error event.
  co_await finish_client_stream(ctx, client_ok, out, stream_error, meter.errored,
                                [&](const ir::Error& error) {
                                  ir::Event failure;
                                  failure.kind = ir::Event::Kind::error;
                                  failure.error = error;
                                  meter.on_event(failure);
                                },
                                std::move(cost_trailers));
}

}  // namespace tollgate::gateway
