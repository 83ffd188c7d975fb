// HttpClient's idle connections (net/http_client.hpp): which requests may share one, against a
// keep-alive server on loopback that counts the connections it accepts.
#include "net/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Answers every GET with "ok" on a kept-alive connection, counting the connections accepted.
class CountingServer {
 public:
  explicit CountingServer(asio::io_context& io)
      : io_(io), acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io_, accept_loop(), [](std::exception_ptr) {});
  }
  void stop() { acceptor_.close(); }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  int accepted() const { return accepted_; }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [error, socket] = co_await acceptor_.async_accept(kTuple);
      if (error) co_return;
      ++accepted_;
      asio::co_spawn(io_, serve(std::move(socket)), [](std::exception_ptr) {});
    }
  }
  static asio::awaitable<void> serve(tcp::socket socket) {
    std::string buffer;
    for (;;) {
      auto [error, head_size] =
          co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n", kTuple);
      if (error) co_return;
      buffer.erase(0, head_size);  // a GET: no body
      constexpr std::string_view kReply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      auto [write_error, written] = co_await asio::async_write(socket, asio::buffer(kReply), kTuple);
      if (write_error) co_return;
    }
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  int accepted_ = 0;
};

// Runs `body` with a client and a server on one io_context, to its end.
void with_client(const std::function<asio::awaitable<void>(HttpClient&, CountingServer&)>& body) {
  asio::io_context io;
  CountingServer server(io);
  auto client = std::make_unique<HttpClient>(io.get_executor());
  bool done = false;
  asio::co_spawn(io, body(*client, server), [&](std::exception_ptr error) {
    done = true;
    client.reset();  // its connections close, and the server's reads end
    server.stop();
    if (error) std::rethrow_exception(error);
  });
  io.run_for(std::chrono::seconds(20));
  EXPECT_TRUE(done) << "the requests did not finish";
}

Origin origin_at(unsigned short port) {
  std::optional<Origin> origin = parse_origin("http://127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(origin.has_value());
  return *origin;
}

// One GET, its body read to the end (the connection then goes back to its pool).
asio::awaitable<void> get(HttpClient& client, const Origin& origin) {
  ClientRequest request;
  request.method = "GET";
  request.target = "/";
  ClientResult result = co_await client.send(origin, std::move(request));
  EXPECT_EQ(result.error, ClientError::none) << result.detail;
  if (!result.response) co_return;
  auto [error, body] = co_await result.response->read_all(64);
  EXPECT_EQ(error, ClientError::none);
  EXPECT_EQ(body, "ok");
}

TEST(HttpClientPool, OriginsThatDifferOnlyInTrustNeverShareAConnection) {
  with_client([](HttpClient& client, CountingServer& server) -> asio::awaitable<void> {
    const Origin plain = origin_at(server.port());
    Origin with_ca = plain;
    with_ca.ca_file = "/etc/tollgate/private-ca.pem";
    Origin unverified = plain;
    unverified.verify = false;
    EXPECT_FALSE(same_pool(plain, with_ca));
    EXPECT_FALSE(same_pool(plain, unverified));
    for (int round = 0; round < 3; ++round) {
      co_await get(client, plain);
      co_await get(client, with_ca);
      co_await get(client, unverified);
    }
    EXPECT_EQ(server.accepted(), 3) << "one connection each, reused in the later rounds";
    EXPECT_EQ(client.idle_connections(), 3u);
  });
}

TEST(HttpClientPool, EqualOriginsShareAPoolWhicheverObjectHoldsThem) {
  with_client([](HttpClient& client, CountingServer& server) -> asio::awaitable<void> {
    const Origin first = origin_at(server.port());
    for (int round = 0; round < 3; ++round) {
      const Origin copy = first;  // another object, the same fields
      EXPECT_TRUE(same_pool(first, copy));
      co_await get(client, copy);
      co_await get(client, first);
    }
    EXPECT_EQ(server.accepted(), 1);
    EXPECT_EQ(client.idle_connections(), 1u);
  });
}

TEST(HttpClientPool, MoreOriginsThanItRemembersKeepTheirOwnPools) {
  with_client([](HttpClient& client, CountingServer& server) -> asio::awaitable<void> {
    std::vector<Origin> origins;
    for (int i = 0; i < 7; ++i) {  // more than the client's recent lookups
      Origin origin = origin_at(server.port());
      origin.ca_file = "/etc/tollgate/ca-" + std::to_string(i) + ".pem";
      origins.push_back(std::move(origin));
    }
    for (int round = 0; round < 3; ++round) {
      for (const Origin& origin : origins) co_await get(client, origin);
      for (auto it = origins.rbegin(); it != origins.rend(); ++it) co_await get(client, *it);
    }
    EXPECT_EQ(server.accepted(), 7);
    EXPECT_EQ(client.idle_connections(), 7u);
  });
}

}  // namespace
}  // namespace tollgate::net
