// What a request handler sees of HTTP: a parsed request and a writer for the response.
// Kept free of Beast so that handlers (the gateway, the mock upstream) compile quickly;
// only net/http_server.cpp and net/http_client.cpp include Beast.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tollgate::net {

// A header's name or value: owned text, or a view of text that outlives the header — a string
// literal (viewed implicitly), or what borrow() is given (the request's id, a string of the
// configuration) — so that the gateway's own headers are built without allocating or copying.
// Any other string is copied; a bare `const char*` must say which it is.
class FieldText {
 public:
  FieldText() = default;
  template <std::size_t N>
  FieldText(const char (&literal)[N]) noexcept : view_(literal, N - 1) {}  // NOLINT: implicit
  FieldText(std::string text) noexcept : owned_(std::move(text)) {}        // NOLINT: implicit
  explicit FieldText(std::string_view text) : owned_(text) {}
  FieldText(const FieldText&) = default;
  FieldText& operator=(const FieldText&) = default;
  // A viewed text moves as its view alone: a response's headers are mostly viewed, and moving
  // even an empty std::string copies its inline buffer.
  FieldText(FieldText&& other) noexcept : view_(other.view_) {
    if (!view_.data()) owned_ = std::move(other.owned_);
  }
  FieldText& operator=(FieldText&& other) noexcept {
    view_ = other.view_;
    if (!view_.data()) {
      owned_ = std::move(other.owned_);
    } else {
      owned_.clear();
    }
    return *this;
  }
  ~FieldText() = default;
  // Viewed, not copied: `text` must outlive the header and every copy of it.
  static FieldText borrow(std::string_view text) noexcept {
    FieldText borrowed;
    borrowed.view_ = text.data() ? text : std::string_view("", 0);
    return borrowed;
  }

  std::string_view view() const noexcept { return view_.data() ? view_ : std::string_view(owned_); }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: implicit
  std::string str() const { return std::string(view()); }
  std::size_t size() const noexcept { return view().size(); }
  bool empty() const noexcept { return view().empty(); }
  bool starts_with(std::string_view prefix) const noexcept { return view().starts_with(prefix); }
  friend bool operator==(const FieldText& a, std::string_view b) noexcept { return a.view() == b; }
  friend std::ostream& operator<<(std::ostream& out, const FieldText& text);

 private:
  std::string owned_;
  std::string_view view_;  // what is viewed; a null view: the text is owned_
};

struct Header {
  FieldText name;
  FieldText value;

  // A header viewing `other`'s text, which must outlive it.
  static Header borrow(const Header& other) noexcept {
    return {FieldText::borrow(other.name), FieldText::borrow(other.value)};
  }
  // A header owning a copy of `other`'s text: for keeping it beyond `other`'s life.
  static Header copy(const Header& other) {
    return {FieldText(other.name.view()), FieldText(other.value.view())};
  }
};
using Headers = std::vector<Header>;

// Case-insensitive lookup; empty view when absent.
std::string_view find_header(const Headers& headers, std::string_view name);
bool iequals(std::string_view a, std::string_view b);

// The value of a hex digit (either case), or -1 for any other character.
constexpr int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Appends one line of an HTTP/1.1 head: "name: value" and CRLF (a header or a trailer).
void append_field_line(std::string& head, std::string_view name, std::string_view value);
// The same for every header of `headers`, with one size change for all of them.
void append_field_lines(std::string& head, const Headers& headers);
// A status line's code: three digits (any other number as it is).
void append_status_code(std::string& head, int status);

struct HttpRequest {
  HttpRequest() = default;
  // Moved, never copied: `headers` may view `field_text`, which a copy would not bring along.
  HttpRequest(HttpRequest&&) = default;
  HttpRequest& operator=(HttpRequest&&) = default;
  HttpRequest(const HttpRequest&) = delete;
  HttpRequest& operator=(const HttpRequest&) = delete;

  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as received, e.g. "/v1/models?x=1"
  // As received. They may view the request's own `field_text`: valid as long as the request, like
  // every view of it; to keep one longer, take a Header::copy.
  Headers headers;
  std::vector<char> field_text;  // the text `headers` views, if they do (a vector: it moves along)
  std::string body;
  std::string remote_address;
  std::chrono::steady_clock::time_point received_at;  // when the head was complete
  unsigned loop_index = 0;  // which event loop (thread) serves it: index for per-loop state
  unsigned sequence_on_connection = 0;  // 0 for the first request of a connection (keep-alive)

  std::string_view header(std::string_view name) const { return find_header(headers, name); }
  std::string_view path() const;   // target without the query
  std::string_view query() const;  // after '?', or empty
};

// %XX escapes decoded (a broken escape is kept as it is); with `plus_is_space`, '+' becomes a
// space as in query strings (application/x-www-form-urlencoded), not in paths.
std::string percent_decode(std::string_view text, bool plus_is_space);
// The decoded value of the first query parameter `name` ("" when it has no '='), or nullopt.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

// How long a response asks to be left alone: `retry-after-ms` (milliseconds, OpenAI's), else
// `retry-after` as whole seconds or an HTTP date (IMF-fixdate, "Sun, 22 Nov 2026 07:28:00 GMT",
// measured from `now`; a date in the past is zero). nullopt when neither is there or readable.
std::optional<std::chrono::milliseconds> retry_after(const Headers& headers,
                                                     std::chrono::system_clock::time_point now);

// Writes one response. Either send() once, or start_stream() then write_chunk()* then
// finish_stream(). Every call returns false once the client is gone; the handler should then
// stop producing (and release what it holds). Each chunk is flushed to the socket at once.
class ResponseWriter {
 public:
  // When start_stream() sends the response head.
  enum class Head : bool {
    now,              // at once
    with_first_chunk  // with the first write_chunk() (or finish_stream()), in the same write:
                      // for a caller that has its first chunk in hand, one write instead of two
  };

  virtual ~ResponseWriter() = default;
  // The whole response at once: true when it went out, false when the client is gone.
  boost::asio::awaitable<bool> send(int status, Headers headers, std::string body);
  // send() without its coroutine when the socket takes the whole response at once, as it
  // usually does. nullopt when the rest has to wait: the writer keeps the response, and
  // finish_send() writes what is left.
  //   std::optional<bool> sent = writer.send_now(status, std::move(headers), std::move(body));
  //   if (!sent) sent = co_await writer.finish_send();
  virtual std::optional<bool> send_now(int status, Headers headers, std::string body) = 0;
  virtual boost::asio::awaitable<bool> finish_send() = 0;
  virtual boost::asio::awaitable<bool> start_stream(int status, Headers headers, Head head) = 0;
  boost::asio::awaitable<bool> start_stream(int status, Headers headers) {
    return start_stream(status, std::move(headers), Head::now);
  }
  virtual boost::asio::awaitable<bool> write_chunk(std::string_view data) = 0;
  // The chunk written at once when the socket takes all of it, as it usually does: true when it
  // went out, false when the client is gone — without write_chunk's coroutine, once per frame.
  // nullopt when the rest has to wait: write_chunk(data), with the same data, then finishes it.
  //   std::optional<bool> sent = writer.write_chunk_now(data);
  //   if (!sent) sent = co_await writer.write_chunk(data);
  virtual std::optional<bool> write_chunk_now(std::string_view /*data*/) { return std::nullopt; }
  // A head start_stream() held for the first chunk has not been written yet.
  virtual bool head_held() const = 0;
  // Writes a held head now (for a caller whose first chunk turned out not to be in hand).
  virtual boost::asio::awaitable<bool> write_held_head() = 0;
  // Ends the body; `trailers` are sent after the last chunk (HTTP/1.1 chunked trailer fields:
  // announce them with a `Trailer` header in start_stream).
  virtual boost::asio::awaitable<bool> finish_stream(Headers trailers) = 0;
  boost::asio::awaitable<bool> finish_stream() { return finish_stream(Headers{}); }
  // Make the server close the connection after this response (e.g. a fault injection).
  virtual void close_after_response() = 0;
  // Drop the connection now without a response (connection reset from the client's side).
  virtual void abort_connection() = 0;
  virtual bool started() const = 0;  // a status line has been written
  // Extra fields for this exchange's access-log line, as JSON members without braces
  // (e.g. `"model":"gpt-4o","key":"tg-AbC12xYz"`). Never put a secret here.
  virtual void annotate(std::string json_members) = 0;
};

using Handler = std::function<boost::asio::awaitable<void>(HttpRequest&, ResponseWriter&)>;

}  // namespace tollgate::net
