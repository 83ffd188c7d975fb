// The passthrough for an Anthropic client calling an Anthropic upstream and a Gemini client
// calling a Gemini upstream (OpenAI chat has its own, in chat_completions.cpp). Nothing is
// translated, so nothing the IR cannot hold is lost: the body went upstream with only the model
// replaced (Anthropic's is in the body, Gemini's in the URL; dispatch.cpp), and responses, streams and errors
// come back as the upstream wrote them but for the model the client sees ("model",
// "message.model" in message_start, Gemini's "modelVersion"). Usage is read on the way by the
// family's own decoder.
#include "api/json_patch.hpp"
#include "gateway/admission.hpp"
#include "gateway/formats.hpp"
#include "gateway/gateway.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/respond.hpp"
#include "gateway/upstream_call.hpp"
#include "net/sse/sse.hpp"

#include <chrono>

namespace tollgate::gateway {

namespace {

// Where the upstream writes its model name: in a whole response, and in one stream event.
std::string_view response_model_pointer(ir::Format family) {
  return family == ir::Format::gemini ? "/modelVersion" : "/model";
}
std::string_view event_model_pointer(ir::Format family, std::string_view event_type) {
  if (family == ir::Format::gemini) return "/modelVersion";
  return event_type == "message_start" ? "/message/model" : "";
}

// `json` with the public model at `pointer`, or unchanged when there is none to replace.
std::string with_public_model(std::string_view json, std::string_view pointer,
                              std::string_view model) {
  if (!pointer.empty()) {
    if (auto patched = api::replace_string_at(json, pointer, model)) return std::move(*patched);
  }
  return std::string(json);
}

// The format's own error event, for a stream that broke after it started.
void append_error_event(RequestContext& ctx, std::string& out, const ir::Error& error) {
  std::string body = surface_codec(ctx.format).error_body(error, ctx.request_id);
  net::sse::append_event(out, body, ctx.format == ir::Format::anthropic ? "error" : "");
}

}  // namespace

boost::asio::awaitable<void> Gateway::relay_same_format(RequestContext& ctx, UpstreamCall& call) {
  const Deployment& deployment = call.deployment();
  const FamilyCodec& family = family_codec(deployment.family);
  const std::string& public_model = deployment.model->id;

  // relay: errors and JSON responses
  if (!call.ok() || !ctx.stream || !call.is_event_stream()) {
    std::optional<std::string> read = call.received_body();
    if (!read) read = co_await call.read_body();
    if (!read) co_return;
    if (!call.ok()) {
      // Already in the client's format: passed on with the provider's status.
      co_await relay_upstream_error(ctx, call, std::move(*read));
      co_return;
    }
    ir::Response decoded;
    if (ctx.stream || family.decode_response(*read, decoded)) {
      co_await respond_error(ctx, 502,
                             "Upstream provider '" + deployment.provider->name +
                                 (ctx.stream ? "' answered a streaming request without a stream"
                                             : "' returned a malformed response"),
                             "upstream_invalid_response");
      co_return;
    }
    take_usage(ctx, decoded.usage, 0);
    net::Headers extra = charge(ctx, services_);
    if (settle_uncommitted(ctx, services_)) co_await commit_settle(ctx, services_);
    call.copy_headers(extra);
    if (!respond_json_now(
            ctx, 200,
            with_public_model(*read, response_model_pointer(deployment.family), public_model),
            std::move(extra)))
      co_await finish_response(ctx);
    co_return;
  }

  // relay: the stream, event by event
  StreamGauge gauge(services_.metrics);
  bool client_ok = co_await start_client_stream(ctx, call, services_.billing.enabled);
  std::unique_ptr<UpstreamStreamDecoder> decoder = family.stream_decoder();
  MeteringSink meter;  // reads usage; the events themselves are relayed as they came
  net::sse::Decoder sse;
  std::string out;
  std::string_view stream_error;
  while (client_ok && !meter.ended) {
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
      if (!decoder->failed()) decoder->feed(event.event, event.data, meter);
      net::sse::append_event(
          out,
          with_public_model(event.data, event_model_pointer(deployment.family, event.event),
                            public_model),
          event.event);
    });
    if (sse.overflowed()) stream_error = "upstream_invalid_response";
    // The stream's last events wait until the request is charged (charge() below).
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
  // An upstream error event has been relayed as it came; a broken stream gets the format's own.
  co_await finish_client_stream(
      ctx, client_ok, out, stream_error, meter.errored && stream_error.empty(),
      [&](const ir::Error& error) { append_error_event(ctx, out, error); },
      std::move(cost_trailers));
}

}  // namespace tollgate::gateway
