#include "gateway/respond.hpp"

#include "api/openai/errors.hpp"

namespace tollgate::gateway {

void add_common_headers(RequestContext& ctx, net::Headers& headers) {
  headers.push_back({"x-request-id", ctx.request_id});
  headers.push_back({"x-tollgate-overhead-us", std::to_string(ctx.overhead().count())});
}

boost::asio::awaitable<void> respond_json(RequestContext& ctx, int status, std::string body,
                                          net::Headers extra) {
  net::Headers headers;
  headers.reserve(4 + extra.size());
  headers.push_back({"content-type", "application/json"});
  add_common_headers(ctx, headers);
  for (auto& h : extra) headers.push_back(std::move(h));
  ctx.status = status;
  auto before = Clock::now();
  if (!co_await ctx.writer.send(status, std::move(headers), std::move(body))) {
    ctx.client_disconnected = true;
  }
  ctx.client_wait += Clock::now() - before;
}

boost::asio::awaitable<void> respond_openai_error(RequestContext& ctx, int status,
                                                  std::string_view message, std::string_view type,
                                                  std::string_view code, std::string_view param) {
  ctx.error_code = std::string(code);
  co_await respond_json(ctx, status, api::openai::error_body(message, type, code, param));
}

}  // namespace tollgate::gateway
