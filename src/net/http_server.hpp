// HTTP/1.1 server: one event loop per thread, each with its own SO_REUSEPORT acceptor,
// keep-alive, limits, timeouts, graceful shutdown.
#pragma once

#include "net/http.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tollgate::net {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 = pick a free port; bound_port() tells which
  unsigned threads = 1;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::string server_name = "tollgate";
};

// One finished exchange, for the access log and metrics (no headers, so no secrets).
struct ExchangeRecord {
  std::string method;
  std::string path;
  int status = 0;
  std::size_t request_bytes = 0;
  std::size_t response_bytes = 0;
  std::chrono::microseconds duration{0};
  std::string remote_address;
  std::string error;        // e.g. "header_timeout", "body_too_large", "client_closed"
  std::string annotations;  // JSON members added by the handler (ResponseWriter::annotate)
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening sockets (throws on failure). Call before run().
  void bind();
  uint16_t bound_port() const;

  // Runs all event loops on `threads` threads; returns when every loop has stopped.
  // `on_thread_start(index, io_context)` runs on each loop thread first (per-core state);
  // `on_thread_stop(index)` runs on it when its loop has stopped, while the io_context (and so
  // every socket of that per-core state) is still alive.
  void run(std::function<void(unsigned, boost::asio::io_context&)> on_thread_start = {},
           std::function<void(unsigned)> on_thread_stop = {});

  // Graceful stop, callable from any thread: stop accepting, close idle connections, let
  // in-flight requests finish; after `grace`, close whatever is left.
  void shutdown(std::chrono::milliseconds grace);

  // Called on the loop thread after every exchange (including rejected ones).
  void on_exchange(std::function<void(const ExchangeRecord&)> observer);

  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::net
