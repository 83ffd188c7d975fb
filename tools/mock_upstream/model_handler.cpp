#include "mock_upstream/model_handler.hpp"

#include "mock_upstream/delays.hpp"
#include "mock_upstream/gzip.hpp"
#include "mock_upstream/json_text.hpp"
#include "mock_upstream/mock_directives.hpp"

#include <chrono>
#include <string>
#include <tuple>
#include <utility>

namespace tollgate::mock {
namespace {

using namespace std::chrono_literals;

// slow-headers with no TTFT at all would be a no-op; it waits this long instead.
constexpr std::chrono::milliseconds kDefaultSlowHeadersDelay = 10s;
// malformed-sse sends this many good pieces before the bad frame.
constexpr uint32_t kGoodPiecesBeforeMalformed = 2;

// Everything one reply needs, fixed before the first byte goes out.
struct ReplyContext {
  const WireAdapter& adapter;
  const Conversation& conversation;
  const MockDirectives& directives;
  const Reply& reply;
  ReplyIdentity identity;
};

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

// Directive errors are written by format-neutral code: give them the format's error type.
ApiError in_format(ApiError error, WireFormat format) {
  if (format == WireFormat::gemini) error.type = "INVALID_ARGUMENT";
  return error;
}

boost::asio::awaitable<void> reply_json(net::ResponseWriter& writer, MockContext& context,
                                        const ReplyContext& reply) {
  const Fault fault = reply.directives.fault;
  // The delay is cut short at shutdown so that in-flight requests finish within the grace.
  co_await sleep_unless_stopping(
      fault == Fault::slow_headers ? slow_headers_delay(reply.directives) : reply.directives.ttft,
      context.stopping);

  std::string body = reply.adapter.json_body(reply.identity, reply.conversation, reply.reply);
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
    case Fault::cut_stream:
    case Fault::stream_error: {
      // The JSON counterpart of a broken stream: half the body, chunked, then RST.
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

// Writes `frames` unless empty; false once the client is gone.
boost::asio::awaitable<bool> write_frames(net::ResponseWriter& writer, std::string_view frames) {
  if (frames.empty()) co_return true;
  co_return co_await writer.write_chunk(frames);
}

// How a stream ends early, if its fault says so.
enum class StreamBreak { none, cut, malformed, error };

StreamBreak break_of(Fault fault) {
  switch (fault) {
    case Fault::cut_stream:
      return StreamBreak::cut;
    case Fault::stream_error:
      return StreamBreak::error;
    case Fault::malformed_sse:
      return StreamBreak::malformed;
    default:
      return StreamBreak::none;
  }
}

// The break due once `pieces_sent` pieces are out.
StreamBreak break_after(const MockDirectives& directives, uint32_t pieces_sent) {
  const StreamBreak broken = break_of(directives.fault);
  const uint32_t good_pieces =
      broken == StreamBreak::malformed ? kGoodPiecesBeforeMalformed : directives.cut_after;
  return pieces_sent == good_pieces ? broken : StreamBreak::none;
}

// Writes the blocks piece by piece with the TTFT before the first piece and the ITL between
// pieces, until the reply is complete or the fault breaks it. Returns the break, if any, and
// whether the client is still there.
boost::asio::awaitable<std::pair<StreamBreak, bool>> stream_blocks(net::ResponseWriter& writer,
                                                                   MockContext& context,
                                                                   const ReplyContext& reply,
                                                                   StreamEncoder& encoder) {
  const MockDirectives& directives = reply.directives;
  const bool slow_headers = directives.fault == Fault::slow_headers;
  uint32_t pieces_sent = 0;
  for (std::size_t b = 0; b < reply.reply.blocks.size(); ++b) {
    if (!co_await write_frames(writer, encoder.block_start(b)))
      co_return std::pair{StreamBreak::none, false};
    for (std::size_t p = 0; p < reply.reply.blocks[b].pieces(); ++p) {
      const auto delay = pieces_sent > 0 ? directives.itl : slow_headers ? 0ms : directives.ttft;
      co_await sleep_unless_stopping(delay, context.stopping);
      if (auto broken = break_after(directives, pieces_sent); broken != StreamBreak::none) {
        co_return std::pair{broken, true};
      }
      if (!co_await write_frames(writer, encoder.piece(b, p)))
        co_return std::pair{StreamBreak::none, false};
      ++pieces_sent;
    }
    if (!co_await write_frames(writer, encoder.block_stop(b)))
      co_return std::pair{StreamBreak::none, false};
  }
  // A reply shorter than the fault's count is broken after its last piece.
  co_return std::pair{break_of(directives.fault), true};
}

boost::asio::awaitable<void> reply_stream(net::ResponseWriter& writer, MockContext& context,
                                          const ReplyContext& reply) {
  const MockDirectives& directives = reply.directives;
  if (directives.fault == Fault::slow_headers) {
    co_await sleep_unless_stopping(slow_headers_delay(directives), context.stopping);
  }
  const bool sse = !reply.conversation.json_array_stream;
  net::Headers headers =
      reply_headers(sse ? "text/event-stream" : "application/json", reply.identity);
  if (sse) headers.push_back({"Cache-Control", "no-cache"});
  if (!co_await writer.start_stream(200, std::move(headers))) co_return;
  OpenStreamGuard open_stream(context.stats);

  auto encoder = reply.adapter.stream_encoder(reply.identity, reply.conversation, reply.reply);
  bool delivered = co_await write_frames(writer, encoder->open());
  StreamBreak broken = StreamBreak::none;
  if (delivered)
    std::tie(broken, delivered) = co_await stream_blocks(writer, context, reply, *encoder);

  if (delivered && broken == StreamBreak::cut) {
    writer.abort_connection();  // no finish, no end marker, no terminating HTTP chunk
    co_return;
  }
  if (delivered) {
    switch (broken) {
      case StreamBreak::malformed:
        delivered = co_await write_frames(writer, encoder->broken_frame());
        break;
      case StreamBreak::error:
        delivered = co_await write_frames(
            writer, encoder->error_frame(stream_fault_error(reply.adapter.format)));
        break;
      default:
        delivered = co_await write_frames(writer, encoder->close());
        break;
    }
  }
  if (delivered) delivered = co_await writer.finish_stream();
  MockStats::bump(delivered ? context.stats.streams_completed
                            : context.stats.streams_aborted_by_client);
}

int64_t unix_seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ReplyDirectives reply_directives(const MockDirectives& directives, const MockOptions& options) {
  return ReplyDirectives{.natural_tokens = directives.tokens.value_or(options.tokens),
                         .reasoning_tokens = directives.reasoning_tokens,
                         .cached_tokens = directives.cached_tokens,
                         .cache_write_tokens = directives.cache_write_tokens};
}

}  // namespace

void note_request(const net::HttpRequest& request, MockContext& context, WireFormat format) {
  context.recorder.record(request, format_name(format));
  MockStats::bump(context.stats.requests);
  if (request.sequence_on_connection == 0) MockStats::bump(context.stats.connections);
}

boost::asio::awaitable<void> handle_model_request(net::HttpRequest& request,
                                                  net::ResponseWriter& writer, MockContext& context,
                                                  const WireAdapter& adapter) {
  const WireFormat format = adapter.format;
  note_request(request, context, format);
  if (auto error = adapter.authenticate(request, context.options)) {
    co_await send_api_error(writer, format, *error);
    co_return;
  }
  auto directives = read_mock_directives(request.headers, context.options, context.sticky_fault);
  if (directives.has_error()) {
    co_await send_api_error(writer, format, in_format(directives.error(), format));
    co_return;
  }
  if (answers_before_parsing(directives->fault)) {
    co_await answer_before_parsing(format, directives->fault, *directives, writer,
                                   context.stopping);
    co_return;
  }
  auto conversation = adapter.parse(request);
  if (conversation.has_error()) {
    co_await send_api_error(writer, format, conversation.error());
    co_return;
  }
  if (conversation->stream && directives->fault == Fault::gzip) {
    const ApiError error = invalid_request(
        "x-mock-fault: gzip is not supported for stream requests.", {}, "mock_bad_directive");
    co_await send_api_error(writer, format, in_format(error, format));
    co_return;
  }

  const Reply reply = plan_reply(*conversation, reply_directives(*directives, context.options));
  context.replies.record(reply_summary_json(format, conversation->model, reply));
  std::string id(adapter.id_prefix);
  append_uint(id, context.next_completion_id.fetch_add(1, std::memory_order_relaxed));
  const ReplyContext reply_context{
      .adapter = adapter,
      .conversation = *conversation,
      .directives = *directives,
      .reply = reply,
      .identity = {.id = id, .created = unix_seconds_now(), .model = conversation->model},
  };
  if (conversation->stream) {
    co_await reply_stream(writer, context, reply_context);
  } else {
    co_await reply_json(writer, context, reply_context);
  }
}

}  // namespace tollgate::mock
