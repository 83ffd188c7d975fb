// Two shortcuts that skip a trip through the event loop when the work can be done at once:
// parsing what is already buffered, and writing to a socket whose send buffer has room. Each
// async operation that completes immediately still costs a posted completion and an extra
// epoll_wait round; a request does several, so this matters at high request rates.
// Internal to net/ (includes Beast).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <string_view>

namespace tollgate::net {

// Feeds the bytes already in `buffer` to `parser`, without I/O. Stops when the parser needs more
// bytes (not an error) or is done; returns a parse error otherwise.
template <bool isRequest>
boost::beast::error_code parse_buffered(boost::beast::http::basic_parser<isRequest>& parser,
                                        boost::beast::flat_buffer& buffer) {
  boost::beast::error_code ec;
  while (buffer.size() > 0 && !parser.is_done()) {
    std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == boost::beast::http::error::need_more) return {};
    if (ec) return ec;
    if (used == 0) break;
  }
  return {};
}

// Makes a fresh response `parser` read a chunked body from the start of a chunk's size line on:
// the body of a simple head (http_head.hpp) that SimpleBody found unusual there, whose chunks so
// far it has read. Beast only reads a body after a head, so it is given one, of HTTP/1.1 with
// nothing but "Transfer-Encoding: chunked"; what it makes of that head (status 200, keep-alive)
// is not the response's.
inline boost::beast::error_code start_chunked_body(
    boost::beast::http::basic_parser<false>& parser) {
  static constexpr std::string_view kHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  boost::beast::error_code ec;
  parser.eager(false);
  parser.put(boost::asio::buffer(kHead.data(), kHead.size()), ec);
  return ec;
}

// What one non-blocking writev did. `error` is final unless `pending`: the kernel took only
// `written` bytes (a full send buffer), and write_rest must send the others.
struct WriteNow {
  boost::beast::error_code error;
  std::size_t written = 0;
  bool pending = false;
};

// Writes `buffers` with one non-blocking writev, without the event loop; a plain function, so
// that the usual case (the send buffer has room) costs no coroutine. The socket must be in
// non-blocking mode (socket.non_blocking(true)). Use:
//   WriteNow now = write_now(socket, buffers);
//   if (now.pending) now.error = co_await write_rest(socket, buffers, now.written, arm, disarm);
template <class Buffers>
WriteNow write_now(boost::asio::ip::tcp::socket& socket, const Buffers& buffers) {
  WriteNow now;
  const std::size_t total = boost::asio::buffer_size(buffers);
  now.written = socket.write_some(buffers, now.error);
  if (now.error == boost::asio::error::would_block || now.error == boost::asio::error::try_again) {
    now.error = {};
    now.written = 0;
  }
  now.pending = !now.error && now.written < total;
  return now;
}

// The bytes of `buffers` after the first `written`, by an async write; `arm`/`disarm` put it
// under the caller's deadline. They are taken by value: an awaitable starts only when it is
// awaited, and a caller that returns it (rather than awaiting it) has destroyed its temporaries
// by then — a reference to a lambda made there would dangle. `buffers` must outlive the wait.
template <class Buffers, class Arm, class Disarm>
boost::asio::awaitable<boost::beast::error_code> write_rest(boost::asio::ip::tcp::socket& socket,
                                                            const Buffers& buffers,
                                                            std::size_t written, Arm arm,
                                                            Disarm disarm) {
  boost::beast::buffers_suffix<Buffers> rest(buffers);
  rest.consume(written);
  arm();
  auto [ec, n] = co_await boost::asio::async_write(
      socket, rest, boost::asio::as_tuple(boost::asio::use_awaitable));
  disarm();
  co_return ec;
}

}  // namespace tollgate::net
