// HTTP/1.1 client for upstream providers: one per event loop, with a keep-alive connection pool
// per origin, TLS (SNI + certificate and host-name verification against the system CAs),
// connect / first-byte / idle / total timeouts, and response bodies read incrementally
// (chunked or content-length), gzip-decoded when the upstream compresses.
#pragma once

#include "net/http.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::net {

// Where requests go, parsed once from a provider's base_url.
struct Origin {
  bool tls = false;
  std::string host;
  uint16_t port = 0;
  std::string base_path;      // "/v1" (no trailing slash)
  std::string ca_file;        // extra trusted CA (PEM), for TLS
  bool verify = true;         // verify the certificate chain and host name
  std::size_t max_idle = 64;  // idle keep-alive connections kept per event loop (0 = none)

  // Appends what identifies its connections (scheme, host, port, trust): the pool's key.
  void append_key(std::string& key) const;
};

// The same connections may serve both: their keys' fields (scheme, host, port, trust) are equal.
bool same_pool(const Origin& a, const Origin& b);

// Parses "http(s)://host[:port][/path]"; nullopt with `error` set when invalid.
std::optional<Origin> parse_origin(std::string_view base_url, std::string* error = nullptr);

struct ClientTimeouts {
  std::chrono::milliseconds connect{5'000};
  std::chrono::milliseconds first_byte{60'000};
  std::chrono::milliseconds idle{60'000};
  std::chrono::milliseconds total{600'000};
};

enum class ClientError {
  none,
  connect_failed,  // refused, unreachable, DNS failure
  connect_timeout,
  tls_failed,          // handshake or certificate verification failed
  first_byte_timeout,  // no response head in time
  idle_timeout,        // body stalled
  total_timeout,
  connection_reset,  // closed or reset before the response was complete
  protocol_error,    // malformed HTTP from the upstream
  decode_failed,     // bad gzip
};
std::string_view to_string(ClientError error);
bool is_timeout(ClientError error);

struct ClientRequest {
  std::string method = "POST";
  std::string target;  // path + query, e.g. "/v1/chat/completions"
  Headers headers;     // host, content-length and accept-encoding are set by the client
  std::string body;
  ClientTimeouts timeouts;
};

// One response being received. Destroying it before the body ends closes the connection
// (the upstream sees the client go away and stops generating).
class ClientResponse {
 public:
  virtual ~ClientResponse() = default;
  virtual int status() const = 0;
  // Valid as long as the response, and may view its memory: a Header::copy keeps one longer.
  virtual const Headers& headers() const = 0;
  // Next piece of the (decoded) body. An empty view with ClientError::none means the body is
  // complete; the connection then returns to the pool. The view stays valid until the next call.
  virtual boost::asio::awaitable<std::pair<ClientError, std::string_view>> read_some() = 0;
  // Body bytes came with the head (or since): the next read_some() returns without waiting.
  virtual bool body_bytes_received() const = 0;
  // Reads the rest of the body into one string (for JSON responses).
  boost::asio::awaitable<std::pair<ClientError, std::string>> read_all(std::size_t limit);
  // The whole body, when all of it came with the head (a small JSON reply usually does) and is
  // at most `limit` bytes: taken without the event loop, so the usual case costs no coroutine.
  // nullopt when read_all must read on (or decode, or report an error). Before any read_some.
  virtual std::optional<std::string> take_received_body(std::size_t limit) = 0;
  // From now on, every read that waits for the upstream's bytes adds the time it waited
  // (steady_clock) to `*total`, which must outlive the reads; nullptr stops it. discard_rest()
  // stops it, as the response may then outlive its caller.
  void count_waits_in(std::chrono::steady_clock::duration* total) { wait_total_ = total; }

 protected:
  std::chrono::steady_clock::duration* wait_total_ = nullptr;

 private:
  friend void discard_rest(std::unique_ptr<ClientResponse> response);
  // True when the whole body has been received (the connection is then back in the pool, or
  // closed if the upstream asked for that): discard_rest() has nothing to wait for.
  virtual bool complete_if_received() = 0;
  virtual boost::asio::any_io_executor executor() const = 0;
};

// For a caller that has all it needs of a body before its end, typically a stream whose final
// event has arrived: the rest (usually only the chunked terminator, often already received) is
// read and dropped without the caller waiting, so that the connection goes back to the pool
// rather than being closed. Dropping the response instead closes the connection, which is what
// stops an upstream still generating; more than kDiscardLimit bytes left, or a failed read, does
// that too.
inline constexpr std::size_t kDiscardLimit = 64 * 1024;
void discard_rest(std::unique_ptr<ClientResponse> response);

struct ClientResult {
  ClientError error = ClientError::none;
  std::string detail;  // human-readable cause (never contains request headers)
  std::unique_ptr<ClientResponse> response;
};

class HttpClient {
 public:
  explicit HttpClient(boost::asio::any_io_executor executor);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and waits for the response head. A pooled connection that turns out to
  // be stale (closed by the upstream while idle) is retried once on a fresh connection.
  boost::asio::awaitable<ClientResult> send(const Origin& origin, ClientRequest request);

  std::size_t idle_connections() const;

  struct Impl;  // opaque: defined in http_client.cpp

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tollgate::net
