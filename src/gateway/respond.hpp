// Writing responses and errors in the shape of the API the client called (ctx.format).
#pragma once

#include "gateway/request_context.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::gateway {

// Sends a JSON body with the common headers (request id, overhead).
boost::asio::awaitable<void> respond_json(RequestContext& ctx, int status, std::string body,
                                          net::Headers extra = {});
// The same without respond_json's coroutine (nor the writer's) when the socket takes the whole
// response at once, as it usually does: true when the response is done with (sent, or the client
// gone); false when the rest has to wait for the client, which finish_response does (the time
// it waits is the client's, not the gateway's overhead).
//   if (!respond_json_now(ctx, 200, std::move(body), std::move(extra))) {
//     co_await finish_response(ctx);
//   }
bool respond_json_now(RequestContext& ctx, int status, std::string body, net::Headers extra = {});
// Room for a JSON response's fields: the common ones, a cost echo and the upstream's rate limits.
// A caller reserving it for `extra` lets respond_json_now add to that vector in place.
constexpr std::size_t kJsonResponseFields = 14;
boost::asio::awaitable<void> finish_response(RequestContext& ctx);

// Sends the error in the client's format (OpenAI error object, Anthropic {"type":"error"}, Gemini
// google.rpc.Status) with error.status, and records its code for metrics and logs.
boost::asio::awaitable<void> respond_error(RequestContext& ctx, const ir::Error& error,
                                           net::Headers extra = {});
boost::asio::awaitable<void> respond_error(RequestContext& ctx, int status, std::string message,
                                           std::string code, std::string param = {});

// How a phase turns a request away: the error, answered in the client's format, and the headers
// it goes out with (retry-after). The phases that only decide (authenticate, resolve, select...)
// return a Verdict instead of answering themselves: a request they let through then costs no
// coroutine of theirs (a frame and a resumption each, ~500 instructions), and the caller
// answers the rare refusal with refuse().
struct Refusal {
  ir::Error error;
  net::Headers headers;
};
using Verdict = std::optional<Refusal>;  // empty: the request goes on

// A refusal with that error (ir::make_error) and no headers of its own.
Refusal turn_away(int status, std::string message, std::string code, std::string param = {});

// Answers a refusal (respond_error).
boost::asio::awaitable<void> refuse(RequestContext& ctx, const Refusal& refusal);

// Headers every gateway response carries.
void add_common_headers(RequestContext& ctx, net::Headers& headers);

}  // namespace tollgate::gateway
