// dispatch: the attempts. ctx.plan (select.cpp) lists the deployments to try; each attempt
// builds the body for its deployment's wire format (the client's own body with the model
// replaced when the formats match, else the decoded request encoded for the family), sends it
// and reads the response head. An answer worth relaying ends the loop. A retryable failure —
// no connection, a reset or timeout before the head, 429, 5xx, Anthropic's 529 — moves on to
// the next deployment at once; when every one has been tried, the round starts again after a
// backoff (doubling, capped) or the retry-after the upstream asked for (when not longer than
// max_retry_after), until max_attempts — but a deployment that timed out is not tried again. Nothing has reached the client before the relay starts,
// so a failover is invisible to it: it sees one clean answer, or the last failure.
//
// Every outcome feeds the router (breakers, cool-downs, latency) and the deployment's metrics.
#include "gateway/admission.hpp"
#include "gateway/formats.hpp"
#include "gateway/gateway.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/phases.hpp"
#include "gateway/respond.hpp"
#include "gateway/upstream_call.hpp"
#include "obs/metrics.hpp"
#include "providers/openai/passthrough.hpp"
#include "routing/router.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <algorithm>
#include <array>

namespace tollgate::gateway {

namespace {

bool retryable_status(int status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504 ||
         status == 529;
}

enum class Prepared {
  ready,
  unsupported,  // this deployment cannot take the request (its format lacks a feature)
  invalid,      // the request itself is at fault: no deployment will take it
};

// The target and body of an attempt on `d`.
Prepared prepare_attempt(RequestContext& ctx, Surface surface, const Deployment& d,
                         std::string& target, std::string& body, ir::Error& error) {
  if (surface == Surface::embeddings || surface == Surface::images) {
    if (d.family != ir::Format::openai_chat) {
      error = ir::make_error(400,
                             std::string(surface_path(surface)) +
                                 " is available from OpenAI-compatible upstreams only; model `" +
                                 d.model->id + "` is served by a " +
                                 std::string(ir::to_string(d.family)) + " upstream.",
                             "unsupported_surface", "model");
      return Prepared::unsupported;
    }
    target = surface == Surface::embeddings ? d.embeddings_target : d.images_target;
    body = api::openai::replace_model(ctx.request.body, *ctx.model_field, d.upstream_model);
    return Prepared::ready;
  }
  target = ctx.stream ? d.stream_target : d.target;
  if (d.family == ctx.format) {
    switch (ctx.format) {
      case ir::Format::openai_chat:
        body = providers::openai::build_upstream_body(ctx.request.body, ctx.chat, d.upstream_model);
        return Prepared::ready;
      case ir::Format::anthropic:
        if (!ctx.model_field) break;
        body = api::openai::replace_model(ctx.request.body, *ctx.model_field, d.upstream_model);
        return Prepared::ready;
      case ir::Format::gemini:  // the model is in the URL (target)
        body = std::string(ctx.request.body);
        return Prepared::ready;
      default: break;
    }
  }
  if (auto decode_error = decode_client_request(ctx)) {
    error = std::move(*decode_error);
    return Prepared::invalid;
  }
  if (auto encode_error = family_codec(d.family).encode_request(ctx.ir, d, body)) {
    error = std::move(*encode_error);
    return Prepared::unsupported;
  }
  return Prepared::ready;
}

// The key's own credential for d's provider (BYOK), or empty.
std::string_view byok_credential(const RequestContext& ctx, const Deployment& d) {
  for (const auto& credential : ctx.key->byok) {
    if (credential.provider == d.provider->name) return credential.secret;
  }
  return {};
}

void record_transition(const obs::DeploymentSeries& series,
                       std::optional<routing::BreakerState> state) {
  if (!state) return;
  switch (*state) {
    case routing::BreakerState::open: series.opened->Increment(); break;
    case routing::BreakerState::half_open: series.half_opened->Increment(); break;
    case routing::BreakerState::closed: series.closed->Increment(); break;
  }
  series.state->Set(static_cast<double>(*state));
}

// Everything a failed attempt on `d` leaves behind: the breaker's count, the tokens it did not
// use, the deployment's metrics.
void note_failure(Services& services, const Deployment& d, std::int64_t tokens,
                  prometheus::Counter* outcome, bool more_attempts) {
  routing::Router& router = *services.router;
  const obs::DeploymentSeries& series = (*services.deployment_metrics)[d.index];
  outcome->Increment();
  if (more_attempts) series.failovers->Increment();
  router.settle_tokens(d.index, tokens, 0);
  record_transition(series, router.failed(d.index, routing::Clock::now()));
}

boost::asio::awaitable<void> wait_for(RequestContext& ctx, Clock::duration wait) {
  WaitTimer timer{ctx.upstream_wait};  // waiting on the upstream is not the gateway's overhead
  boost::asio::steady_timer sleep(co_await boost::asio::this_coro::executor, wait);
  co_await sleep.async_wait(boost::asio::use_awaitable);
}

}  // namespace

boost::asio::awaitable<std::unique_ptr<UpstreamCall>> dispatch(RequestContext& ctx,
                                                               Services& services,
                                                               Surface surface) {
  routing::Router& router = *services.router;
  const config::RoutingConfig& rules = *services.routing;
  const std::vector<Deployment>& deployments = services.catalog->deployments();
  const std::int64_t tokens = ctx.token_estimate;

  std::unique_ptr<UpstreamCall> last_answer;  // the last retryable failure with a response
  const Deployment* last_failed = nullptr;
  net::ClientError last_error = net::ClientError::none;
  std::string last_detail;
  std::optional<ir::Error> unsupported;  // why a deployment could not take the request
  Clock::duration asked_wait{};          // the longest retry-after of this round
  bool tried_this_round = false;
  // Deployments that timed out in this request are not tried again by it: a timeout is the
  // most expensive failure, and the client is already waiting for it.
  std::array<bool, routing::kMaxCandidates> timed_out{};
  std::size_t next = 0;
  int round = 0;

  while (ctx.attempts < rules.max_attempts) {
    if (next == ctx.plan.size) {
      // Every candidate has had its turn: again, after a backoff or the wait asked for.
      if (!tried_this_round) break;
      ++round;
      next = 0;
      tried_this_round = false;
      Clock::duration backoff = rules.backoff * (1 << std::min(round - 1, 16));
      backoff = std::min<Clock::duration>(backoff, rules.max_backoff);
      const Clock::duration wait = std::max(backoff, asked_wait);
      if (wait > rules.max_retry_after) break;
      asked_wait = {};
      co_await wait_for(ctx, wait);
    }
    const std::size_t position = next++;
    if (timed_out[position]) continue;
    const Deployment& d = deployments[ctx.plan.deployments[position]];
    std::string target;
    std::string body;
    ir::Error error;
    const Prepared prepared = prepare_attempt(ctx, surface, d, target, body, error);
    if (prepared == Prepared::invalid) {
      co_await respond_error(ctx, error);
      co_return nullptr;
    }
    if (prepared == Prepared::unsupported) {
      if (!unsupported) unsupported = std::move(error);
      continue;
    }
    if (!router.begin(d.index, tokens, routing::Clock::now(), ctx.sole_deployment)) continue;
    tried_this_round = true;
    ctx.deployment = &d;
    ctx.byok_credential = byok_credential(ctx, d);
    ++ctx.attempts;
    const bool more_attempts = ctx.attempts < rules.max_attempts;
    const obs::DeploymentSeries& series = (*services.deployment_metrics)[d.index];

    auto call = std::make_unique<UpstreamCall>(ctx, d);
    net::ClientRequest request = call->request(std::move(target), std::move(body), ctx.stream);
    net::ClientResult result = co_await ctx.loop.client.send(d.origin, std::move(request));
    const net::ClientError sent = call->received(std::move(result));
    if (sent != net::ClientError::none) {
      note_failure(services, d, tokens, series.attempts_transport, more_attempts);
      timed_out[position] = net::is_timeout(sent);
      last_answer.reset();
      last_failed = &d;
      last_error = sent;
      last_detail = call->failure_detail();
      continue;
    }
    if (retryable_status(call->status())) {
      note_failure(services, d, tokens, series.attempts_retryable, more_attempts);
      if (auto wait = call->retry_after()) {
        router.cool_down(d.index, routing::Clock::now() + *wait);
        asked_wait = std::max(asked_wait, *wait);
      }
      co_await call->drain();  // keeps the connection for the next request
      last_answer = std::move(call);
      last_failed = &d;
      continue;
    }
    series.attempts_ok->Increment();
    record_transition(series,
                      router.succeeded(d.index, call->time_to_head(), routing::Clock::now()));
    ctx.router_begun = true;
    co_return call;
  }

  // No answer worth relaying came: the client gets the last failure.
  if (last_answer) {
    // Relayed as the upstream gave it (its status, body and retry-after).
    ctx.deployment = &last_answer->deployment();
    ctx.byok_credential = byok_credential(ctx, *ctx.deployment);
    ctx.upstream_status = last_answer->status();
    co_return last_answer;
  }
  if (last_failed) {
    ctx.deployment = last_failed;
    co_await respond_upstream_failure(ctx, *last_failed, last_error, last_detail);
    co_return nullptr;
  }
  if (unsupported) {
    co_await respond_error(ctx, *unsupported);
    co_return nullptr;
  }
  // Every candidate turned the request away at begin(): breakers or caps, since select().
  const auto now = routing::Clock::now();
  const auto seconds = std::max<std::int64_t>(
      1, std::chrono::ceil<std::chrono::seconds>(router.next_available(ctx.plan.view(), now) - now)
             .count());
  net::Headers headers{{"retry-after", std::to_string(seconds)}};
  const ir::Error error = ir::make_error(
      503, "Every deployment of `" + ctx.route->id + "` is failing or at its limits right now.",
      "no_healthy_deployment");
  co_await respond_error(ctx, error, std::move(headers));
  co_return nullptr;
}

}  // namespace tollgate::gateway
