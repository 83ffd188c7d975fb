#include "gateway/phases.hpp"

#include "api/json_text.hpp"
#include "auth/key_cache.hpp"
#include "billing/pricing.hpp"
#include "billing/usage_writer.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/respond.hpp"
#include "obs/metrics.hpp"

#include <chrono>

namespace tollgate::gateway {

boost::asio::awaitable<bool> authenticate(RequestContext& ctx, Services& services) {
  std::string_view authorization = ctx.request.header("authorization");
  constexpr std::string_view bearer = "Bearer ";
  if (authorization.empty()) {
    co_await respond_openai_error(
        ctx, 401,
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        "invalid_request_error", "missing_api_key");
    co_return false;
  }
  std::string_view presented;
  if (authorization.size() > bearer.size() &&
      net::iequals(authorization.substr(0, bearer.size()), bearer)) {
    presented = authorization.substr(bearer.size());
  }
  ctx.key = services.keys.authenticate(presented);
  if (!ctx.key) {
    // Never echo the presented key: it may be a real secret sent to the wrong place.
    co_await respond_openai_error(ctx, 401, "Incorrect API key provided.", "invalid_request_error",
                                  "invalid_api_key");
    co_return false;
  }
  co_return true;
}

boost::asio::awaitable<void> respond_model_not_found(RequestContext& ctx, const Catalog& catalog,
                                                     std::string_view model) {
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
  co_await respond_openai_error(ctx, 404, message, "invalid_request_error", "model_not_found",
                                "model");
}

namespace {

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

void settle(RequestContext& ctx, Services& services) {
  auto total = ctx.elapsed();
  auto overhead = ctx.overhead();
  std::string_view model = ctx.deployment ? std::string_view(ctx.deployment->model->id) : "";
  ctx.loop.metrics.record_request(ctx.surface, model, ctx.status, total, overhead);
  if (!ctx.error_code.empty()) services.metrics.record_error(ctx.surface, ctx.error_code);
  annotate_access_log(ctx);

  // One usage record per authenticated model call (rejections before authentication are in
  // the access log and metrics only, so unauthenticated traffic cannot grow the database).
  if (!ctx.key || ctx.surface != "openai.chat") return;
  billing::UsageRecord record;
  record.request_id = ctx.request_id;
  record.created_at_ms = unix_ms();
  record.key_prefix = ctx.key->prefix;
  record.surface = std::string(ctx.surface);
  record.public_model = ctx.chat.model;
  if (ctx.deployment) {
    record.public_model = ctx.deployment->model->id;
    record.upstream_model = ctx.deployment->model->upstream_model;
    record.provider = ctx.deployment->provider->name;
  }
  record.prompt_tokens = ctx.usage.prompt_tokens;
  record.completion_tokens = ctx.usage.completion_tokens;
  record.cached_tokens = ctx.usage.cached_tokens;
  record.reasoning_tokens = ctx.usage.reasoning_tokens;
  record.usage_source = ctx.usage_source;
  if (ctx.deployment) {
    record.cost_micros = billing::cost_micros(
        {ctx.usage.prompt_tokens, ctx.usage.cached_tokens, ctx.usage.completion_tokens},
        ctx.deployment->prices);
  }
  record.status = ctx.status;
  record.error_code = ctx.error_code;
  record.latency_us = total.count();
  record.upstream_latency_us =
      std::chrono::duration_cast<std::chrono::microseconds>(ctx.upstream_wait).count();
  record.overhead_us = overhead.count();
  record.stream = ctx.chat.stream;
  record.client_disconnected = ctx.client_disconnected;
  if (!services.usage.submit(std::move(record))) services.metrics.record_usage_dropped(1);
}

}  // namespace tollgate::gateway
