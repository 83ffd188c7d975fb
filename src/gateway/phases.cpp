#include "gateway/phases.hpp"

#include "api/anthropic/messages.hpp"
#include "api/gemini/generate_content.hpp"
#include "api/json_text.hpp"
#include "api/openai/chat_ir.hpp"
#include "api/responses/request.hpp"
#include "auth/credentials.hpp"
#include "auth/key_cache.hpp"
#include "billing/pricing.hpp"
#include "billing/usage_writer.hpp"
#include "gateway/admission.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/respond.hpp"
#include "obs/metrics.hpp"
#include "routing/rate_limiter.hpp"
#include "routing/router.hpp"

#include <chrono>
#include <utility>

namespace tollgate::gateway {

namespace {

std::string missing_key_message(ir::Format format) {
  switch (format) {
    case ir::Format::anthropic: return "x-api-key header is required";
    case ir::Format::gemini:
      return "Method doesn't allow unregistered callers (callers without established "
             "identity). Please use API Key (x-goog-api-key header or key= parameter).";
    default:
      return "You didn't provide an API key. You need to provide your API key in an "
             "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
  }
}

std::string refusal_message(auth::KeyRefusal refusal, ir::Format format) {
  switch (refusal) {
    case auth::KeyRefusal::disabled: return "This API key is disabled.";
    case auth::KeyRefusal::expired: return "This API key has expired.";
    case auth::KeyRefusal::secret_required:
      return "This API key was created with a secret: send it too (X-API-Secret, or "
             "Authorization: Bearer <key>:<secret>).";
    case auth::KeyRefusal::unknown: break;
  }
  // Never echo the presented key: it may be a real secret sent to the wrong place.
  return format == ir::Format::anthropic ? "invalid x-api-key" : "Incorrect API key provided.";
}

std::string_view refusal_code(auth::KeyRefusal refusal) {
  switch (refusal) {
    case auth::KeyRefusal::disabled: return "key_disabled";
    case auth::KeyRefusal::expired: return "key_expired";
    case auth::KeyRefusal::secret_required: return "secret_required";
    case auth::KeyRefusal::unknown: break;
  }
  return "invalid_api_key";
}

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// The credential as the client's SDK sends it (auth/credentials.hpp): `Authorization: Bearer`
// with a key or key:secret (every API), `X-API-Key` (+ `X-API-Secret`), `x-goog-api-key` or the
// `key` query parameter (Gemini). The query string is never logged: the access log has the path.
Verdict authenticate(RequestContext& ctx, Services& services) {
  const net::HttpRequest& request = ctx.request;
  const auth::PresentedCredential presented = auth::parse_presented_credential(
      {request.header("authorization"), request.header("x-api-key"), request.header("x-api-secret"),
       request.header("x-goog-api-key"), request.query()});
  switch (presented.kind) {
    case auth::CredentialKind::none:
      return turn_away(401, missing_key_message(ctx.format), "missing_api_key");
    case auth::CredentialKind::malformed:
      return turn_away(401, std::string(presented.problem), "invalid_api_key");
    case auth::CredentialKind::jwt:
      return turn_away(401,
                       "Model APIs take an API key, not a session token: create a key "
                       "with POST /v1/keys.",
                       "invalid_api_key");
    default: break;
  }
  auto result = services.keys.authenticate(presented.key, presented.secret, unix_now_ms());
  if (auto* refusal = std::get_if<auth::KeyRefusal>(&result)) {
    return turn_away(401, refusal_message(*refusal, ctx.format),
                     std::string(refusal_code(*refusal)));
  }
  ctx.key = std::get<auth::KeyHandle>(std::move(result));
  return std::nullopt;
}

Refusal model_not_found(const Catalog& catalog, std::string_view model) {
  std::string message = "The model `";
  message += model;
  message += "` does not exist or you do not have access to it.";
  auto matches = catalog.close_matches(model);
  if (!matches.empty()) {
    message += " Did you mean: ";
    for (std::size_t i = 0; i < matches.size(); ++i) {
      if (i) message += ", ";
      message += matches[i];
    }
    message += '?';
  }
  return turn_away(404, std::move(message), "model_not_found", "model");
}

Verdict resolve(RequestContext& ctx, const Catalog& catalog, std::string_view model,
                Surface surface, const Route* found) {
  ctx.route = found ? found : catalog.find(model);
  if (!ctx.route) return model_not_found(catalog, model);
  if (!ctx.route->allows(surface)) {
    std::string message = "The model `" + ctx.route->id + "` cannot be called through " +
                          std::string(surface_path(surface)) + "; it is available through: ";
    bool first = true;
    for (Surface s : {Surface::chat, Surface::messages, Surface::responses, Surface::gemini,
                      Surface::embeddings, Surface::images}) {
      if (!ctx.route->allows(s)) continue;
      if (!first) message += ", ";
      first = false;
      message += surface_path(s);
    }
    message += '.';
    return turn_away(400, std::move(message), "unsupported_surface", "model");
  }
  if (surface == Surface::embeddings || surface == Surface::images) return std::nullopt;
  return decode_for_route(ctx);
}

std::optional<ir::Error> decode_client_request(RequestContext& ctx) {
  if (ctx.ir_decoded) return std::nullopt;
  std::optional<ir::Error> error;
  const std::string_view body = ctx.request.body;
  switch (ctx.format) {
    case ir::Format::anthropic: error = api::anthropic::decode_request(body, ctx.ir); break;
    case ir::Format::gemini:
      error = api::gemini::decode_request(body, ctx.requested_model, ctx.stream, ctx.ir);
      break;
    case ir::Format::openai_responses: error = api::responses::decode_request(body, ctx.ir); break;
    default: error = api::openai::decode_request(body, ctx.ir); break;
  }
  ctx.ir_decoded = !error;
  return error;
}

Verdict decode_for_route(RequestContext& ctx) {
  if (!ctx.route->needs_ir(ctx.format) || ctx.ir_decoded) return std::nullopt;
  if (auto error = decode_client_request(ctx)) return Refusal{std::move(*error), {}};
  // The decoded request's figures are closer than the light read's.
  ctx.prompt_chars = ctx.ir.prompt_chars;
  if (ctx.ir.max_tokens) ctx.max_tokens = ctx.ir.max_tokens;
  return std::nullopt;
}

namespace {

void annotate_access_log(RequestContext& ctx) {
  std::string fields = "\"request_id\":\"" + ctx.request_id + "\"";
  if (ctx.key) {
    fields += ",\"key\":";
    api::append_json_string(fields, ctx.key->prefix);
  }
  if (ctx.deployment) {
    fields += ",\"model\":";
    api::append_json_string(fields, ctx.deployment->model->id);
    fields += ",\"provider\":";
    api::append_json_string(fields, ctx.deployment->provider->name);
    fields += ",\"upstream_status\":" + std::to_string(ctx.upstream_status);
  }
  if (!ctx.error_code.empty()) {
    fields += ",\"code\":";
    api::append_json_string(fields, ctx.error_code);
  }
  fields += ",\"overhead_us\":" + std::to_string(ctx.overhead().count());
  ctx.writer.annotate(std::move(fields));
}

}  // namespace

// The tokens the request really used replace its estimate in the rate limits (key, account, the
// deployment's tpm cap); its concurrency slots are returned; a stream that broke after its
// head counts against the deployment's breaker.
void release_limits(RequestContext& ctx, Services& services) {
  if (ctx.limits_released) return;
  ctx.limits_released = true;
  const std::int64_t used = ctx.usage.input + ctx.usage.output;
  if (ctx.router_begun && ctx.deployment) {
    routing::Router& router = *services.router;
    router.settle_tokens(ctx.deployment->index, ctx.token_estimate, used);
    const std::string& code = ctx.error_code;
    if (code == "upstream_stream_interrupted" || code == "upstream_timeout" ||
        code == "upstream_invalid_response") {
      router.failed(ctx.deployment->index, routing::Clock::now());
    }
  }
  if (!ctx.rate_counted || !services.rate_limiter) return;
  const auto group = static_cast<std::uint64_t>(ctx.key->account_id);
  const routing::RateScope scopes[] = {
      {ctx.rate_key_scope,
       {ctx.key->rate_rpm, ctx.key->rate_tpm, ctx.key->rate_concurrency},
       group},
      {ctx.rate_account_scope,
       {ctx.key->account_rate_rpm, ctx.key->account_rate_tpm, ctx.key->account_rate_concurrency},
       group}};
  services.rate_limiter->settle(scopes, ctx.token_estimate, used);
  services.rate_limiter->release(scopes);
}

void settle(RequestContext& ctx, Services& services) {
  auto total = ctx.elapsed();
  auto overhead = ctx.overhead();
  std::string_view model = ctx.deployment ? std::string_view(ctx.deployment->model->id) : "";
  ctx.loop.metrics.record_request(ctx.surface, model, ctx.status, total, overhead);
  if (!ctx.error_code.empty()) services.metrics.record_error(ctx.surface, ctx.error_code);
  if (services.access_log) annotate_access_log(ctx);

  release_limits(ctx, services);
  // One usage record per authenticated model call (rejections before authentication are in
  // the access log and metrics only, so unauthenticated traffic cannot grow the database).
  if (!ctx.key || !ctx.model_call) return;
  charge_now(ctx, services);  // requests that ended without charge() (errors, refusals)
  billing::UsageRecord record;
  record.request_id = std::move(ctx.request_id);  // its last use: the request ends here
  record.created_at_ms = unix_now_ms();
  record.key_prefix = ctx.key->prefix;
  record.surface = std::string(ctx.surface);
  if (ctx.deployment) {
    record.public_model = ctx.deployment->model->id;
    record.upstream_model = ctx.deployment->upstream_model;
    record.provider = ctx.deployment->provider->name;
    record.deployment = ctx.deployment->config->name;
  } else {
    record.public_model = ctx.requested_model;
  }
  record.attempts = ctx.attempts;
  record.byok = !ctx.byok_credential.empty();
  record.prompt_tokens = ctx.usage.input;
  record.completion_tokens = ctx.usage.output;
  record.cached_tokens = ctx.usage.cache_read;
  record.cache_write_tokens = ctx.usage.cache_write;
  record.account_id = ctx.key->account_id;
  if (ctx.hold) {
    record.charged_micros = ctx.cost;
    record.charge_in_batch = services.billing.durability != config::Durability::sync;
  }
  record.reasoning_tokens = ctx.usage.reasoning;
  record.usage_source = ctx.usage_source;
  record.cost_micros = ctx.cost;  // 0 for a request that produced nothing
  record.status = ctx.status;
  record.error_code = ctx.error_code;
  record.latency_us = total.count();
  record.upstream_latency_us =
      std::chrono::duration_cast<std::chrono::microseconds>(ctx.upstream_wait).count();
  record.overhead_us = overhead.count();
  record.stream = ctx.stream;
  record.client_disconnected = ctx.client_disconnected;
  if (!services.usage.submit(std::move(record), std::move(ctx.ledger))) {
    services.metrics.record_usage_dropped(1);
  }
}

}  // namespace tollgate::gateway
