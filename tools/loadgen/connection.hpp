// One keep-alive client connection: send the prepared request, read the response to its end
// through the lean parser, report a status or a failure as a value. The read buffer is
// allocated once per connection and reused, and Asio recycles coroutine frames per thread, so
// an exchange allocates nothing. TCP_NODELAY is set on every socket (BENCH.md: a request must
// never wait on Nagle).
#pragma once

#include "loadgen/clock.hpp"
#include "loadgen/response_parser.hpp"
#include "loadgen/target.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace tollgate::loadgen {

enum class Failure {
  none,
  connect,    // could not (re)connect
  transport,  // reset, closed before the response was complete, or the run was stopped
  protocol,   // a response the parser could not read
};

struct Exchange {
  Failure failure = Failure::none;
  int status = 0;
};

class Connection {
 public:
  Connection(boost::asio::io_context& io, const Target& target, std::size_t buffer_bytes);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects synchronously: the keep-alive connections are all open before measuring starts.
  boost::system::error_code connect_now();

  // Sends the request and reads the whole response, telling `observer` (may be null) about it.
  // Connects first when the connection is closed (after a failure or a `connection: close`).
  // A failed connect is reported after a 10 ms pause, so that a loop retrying it does not spin.
  boost::asio::awaitable<Exchange> exchange(ResponseObserver* observer);

  // Waits until the steady-clock time `when` (open loop's schedule; the hold mode's ramp).
  boost::asio::awaitable<void> wait_until(Nanos when);

  // Closes the socket and cancels a wait: a suspended exchange or wait resumes at once (with a
  // failure). Called when a run ends.
  void close() noexcept;

  // The cause of the last failure, for the one diagnostic line on stderr.
  std::string failure_detail() const;

 private:
  boost::asio::awaitable<bool> connect();
  boost::asio::awaitable<bool> send_rest(std::size_t already_written);
  void fail(const boost::system::error_code& error) noexcept;
  void fail(const char* reason) noexcept;

  const Target& target_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  std::size_t begin_ = 0;  // unparsed bytes are buffer_[begin_, end_)
  std::size_t end_ = 0;
  ResponseParser parser_;
  boost::system::error_code last_error_;
  const char* last_reason_ = "";
};

}  // namespace tollgate::loadgen
