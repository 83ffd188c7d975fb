// What a request or response head says, as the fast head reader (net/http_head.hpp) or Beast's
// parser reads it, in one comparable form: shared by the differential unit test
// (http_head_test.cpp) and the fuzz target (tests/fuzz/http_head.cpp).
#pragma once

#include "net/http_head.hpp"

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
  return out << ", keep-alive " << reading.keep_alive << '}';
}

}  // namespace tollgate::net::testing
