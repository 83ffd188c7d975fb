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

// Writes `buffers` with one non-blocking writev; only what the kernel did not take is handed to
// an async write. `arm`/`disarm` put the remaining write under the caller's deadline. The socket
// must be in non-blocking mode (socket.non_blocking(true)).
template <class Buffers, class Arm, class Disarm>
boost::asio::awaitable<boost::beast::error_code> write_now_or_later(
    boost::asio::ip::tcp::socket& socket, const Buffers& buffers, Arm&& arm, Disarm&& disarm) {
  boost::beast::error_code ec;
  std::size_t total = boost::asio::buffer_size(buffers);
  std::size_t written = socket.write_some(buffers, ec);
  if (!ec && written == total) co_return ec;
  if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) {
    co_return ec;
  }
  boost::beast::buffers_suffix<Buffers> rest(buffers);
  rest.consume(ec ? 0 : written);
  arm();
  auto [wec, n] = co_await boost::asio::async_write(
      socket, rest, boost::asio::as_tuple(boost::asio::use_awaitable));
  disarm();
  co_return wec;
}

}  // namespace tollgate::net
