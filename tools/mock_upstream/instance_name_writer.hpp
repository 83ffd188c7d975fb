// --name: a ResponseWriter that adds `x-mock-instance: <name>` to every response the mock sends,
// so that a test can see which of several mocks behind a gateway answered.
#pragma once

#include "net/http.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tollgate::mock {

class InstanceNameWriter final : public net::ResponseWriter {
 public:
  // Both must outlive this writer.
  InstanceNameWriter(net::ResponseWriter& inner, std::string_view name)
      : inner_(inner), name_(name) {}

  // The forwarding calls return the inner writer's coroutines, which own their (by-value)
  // arguments, so no frame of our own is needed.
  std::optional<bool> send_now(int status, net::Headers headers, std::string body) override {
    headers.push_back({"x-mock-instance", std::string(name_)});
    return inner_.send_now(status, std::move(headers), std::move(body));
  }
  boost::asio::awaitable<bool> finish_send() override { return inner_.finish_send(); }
  using net::ResponseWriter::start_stream;
  boost::asio::awaitable<bool> start_stream(int status, net::Headers headers, Head head) override {
    headers.push_back({"x-mock-instance", std::string(name_)});
    return inner_.start_stream(status, std::move(headers), head);
  }
  boost::asio::awaitable<bool> write_chunk(std::string_view data) override {
    return inner_.write_chunk(data);
  }
  bool head_held() const override { return inner_.head_held(); }
  boost::asio::awaitable<bool> write_held_head() override { return inner_.write_held_head(); }
  using net::ResponseWriter::finish_stream;
  boost::asio::awaitable<bool> finish_stream(net::Headers trailers) override {
    return inner_.finish_stream(std::move(trailers));
  }
  void close_after_response() override { inner_.close_after_response(); }
  void abort_connection() override { inner_.abort_connection(); }
  bool started() const override { return inner_.started(); }
  void annotate(std::string json_members) override { inner_.annotate(std::move(json_members)); }

 private:
  net::ResponseWriter& inner_;
  std::string_view name_;
};

}  // namespace tollgate::mock
