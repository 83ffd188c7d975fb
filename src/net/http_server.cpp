// The HTTP/1.1 server. One io_context per thread, each with its own SO_REUSEPORT acceptor, so
// connections are spread by the kernel and a connection lives its whole life on one thread.
//
// A connection is one coroutine (`serve_connection`): wait for the first byte of a request
// (idle timeout), read the head (header timeout, size limit), read the body (body timeout, size
// limit), hand the request to the handler with a ResponseWriter bound to this connection, and
// loop while keep-alive holds. Slow clients are cut by the timeouts; oversized input gets
// 413/431 and the connection is closed.
#include "net/http_server.hpp"

#include "net/io_shortcuts.hpp"
#include "net/server_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <pthread.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace tollgate::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = DeadlineClock;  // deadlines only (deadline_clock.hpp)
using namespace std::chrono_literals;
constexpr auto kWatchdogPeriod = 100ms;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

using server_detail::Connection;
using server_detail::ConnectionWriter;
using server_detail::RequestFraming;
using server_detail::RequestParser;
using server_detail::take_simple_request;

namespace {

using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// A minimal JSON error for problems found before any handler runs (the handler shapes its
// own errors per API surface; at this level only the OpenAI shape is known to be expected).
std::string transport_error_body(std::string_view message, std::string_view code) {
  std::string body = R"({"error":{"message":")";
  body += message;
  body += R"(","type":"invalid_request_error","param":null,"code":")";
  body += code;
  body += "\"}}";
  return body;
}

}  // namespace

// Per-loop state: the io_context, its acceptor and the connections it owns.
struct Loop {
  // One thread runs each loop and only that thread does I/O on its sockets: no reactor locking.
  asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  tcp::acceptor acceptor{io};
  std::unordered_set<Connection*> connections;  // touched only on this loop's thread
};

struct HttpServer::Impl {
  ServerOptions options;
  Handler handler;
  std::vector<std::unique_ptr<Loop>> loops;
  std::function<void(const ExchangeRecord&)> observer;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open_connections{0};
  uint16_t port = 0;

  std::mutex control_mutex;
  std::condition_variable control_cv;
  bool shutdown_requested = false;
  std::chrono::milliseconds grace{0};
  std::atomic<unsigned> loops_running{0};

  asio::awaitable<void> accept_loop(unsigned index);
  asio::awaitable<void> watch_deadlines(unsigned index);
  asio::awaitable<void> serve_connection(unsigned index, tcp::socket socket);
  asio::awaitable<bool> read_request(Connection& conn, HttpRequest& request,
                                     RequestFraming& framing, ExchangeRecord& record);
  asio::awaitable<void> reject(Connection& conn, int status, std::string_view message,
                               std::string_view code, ExchangeRecord record);
  void observe(const ExchangeRecord& record) {
    if (observer) observer(record);
  }
};

HttpServer::HttpServer(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (impl_->options.threads == 0) impl_->options.threads = 1;
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() = default;

void HttpServer::on_exchange(std::function<void(const ExchangeRecord&)> observer) {
  impl_->observer = std::move(observer);
}

std::size_t HttpServer::open_connections() const {
  return impl_->open_connections.load();
}
uint16_t HttpServer::bound_port() const {
  return impl_->port;
}

void HttpServer::bind() {
  auto address = asio::ip::make_address(impl_->options.host);
  uint16_t port = impl_->options.port;
  if (port != 0) {
    // SO_REUSEPORT would let us share a port another process already listens on (the kernel
    // would split the traffic). A probe bind without it fails if the port is taken.
    asio::io_context probe_io;
    tcp::acceptor probe(probe_io);
    tcp::endpoint endpoint{address, port};
    probe.open(endpoint.protocol());
    probe.set_option(tcp::acceptor::reuse_address(true));
    beast::error_code ec;
    probe.bind(endpoint, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + impl_->options.host + ":" +
                               std::to_string(port) + ": " + ec.message());
    }
  }
  for (unsigned i = 0; i < impl_->options.threads; ++i) {
    auto loop = std::make_unique<Loop>();
    tcp::endpoint endpoint{address, port};
    loop->acceptor.open(endpoint.protocol());
    loop->acceptor.set_option(tcp::acceptor::reuse_address(true));
    loop->acceptor.set_option(reuse_port(true));
    loop->acceptor.bind(endpoint);
    loop->acceptor.listen(asio::socket_base::max_listen_connections);
    // With port 0 the first acceptor picks the port; the others join it through SO_REUSEPORT.
    port = loop->acceptor.local_endpoint().port();
    impl_->loops.push_back(std::move(loop));
  }
  impl_->port = port;
}

void HttpServer::run(std::function<void(unsigned, asio::io_context&)> on_thread_start,
                     std::function<void(unsigned)> on_thread_stop) {
  if (impl_->loops.empty()) bind();
  std::vector<std::thread> threads;
  impl_->loops_running = static_cast<unsigned>(impl_->loops.size());
  for (unsigned i = 0; i < impl_->loops.size(); ++i) {
    threads.emplace_back([this, i, on_thread_start, on_thread_stop] {
      auto& loop = *impl_->loops[i];
      std::string name = "tg-loop-" + std::to_string(i);  // shows in top -H, perf, gdb
      pthread_setname_np(pthread_self(), name.c_str());
      if (on_thread_start) on_thread_start(i, loop.io);
      asio::co_spawn(loop.io, impl_->accept_loop(i), asio::detached);
      asio::co_spawn(loop.io, impl_->watch_deadlines(i), asio::detached);
      loop.io.run();
      // Coroutines cut at the deadline still hold per-loop state: destroy them (and their
      // sockets) now, before the owner releases that state.
      loop.io.restart();
      loop.io.poll();
      if (on_thread_stop) on_thread_stop(i);
      {
        std::lock_guard lock(impl_->control_mutex);
        --impl_->loops_running;
      }
      impl_->control_cv.notify_all();
    });
  }

  // This thread is the controller: it waits for shutdown(), then for the loops to drain,
  // and stops whatever is still running when the grace period ends.
  {
    std::unique_lock lock(impl_->control_mutex);
    impl_->control_cv.wait(lock,
                           [&] { return impl_->shutdown_requested || impl_->loops_running == 0; });
    auto deadline = std::chrono::steady_clock::now() + impl_->grace;
    impl_->control_cv.wait_until(lock, deadline, [&] { return impl_->loops_running == 0; });
    if (impl_->loops_running > 0) {
      // Grace is over: cut the remaining connections, so their handlers see the client gone
      // and still settle (usage records), then give them a moment to do so.
      for (auto& loop_ptr : impl_->loops) {
        Loop* loop = loop_ptr.get();
        asio::post(loop->io, [loop] {
          for (Connection* conn : loop->connections) {
            beast::error_code ec;
            conn->socket.shutdown(tcp::socket::shutdown_both, ec);
            conn->socket.close(ec);
          }
        });
      }
      impl_->control_cv.wait_for(lock, std::chrono::seconds(1),
                                 [&] { return impl_->loops_running == 0; });
    }
  }
  for (auto& loop : impl_->loops) loop->io.stop();
  for (auto& t : threads) t.join();
}

void HttpServer::shutdown(std::chrono::milliseconds grace) {
  if (impl_->stopping.exchange(true)) return;
  for (auto& loop_ptr : impl_->loops) {
    Loop* loop = loop_ptr.get();
    asio::post(loop->io, [loop] {
      beast::error_code ec;
      loop->acceptor.close(ec);
      // Idle keep-alive connections are closed now; busy ones close after their response.
      for (Connection* conn : loop->connections) {
        if (conn->idle) {
          conn->socket.shutdown(tcp::socket::shutdown_both, ec);
          conn->socket.cancel(ec);
        }
      }
    });
  }
  {
    std::lock_guard lock(impl_->control_mutex);
    impl_->shutdown_requested = true;
    impl_->grace = grace;
  }
  impl_->control_cv.notify_all();
}

// Cancels the pending operation of every connection whose deadline has passed. Ends once the
// server is stopping and the loop has no connection left, so the loop can run out of work.
asio::awaitable<void> HttpServer::Impl::watch_deadlines(unsigned index) {
  auto& loop = *loops[index];
  asio::steady_timer timer(loop.io);
  for (;;) {
    timer.expires_after(kWatchdogPeriod);
    co_await timer.async_wait(use_tuple);
    if (stopping && loop.connections.empty()) co_return;
    auto now = Clock::now();
    for (Connection* conn : loop.connections) {
      if (conn->deadline <= now && !conn->timed_out) {
        conn->timed_out = true;
        beast::error_code ec;
        conn->socket.cancel(ec);
      }
    }
  }
}

asio::awaitable<void> HttpServer::Impl::accept_loop(unsigned index) {
  auto& loop = *loops[index];
  for (;;) {
    auto [ec, socket] = co_await loop.acceptor.async_accept(use_tuple);
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      // EMFILE and friends: back off briefly rather than spin.
      asio::steady_timer timer(loop.io, 50ms);
      co_await timer.async_wait(use_tuple);
      continue;
    }
    if (stopping) co_return;
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    socket.non_blocking(true, ignored);  // for write_now
    asio::co_spawn(loop.io, serve_connection(index, std::move(socket)), asio::detached);
  }
}

// Sends a response produced by the server itself (limits, malformed input); the caller then
// ends the connection.
asio::awaitable<void> HttpServer::Impl::reject(Connection& conn, int status,
                                               std::string_view message, std::string_view code,
                                               ExchangeRecord record) {
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::server, options.server_name);
  res.set(http::field::content_type, "application/json");
  res.keep_alive(false);
  res.body() = transport_error_body(message, code);
  res.prepare_payload();
  conn.expires_after(5s);
  co_await http::async_write(conn.socket, res, use_tuple);
  conn.expires_never();
  record.status = status;
  record.error = std::string(code);
  observe(record);
}

// The request at the start of the connection's buffer, head and body, through Beast's parser,
// reading more as needed: for what take_simple_request leaves (a request still arriving, chunked,
// or anything else its head reader turns down). False when the connection must end: a malformed
// or oversized request (answered here), a timeout or the client gone.
asio::awaitable<bool> HttpServer::Impl::read_request(Connection& conn, HttpRequest& request,
                                                     RequestFraming& framing,
                                                     ExchangeRecord& record) {
  beast::flat_buffer& buffer = conn.read_buffer;
  RequestParser parser(request);
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(options.max_body_bytes);
  auto hec = parse_buffered(parser, buffer);
  if (!hec && !parser.is_header_done()) {
    conn.expires_after(options.header_timeout);
    std::tie(hec, std::ignore) =
        co_await http::async_read_header(conn.socket, buffer, parser, use_tuple);
    conn.expires_never();
  }
  if (hec) {
    if (hec == http::error::header_limit) {
      co_await reject(conn, 431, "request headers are too large", "headers_too_large", record);
    } else if (hec == http::error::body_limit) {  // Content-Length already over the limit
      co_await reject(conn, 413, "request body is too large", "body_too_large", record);
    } else if (conn.timed_out) {
      record.error = "header_timeout";
      record.status = 408;
      observe(record);
    } else if (hec != http::error::end_of_stream && hec != asio::error::eof &&
               hec != asio::error::operation_aborted && hec != asio::error::connection_reset) {
      co_await reject(conn, 400, "malformed HTTP request", "bad_request", record);
    }
    co_return false;
  }
  record.method = request.method;
  record.path = std::string(request.path());
  if (auto length = parser.content_length(); length && *length > options.max_body_bytes) {
    co_await reject(conn, 413, "request body is too large", "body_too_large", record);
    co_return false;
  }
  if (parser.expect_continue) {
    http::response<http::empty_body> cont{http::status::continue_, 11};
    conn.expires_after(options.body_timeout);
    auto [cec, cn] = co_await http::async_write(conn.socket, cont, use_tuple);
    conn.expires_never();
    if (cec) co_return false;
  }

  auto bec = parse_buffered(parser, buffer);
  if (!bec && !parser.is_done()) {
    conn.expires_after(options.body_timeout);
    std::tie(bec, std::ignore) = co_await http::async_read(conn.socket, buffer, parser, use_tuple);
    conn.expires_never();
  }
  if (bec) {
    if (bec == http::error::body_limit) {
      co_await reject(conn, 413, "request body is too large", "body_too_large", record);
    } else if (conn.timed_out) {
      record.error = "body_timeout";
      record.status = 408;
      observe(record);
    } else if (bec != http::error::end_of_stream && bec != asio::error::eof &&
               bec != asio::error::connection_reset) {
      co_await reject(conn, 400, "malformed HTTP request body", "bad_request", record);
    }
    co_return false;
  }
  framing = {parser.version, parser.keep_alive(), parser.is_head};
  co_return true;
}

asio::awaitable<void> HttpServer::Impl::serve_connection(unsigned index, tcp::socket socket) {
  auto& loop = *loops[index];
  Connection conn{std::move(socket)};
  loop.connections.insert(&conn);
  ++open_connections;
  std::string remote;
  {
    beast::error_code ec;
    auto ep = conn.socket.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  beast::flat_buffer& buffer = conn.read_buffer;
  unsigned served = 0;  // requests on this connection so far

  for (;;) {
    conn.idle = true;
    if (stopping) break;
    // 1. Wait for the first byte of the next request (keep-alive idle time).
    if (buffer.size() == 0) {
      conn.expires_after(options.idle_timeout);
      auto [ec, n] = co_await conn.socket.async_read_some(buffer.prepare(4096), use_tuple);
      conn.expires_never();
      if (ec) break;  // idle timeout, client closed, or shutdown
      buffer.commit(n);
    }
    conn.idle = false;

    // 2–3. The request: head and body, within their timeouts and size limits. Usually all of it
    // came in that first read and its head is a simple one, read without Beast.
    ExchangeRecord record;
    record.remote_address = remote;
    auto started = std::chrono::steady_clock::now();
    HttpRequest request;
    RequestFraming framing;
    if (take_simple_request(buffer, options, request, framing)) {
      record.method = request.method;
      record.path = std::string(request.path());
    } else if (!co_await read_request(conn, request, framing, record)) {  // sets them too
      break;
    }

    // 4. The handler.
    request.remote_address = remote;
    request.received_at = started;
    request.loop_index = index;
    request.sequence_on_connection = served++;
    record.request_bytes = request.body.size();

    ConnectionWriter writer{conn, framing.keep_alive && !stopping, framing.version,
                            framing.head_only, options};
    try {
      co_await handler(request, writer);
    } catch (const std::exception& e) {
      record.error = std::string("handler_exception: ") + e.what();
    }
    if (!writer.started() && !writer.aborted() && writer.closing()) {
      // The handler chose to end the connection without a response: a plain close (FIN).
      record.error = "closed_without_response";
    } else if (!writer.started() && !writer.aborted()) {
      // (A local, not a braced temporary inside co_await: GCC 12 miscompiles those.)
      Headers headers{{"content-type", "application/json"}};
      co_await writer.send(500, std::move(headers),
                           transport_error_body("internal error", "internal_error"));
    }
    record.status = writer.status();
    record.response_bytes = writer.bytes();
    record.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    record.annotations = writer.take_annotations();
    if (writer.aborted())
      record.error = "aborted";
    else if (writer.failed())
      record.error = "client_closed";
    observe(record);
    if (!writer.reusable() || stopping) break;
  }

  beast::error_code ec;
  conn.socket.shutdown(tcp::socket::shutdown_send, ec);
  conn.socket.close(ec);
  loop.connections.erase(&conn);
  --open_connections;
}

}  // namespace tollgate::net
