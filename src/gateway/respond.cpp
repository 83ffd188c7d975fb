#include "gateway/respond.hpp"

#include "gateway/formats.hpp"
#include "gateway/phases.hpp"

#include <algorithm>

namespace tollgate::gateway {

void add_common_headers(RequestContext& ctx, net::Headers& headers) {
  // Viewed, not copied: the request's id and rate headers live as long as its context, and the
  // configuration as long as the gateway.
  headers.push_back({"x-request-id", net::FieldText::borrow(ctx.request_id)});
  headers.push_back({"x-tollgate-overhead-us", std::to_string(ctx.overhead().count())});
  if (ctx.deployment && ctx.attempts > 0) {
    // Where the request went: the model that served (an alias or "auto" resolves to one), its
    // provider and deployment, and how many attempts it took.
    headers.push_back({"x-tollgate-model", net::FieldText::borrow(ctx.deployment->model->id)});
    headers.push_back(
        {"x-tollgate-provider", net::FieldText::borrow(ctx.deployment->provider->name)});
    headers.push_back(
        {"x-tollgate-deployment", net::FieldText::borrow(ctx.deployment->config->name)});
    headers.push_back({"x-tollgate-attempts", std::to_string(ctx.attempts)});
  }
  for (const auto& header : ctx.rate_headers) headers.push_back(net::Header::borrow(header));
}

bool respond_json_now(RequestContext& ctx, int status, std::string body, net::Headers extra) {
  // After the caller's own (a cost echo, the upstream's rate limits): the fields' order means
  // nothing, and their vector is not copied into another.
  net::Headers headers = std::move(extra);
  headers.reserve(std::max(kJsonResponseFields, headers.size() + 8 + ctx.rate_headers.size()));
  headers.push_back({"content-type", "application/json"});
  add_common_headers(ctx, headers);
  ctx.status = status;
  release_limits(ctx, ctx.services);  // before the client can have its answer
  std::optional<bool> sent = ctx.writer.send_now(status, std::move(headers), std::move(body));
  if (!sent) return false;
  if (!*sent) ctx.client_disconnected = true;
  return true;
}

boost::asio::awaitable<void> finish_response(RequestContext& ctx) {
  auto before = Clock::now();
  if (!co_await ctx.writer.finish_send()) ctx.client_disconnected = true;
  ctx.client_wait += Clock::now() - before;
}

boost::asio::awaitable<void> respond_json(RequestContext& ctx, int status, std::string body,
                                          net::Headers extra) {
  if (!respond_json_now(ctx, status, std::move(body), std::move(extra))) {
    co_await finish_response(ctx);
  }
}

boost::asio::awaitable<void> respond_error(RequestContext& ctx, const ir::Error& error,
                                           net::Headers extra) {
  ctx.error_code = error.code;
  co_await respond_json(ctx, error.status, surface_codec(ctx.format).error_body(error, ctx.request_id),
                        std::move(extra));
}

boost::asio::awaitable<void> respond_error(RequestContext& ctx, int status, std::string message,
                                           std::string code, std::string param) {
  ir::Error error = ir::make_error(status, std::move(message), std::move(code), std::move(param));
  co_await respond_error(ctx, error);
}

Refusal turn_away(int status, std::string message, std::string code, std::string param) {
  return {ir::make_error(status, std::move(message), std::move(code), std::move(param)), {}};
}

boost::asio::awaitable<void> refuse(RequestContext& ctx, const Refusal& refusal) {
  net::Headers headers = refusal.headers;
  co_await respond_error(ctx, refusal.error, std::move(headers));
}

}  // namespace tollgate::gateway
