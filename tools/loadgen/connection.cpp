// The exchange: one write (a non-blocking writev; only what the kernel did not take goes through
// an asynchronous write) and reads until the parser sees the end of the response.
#include "loadgen/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstring>

namespace tollgate::loadgen {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using namespace std::chrono_literals;

Connection::Connection(asio::io_context& io, const Target& target, std::size_t buffer_bytes)
    : target_(target),
      socket_(io),
      timer_(io),
      buffer_(std::make_unique<char[]>(buffer_bytes)),
      capacity_(buffer_bytes) {}

void Connection::fail(const boost::system::error_code& error) noexcept {
  last_error_ = error;
  last_reason_ = "";
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void Connection::fail(const char* reason) noexcept {
  last_error_ = {};
  last_reason_ = reason;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void Connection::close() noexcept {
  boost::system::error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
}

std::string Connection::failure_detail() const {
  return last_error_ ? last_error_.message() : std::string(last_reason_);
}

boost::system::error_code Connection::connect_now() {
  boost::system::error_code ec;
  socket_.connect(target_.endpoint, ec);
  if (!ec) socket_.set_option(tcp::no_delay(true), ec);
  if (!ec) socket_.non_blocking(true, ec);
  if (ec) fail(ec);
  begin_ = end_ = 0;
  return ec;
}

asio::awaitable<bool> Connection::connect() {
  boost::system::error_code ec;
  socket_.open(target_.endpoint.protocol(), ec);
  if (!ec) {
    auto [connect_error] = co_await socket_.async_connect(target_.endpoint, use_tuple);
    ec = connect_error;
  }
  if (!ec) socket_.set_option(tcp::no_delay(true), ec);
  if (!ec) socket_.non_blocking(true, ec);
  begin_ = end_ = 0;
  if (!ec) co_return true;
  fail(ec);
  timer_.expires_after(10ms);
  co_await timer_.async_wait(use_tuple);
  co_return false;
}

asio::awaitable<bool> Connection::send_rest(std::size_t already_written) {
  const std::string& request = target_.request;
  const asio::const_buffer rest(request.data() + already_written, request.size() - already_written);
  auto [ec, written] = co_await asio::async_write(socket_, rest, use_tuple);
  if (ec) fail(ec);
  co_return !ec;
}

asio::awaitable<Exchange> Connection::exchange(ResponseObserver* observer) {
  if (!socket_.is_open()) {
    const bool connected = co_await connect();
    if (!connected) co_return Exchange{Failure::connect, 0};
  }

  // The request nearly always fits the socket's send buffer: write it now, without a trip
  // through the event loop.
  const std::string& request = target_.request;
  boost::system::error_code write_error;
  const std::size_t written = socket_.write_some(asio::buffer(request), write_error);
  if (write_error == asio::error::would_block || write_error == asio::error::try_again) {
    const bool sent = co_await send_rest(0);
    if (!sent) co_return Exchange{Failure::transport, 0};
  } else if (write_error) {
    fail(write_error);
    co_return Exchange{Failure::transport, 0};
  } else if (written < request.size()) {
    const bool sent = co_await send_rest(written);
    if (!sent) co_return Exchange{Failure::transport, 0};
  }

  parser_.start();
  for (;;) {
    std::size_t used = 0;
    const std::string_view buffered(buffer_.get() + begin_, end_ - begin_);
    const ResponseParser::Progress progress = parser_.parse(buffered, used, observer);
    begin_ += used;
    if (begin_ == end_) begin_ = end_ = 0;
    if (progress == ResponseParser::Progress::done) break;
    if (progress == ResponseParser::Progress::error) {
      fail(parser_.error_reason());
      co_return Exchange{Failure::protocol, parser_.status()};
    }
    if (end_ == capacity_) {
      if (begin_ == 0) {
        fail("response head larger than the read buffer");
        co_return Exchange{Failure::protocol, 0};
      }
      std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    const asio::mutable_buffer space(buffer_.get() + end_, capacity_ - end_);
    auto [read_error, received] = co_await socket_.async_read_some(space, use_tuple);
    if (read_error == asio::error::eof) {
      if (parser_.finish_at_eof() == ResponseParser::Progress::done) break;
      fail(parser_.error_reason());
      co_return Exchange{Failure::transport, parser_.status()};
    }
    if (read_error) {
      fail(read_error);
      co_return Exchange{Failure::transport, parser_.status()};
    }
    end_ += received;
  }

  if (!parser_.keep_alive()) {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }
  co_return Exchange{Failure::none, parser_.status()};
}

asio::awaitable<void> Connection::wait_until(Nanos when) {
  timer_.expires_at(to_time_point(when));
  co_await timer_.async_wait(use_tuple);
}

}  // namespace tollgate::loadgen
