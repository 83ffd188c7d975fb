// One server-side connection and the two objects that serve one request on it: the parser that
// reads the request into an HttpRequest and the ResponseWriter that writes the response.
// Internal to net/ (includes Beast); used by http_server.cpp.
#pragma once

#include "net/deadline_clock.hpp"
#include "net/http.hpp"
#include "net/http_head.hpp"
#include "net/http_server.hpp"
#include "net/io_shortcuts.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <chrono>
#include <string>
#include <string_view>

namespace tollgate::net {

namespace server_detail {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = DeadlineClock;  // deadlines only (deadline_clock.hpp)
using namespace std::string_view_literals;

// One client connection. Timeouts are deadlines checked by the loop's watchdog (every 100 ms)
// rather than a timer per operation: arming a deadline is a store, not a timer-queue update
// and a timerfd syscall, and an expired one cancels the pending operation.
struct Connection {
  tcp::socket socket;
  // Bytes read from the client and not parsed yet (usually none between requests). A streamed
  // response gives its memory back while it runs: a stream can last minutes, and thousands of
  // them may be open at once.
  beast::flat_buffer read_buffer;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  bool idle = true;  // waiting for the next request (safe to close on shutdown)
  explicit Connection(tcp::socket s) : socket(std::move(s)) {}

  void expires_after(Clock::duration timeout) { deadline = Clock::now() + timeout; }
  void expires_never() { deadline = Clock::time_point::max(); }
};

// What the server needs to know of a request's head besides the request itself.
struct RequestFraming {
  unsigned version = 11;   // 10 or 11
  bool keep_alive = true;  // the connection may carry another request
  bool head_only = false;  // a HEAD request: the response has no body
};

// The request at the start of `buffer`, when all of it is there (head and body) and its head is a
// simple one (net/http_head.hpp): read without Beast, and taken out of the buffer. Otherwise false,
// and the buffer is as it was, for Beast's parser. A Content-Length over the body limit is left to
// Beast too (it answers 413).
inline bool take_simple_request(beast::flat_buffer& buffer, const ServerOptions& options,
                                HttpRequest& request, RequestFraming& framing) {
  const std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
  SimpleHead head;
  if (!read_simple_request_head(bytes, options.max_header_bytes, head) ||
      head.content_length > options.max_body_bytes ||
      head.content_length > bytes.size() - head.size) {
    return false;
  }
  request.method.assign(head.method);
  request.target.assign(head.target);
  add_fields_viewing_copy(head, bytes, request.field_text, request.headers,
                          [](std::string_view, std::string_view) { return true; });
  request.body.assign(bytes.substr(head.size, head.content_length));
  framing = {head.version, head.keep_alive(), head.method == "HEAD"};
  buffer.consume(head.size + head.content_length);
  return true;
}

// Parses a request straight into an HttpRequest: fields go to our header list and body bytes to
// our string as Beast's parser meets them, without its own field container in between.
class RequestParser final : public http::basic_parser<true> {
 public:
  explicit RequestParser(HttpRequest& request) : request(request) {}

  HttpRequest& request;
  unsigned version = 11;
  bool is_head = false;
  bool expect_continue = false;

 private:
  void on_request_impl(http::verb method, beast::string_view method_string,
                       beast::string_view target, int http_version, beast::error_code&) override {
    request.method.assign(method_string.data(), method_string.size());
    request.target.assign(target.data(), target.size());
    version = static_cast<unsigned>(http_version);
    is_head = method == http::verb::head;
    request.headers.reserve(12);
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}
  void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                     beast::error_code&) override {
    if (name == http::field::expect && beast::iequals(value, "100-continue")) {
      expect_continue = true;
    }
    request.headers.push_back(
        Header{FieldText(std::string_view(name_string.data(), name_string.size())),
               FieldText(std::string_view(value.data(), value.size()))});
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         beast::error_code&) override {
    if (length) request.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    request.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                 beast::error_code&) override {
    request.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}
};

// ResponseWriter bound to one connection and one request. The response head is written by hand
// into one buffer and sent with the body in a single gather write: cheaper than Beast's generic
// serializer, and the head's exact bytes are obvious.
class ConnectionWriter final : public ResponseWriter {
 public:
  ConnectionWriter(Connection& conn, bool keep_alive, unsigned version, bool head_only,
                   const ServerOptions& options)
      : conn_(conn),
        keep_alive_(keep_alive),
        version_(version),
        head_only_(head_only),
        options_(options) {}

  std::optional<bool> send_now(int status, Headers headers, std::string body) override {
    if (started_) return false;
    started_ = true;
    status_ = status;
    head_ = format_head(status, headers);
    append_field_line(head_, "Content-Length", std::to_string(body.size()));
    head_ += "\r\n"sv;
    bytes_ += body.size();
    body_ = std::move(body);
    const std::array<asio::const_buffer, 2> buffers = response_buffers();
    WriteNow now = write_now(conn_.socket, buffers);
    if (now.pending) {
      response_written_ = now.written;  // finish_send writes the rest
      return std::nullopt;
    }
    return response_sent(now.error);
  }

  asio::awaitable<bool> finish_send() override {
    const std::array<asio::const_buffer, 2> buffers = response_buffers();
    co_return response_sent(co_await finish_write(buffers, response_written_));
  }

  using ResponseWriter::start_stream;
  asio::awaitable<bool> start_stream(int status, Headers headers, Head head) override {
    if (started_) co_return false;
    started_ = true;
    streaming_ = true;
    status_ = status;
    held_head_ = format_head(status, headers);
    held_head_ += "Transfer-Encoding: chunked\r\n\r\n"sv;
    // The request has been read; unless the client pipelined more, the read buffer is empty and
    // its 4 KB would only wait out the stream. (The next request on the connection allocates it
    // again: once per stream, not per event.)
    if (conn_.read_buffer.size() == 0) conn_.read_buffer.shrink_to_fit();
    if (head == Head::with_first_chunk) co_return true;
    co_return co_await write_held_head();
  }

  std::optional<bool> write_chunk_now(std::string_view data) override {
    if (!streaming_ || failed_ || finished_) return false;
    if (data.empty()) return true;  // an empty chunk would end the body
    bytes_ += data.size();
    chunk_size_line_.emplace(data.size());
    chunk_ = {asio::buffer(held_head_), chunk_size_line_->buffer(),
              asio::buffer(data.data(), data.size()), asio::buffer("\r\n", 2)};
    WriteNow now = write_now(conn_.socket, chunk_);
    if (now.pending) {
      chunk_written_ = now.written;  // write_chunk finishes it
      chunk_pending_ = true;
      return std::nullopt;
    }
    release_held_head();
    failed_ = static_cast<bool>(now.error);
    return !failed_;
  }

  asio::awaitable<bool> write_chunk(std::string_view data) override {
    if (!chunk_pending_) {
      if (std::optional<bool> sent = write_chunk_now(data)) co_return *sent;
    }
    chunk_pending_ = false;
    const beast::error_code ec = co_await finish_write(chunk_, chunk_written_);
    release_held_head();
    failed_ = static_cast<bool>(ec);
    co_return !ec;
  }

  bool head_held() const override { return !held_head_.empty(); }
  asio::awaitable<bool> write_held_head() override {
    if (held_head_.empty()) co_return !failed_;
    co_return co_await write_held_head_with(asio::const_buffer());
  }

  using ResponseWriter::finish_stream;
  asio::awaitable<bool> finish_stream(Headers trailers) override {
    if (!streaming_ || failed_ || finished_) co_return false;
    std::string last = "0\r\n";
    for (const auto& trailer : trailers) append_field_line(last, trailer.name, trailer.value);
    last += "\r\n"sv;
    bool ok = co_await write_held_head_with(asio::buffer(last));
    finished_ = ok;
    co_return ok;
  }

  void close_after_response() override { close_after_ = true; }
  void abort_connection() override {
    aborted_ = true;
    beast::error_code ec;
    // RST instead of FIN: linger 0, then close.
    conn_.socket.set_option(tcp::socket::linger(true, 0), ec);
    conn_.socket.close(ec);
  }
  bool started() const override { return started_; }
  void annotate(std::string json_members) override { annotations_ = std::move(json_members); }

  bool finished() const { return finished_; }
  bool closing() const { return close_after_; }
  bool failed() const { return failed_; }
  bool aborted() const { return aborted_; }
  bool reusable() const {
    return finished_ && !failed_ && !aborted_ && keep_alive_ && !close_after_;
  }
  int status() const { return status_; }
  std::size_t bytes() const { return bytes_; }
  std::string take_annotations() { return std::move(annotations_); }

 private:
  // Status line, Server, the handler's headers and Connection; the caller adds the framing.
  std::string format_head(int status, const Headers& headers) const {
    std::string head;
    head.reserve(160 + headers.size() * 48);
    head += version_ == 10 ? "HTTP/1.0 "sv : "HTTP/1.1 "sv;
    append_status_code(head, status);
    head += ' ';
    const beast::string_view reason = http::obsolete_reason(static_cast<http::status>(status));
    head.append(reason.data(), reason.size());
    head += "\r\n"sv;
    append_field_line(head, "Server", options_.server_name);
    append_field_lines(head, headers);
    bool keep = keep_alive_ && !close_after_;
    if (!keep)
      head += "Connection: close\r\n"sv;
    else if (version_ == 10)
      head += "Connection: keep-alive\r\n"sv;
    return head;
  }

  // A chunk's size line: the size in hex, CRLF.
  class ChunkSizeLine {
   public:
    explicit ChunkSizeLine(std::size_t size) {
      char* end = text_ + sizeof text_;
      char* p = end - 2;
      p[0] = '\r';
      p[1] = '\n';
      do {
        *--p = "0123456789abcdef"[size & 0xf];
        size >>= 4;
      } while (size != 0);
      begin_ = p;
      length_ = static_cast<std::size_t>(end - p);
    }
    ChunkSizeLine(const ChunkSizeLine&) = delete;  // points into itself
    ChunkSizeLine& operator=(const ChunkSizeLine&) = delete;
    asio::const_buffer buffer() const { return asio::buffer(begin_, length_); }

   private:
    char text_[24];
    const char* begin_;
    std::size_t length_;
  };

  // send_now's head and body (no body for a HEAD request).
  std::array<asio::const_buffer, 2> response_buffers() const {
    return {asio::buffer(head_), head_only_ ? asio::const_buffer() : asio::buffer(body_)};
  }
  bool response_sent(beast::error_code ec) {
    finished_ = !ec;
    failed_ = static_cast<bool>(ec);
    return !ec;
  }

  // The held response head (if start_stream held it), then `rest`, in one write.
  asio::awaitable<bool> write_held_head_with(asio::const_buffer rest) {
    std::array<asio::const_buffer, 2> buffers{asio::buffer(held_head_), rest};
    WriteNow now = write_now(conn_.socket, buffers);
    if (now.pending) now.error = co_await finish_write(buffers, now.written);
    const beast::error_code ec = now.error;
    release_held_head();
    failed_ = static_cast<bool>(ec);
    co_return !ec;
  }

  // Written once: its memory is not kept for the rest of the stream.
  void release_held_head() {
    if (!held_head_.empty()) std::string().swap(held_head_);
  }

  // What write_now left, under the idle timeout.
  template <class Buffers>
  asio::awaitable<beast::error_code> finish_write(const Buffers& buffers, std::size_t written) {
    return write_rest(
        conn_.socket, buffers, written, [this] { conn_.expires_after(options_.idle_timeout); },
        [this] { conn_.expires_never(); });
  }

  Connection& conn_;
  bool keep_alive_;
  unsigned version_;
  bool head_only_;
  const ServerOptions& options_;
  bool started_ = false, streaming_ = false, finished_ = false, failed_ = false;
  bool close_after_ = false, aborted_ = false;
  int status_ = 0;
  std::size_t bytes_ = 0;
  // A whole response (send_now), kept until it is written: its head, its body, and how much of
  // them the kernel took when it could not take them all (send_now → finish_send).
  std::string head_, body_;
  std::size_t response_written_ = 0;
  std::string held_head_;  // a stream's head, until it is written (Head::with_first_chunk)
  // The chunk being written: its buffers, and how much of them the kernel took when it could
  // not take them all (write_chunk_now → write_chunk).
  std::optional<ChunkSizeLine> chunk_size_line_;
  std::array<asio::const_buffer, 4> chunk_;
  std::size_t chunk_written_ = 0;
  bool chunk_pending_ = false;
  std::string annotations_;
};

}  // namespace server_detail

}  // namespace tollgate::net
