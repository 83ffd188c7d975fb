#include "gateway/upstream_call.hpp"

#include "gateway/loop_state.hpp"
#include "gateway/phases.hpp"
#include "gateway/respond.hpp"
#include "obs/metrics.hpp"

#include <prometheus/gauge.h>

#include <cstdio>

namespace tollgate::gateway {

StreamGauge::StreamGauge(obs::Metrics& metrics) : metrics_(metrics) {
  metrics_.active_streams().Increment();
}

StreamGauge::~StreamGauge() {
  metrics_.active_streams().Decrement();
}

namespace {

constexpr std::size_t kMaxUpstreamJsonBytes = 64 * 1024 * 1024;

// A POST to `target` on `deployment` with `body`: content type, accept, request id, the
// provider's credentials (the key's own when it brought one for this provider), and the client
// headers the provider's forward_headers name.
net::ClientRequest upstream_post(const RequestContext& ctx, const Deployment& deployment,
                                 std::string target, std::string body, bool stream) {
  net::ClientRequest upstream;
  upstream.method = "POST";
  upstream.target = std::move(target);
  upstream.timeouts = deployment.timeouts;
  upstream.body = std::move(body);
  upstream.headers.reserve(5 + deployment.upstream_headers.size());
  // Literals and text living as long as the request (its id and headers) or the gateway (the
  // catalog's): viewed, not copied.
  upstream.headers.push_back({"content-type", "application/json"});
  upstream.headers.push_back(
      {"accept", net::FieldText::borrow(stream ? "text/event-stream" : "application/json")});
  upstream.headers.push_back({"x-request-id", net::FieldText::borrow(ctx.request_id)});
  if (!ctx.byok_credential.empty()) {
    std::string value(deployment.credential_prefix);
    value += ctx.byok_credential;
    upstream.headers.push_back(
        {net::FieldText::borrow(deployment.credential_header), std::move(value)});
  } else if (!deployment.credential_value.empty()) {
    upstream.headers.push_back({net::FieldText::borrow(deployment.credential_header),
                                net::FieldText::borrow(deployment.credential_value)});
  }
  for (const auto& h : deployment.upstream_headers) {
    upstream.headers.push_back(net::Header::borrow(h));
  }
  // An Anthropic client's beta flags mean something only to an Anthropic upstream.
  if (deployment.family == ir::Format::anthropic && ctx.format == ir::Format::anthropic) {
    if (auto beta = ctx.request.header("anthropic-beta"); !beta.empty()) {
      upstream.headers.push_back({"anthropic-beta", net::FieldText::borrow(beta)});
    }
  }
  for (const auto& prefix : deployment.provider->forward_headers) {
    for (const auto& h : ctx.request.headers) {
      if (h.name.size() >= prefix.size() &&
          net::iequals(h.name.view().substr(0, prefix.size()), prefix)) {
        upstream.headers.push_back(net::Header::borrow(h));
      }
    }
  }
  return upstream;
}

}  // namespace

boost::asio::awaitable<void> respond_upstream_failure(RequestContext& ctx,
                                                      const Deployment& deployment,
                                                      net::ClientError error,
                                                      const std::string& detail) {
  const std::string& provider = deployment.provider->name;
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

net::ClientRequest UpstreamCall::request(std::string target, std::string body, bool stream) {
  started_ = Clock::now();
  return upstream_post(ctx_, deployment_, std::move(target), std::move(body), stream);
}

net::ClientError UpstreamCall::received(net::ClientResult result) {
  head_at_ = Clock::now();
  ctx_.upstream_wait += head_at_ - started_;
  if (result.error != net::ClientError::none) {
    failure_detail_ = std::move(result.detail);
    record();
    return result.error;
  }
  response_ = std::move(result.response);
  // Waiting for the body's bytes is not the gateway's overhead either; the response measures it
  // around its socket reads (read_piece is then no coroutine of its own).
  response_->count_waits_in(&ctx_.upstream_wait);
  ctx_.upstream_status = response_->status();
  return net::ClientError::none;
}

std::optional<Clock::duration> UpstreamCall::retry_after() const {
  if (!response_) return std::nullopt;
  return net::retry_after(response_->headers(), std::chrono::system_clock::now());
}

std::string_view UpstreamCall::content_type() const {
  return net::find_header(response_->headers(), "content-type");
}

void UpstreamCall::copy_headers(net::Headers& to) const {
  for (const auto& h : response_->headers()) {
    if (net::iequals(h.name, "retry-after") || net::iequals(h.name, "openai-processing-ms") ||
        h.name.starts_with("x-ratelimit-") || h.name.starts_with("X-RateLimit-")) {
      to.push_back(net::Header::copy(h));  // may outlive the response
    }
  }
}

boost::asio::awaitable<void> UpstreamCall::drain() {
  constexpr std::size_t kMaxErrorBody = 1 << 20;
  std::pair<net::ClientError, std::string> read = co_await response_->read_all(kMaxErrorBody);
  if (read.first == net::ClientError::none) drained_ = std::move(read.second);
}

std::optional<std::string> UpstreamCall::received_body() {
  std::optional<std::string> body;
  if (drained_) {
    body = std::move(drained_);
    drained_.reset();
  } else {
    body = response_->take_received_body(kMaxUpstreamJsonBytes);
  }
  if (body) record();
  return body;
}

boost::asio::awaitable<std::optional<std::string>> UpstreamCall::read_body() {
  if (drained_) {
    record();
    co_return std::move(*drained_);
  }
  std::pair<net::ClientError, std::string> read =
      co_await response_->read_all(kMaxUpstreamJsonBytes);
  record();
  if (read.first != net::ClientError::none) {
    const std::string detail(net::to_string(read.first));
    co_await respond_upstream_failure(ctx_, deployment_, read.first, detail);
    co_return std::nullopt;
  }
  co_return std::move(read.second);
}

boost::asio::awaitable<std::pair<net::ClientError, std::string_view>> UpstreamCall::read_piece() {
  // The response's own read, without a coroutine around it (one per stream frame, ~500
  // instructions): it counts its waits in upstream_wait itself.
  if (ctx_.writer.head_held() && !response_->body_bytes_received()) return write_head_then_read();
  return response_->read_some();
}

boost::asio::awaitable<std::pair<net::ClientError, std::string_view>>
UpstreamCall::write_head_then_read() {
  {
    // The client's head was held for a first frame that turned out not to be in hand (the
    // bytes that came with the upstream's head held none): it goes now, not after the wait.
    WaitTimer wait{ctx_.client_wait};
    co_await ctx_.writer.write_held_head();  // a client gone is seen at the next write
  }
  co_return co_await response_->read_some();
}

void UpstreamCall::record() {
  if (recorded_) return;
  recorded_ = true;
  ctx_.loop.metrics.record_upstream(
      deployment_.provider->name, response_ ? response_->status() : 0,
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_));
}

void UpstreamCall::discard_rest() {
  record();
  net::discard_rest(std::move(response_));
}

boost::asio::awaitable<void> relay_upstream_error(RequestContext& ctx, const UpstreamCall& call,
                                                  std::string body) {
  ctx.error_code = "upstream_" + std::to_string(call.status());
  ctx.status = call.status();
  std::string_view content_type = call.content_type();
  net::Headers headers{{"content-type", content_type.empty() ? std::string("application/json")
                                                             : std::string(content_type)}};
  add_common_headers(ctx, headers);
  call.copy_headers(headers);
  release_limits(ctx, ctx.services);  // before the client can have its answer
  WaitTimer wait{ctx.client_wait};
  if (!co_await ctx.writer.send(call.status(), std::move(headers), std::move(body))) {
    ctx.client_disconnected = true;
  }
}

boost::asio::awaitable<bool> start_client_stream(RequestContext& ctx, const UpstreamCall& call,
                                                 bool cost_trailers) {
  net::Headers headers{{"content-type", "text/event-stream"}, {"cache-control", "no-cache"}};
  if (cost_trailers) headers.push_back({"trailer", "x-tollgate-cost-usd, x-tollgate-credits-used"});
  add_common_headers(ctx, headers);
  call.copy_headers(headers);
  ctx.status = 200;
  WaitTimer wait{ctx.client_wait};
  const auto head = call.body_bytes_received() ? net::ResponseWriter::Head::with_first_chunk
                                                : net::ResponseWriter::Head::now;
  co_return co_await ctx.writer.start_stream(200, std::move(headers), head);
}

std::string_view stream_read_failure(net::ClientError error) {
  return net::is_timeout(error) ? "upstream_timeout" : "upstream_stream_interrupted";
}

boost::asio::awaitable<void> finish_client_stream(
    RequestContext& ctx, bool client_ok, std::string& out, std::string_view stream_error,
    bool error_sent, const std::function<void(const ir::Error&)>& append_error,
    net::Headers trailers) {
  if (!client_ok) {
    // The client went away: the caller drops the upstream response, which closes the upstream
    // connection, so the provider stops generating. What was produced so far is recorded.
    ctx.client_disconnected = true;
    ctx.error_code = "client_disconnected";
    co_return;
  }
  if (!stream_error.empty()) {
    // The status line has gone: the client learns of it from an error event in its format.
    ctx.error_code = std::string(stream_error);
    if (!error_sent) append_error(stream_failure(stream_error));
  } else if (error_sent) {
    ctx.error_code = "upstream_stream_error";  // the upstream's own error event, relayed
  }
  release_limits(ctx, ctx.services);  // before the client can have the end of the stream
  WaitTimer wait{ctx.client_wait};
  bool delivered = out.empty() || co_await ctx.writer.write_chunk(out);
  out.clear();
  if (!delivered || !co_await ctx.writer.finish_stream(std::move(trailers))) {
    ctx.client_disconnected = true;
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
    case ir::Event::Kind::arguments_delta:
      ++deltas;
      break;
    case ir::Event::Kind::end:
      ended = true;
      break;
    case ir::Event::Kind::error:
      errored = true;
      break;
    default:
      break;
  }
  if (next_) next_->on_event(event);
}

std::string random_id(RequestContext& ctx, std::string_view prefix) {
  std::string id(prefix);
  for (int half = 0; half < 2; ++half) {  // 12 lowercase hex digits of 48 random bits, twice
    const std::size_t start = id.size();
    id.resize(start + 12);
    uint64_t value = ctx.loop.rng();
    for (std::size_t i = 12; i > 0; value >>= 4) id[start + --i] = "0123456789abcdef"[value & 0xf];
  }
  return id;
}

}  // namespace tollgate::gateway
