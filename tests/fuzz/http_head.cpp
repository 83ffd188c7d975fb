// Fuzzes the fast head reader (net/http_head.hpp) against Beast's parser, open-ended; the unit
// test (tests/unit/net/http_head_test.cpp) does the same on a fixed set of random edits.
//
// The input is read as a request head and as a response head, with a size limit taken from its
// last byte (or 8 KiB). Invariant: whenever the fast reader accepts, Beast's parser (same
// limit, any body size) reads the head without error, ends it at the same byte, and reads the same
// method, target or status, version, fields (repeated ones in the same order), Content-Length and
// keep-alive. Never crashes; reads nothing past the limit (ASan).
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_check.hpp"
#include "net/http_head.hpp"

namespace {

namespace http = boost::beast::http;
using tollgate::net::FieldView;
using tollgate::net::SimpleHead;
using FieldList = std::vector<std::pair<std::string, std::string>>;

// Beast files a repeated field after the last one of its name: compare in a stable name order.
FieldList by_name(FieldList fields) {
  auto lower = [](std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  std::stable_sort(fields.begin(), fields.end(),
                   [&](const auto& a, const auto& b) { return lower(a.first) < lower(b.first); });
  return fields;
}

template <bool isRequest>
void check_against_beast(std::string_view bytes, std::size_t limit, const SimpleHead& head) {
  // The fast reader looks at no more than `limit` bytes: give Beast only those too, as the
  // server's buffer could hold only those.
  FUZZ_CHECK(head.size <= std::min(bytes.size(), limit));
  http::parser<isRequest, http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limit));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.eager(false);
  boost::beast::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec) std::fprintf(stderr, "Beast: %s\n", ec.message().c_str());
  FUZZ_CHECK(!ec && parser.is_header_done());
  FUZZ_CHECK(used == head.size);
  const auto& message = parser.get();
  if constexpr (isRequest) {
    FUZZ_CHECK(message.method_string() == head.method);
    FUZZ_CHECK(message.target() == head.target);
  } else {
    FUZZ_CHECK(static_cast<int>(message.result_int()) == head.status);
  }
  FUZZ_CHECK(message.version() == head.version);
  FieldList theirs, ours;
  for (const auto& field : message) theirs.emplace_back(field.name_string(), field.value());
  for (const FieldView& field : head.fields()) ours.emplace_back(field.name, field.value);
  FUZZ_CHECK(by_name(theirs) == by_name(ours));
  FUZZ_CHECK(parser.content_length().has_value() == head.has_content_length);
  if (head.has_content_length) FUZZ_CHECK(*parser.content_length() == head.content_length);
  FUZZ_CHECK(parser.keep_alive() == head.keep_alive());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // A small limit when the last byte is odd, so the fuzzer explores heads cut by it; 8 KiB
  // otherwise.
  std::size_t limit = 8 * 1024;
  if (size > 0 && data[size - 1] % 2 == 1) limit = 16 + std::size_t{data[size - 1]} * 4;
  SimpleHead head;
  if (tollgate::net::read_simple_request_head(input, limit, head)) {
    check_against_beast<true>(input, limit, head);
  }
  if (tollgate::net::read_simple_response_head(input, limit, head)) {
    check_against_beast<false>(input, limit, head);
  }
  return 0;
}
