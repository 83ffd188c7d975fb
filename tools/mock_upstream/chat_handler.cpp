#include "mock_upstream/chat_handler.hpp"

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/chat_request.hpp"
#include "mock_upstream/chat_wire.hpp"
#include "mock_upstream/content.hpp"
#include "mock_upstream/delays.hpp"
#include "mock_upstream/gzip.hpp"
#include "mock_upstream/mock_directives.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace tollgate::mock {
namespace {

using namespace std::chrono_literals;

// slow-headers with no TTFT at all would be a no-op; it waits this long instead.
constexpr std::chrono::milliseconds kDefaultSlowHeadersDelay = 10s;
// malformed-sse sends this many good content chunks before the bad frame.
constexpr uint32_t kGoodChunksBeforeMalformed = 2;

// Everything one reply needs, fixed before the first byte goes out.
struct ReplyContext {
  const ChatRequest& chat;
  const MockDirectives& directives;
  ReplyIdentity identity;
  ReplyPlan plan;
  UsageCounts usage;
};

ReplyPlan plan_reply(const ChatRequest& chat, const MockDirectives& directives,
                     const MockOptions& options) {
  const uint32_t natural = directives.tokens.value_or(options.tokens);
  // A real model stops at max_tokens whatever it had to say: the limit also cuts x-mock-tokens.
  if (chat.max_tokens && *chat.max_tokens < natural) {
    return {chat.last_content_hash, static_cast<uint32_t>(*chat.max_tokens), "length"};
  }
  return {chat.last_content_hash, natural, "stop"};
}

std::chrono::milliseconds slow_headers_delay(const MockDirectives& directives) {
  return directives.ttft.count() > 0 ? directives.ttft : kDefaultSlowHeadersDelay;
}

net::Headers reply_headers(std::string_view content_type, const ReplyIdentity& identity) {
  net::Headers headers;
  headers.reserve(4);
  headers.push_back({"Content-Type", std::string(content_type)});
  headers.push_back({"x-request-id", std::string(identity.id)});
  return headers;
}

boost::asio::awaitable<void> reply_json(net::ResponseWriter& writer, MockContext& context,
                                        const ReplyContext& reply) {
  const Fault fault = reply.directives.fault;
  // The delay is cut short at shutdown so that in-flight requests finish within the grace.
  co_await sleep_unless_stopping(
      fault == Fault::slow_headers ? slow_headers_delay(reply.directives) : reply.directives.ttft,
      context.stopping);

  std::string body = completion_body(reply.identity, reply.plan, reply.usage);
  net::Headers headers = reply_headers("application/json", reply.identity);
  switch (fault) {
    case Fault::malformed_json:
    case Fault::malformed_sse:  // a JSON request cannot get bad SSE: it gets bad JSON
      body.resize(body.size() / 2);
      break;
    case Fault::gzip:
      body = gzip_compress(body);
      headers.push_back({"Content-Encoding", "gzip"});
      break;
    case Fault::cut_stream: {
      // The JSON counterpart of a cut stream: half the body, chunked, then RST.
      if (co_await writer.start_stream(200, std::move(headers))) {
        co_await writer.write_chunk(std::string_view(body).substr(0, body.size() / 2));
      }
      writer.abort_connection();
      co_return;
    }
    default:
      break;
  }
  co_await writer.send(200, std::move(headers), std::move(body));
}

boost::asio::awaitable<void> reply_stream(net::ResponseWriter& writer, MockContext& context,
                                          const ReplyContext& reply) {
  const MockDirectives& directives = reply.directives;
  const bool slow_headers = directives.fault == Fault::slow_headers;
  if (slow_headers)
    co_await sleep_unless_stopping(slow_headers_delay(directives), context.stopping);

  net::Headers headers = reply_headers("text/event-stream", reply.identity);
  headers.push_back({"Cache-Control", "no-cache"});
  if (!co_await writer.start_stream(200, std::move(headers))) co_return;
  OpenStreamGuard open_stream(context.stats);

  ChunkFrames frames(reply.identity, reply.chat.include_usage);
  bool delivered = co_await writer.write_chunk(frames.role());
  for (uint32_t i = 0; delivered && i < reply.plan.tokens; ++i) {
    const auto delay = i > 0 ? directives.itl : slow_headers ? 0ms : directives.ttft;
    co_await sleep_unless_stopping(delay, context.stopping);
    if (directives.fault == Fault::cut_stream && i == directives.cut_after) break;
    if (directives.fault == Fault::malformed_sse && i == kGoodChunksBeforeMalformed) break;
    delivered = co_await writer.write_chunk(frames.content(output_token(reply.plan.seed, i)));
  }

  if (delivered && directives.fault == Fault::cut_stream) {
    writer.abort_connection();  // no finish chunk, no [DONE], no terminating HTTP chunk
    co_return;
  }
  if (delivered && directives.fault == Fault::malformed_sse) {
    delivered = co_await writer.write_chunk(frames.not_json());
  } else if (delivered) {
    delivered = co_await writer.write_chunk(frames.finish(reply.plan.finish_reason));
    if (delivered && reply.chat.include_usage) {
      delivered = co_await writer.write_chunk(frames.usage(reply.usage));
    }
  }
  if (delivered) delivered = co_await writer.write_chunk(ChunkFrames::kDone);
  if (delivered) delivered = co_await writer.finish_stream();
  MockStats::bump(delivered ? context.stats.streams_completed
                            : context.stats.streams_aborted_by_client);
}

}  // namespace

std::optional<ApiError> check_api_key(const net::HttpRequest& request, const MockOptions& options) {
  constexpr std::string_view kScheme = "Bearer ";
  const std::string_view authorization = request.header("authorization");
  std::string_view key;
  if (authorization.size() > kScheme.size() &&
      net::iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    key = authorization.substr(kScheme.size());
  }
  if (key.empty()) {
    return api_error(401, "invalid_request_error",
                     "You didn't provide an API key. You need to provide your API key in an "
                     "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                     "YOUR_KEY).",
                     "invalid_api_key");
  }
  if (!options.require_key.empty() && key != options.require_key) {
    return api_error(401, "invalid_request_error", "Incorrect API key provided.",
                     "invalid_api_key");
  }
  return std::nullopt;
}

boost::asio::awaitable<void> handle_chat_completions(net::HttpRequest& request,
                                                     net::ResponseWriter& writer,
                                                     MockContext& context) {
  context.recorder.record(request);
  MockStats::bump(context.stats.requests);
  if (request.sequence_on_connection == 0) MockStats::bump(context.stats.connections);

  if (auto error = check_api_key(request, context.options)) {
    co_await send_api_error(writer, *error);
    co_return;
  }
  auto directives = read_mock_directives(request.headers, context.options);
  if (directives.has_error()) {
    co_await send_api_error(writer, directives.error());
    co_return;
  }
  if (answers_before_parsing(directives->fault)) {
    co_await answer_before_parsing(directives->fault, *directives, writer, context.stopping);
    co_return;
  }
  auto chat = parse_chat_request(request.body);
  if (chat.has_error()) {
    co_await send_api_error(writer, chat.error());
    co_return;
  }
  if (chat->stream && directives->fault == Fault::gzip) {
    const ApiError error = invalid_request(
        "x-mock-fault: gzip is not supported for stream requests.", {}, "mock_bad_directive");
    co_await send_api_error(writer, error);
    co_return;
  }

  std::string id = "chatcmpl-mock-";
  append_uint(id, context.next_completion_id.fetch_add(1, std::memory_order_relaxed));
  const auto created = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  const ReplyPlan plan = plan_reply(*chat, *directives, context.options);
  const ReplyContext reply{
      .chat = *chat,
      .directives = *directives,
      .identity = {.id = id, .created = created, .model = chat->model},
      .plan = plan,
      .usage = {.prompt_tokens = chat->prompt_tokens,
                .completion_tokens = plan.tokens,
                .cached_tokens = std::min(directives->cached_tokens, chat->prompt_tokens)},
  };

  if (chat->stream) {
    co_await reply_stream(writer, context, reply);
  } else {
    co_await reply_json(writer, context, reply);
  }
}

}  // namespace tollgate::mock
