// write_now / write_rest (net/io_shortcuts.hpp): one non-blocking writev without the event loop,
// and the async write of whatever the kernel did not take, on a real loopback TCP connection.
#include "net/io_shortcuts.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>

#include <gtest/gtest.h>

#include <string>

namespace asio = boost::asio;
using asio::ip::tcp;
using tollgate::net::write_now;
using tollgate::net::write_rest;
using tollgate::net::WriteNow;

namespace {

// A connected pair on 127.0.0.1: `writer` in non-blocking mode, as the server and client set it.
struct Pair {
  asio::io_context io;
  tcp::socket writer{io}, reader{io};

  explicit Pair(int buffer_bytes = 0) {
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    if (buffer_bytes) {
      // Small buffers on both ends, so that a few hundred KB fill them.
      reader.open(tcp::v4());
      reader.set_option(asio::socket_base::receive_buffer_size(buffer_bytes));
    }
    reader.connect(acceptor.local_endpoint());
    acceptor.accept(writer);
    if (buffer_bytes) writer.set_option(asio::socket_base::send_buffer_size(buffer_bytes));
    writer.non_blocking(true);
  }
};

std::string pattern(std::size_t size) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return text;
}

}  // namespace

TEST(WriteNow, TakesItAllWhenTheSendBufferHasRoom) {
  Pair pair;
  const std::string head = "HTTP/1.1 200 OK\r\n\r\n", body = pattern(1000);
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  WriteNow now = write_now(pair.writer, buffers);
  EXPECT_FALSE(now.error);
  EXPECT_FALSE(now.pending);
  EXPECT_EQ(now.written, head.size() + body.size());

  std::string received(head.size() + body.size(), '\0');
  asio::read(pair.reader, asio::buffer(received));
  EXPECT_EQ(received, head + body);
}

TEST(WriteNow, AFullSendBufferIsPendingNotAnError) {
  Pair pair(4096);
  const std::string big = pattern(4 << 20);
  WriteNow first = write_now(pair.writer, asio::buffer(big));
  EXPECT_FALSE(first.error);
  ASSERT_TRUE(first.pending);
  EXPECT_LT(first.written, big.size());

  // Nothing is read: the writes that follow take less and less (the kernel may still squeeze in
  // a little), until one finds no room at all — would_block, which is pending, not an error.
  WriteNow next = first;
  for (int i = 0; i < 100 && next.written > 0; ++i) {
    next = write_now(pair.writer, asio::buffer(big));
    EXPECT_FALSE(next.error);
    EXPECT_TRUE(next.pending);
  }
  EXPECT_EQ(next.written, 0u);
}

TEST(WriteRest, SendsWhatTheKernelDidNotTakeInOrderUnderTheCallersDeadline) {
  Pair pair(4096);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 4194304\r\n\r\n";
  const std::string body = pattern(4 << 20);
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  WriteNow now = write_now(pair.writer, buffers);
  ASSERT_TRUE(now.pending);
  ASSERT_FALSE(now.error);

  int armed = 0, disarmed = 0;
  boost::beast::error_code written_error = asio::error::fault;
  asio::co_spawn(
      pair.io,
      [&]() -> asio::awaitable<void> {
        written_error = co_await write_rest(
            pair.writer, buffers, now.written, [&] { ++armed; }, [&] { ++disarmed; });
      },
      asio::detached);
  std::string received;
  asio::co_spawn(
      pair.io,
      [&]() -> asio::awaitable<void> {
        received.resize(head.size() + body.size());
        co_await asio::async_read(pair.reader, asio::buffer(received), asio::use_awaitable);
      },
      asio::detached);
  pair.io.run();

  EXPECT_FALSE(written_error);
  EXPECT_EQ(armed, 1);
  EXPECT_EQ(disarmed, 1);
  EXPECT_TRUE(received == head + body) << "the bytes arrived out of order or incomplete";
}
