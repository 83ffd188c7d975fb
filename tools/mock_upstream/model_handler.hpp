// The life of a model request, the same for every wire format: record it, authenticate, read the
// x-mock-* directives, answer the faults that ignore the body, parse the body into a
// Conversation, plan the reply (reply.hpp), then send it as JSON or as a stream. Each format
// plugs in through a WireAdapter: how it authenticates, parses, and spells a reply.
#pragma once

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/conversation.hpp"
#include "mock_upstream/mock_context.hpp"
#include "mock_upstream/reply.hpp"
#include "net/http.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::mock {

struct ReplyIdentity {
  std::string_view id;     // "chatcmpl-mock-<n>", "msg_mock_<n>", "mock-<n>"
  int64_t created = 0;     // unix seconds
  std::string_view model;  // the request's model, verbatim
};

// The frames of one streamed reply, in order: open(), then for each block block_start(), one
// piece() per piece and block_stop(), then close(). Each call returns the bytes to write (possibly
// several SSE frames, possibly nothing), valid until the next call.
class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  virtual std::string_view open() = 0;
  virtual std::string_view block_start(std::size_t block) = 0;
  virtual std::string_view piece(std::size_t block, std::size_t piece) = 0;
  virtual std::string_view block_stop(std::size_t block) = 0;
  virtual std::string_view close() = 0;  // finish reason, usage, end marker
  // malformed-sse: a frame whose data is cut short (not JSON) and whatever ends the stream.
  virtual std::string_view broken_frame() = 0;
  // stream-error: the format's error event and whatever ends the stream.
  virtual std::string_view error_frame(const ApiError& error) = 0;
};

struct WireAdapter {
  WireFormat format;
  std::string_view id_prefix;  // reply ids are this + a counter
  std::optional<ApiError> (*authenticate)(const net::HttpRequest&, const MockOptions&);
  boost::system::result<Conversation, ApiError> (*parse)(net::HttpRequest&);
  std::string (*json_body)(const ReplyIdentity&, const Conversation&, const Reply&);
  std::unique_ptr<StreamEncoder> (*stream_encoder)(const ReplyIdentity&, const Conversation&,
                                                   const Reply&);
};

boost::asio::awaitable<void> handle_model_request(net::HttpRequest& request,
                                                  net::ResponseWriter& writer, MockContext& context,
                                                  const WireAdapter& adapter);

// Counts the request and records it for /_mock/last-request.
void note_request(const net::HttpRequest& request, MockContext& context, WireFormat format);

}  // namespace tollgate::mock
