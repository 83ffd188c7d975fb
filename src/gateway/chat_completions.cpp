// POST /v1/chat/completions — the life of a chat request, phase by phase:
//
//   authenticate → decode (validate, read model/stream) → resolve (catalog) →
//   admit (policy, rate limits, select deployments, reserve) → dispatch (attempts, failover) →
//   relay (JSON, or SSE frame by frame) → settle
//
// An OpenAI-compatible upstream gets the passthrough fast path: the client's body is forwarded
// with only `model` (and stream_options) patched at the byte level (dispatch.cpp), and the
// response is relayed with only `model` restored, scanning it for usage on the way (below). Any
// other upstream family gets the body decoded into the IR and the translated pipeline
// (translate.cpp).
#include "api/openai/chat_ir.hpp"
#include "api/openai/chat_request.hpp"
#include "api/openai/errors.hpp"
#include "gateway/admission.hpp"
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

Verdict Gateway::chat_completions(RequestContext& ctx) {
  // authenticate
  if (auto refusal = authenticate(ctx, services_)) return refusal;

  // decode. The body is read once, its model first: a route whose every deployment speaks
  // another format is served from the IR, whose decoder validates the body itself, so the light
  // read (validation and what the passthrough needs, building nothing) would only walk the body
  // a second time. Clients send the model first, where it is found without reading the rest;
  // elsewhere index() reads the body to find it.
  api::openai::ChatRequestParser& parser = ctx.loop.chat_parser;
  const Route* route = nullptr;
  std::optional<std::string_view> model = api::openai::leading_model(ctx.request.body);
  const bool indexed = !model;
  if (indexed) model = parser.index(ctx.request.body);
  if (model) {
    route = catalog_.find(*model);
    if (route && route->allows(Surface::chat) && route->ir_only(ctx.format)) {
      ctx.model_call = true;
      ctx.requested_model = *model;
      if (auto refusal = resolve(ctx, catalog_, ctx.requested_model, Surface::chat, route)) {
        return refusal;
      }
      ctx.stream = ctx.ir.stream;
      return admit(ctx, services_, Surface::chat);
    }
  }
  auto decoded = indexed ? parser.read() : parser.parse(ctx.request.body);
  if (auto* error = std::get_if<api::openai::RequestError>(&decoded)) {
    return turn_away(400, error->message, error->code, error->param);
  }
  ctx.chat = std::move(std::get<api::openai::ChatRequestView>(decoded));
  ctx.model_call = true;
  ctx.requested_model = ctx.chat.model;
  ctx.stream = ctx.chat.stream;
  ctx.prompt_chars = ctx.chat.prompt_chars;
  ctx.max_tokens = ctx.chat.max_tokens;

  // resolve, admit (select); route() then serves it: the attempts, and the relay that fits the
  // deployment that answered. (A body the light read accepts has one "model", the one read
  // first: its route is the one already found.)
  if (auto refusal = resolve(ctx, catalog_, ctx.chat.model, Surface::chat, route)) {
    return refusal;
  }
  return admit(ctx, services_, Surface::chat);
}

// OpenAI client, OpenAI-compatible upstream: the response relayed with only `model` restored —
// a JSON body (or an error) whole, a stream frame by frame. Two coroutines: a JSON response's
// frame stays small enough for the event loop's recycled frames, without the stream's state.
boost::asio::awaitable<void> Gateway::relay_passthrough(RequestContext& ctx, UpstreamCall& call) {
  if (!call.ok() || !ctx.stream || !call.is_event_stream()) {
    return relay_passthrough_json(ctx, call);
  }
  return relay_passthrough_stream(ctx, call);
}

boost::asio::awaitable<void> Gateway::relay_passthrough_json(RequestContext& ctx,
                                                             UpstreamCall& call) {
  const Deployment& deployment = call.deployment();
  std::optional<std::string> body = call.received_body();
  if (!body) body = co_await call.read_body();
  if (!body) co_return;
  if (!call.ok()) {
    // Passed on faithfully: the provider's status and body (it is already OpenAI-shaped).
    co_await relay_upstream_error(ctx, call, std::move(*body));
    co_return;
  }
  openai::ResponseScan scan = ctx.loop.response_scanner.restore_model(*body, deployment.model->id);
  if (!scan.valid_json) {
    co_await respond_error(
        ctx, 502,
        "Upstream provider '" + deployment.provider->name + "' returned a malformed response",
        "upstream_invalid_response");
    co_return;
  }
  take_usage(ctx, to_ir(scan.usage), 0);
  net::Headers extra = charge(ctx, services_);
  if (settle_uncommitted(ctx, services_)) co_await commit_settle(ctx, services_);
  call.copy_headers(extra);
  std::string body_with_cost = with_cost_echo(extra, std::move(scan.body));
  if (!respond_json_now(ctx, 200, std::move(body_with_cost), std::move(extra)))
    co_await finish_response(ctx);
}

boost::asio::awaitable<void> Gateway::relay_passthrough_stream(RequestContext& ctx,
                                                               UpstreamCall& call) {
  const std::string& public_model = call.deployment().model->id;
  StreamGauge gauge(services_.metrics);
  bool client_ok = co_await start_client_stream(ctx, call, services_.billing.enabled);
  net::sse::Decoder decoder;
  openai::ChunkResult chunk;
  std::int64_t content_chunks = 0;  // streamed deltas relayed (basis of estimates)
  ir::Usage usage;
  std::string out;
  bool done = false;
  std::string_view stream_error;  // stable code when the upstream stream broke
  while (client_ok && !done) {
    auto [error, piece] = co_await call.read_piece();
    if (error != net::ClientError::none) {
      stream_error = stream_read_failure(error);
      break;
    }
    if (piece.empty()) {  // upstream body ended
      stream_error = "upstream_stream_interrupted";  // before its [DONE]
      break;
    }
    decoder.feed(piece, [&](const net::sse::Event& event) {
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
      if (chunk.usage.present) usage = to_ir(chunk.usage);
      if (chunk.has_content) ++content_chunks;
      if (chunk.forward) net::sse::append_event(out, chunk.data);
    });
    if (decoder.overflowed()) stream_error = "upstream_invalid_response";
    // [DONE] waits until the request is charged (charge() below).
    if (!out.empty() && !done) {
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
  take_usage(ctx, usage, content_chunks);
  net::Headers cost_trailers = charge(ctx, services_);
  if (settle_uncommitted(ctx, services_)) co_await commit_settle(ctx, services_);
  co_await finish_client_stream(ctx, client_ok, out, stream_error, false,
                                [&](const ir::Error& error) {
                                  net::sse::append_event(out, api::openai::error_body(error));
                                },
                                std::move(cost_trailers));
}

}  // namespace tollgate::gateway
