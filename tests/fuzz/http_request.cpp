// Fuzzes the server's HTTP/1.1 request parser (RequestParser, a Beast basic_parser<true> that
// writes straight into an HttpRequest), fed the way the server feeds it: parse_buffered() over
// a flat_buffer, a new parser per request, leftover bytes kept for the next (pipelined) request.
//
// Invariants:
//   - never crashes; no allocation beyond the limits (a declared Content-Length is reserved, so
//     an unchecked one would show up here as an allocation failure);
//   - with header_limit 16 KiB and body_limit 1 MiB, a finished request has a body of at most
//     1 MiB, exactly Content-Length bytes when that is given, and a method and a target;
//   - split invariance: the first request fed whole to an eager parser and fed in two pieces (the
//     split point derived from the input's size and last byte) to a non-eager one, as the server
//     does, ends the same way: same error, or the same request (Beast may report a malformed
//     head that came in pieces only once the head is complete: that delay is allowed);
//   - with tiny limits (header 256 bytes, body 64 bytes) a finished request's body is at most 64.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "net/io_shortcuts.hpp"
#include "net/server_connection.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tollgate::net::HttpRequest;
using tollgate::net::parse_buffered;
using tollgate::net::server_detail::RequestParser;

constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::uint64_t kBodyLimit = 1024 * 1024;
constexpr int kMaxPipelinedRequests = 8;

struct Limits {
  std::uint32_t header;
  std::uint64_t body;
};

void append(beast::flat_buffer& buffer, std::string_view bytes) {
  auto space = buffer.prepare(bytes.size());
  if (!bytes.empty()) std::memcpy(space.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
}

void configure(RequestParser& parser, const Limits& limits, bool eager) {
  parser.eager(eager);
  parser.header_limit(limits.header);
  parser.body_limit(limits.body);
}

bool same_request(const HttpRequest& a, const HttpRequest& b) {
  if (a.method != b.method || a.target != b.target || a.body != b.body) return false;
  if (a.headers.size() != b.headers.size()) return false;
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) {
      return false;
    }
  }
  return true;
}

void check_finished(RequestParser& parser, const Limits& limits) {
  const HttpRequest& request = parser.request;
  FUZZ_CHECK(request.body.size() <= limits.body);
  FUZZ_CHECK(!request.method.empty());
  FUZZ_CHECK(!request.target.empty());
  if (const auto length = parser.content_length()) FUZZ_CHECK(request.body.size() == *length);
  if (!parser.chunked() && !parser.content_length()) FUZZ_CHECK(request.body.empty());
}

// The requests of one connection's bytes, parsed one after the other like the server does.
void parse_pipelined(std::string_view bytes, const Limits& limits) {
  beast::flat_buffer buffer;
  append(buffer, bytes);
  for (int i = 0; i < kMaxPipelinedRequests && buffer.size() > 0; ++i) {
    HttpRequest request;
    RequestParser parser(request);
    configure(parser, limits, /*eager=*/true);
    const beast::error_code ec = parse_buffered(parser, buffer);
    if (ec || !parser.is_done()) return;
    check_finished(parser, limits);
    if (!parser.keep_alive()) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Limits limits{kHeaderLimit, kBodyLimit};

  // The first request, whole, to an eager parser.
  HttpRequest whole_request;
  RequestParser whole(whole_request);
  configure(whole, limits, /*eager=*/true);
  beast::flat_buffer whole_buffer;
  append(whole_buffer, input);
  const beast::error_code whole_ec = parse_buffered(whole, whole_buffer);
  if (!whole_ec && whole.is_done()) check_finished(whole, limits);

  // The same bytes in two reads, to a non-eager parser, as the server's read loop would.
  const std::size_t split = size == 0 ? 0 : (std::size_t{data[size - 1]} * 131 + size) % (size + 1);
  HttpRequest split_request;
  RequestParser split_parser(split_request);
  configure(split_parser, limits, /*eager=*/false);
  beast::flat_buffer split_buffer;
  append(split_buffer, input.substr(0, split));
  beast::error_code split_ec = parse_buffered(split_parser, split_buffer);
  std::size_t unread = size - split;  // bytes of the second read not yet in the buffer
  if (!split_ec && !split_parser.is_done()) {
    append(split_buffer, input.substr(split));
    unread = 0;
    split_ec = parse_buffered(split_parser, split_buffer);
  }
  // Beast reads a head line by line as long as it has never had to wait; once it has asked for
  // more it waits for the blank line that ends the head before parsing again. So a malformed head
  // that arrives in pieces may be reported only when it is complete (the server then waits for
  // more bytes, up to header_timeout, instead of answering 400 at once). That delay is the one
  // difference allowed.
  const bool split_waits_for_head = !split_ec && !split_parser.is_header_done();
  const bool error_delayed = whole_ec && split_waits_for_head;
  if (split_ec != whole_ec && !error_delayed) {
    std::fprintf(stderr, "split at %zu: '%s', whole: '%s'\n", split, split_ec.message().c_str(),
                 whole_ec.message().c_str());
  }
  FUZZ_CHECK(split_ec == whole_ec || error_delayed);
  if (!error_delayed) {
    FUZZ_CHECK(split_parser.is_done() == whole.is_done());
    FUZZ_CHECK(split_parser.is_header_done() == whole.is_header_done());
  }
  if (whole.is_header_done() && split_parser.is_header_done()) {
    FUZZ_CHECK(split_parser.request.method == whole.request.method);
    FUZZ_CHECK(split_parser.request.target == whole.request.target);
    FUZZ_CHECK(split_parser.version == whole.version);
    FUZZ_CHECK(split_parser.expect_continue == whole.expect_continue);
  }
  if (whole.is_done()) {
    FUZZ_CHECK(same_request(split_parser.request, whole.request));
    // The same bytes are left for the next request.
    FUZZ_CHECK(split_buffer.size() + unread == whole_buffer.size());
  }

  parse_pipelined(input, limits);
  parse_pipelined(input, Limits{256, 64});
  return 0;
}
