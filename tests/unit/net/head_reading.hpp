// What a request or response head says, and how a chunked body reads, as the fast readers
// (net/http_head.hpp) or Beast's parser read them, in one comparable form: shared by the
// differential unit test (http_head_test.cpp) and the fuzz target (tests/fuzz/http_head.cpp).
#pragma once

#include "net/http_head.hpp"
#include "net/io_shortcuts.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tollgate::net::testing {

using FieldList = std::vector<std::pair<std::string, std::string>>;

struct HeadReading {
  std::size_t size = 0;        // where the head ends
  std::string method, target;  // a request's
  int status = 0;              // a response's
  unsigned version = 0;
  // In a stable order of their lowercase names: Beast's container files a repeated field after
  // the last one of its name, so only the order among fields of one name is comparable.
  FieldList fields;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = false;

  bool operator==(const HeadReading&) const = default;
};

inline FieldList by_name(FieldList fields) {
  auto lower = [](std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  std::stable_sort(fields.begin(), fields.end(),
                   [&](const auto& a, const auto& b) { return lower(a.first) < lower(b.first); });
  return fields;
}

inline HeadReading reading_of(const SimpleHead& head) {
  HeadReading reading;
  reading.size = head.size;
  reading.method = std::string(head.method);
  reading.target = std::string(head.target);
  reading.status = head.status;
  reading.version = head.version;
  for (const FieldView& field : head.fields()) reading.fields.emplace_back(field.name, field.value);
  reading.fields = by_name(std::move(reading.fields));
  if (head.has_content_length) reading.content_length = head.content_length;
  reading.chunked = head.chunked;
  reading.keep_alive = head.keep_alive();
  return reading;
}

// Beast's reading of the head at the start of `bytes` (header limit `limit`, any body size), or
// nullopt with `error` set when it does not read a complete head without error.
template <bool isRequest>
std::optional<HeadReading> beast_reading(std::string_view bytes, std::size_t limit,
                                         std::string& error) {
  namespace http = boost::beast::http;
  http::parser<isRequest, http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limit, UINT32_MAX)));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.eager(false);  // stop after the head: put() returns the head's size
  boost::beast::error_code ec;
  HeadReading reading;
  reading.size = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec || !parser.is_header_done()) {
    error = ec ? ec.message() : "head not complete";
    return std::nullopt;
  }
  const auto& message = parser.get();
  if constexpr (isRequest) {
    reading.method = std::string(message.method_string());
    reading.target = std::string(message.target());
  } else {
    reading.status = static_cast<int>(message.result_int());
  }
  reading.version = message.version();
  for (const auto& field : message) reading.fields.emplace_back(field.name_string(), field.value());
  reading.fields = by_name(std::move(reading.fields));
  if (auto length = parser.content_length()) reading.content_length = *length;
  reading.chunked = parser.chunked();
  reading.keep_alive = parser.keep_alive();
  return reading;
}

inline std::ostream& operator<<(std::ostream& out, const HeadReading& reading) {
  out << "{size " << reading.size << ", " << reading.method << ' ' << reading.target << ' '
      << reading.status << " v" << reading.version << ", fields";
  for (const auto& [name, value] : reading.fields) out << " [" << name << ": " << value << ']';
  out << ", length ";
  if (reading.content_length)
    out << *reading.content_length;
  else
    out << "none";
  return out << ", chunked " << reading.chunked << ", keep-alive " << reading.keep_alive << '}';
}

// How a chunked body reads: to its end (`end` bytes of it taken), not to its end yet, or refused.
struct BodyReading {
  enum class Outcome { done, more, error };
  Outcome outcome = Outcome::more;
  std::string body;
  std::size_t end = 0;  // when done

  bool operator==(const BodyReading&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const BodyReading& reading) {
  constexpr const char* kNames[] = {"done", "more", "error"};
  out << '{' << kNames[static_cast<int>(reading.outcome)] << ", end " << reading.end << ", body \"";
  for (const char c : reading.body) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\' && c != '"') {
      out << c;
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      out << "\\x" << kHex[byte >> 4] << kHex[byte & 15];
    }
  }
  return out << "\"}";
}

// A response parser that keeps the body's bytes.
class BodyCollector final : public boost::beast::http::basic_parser<false> {
 public:
  std::string body;

  BodyCollector() {
    header_limit(64 * 1024);
    body_limit(std::numeric_limits<std::uint64_t>::max());
  }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field, string_view, string_view, error_code&) override {}
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view data, error_code&) override {
    body.append(data.data(), data.size());
    return data.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view data, error_code&) override {
    body.append(data.data(), data.size());
    return data.size();
  }
  void on_finish_impl(error_code&) override {}
};

// Feeds `parser` from the start of `buffer` until it needs more or is done, erasing what it
// took; false on an error. `taken` counts the bytes taken.
inline bool feed(BodyCollector& parser, std::string& buffer, std::size_t& taken) {
  while (!buffer.empty() && !parser.is_done()) {
    boost::beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(buffer.data(), buffer.size()), ec);
    buffer.erase(0, used);
    taken += used;
    if (ec == boost::beast::http::error::need_more) return true;
    if (ec) return false;
    if (used == 0) break;
  }
  return true;
}

// Calls `take(piece)` for each piece of `bytes` as it would arrive in reads of the sizes in
// `pieces` (the last one running to the end; one piece when `pieces` is empty), until it returns
// false.
template <class Take>
void for_each_piece(std::string_view bytes, const std::vector<std::size_t>& pieces, Take take) {
  std::size_t at = 0;
  for (std::size_t piece = 0; at < bytes.size() || piece == 0; ++piece) {
    const std::size_t size =
        std::min(piece < pieces.size() ? pieces[piece] : bytes.size() - at, bytes.size() - at);
    if (!take(bytes.substr(at, size))) return;
    at += size;
  }
}

// Beast's reading of `bytes` as the body of an HTTP/1.1 response with "Transfer-Encoding:
// chunked", arriving in `pieces` (for_each_piece) as the client fed it before SimpleBody. (Beast
// is not indifferent to the pieces everywhere: a malformed chunk extension may be refused in
// pieces and awaited whole.)
inline BodyReading beast_body_reading(std::string_view bytes,
                                      const std::vector<std::size_t>& pieces = {}) {
  constexpr std::string_view kHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  BodyCollector parser;
  std::string buffer(kHead);
  std::size_t taken = 0;
  bool failed = false;
  for_each_piece(bytes, pieces, [&](std::string_view piece) {
    buffer.append(piece);
    failed = !feed(parser, buffer, taken);
    return !failed && !parser.is_done();
  });
  BodyReading reading;
  if (failed) {
    reading.outcome = BodyReading::Outcome::error;
    return reading;
  }
  reading.body = std::move(parser.body);
  if (parser.is_done()) {
    reading.outcome = BodyReading::Outcome::done;
    reading.end = taken - kHead.size();
  }
  return reading;
}

// The client's reading (net/http_client.cpp, PooledResponse): SimpleBody, then Beast's parser
// from where SimpleBody finds the body unusual, with `bytes` arriving in `pieces`.
inline BodyReading fast_body_reading(std::string_view bytes,
                                     const std::vector<std::size_t>& pieces = {}) {
  SimpleHead head;
  head.chunked = true;
  SimpleBody body(head);
  std::optional<BodyCollector> parser;
  std::string buffer, data;
  std::size_t taken = 0;
  bool failed = false;
  for_each_piece(bytes, pieces, [&](std::string_view piece) {
    buffer.append(piece);
    if (!parser) {
      const SimpleBody::Step step = body.read(buffer, data);
      buffer.erase(0, step.used);
      taken += step.used;
      if (step.outcome == SimpleBody::Outcome::malformed) {
        failed = true;
        return false;
      }
      if (step.outcome == SimpleBody::Outcome::unusual) {
        parser.emplace();
        failed = static_cast<bool>(start_chunked_body(*parser));
      }
    }
    if (parser && !failed) failed = !feed(*parser, buffer, taken);
    return !failed && !(parser ? parser->is_done() : body.done());
  });
  BodyReading reading;
  if (failed) {
    reading.outcome = BodyReading::Outcome::error;
    return reading;
  }
  reading.body = std::move(data);
  if (parser) reading.body += parser->body;
  if (parser ? parser->is_done() : body.done()) {
    reading.outcome = BodyReading::Outcome::done;
    reading.end = taken;
  }
  return reading;
}

}  // namespace tollgate::net::testing
