// The upstream client. Connections are pooled per origin on the event loop that owns this
// client, so no locks are needed; a response streams its body through read_some() and hands
// its connection back to the pool when the body is complete.
#include "net/http_client.hpp"

#include "net/deadline_clock.hpp"
#include "net/http_head.hpp"
#include "net/io_shortcuts.hpp"
#include "net/string_map.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <sys/socket.h>
#include <zlib.h>

#include <array>
#include <charconv>
#include <limits>
#include <map>
#include <unordered_map>
#include <vector>

namespace tollgate::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = DeadlineClock;  // deadlines only (deadline_clock.hpp)
using namespace std::string_view_literals;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string_view to_string(ClientError error) {
  switch (error) {
    case ClientError::none:
      return "none";
    case ClientError::connect_failed:
      return "connect_failed";
    case ClientError::connect_timeout:
      return "connect_timeout";
    case ClientError::tls_failed:
      return "tls_failed";
    case ClientError::first_byte_timeout:
      return "first_byte_timeout";
    case ClientError::idle_timeout:
      return "idle_timeout";
    case ClientError::total_timeout:
      return "total_timeout";
    case ClientError::connection_reset:
      return "connection_reset";
    case ClientError::protocol_error:
      return "protocol_error";
    case ClientError::decode_failed:
      return "decode_failed";
  }
  return "unknown";
}

bool is_timeout(ClientError error) {
  return error == ClientError::connect_timeout || error == ClientError::first_byte_timeout ||
         error == ClientError::idle_timeout || error == ClientError::total_timeout;
}

// Keep in step with same_pool() below: the two must name the same fields.
void Origin::append_key(std::string& key) const {
  key += tls ? "https://" : "http://";
  key += host;
  key += ':';
  char digits[8];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, port);
  key.append(digits, end);
  key += '|';
  key += ca_file;
  if (!verify) key += "|noverify";
}

bool same_pool(const Origin& a, const Origin& b) {
  return a.tls == b.tls && a.port == b.port && a.verify == b.verify && a.host == b.host &&
         a.ca_file == b.ca_file;
}

std::optional<Origin> parse_origin(std::string_view base_url, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Origin> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  auto parsed = boost::urls::parse_absolute_uri(base_url);
  if (!parsed) return fail("not an absolute URL");
  Origin origin;
  auto scheme = parsed->scheme();
  if (scheme == "https")
    origin.tls = true;
  else if (scheme != "http")
    return fail("scheme must be http or https");
  origin.host = std::string(parsed->host_address());
  if (origin.host.empty()) return fail("URL has no host");
  if (parsed->has_port()) {
    auto port = parsed->port();
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      return fail("invalid port");
    }
    origin.port = static_cast<uint16_t>(value);
  } else {
    origin.port = origin.tls ? 443 : 80;
  }
  origin.base_path = std::string(parsed->encoded_path());
  while (!origin.base_path.empty() && origin.base_path.back() == '/') origin.base_path.pop_back();
  return origin;
}

namespace {

asio::awaitable<void> read_and_drop(std::unique_ptr<ClientResponse> response) {
  std::size_t left = kDiscardLimit;
  for (;;) {
    auto [error, piece] = co_await response->read_some();
    // An empty piece is the body's end: the connection is back in the pool.
    if (error != ClientError::none || piece.empty() || piece.size() > left) co_return;
    left -= piece.size();
  }
}

}  // namespace

void discard_rest(std::unique_ptr<ClientResponse> response) {
  if (!response) return;
  response->count_waits_in(nullptr);  // the caller and its total may be gone before the rest
  if (response->complete_if_received()) return;
  asio::any_io_executor executor = response->executor();
  asio::co_spawn(executor, read_and_drop(std::move(response)), asio::detached);
}

asio::awaitable<std::pair<ClientError, std::string>> ClientResponse::read_all(std::size_t limit) {
  std::string body;
  for (;;) {
    auto [error, piece] = co_await read_some();
    if (error != ClientError::none) co_return std::pair{error, std::move(body)};
    if (piece.empty()) co_return std::pair{ClientError::none, std::move(body)};
    if (body.size() + piece.size() > limit) {
      co_return std::pair{ClientError::protocol_error, std::move(body)};
    }
    body.append(piece);
  }
}

namespace {

// One upstream connection, plain or TLS. Its timeouts are deadlines that the client's watchdog
// checks every 100 ms (see HttpClient::Impl::watch): arming one is a store, not a timer.
struct Connection {
  // Beast reads into `buffer` what its free capacity allows, 512 bytes at least: a fresh buffer
  // would take a typical response head and body in two reads. Room for a few KiB up front makes
  // it one (kept across the requests the connection carries).
  explicit Connection(HttpClient::Impl& owner) : owner(owner) { buffer.reserve(kReadBuffer); }
  static constexpr std::size_t kReadBuffer = 4096;
  // An event stream can stay open for minutes with a few hundred bytes per event, and thousands
  // of streams may be open at once: while one runs, its reads go through a smaller buffer (an
  // event larger than this takes one more read), and the connection gets kReadBuffer back when
  // it returns to the pool.
  static constexpr std::size_t kStreamReadBuffer = 1024;
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  HttpClient::Impl& owner;
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> secure;
  beast::flat_buffer buffer;
  std::string body_bytes;  // decoded-framing body bytes of the current read (reused)
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  bool armed = false;
  // Links in the owner's list of armed connections (intrusive: arming allocates nothing).
  Connection* armed_prev = nullptr;
  Connection* armed_next = nullptr;

  tcp::socket& socket() { return secure ? secure->next_layer() : *plain; }
  void expires_at(Clock::time_point when);
  void expires_never();

  // An idle connection is reused unless it has unexpected bytes pending. One the upstream has
  // closed meanwhile shows up as EOF before any response byte, and send() retries that request
  // once on a fresh connection (no syscall spent probing every connection before use).
  bool looks_alive() { return socket().is_open() && buffer.size() == 0; }
};

// Incremental gzip (or zlib) decoding of a response body.
class Inflater {
 public:
  Inflater() { ok_ = inflateInit2(&z_, 15 + 32) == Z_OK; }  // +32: detect gzip or zlib
  ~Inflater() { inflateEnd(&z_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  bool feed(std::string_view in, std::string& out) {
    if (!ok_) return false;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    std::array<char, 16384> buf;
    while (z_.avail_in > 0 && !ended_) {
      z_.next_out = reinterpret_cast<Bytef*>(buf.data());
      z_.avail_out = buf.size();
      int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return ok_ = false;
      out.append(buf.data(), buf.size() - z_.avail_out);
      if (rc == Z_STREAM_END) ended_ = true;
      if (rc == Z_BUF_ERROR) break;
    }
    return true;
  }
  bool ended() const { return ended_; }

 private:
  z_stream z_{};
  bool ok_ = false, ended_ = false;
};

}  // namespace

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
  asio::any_io_executor executor;
  Connection* armed = nullptr;  // connections with an operation under a deadline (a list)
  bool watchdog_running = false;
  // Idle connections by origin (Origin::append_key). An origin's list, once made, stays for the
  // client's life: a PooledResponse keeps a pointer to the list its connection goes back to.
  using IdleList = std::vector<std::unique_ptr<Connection>>;
  StringMap<IdleList> idle;
  std::string key_scratch;  // the key of the origin being looked up (its memory reused)
  std::map<std::string, std::unique_ptr<ssl::context>> tls_contexts;
  struct CachedAddress {
    tcp::resolver::results_type results;
    Clock::time_point expires;
  };
  std::unordered_map<std::string, CachedAddress> dns_cache;

  // The origins looked up last and their lists, matched by the fields of their key
  // (same_pool): a loop sends to a few origins over and over, and building and hashing the key
  // (~440 instructions a request) is then skipped.
  struct RecentPool {
    Origin origin;
    IdleList* list = nullptr;
  };
  std::array<RecentPool, 4> recent;
  std::size_t next_recent = 0;

  // The idle list of `origin`, made empty the first time; no allocation once it exists.
  IdleList& idle_list(const Origin& origin) {
    for (const RecentPool& entry : recent) {
      if (entry.list && same_pool(entry.origin, origin)) return *entry.list;
    }
    key_scratch.clear();
    origin.append_key(key_scratch);
    auto it = idle.find(std::string_view(key_scratch));
    if (it == idle.end()) it = idle.emplace(key_scratch, IdleList{}).first;
    RecentPool& entry = recent[next_recent++ % recent.size()];
    entry.origin = origin;
    entry.list = &it->second;
    return it->second;
  }

  static std::unique_ptr<Connection> take_idle(IdleList& list) {
    while (!list.empty()) {
      auto conn = std::move(list.back());
      list.pop_back();
      if (conn->looks_alive()) return conn;
    }
    return nullptr;
  }

  static void give_back(IdleList& list, std::size_t max_idle, std::unique_ptr<Connection> conn) {
    if (list.size() < max_idle) list.push_back(std::move(conn));
  }

  ssl::context& tls_context(const Origin& origin) {
    std::string key = origin.ca_file + (origin.verify ? "" : "|noverify");
    auto& ctx = tls_contexts[key];
    if (!ctx) {
      ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
      ctx->set_default_verify_paths();
      if (!origin.ca_file.empty()) ctx->load_verify_file(origin.ca_file);
      ctx->set_verify_mode(origin.verify ? ssl::verify_peer : ssl::verify_none);
    }
    return *ctx;
  }

  void arm(Connection* conn) {
    conn->armed_prev = nullptr;
    conn->armed_next = armed;
    if (armed) armed->armed_prev = conn;
    armed = conn;
    if (!watchdog_running) {
      watchdog_running = true;
      asio::co_spawn(executor, watch(shared_from_this()), asio::detached);
    }
  }

  // Cancels the operation of every connection past its deadline; runs only while some
  // connection is armed, so an idle loop has no timer and can end at shutdown.
  static asio::awaitable<void> watch(std::shared_ptr<Impl> self) {
    asio::steady_timer timer(self->executor);
    while (self->armed) {
      timer.expires_after(std::chrono::milliseconds(100));
      co_await timer.async_wait(use_tuple);
      auto now = Clock::now();
      for (Connection* conn = self->armed; conn; conn = conn->armed_next) {
        if (conn->deadline <= now && !conn->timed_out) {
          conn->timed_out = true;
          beast::error_code ec;
          conn->socket().cancel(ec);
        }
      }
    }
    self->watchdog_running = false;
  }

  void disarm(Connection* conn) {
    if (conn->armed_prev) {
      conn->armed_prev->armed_next = conn->armed_next;
    } else {
      armed = conn->armed_next;
    }
    if (conn->armed_next) conn->armed_next->armed_prev = conn->armed_prev;
    conn->armed_prev = conn->armed_next = nullptr;
  }

  asio::awaitable<std::pair<ClientError, std::string>> connect(const Origin& origin,
                                                               Connection& conn,
                                                               const ClientTimeouts& timeouts,
                                                               Clock::time_point deadline);
};

Connection::~Connection() {
  if (armed) owner.disarm(this);
}

void Connection::expires_at(Clock::time_point when) {
  deadline = when;
  if (!armed) {
    armed = true;
    owner.arm(this);
  }
}

void Connection::expires_never() {
  deadline = Clock::time_point::max();
  if (armed) {
    armed = false;
    owner.disarm(this);
  }
}

namespace {

// What the caller sees of a response's head.
struct ResponseHead {
  int status = 0;
  Headers headers;               // may view field_text
  std::vector<char> field_text;  // the text of a simple head's fields (a vector: it moves along)
  bool compressed = false;    // Content-Encoding gzip/deflate: the body is inflated for the caller
  bool event_stream = false;  // Content-Type text/event-stream
};

// Notes what one field of a response's head says of the body; false for a field the caller does
// not see: one that describes the raw bytes or the hop (framing, the connection, an encoding the
// body is decoded from).
bool note_response_field(ResponseHead& head, std::string_view name, std::string_view value) {
  // By the names' sizes first: most fields are none of these.
  switch (name.size()) {
    case 10:
      return !iequals(name, "connection") && !iequals(name, "keep-alive");
    case 12:
      if (iequals(name, "content-type") && value.size() >= 17 &&
          iequals(value.substr(0, 17), "text/event-stream")) {
        head.event_stream = true;
      }
      return true;
    case 14:
      return !iequals(name, "content-length");
    case 16:
      if (iequals(name, "content-encoding") &&
          (iequals(value, "gzip") || iequals(value, "deflate"))) {
        head.compressed = true;
        return false;  // the caller sees the decoded body
      }
      return true;
    case 17:
      return !iequals(name, "transfer-encoding");
    default:
      return true;
  }
}

// The largest response head accepted.
constexpr std::size_t kMaxResponseHead = 64 * 1024;

// The response head at the start of `buffer`, when all of it is there and it is a simple one
// (net/http_head.hpp), as nearly every upstream's is: read into `head` without Beast and taken out
// of the buffer; `body` is then how the rest is read. Otherwise false, and the buffer is as it
// was, for Beast's parser.
bool take_simple_response(beast::flat_buffer& buffer, ResponseHead& head, bool& keep_alive,
                          std::optional<SimpleBody>& body) {
  const std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
  SimpleHead simple;
  if (!read_simple_response_head(bytes, kMaxResponseHead, simple)) return false;
  head.status = simple.status;
  add_fields_viewing_copy(simple, bytes, head.field_text, head.headers,
                          [&](std::string_view name, std::string_view value) {
                            return note_response_field(head, name, value);
                          });
  keep_alive = simple.keep_alive();
  body.emplace(simple);
  buffer.consume(simple.size);
  return true;
}

// Parses a response head into a ResponseHead and hands body bytes (already de-chunked) to a sink
// string, without Beast's field container or a copy through a fixed buffer.
class ResponseParser final : public http::basic_parser<false> {
 public:
  ResponseHead head;
  std::string* sink = nullptr;  // where body bytes go

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       beast::error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, beast::error_code&) override {
    head.status = code;
    head.headers.reserve(12);
  }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     beast::error_code&) override {
    const std::string_view name_text(name.data(), name.size());
    const std::string_view value_text(value.data(), value.size());
    if (note_response_field(head, name_text, value_text)) {
      head.headers.push_back(Header{FieldText(name_text), FieldText(value_text)});
    }
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    sink->append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                 beast::error_code&) override {
    sink->append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}
};

// A parser for a response's head and body, or (start_chunked_body) the rest of a chunked body;
// the body's bytes go to `sink`.
std::unique_ptr<ResponseParser> make_response_parser(std::string& sink) {
  auto parser = std::make_unique<ResponseParser>();
  parser->sink = &sink;
  parser->header_limit(kMaxResponseHead);
  parser->body_limit(std::numeric_limits<std::uint64_t>::max());
  return parser;
}

// One read into the connection's buffer, of what its free room takes (the room for a typical
// response, head and body; 512 bytes at least): an awaitable for the socket's own operation, not
// a coroutine of its own. The caller commits the bytes read; the end of the stream is
// asio::error::eof.
//   auto [ec, n] = co_await read_into_buffer(conn);
//   conn.buffer.commit(n);
asio::awaitable<std::tuple<beast::error_code, std::size_t>> read_into_buffer(Connection& conn) {
  const std::size_t room = std::max<std::size_t>(512, conn.buffer.capacity() - conn.buffer.size());
  if (conn.secure) return conn.secure->async_read_some(conn.buffer.prepare(room), use_tuple);
  return conn.plain->async_read_some(conn.buffer.prepare(room), use_tuple);
}

// A response on a pooled connection. After a simple head (take_simple_response) its body is read
// by a SimpleBody, and by Beast's parser from where that finds it unusual; after any other head,
// by the Beast parser that read the head.
class PooledResponse final : public ClientResponse {
 public:
  // With the parser that read the head.
  PooledResponse(std::shared_ptr<HttpClient::Impl> client, HttpClient::Impl::IdleList& pool,
                 std::size_t max_idle, std::unique_ptr<Connection> conn,
                 std::unique_ptr<ResponseParser> parser, ClientTimeouts timeouts,
                 Clock::time_point deadline)
      : PooledResponse(std::move(client), pool, max_idle, std::move(conn), std::move(parser->head),
                       std::nullopt, false, timeouts, deadline) {
    parser_ = std::move(parser);
  }
  // After a simple head.
  PooledResponse(std::shared_ptr<HttpClient::Impl> client, HttpClient::Impl::IdleList& pool,
                 std::size_t max_idle, std::unique_ptr<Connection> conn, ResponseHead head,
                 std::optional<SimpleBody> simple_body, bool simple_keep_alive,
                 ClientTimeouts timeouts, Clock::time_point deadline)
      : client_(std::move(client)),
        pool_(pool),
        max_idle_(max_idle),
        conn_(std::move(conn)),
        head_(std::move(head)),
        simple_body_(std::move(simple_body)),
        simple_keep_alive_(simple_keep_alive),
        timeouts_(timeouts),
        deadline_(deadline) {
    if (head_.compressed) inflater_.emplace();
  }

  int status() const override { return head_.status; }
  const Headers& headers() const override { return head_.headers; }

  // Takes what the connection's buffer holds of the body into its body_bytes, without I/O; an
  // error for a malformed body.
  beast::error_code parse_buffered_body() {
    if (!parser_) {
      const std::string_view bytes(static_cast<const char*>(conn_->buffer.data().data()),
                                   conn_->buffer.size());
      const SimpleBody::Step step = simple_body_->read(bytes, conn_->body_bytes);
      conn_->buffer.consume(step.used);
      if (step.outcome == SimpleBody::Outcome::malformed) return http::error::bad_chunk;
      if (step.outcome != SimpleBody::Outcome::unusual) return {};
      parser_ = make_response_parser(conn_->body_bytes);
      if (beast::error_code ec = start_chunked_body(*parser_)) return ec;
    }
    return parse_buffered(*parser_, conn_->buffer);
  }

  bool body_bytes_received() const override {
    return conn_ && (!conn_->body_bytes.empty() || conn_->buffer.size() > 0 || parsed_to_end());
  }
  bool complete_if_received() override {
    // The end may be in the buffer unparsed (the chunked terminator behind the final event).
    if (conn_ && !parsed_to_end() && conn_->buffer.size() > 0 && parse_buffered_body()) {
      return false;  // malformed: dropping the response closes the connection
    }
    if (conn_ && !parsed_to_end()) return false;
    finish();
    return true;
  }
  asio::any_io_executor executor() const override { return client_->executor; }

  std::optional<std::string> take_received_body(std::size_t limit) override {
    // Parsed to its end with the head (HttpClient::send parses what came with it); a compressed
    // body is decoded by read_some.
    if (!conn_ || handed_out_ || inflater_ || !parsed_to_end()) return std::nullopt;
    if (conn_->body_bytes.size() > limit) return std::nullopt;
    std::string body = std::move(conn_->body_bytes);
    conn_->body_bytes.clear();
    finish();
    return body;
  }

  asio::awaitable<std::pair<ClientError, std::string_view>> read_some() override {
    // The previous call's bytes have been used by now (bytes parsed earlier, with the head, are
    // still waiting).
    if (conn_ && handed_out_) conn_->body_bytes.clear();
    handed_out_ = false;
    if (deferred_error_ != ClientError::none && conn_ && conn_->body_bytes.empty()) {
      conn_.reset();
      co_return std::pair{deferred_error_, std::string_view{}};
    }
    for (;;) {
      if (!conn_) co_return std::pair{ClientError::none, std::string_view{}};
      std::string& bytes = conn_->body_bytes;
      // Bytes the parser met while reading the head (or in an earlier pass) come first.
      if (!bytes.empty()) {
        if (!inflater_) {
          handed_out_ = true;
          co_return std::pair{ClientError::none, std::string_view(bytes)};
        }
        decoded_.clear();
        bool ok = inflater_->feed(bytes, decoded_);
        bytes.clear();
        if (!ok) {
          conn_.reset();
          co_return std::pair{ClientError::decode_failed, std::string_view{}};
        }
        if (!decoded_.empty()) co_return std::pair{ClientError::none, std::string_view(decoded_)};
      }
      if (parsed_to_end()) {
        finish();
        co_return std::pair{ClientError::none, std::string_view{}};
      }
      // Bytes read but not parsed yet (typically a chunk whose size line the last read parsed)
      // are parsed here, without I/O. Beast's async_read_some would parse them too, but then
      // complete through a post: one more trip through the event loop (and an epoll_wait) for
      // every stream event.
      if (conn_->buffer.size() > 0) {
        if (beast::error_code ec = parse_buffered_body()) {
          if (!bytes.empty()) {  // what was parsed before the error goes first
            deferred_error_ = ClientError::protocol_error;
            continue;
          }
          conn_.reset();
          co_return std::pair{ClientError::protocol_error, std::string_view{}};
        }
        if (!bytes.empty() || parsed_to_end()) continue;
      }
      if (head_.event_stream && conn_->buffer.size() == 0 &&
          conn_->buffer.capacity() > Connection::kStreamReadBuffer) {
        conn_->buffer.shrink_to_fit();  // nothing buffered: this frees it
        conn_->buffer.reserve(Connection::kStreamReadBuffer);
      }
      bool total_is_nearer = deadline_ - Clock::now() < timeouts_.idle;
      conn_->expires_at(std::min(deadline_, Clock::now() + timeouts_.idle));
      // A plain read: what came is parsed at the top of the loop, without Beast's composed
      // read operation (its layers cost about a thousand instructions a stream event).
      const auto wait_started = std::chrono::steady_clock::now();
      auto [ec, n] = co_await read_into_buffer(*conn_);
      if (wait_total_) *wait_total_ += std::chrono::steady_clock::now() - wait_started;
      conn_->buffer.commit(n);
      conn_->expires_never();
      if (ec == asio::error::eof) {
        // The end of the connection: the end of a body that runs to it, or a message cut short
        // (put_eof says which).
        ec = {};
        if (parser_) {
          parser_->put_eof(ec);
        } else if (!simple_body_->done()) {
          ec = http::error::partial_message;
        }
      }
      if (ec) {
        ClientError error = ClientError::connection_reset;
        if (conn_->timed_out) {
          error = total_is_nearer ? ClientError::total_timeout : ClientError::idle_timeout;
        } else if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
                   ec != http::error::partial_message && ec != http::error::end_of_stream) {
          error = ClientError::protocol_error;
        }
        // Bytes parsed before the failure are delivered first; the error comes on the next call.
        if (!conn_->body_bytes.empty()) {
          deferred_error_ = error;
          continue;
        }
        conn_.reset();
        co_return std::pair{error, std::string_view{}};
      }
    }
  }

 private:
  // The whole body has been through the parser.
  bool parsed_to_end() const { return parser_ ? parser_->is_done() : simple_body_->done(); }

  void finish() {
    if (conn_ && (simple_body_ ? simple_keep_alive_ : parser_->keep_alive())) {
      conn_->body_bytes.clear();
      if (conn_->buffer.capacity() < Connection::kReadBuffer)
        conn_->buffer.reserve(Connection::kReadBuffer);
      HttpClient::Impl::give_back(pool_, max_idle_, std::move(conn_));
    }
    conn_.reset();
  }

  std::shared_ptr<HttpClient::Impl> client_;  // keeps pool_ alive
  HttpClient::Impl::IdleList& pool_;
  std::size_t max_idle_;
  std::unique_ptr<Connection> conn_;
  ResponseHead head_;
  // After a simple head: how its body is read until it is unusual (then parser_ reads the rest).
  std::optional<SimpleBody> simple_body_;
  bool simple_keep_alive_ = false;
  std::unique_ptr<ResponseParser> parser_;
  ClientTimeouts timeouts_;
  Clock::time_point deadline_;
  std::optional<Inflater> inflater_;
  std::string decoded_;
  bool handed_out_ = false;  // conn_->body_bytes was returned by the last read_some
  ClientError deferred_error_ = ClientError::none;  // failure met after bytes still to deliver
};

}  // namespace

asio::awaitable<std::pair<ClientError, std::string>> HttpClient::Impl::connect(
    const Origin& origin, Connection& conn, const ClientTimeouts& timeouts,
    Clock::time_point deadline) {
  using Result = std::pair<ClientError, std::string>;
  auto connect_deadline = std::min(deadline, Clock::now() + timeouts.connect);
  std::string address_key = origin.host + ":" + std::to_string(origin.port);
  auto cached = dns_cache.find(address_key);
  tcp::resolver::results_type endpoints;
  if (cached != dns_cache.end() && cached->second.expires > Clock::now()) {
    endpoints = cached->second.results;
  } else {
    tcp::resolver resolver(executor);
    auto [ec, results] =
        co_await resolver.async_resolve(origin.host, std::to_string(origin.port), use_tuple);
    if (ec) co_return Result{ClientError::connect_failed, "cannot resolve " + origin.host};
    endpoints = results;
    dns_cache[address_key] = {results, Clock::now() + std::chrono::seconds(60)};
  }

  if (origin.tls) {
    conn.secure.emplace(executor, tls_context(origin));
  } else {
    conn.plain.emplace(executor);
  }
  conn.expires_at(connect_deadline);
  auto [cec, endpoint] = co_await asio::async_connect(conn.socket(), endpoints, use_tuple);
  conn.expires_never();
  if (cec) {
    if (conn.timed_out) co_return Result{ClientError::connect_timeout, "connect timed out"};
    co_return Result{ClientError::connect_failed, cec.message()};
  }
  beast::error_code ignored;
  conn.socket().set_option(tcp::no_delay(true), ignored);
  if (!origin.tls) conn.socket().non_blocking(true, ignored);  // for write_now

  if (origin.tls) {
    if (!SSL_set_tlsext_host_name(conn.secure->native_handle(), origin.host.c_str())) {
      co_return Result{ClientError::tls_failed, "cannot set SNI"};
    }
    if (origin.verify) conn.secure->set_verify_callback(ssl::host_name_verification(origin.host));
    conn.expires_at(connect_deadline);
    auto [hec] = co_await conn.secure->async_handshake(ssl::stream_base::client, use_tuple);
    conn.expires_never();
    if (hec) {
      if (conn.timed_out) co_return Result{ClientError::connect_timeout, "TLS handshake timed out"};
      co_return Result{ClientError::tls_failed, hec.message()};
    }
  }
  co_return Result{ClientError::none, {}};
}

HttpClient::HttpClient(asio::any_io_executor executor) : impl_(std::make_shared<Impl>()) {
  impl_->executor = std::move(executor);
}

HttpClient::~HttpClient() = default;

std::size_t HttpClient::idle_connections() const {
  std::size_t n = 0;
  for (auto& [key, list] : impl_->idle) n += list.size();
  return n;
}

asio::awaitable<ClientResult> HttpClient::send(const Origin& origin, ClientRequest request) {
  auto deadline = Clock::now() + request.timeouts.total;
  HttpClient::Impl::IdleList& pool = impl_->idle_list(origin);

  // The request head is written by hand (one buffer) and sent with the body in one gather write.
  std::string head;
  head.reserve(128 + request.target.size() + request.headers.size() * 48);
  head += request.method;
  head += ' ';
  head += request.target;
  head += " HTTP/1.1\r\nHost: "sv;
  head += origin.host;
  if (origin.port != (origin.tls ? 443 : 80)) {
    head += ':';
    head += std::to_string(origin.port);
  }
  head += "\r\n"sv;
  append_field_lines(head, request.headers);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    append_field_line(head, "Content-Length", std::to_string(request.body.size()));
  }
  head += "\r\n"sv;
  const std::array<asio::const_buffer, 2> message{asio::buffer(head), asio::buffer(request.body)};

  for (int attempt = 0; attempt < 2; ++attempt) {
    // The retry after a stale pooled connection always takes a fresh one.
    auto conn = attempt == 0 ? HttpClient::Impl::take_idle(pool) : nullptr;
    bool reused = conn != nullptr;
    if (!conn) {
      conn = std::make_unique<Connection>(*impl_);
      auto [error, detail] = co_await impl_->connect(origin, *conn, request.timeouts, deadline);
      if (error != ClientError::none) co_return ClientResult{error, std::move(detail), nullptr};
    }

    auto first_byte_deadline = std::min(deadline, Clock::now() + request.timeouts.first_byte);
    conn->expires_at(first_byte_deadline);
    beast::error_code ec;
    if (conn->secure) {
      std::tie(ec, std::ignore) = co_await asio::async_write(*conn->secure, message, use_tuple);
    } else {
      WriteNow now = write_now(*conn->plain, message);
      if (now.pending) {
        Connection* c = conn.get();
        now.error = co_await write_rest(
            *conn->plain, message, now.written,
            [c, first_byte_deadline] { c->expires_at(first_byte_deadline); }, [] {});
      }
      ec = now.error;
    }
    // The response: usually its head comes in one read and is simple, and is taken without
    // Beast; any other head goes to Beast's parser, from the bytes already read.
    conn->body_bytes.clear();
    if (!ec && conn->buffer.size() == 0) {
      std::size_t n = 0;
      std::tie(ec, n) = co_await read_into_buffer(*conn);
      conn->buffer.commit(n);
    }
    ResponseHead simple_head;
    bool simple_keep_alive = false;
    std::optional<SimpleBody> simple_body;
    std::unique_ptr<ResponseParser> parser;
    if (ec || !take_simple_response(conn->buffer, simple_head, simple_keep_alive, simple_body)) {
      parser = make_response_parser(conn->body_bytes);
      if (!ec) ec = parse_buffered(*parser, conn->buffer);
      if (!ec && !parser->is_header_done()) {
        if (conn->secure) {
          std::tie(ec, std::ignore) =
              co_await http::async_read_header(*conn->secure, conn->buffer, *parser, use_tuple);
        } else {
          std::tie(ec, std::ignore) =
              co_await http::async_read_header(*conn->plain, conn->buffer, *parser, use_tuple);
        }
      }
      // The body often came with the head: parse it now, so reading it needs no trip to the
      // loop. (Eager only here: an eager parser asks async_read_some for more until its buffer
      // runs dry, which would hold back stream events that have already arrived.)
      parser->eager(true);
      if (!ec) ec = parse_buffered(*parser, conn->buffer);
      parser->eager(false);
    }
    conn->expires_never();
    if (ec) {
      if (conn->timed_out) {
        bool total = deadline <= first_byte_deadline;
        co_return ClientResult{total ? ClientError::total_timeout : ClientError::first_byte_timeout,
                               "no response from upstream in time", nullptr};
      }
      bool closed = ec == http::error::end_of_stream || ec == asio::error::eof ||
                    ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
      if (reused && closed && attempt == 0) {
        // A stale pooled connection: the upstream closed it while it sat idle (its keep-alive
        // timeout). The others idle for this origin have waited at least as long (the pool
        // hands out the most recently used first): drop them too, then retry on a fresh one.
        pool.clear();
        continue;
      }
      if (closed) {
        co_return ClientResult{ClientError::connection_reset,
                               "upstream closed the connection: " + ec.message(), nullptr};
      }
      co_return ClientResult{ClientError::protocol_error,
                             "malformed upstream response: " + ec.message(), nullptr};
    }
    std::unique_ptr<PooledResponse> response;
    if (parser) {
      response = std::make_unique<PooledResponse>(impl_, pool, origin.max_idle, std::move(conn),
                                                  std::move(parser), request.timeouts, deadline);
    } else {
      response = std::make_unique<PooledResponse>(impl_, pool, origin.max_idle, std::move(conn),
                                                  std::move(simple_head), std::move(simple_body),
                                                  simple_keep_alive, request.timeouts, deadline);
      // What came of the body with the head is taken now, as Beast's eager parse does above: a
      // reply that came whole is then ready to be taken without a read.
      if (beast::error_code body_error = response->parse_buffered_body()) {
        co_return ClientResult{ClientError::protocol_error,
                               "malformed upstream response: " + body_error.message(), nullptr};
      }
    }
    co_return ClientResult{ClientError::none, {}, std::move(response)};
  }
  co_return ClientResult{ClientError::connection_reset, "upstream closed the connection", nullptr};
}

}  // namespace tollgate::net
