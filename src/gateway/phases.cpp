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

namespace {

// The API key as the client's SDK sends it: `Authorization: Bearer` (OpenAI, and accepted on
// every surface), `x-api-key` (Anthropic), `x-goog-api-key` or the `key` query parameter
// (Gemini). The query parameter is never logged: the access log records the path only.
std::string_view presented_key(const net::HttpRequest& request) {
  constexpr std::string_view bearer = "Bearer ";
  std::string_view authorization = request.header("authorization");
  if (!authorization.empty()) {
    if (authorization.size() > bearer.size() &&
        net::iequals(authorization.substr(0, bearer.size()), bearer)) {
      return authorization.substr(bearer.size());
    }
    return "\x01";  // present but not a bearer credential: never a valid key
  }
  if (auto key = request.header("x-api-key"); !key.empty()) return key;
  if (auto key = request.header("x-goog-api-key"); !key.empty()) return key;
  std::string_view query = request.query();
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    if (pair.starts_with("key=") && pair.size() > 4) return pair.substr(4);
  }
  return {};
}

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

}  // namespace

boost::asio::awaitable<bool> authenticate(RequestContext& ctx, Services& services) {
  std::string_view presented = presented_key(ctx.request);
  if (presented.empty()) {
    co_await respond_error(ctx, 401, missing_key_message(ctx.format), "missing_api_key");
    co_return false;
  }
  ctx.key = services.keys.authenticate(presented);
  if (!ctx.key) {
    // Never echo the presented key: it may be a real secret sent to the wrong place.
    co_await respond_error(ctx, 401,
                           ctx.format == ir::Format::anthropic ? "invalid x-api-key"
                                                               : "Incorrect API key provided.",
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
  co_await respond_error(ctx, 404, std::move(message), "model_not_found", "model");
}

boost::asio::awaitable<bool> resolve(RequestContext& ctx, const Catalog& catalog,
                                     std::string_view model, Surface surface) {
  ctx.deployment = catalog.find(model);
  if (!ctx.deployment) {
    co_await respond_model_not_found(ctx, catalog, model);
    co_return false;
  }
  if (!ctx.deployment->allows(surface)) {
    std::string message = "The model `" + ctx.deployment->model->id + "` cannot be called through " +
                          std::string(surface_path(surface)) + "; it is available through: ";
    bool first = true;
    for (Surface s : {Surface::chat, Surface::messages, Surface::responses, Surface::gemini,
                      Surface::embeddings, Surface::images}) {
      if (!ctx.deployment->allows(s)) continue;
      if (!first) message += ", ";
      first = false;
      message += surface_path(s);
    }
    message += '.';
    co_await respond_error(ctx, 400, std::move(message), "unsupported_surface", "model");
    co_return false;
  }
  co_return true;
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
  if (!ctx.key || !ctx.model_call) return;
  billing::UsageRecord record;
  record.request_id = ctx.request_id;
  record.created_at_ms = unix_ms();
  record.key_prefix = ctx.key->prefix;
  record.surface = std::string(ctx.surface);
  record.public_model = ctx.requested_model;
  if (ctx.deployment) {
    record.public_model = ctx.deployment->model->id;
    record.upstream_model = ctx.deployment->model->upstream_model;
    record.provider = ctx.deployment->provider->name;
  }
  record.prompt_tokens = ctx.usage.input;
  record.completion_tokens = ctx.usage.output;
  record.cached_tokens = ctx.usage.cache_read;
  record.reasoning_tokens = ctx.usage.reasoning;
  record.usage_source = ctx.usage_source;
  if (ctx.deployment) {
    record.cost_micros = billing::request_cost(
        ctx.deployment->price,
        {ctx.usage.input, ctx.usage.output, ctx.usage.cache_read, ctx.usage.cache_write, 0, 0},
        services.billing.markup_ppm);
  }
  record.status = ctx.status;
  record.error_code = ctx.error_code;
  record.latency_us = total.count();
  record.upstream_latency_us =
      std::chrono::duration_cast<std::chrono::microseconds>(ctx.upstream_wait).count();
  record.overhead_us = overhead.count();
  record.stream = ctx.stream;
  record.client_disconnected = ctx.client_disconnected;
  if (!services.usage.submit(std::move(record))) services.metrics.record_usage_dropped(1);
}

}  // namespace tollgate::gateway
