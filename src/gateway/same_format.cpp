// The passthrough for an Anthropic client calling an Anthropic upstream and a Gemini client
// calling a Gemini upstream (OpenAI chat has its own, in chat_completions.cpp). Nothing is
// translated, so nothing the IR cannot hold is lost: the body goes upstream with only the model
// replaced (Anthropic's is in the body, Gemini's in the URL), and responses, streams and errors
// come back as the upstream wrote them but for the model the client sees ("model",
// "message.model" in message_start, Gemini's "modelVersion"). Usage is read on the way by the
// family's own decoder.
#include "api/json_patch.hpp"
#include "gateway/formats.hpp"
#include "gateway/gateway.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/respond.hpp"
#include "gateway/upstream_call.hpp"
#include "net/sse/sse.hpp"

#include <chrono>

namespace tollgate::gateway {

namespace {

constexpr std::size_t kMaxUpstreamJsonBytes = 64 * 1024 * 1024;

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

boost::asio::awaitable<void> Gateway::relay_same_format(RequestContext& ctx, std::string body) {
  const Deployment& deployment = *ctx.deployment;
  const FamilyCodec& family = family_codec(deployment.family);
  const std::string& public_model = deployment.model->id;

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
  std::string_view content_type = net::find_header(response.headers(), "content-type");
  bool is_event_stream = content_type.starts_with("text/event-stream");

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
      // Already in the client's format: passed on with the provider's status.
      ctx.error_code = "upstream_" + std::to_string(response.status());
      ctx.status = response.status();
      net::Headers headers{{"content-type", content_type.empty() ? std::string("application/json")
                                                                 : std::string(content_type)}};
      add_common_headers(ctx, headers);
      for (auto& h : extra) headers.push_back(std::move(h));
      WaitTimer wait{ctx.client_wait};
      if (!co_await ctx.writer.send(response.status(), std::move(headers),
                                    std::move(read.second))) {
        ctx.client_disconnected = true;
      }
      co_return;
    }
    ir::Response decoded;
    if (ctx.stream || family.decode_response(read.second, decoded)) {
      co_await respond_error(ctx, 502,
                             "Upstream provider '" + deployment.provider->name +
                                 (ctx.stream ? "' answered a streaming request without a stream"
                                             : "' returned a malformed response"),
                             "upstream_invalid_response");
      co_return;
    }
    take_usage(ctx, decoded.usage, 0);
    co_await respond_json(
        ctx, 200,
        with_public_model(read.second, response_model_pointer(deployment.family), public_model),
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

  std::unique_ptr<UpstreamStreamDecoder> decoder = family.stream_decoder();
  MeteringSink meter;  // reads usage; the events themselves are relayed as they came
  net::sse::Decoder sse;
  std::string out;
  std::string stream_error;
  while (client_ok && !meter.ended) {
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
      if (!decoder->failed()) decoder->feed(event.event, event.data, meter);
      net::sse::append_event(
          out,
          with_public_model(event.data, event_model_pointer(deployment.family, event.event),
                            public_model),
          event.event);
    });
    if (sse.overflowed()) stream_error = "upstream_invalid_response";
    if (!out.empty()) {
      WaitTimer wait{ctx.client_wait};
      client_ok = co_await ctx.writer.write_chunk(out);
      out.clear();
    }
    if (!stream_error.empty()) break;
  }
  record_upstream_done();

  if (!client_ok) {
    ctx.client_disconnected = true;
    ctx.error_code = "client_disconnected";
  } else {
    if (!stream_error.empty()) {
      ctx.error_code = stream_error;
      append_error_event(ctx, out, stream_failure(stream_error));
    } else if (meter.errored) {
      ctx.error_code = "upstream_stream_error";  // the upstream's own error event, relayed
    }
    WaitTimer wait{ctx.client_wait};
    bool delivered = out.empty() || co_await ctx.writer.write_chunk(out);
    if (!delivered || !co_await ctx.writer.finish_stream()) ctx.client_disconnected = true;
  }
  take_usage(ctx, meter.usage, meter.deltas);
}

}  // namespace tollgate::gateway
