// Fuzzes the fast head reader (net/http_head.hpp) against Beast's parser, open-ended; the unit
// test (tests/unit/net/http_head_test.cpp) does the same on a fixed set of random edits.
//
// The input is read as a request head and as a response head, with a size limit taken from its
// last byte (or 8 KiB). Invariant: whenever the fast reader accepts, Beast's parser (same
// limit, any body size) reads the head without error, ends it at the same byte, and reads the same
// method, target or status, version, fields (repeated ones in the same order), Content-Length and
// keep-alive. Never crashes; reads nothing past the limit (ASan).
//
// The input is also read as a chunked body, arriving in pieces of 1 to 8 bytes (the sizes from its
// bytes), by SimpleBody and by Beast's parser from where SimpleBody finds it unusual, as the
// client reads it: that must read as Beast alone reads the same pieces (the same data, the same
// end, or refused by both, or both waiting for more).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/net/head_reading.hpp"
#include "fuzz_check.hpp"
#include "net/http_head.hpp"

namespace {

using tollgate::net::SimpleHead;
using tollgate::net::testing::beast_body_reading;
using tollgate::net::testing::beast_reading;
using tollgate::net::testing::BodyReading;
using tollgate::net::testing::fast_body_reading;
using tollgate::net::testing::HeadReading;
using tollgate::net::testing::reading_of;

template <bool isRequest>
void check_against_beast(std::string_view bytes, std::size_t limit, const SimpleHead& head) {
  FUZZ_CHECK(head.size <= std::min(bytes.size(), limit));  // looked no further than the limit
  std::string error;
  const std::optional<HeadReading> beast = beast_reading<isRequest>(bytes, limit, error);
  if (!beast) std::fprintf(stderr, "Beast: %s\n", error.c_str());
  FUZZ_CHECK(beast.has_value());
  if (!(reading_of(head) == *beast)) {
    std::cerr << "fast: " << reading_of(head) << "\nBeast: " << *beast << '\n';
  }
  FUZZ_CHECK(reading_of(head) == *beast);
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

  std::vector<std::size_t> pieces;
  for (std::size_t at = 0; at < size;) {
    pieces.push_back(1 + data[at] % 8);
    at += pieces.back();
  }
  const BodyReading beast = beast_body_reading(input, pieces);
  const BodyReading fast = fast_body_reading(input, pieces);
  if (!(fast == beast)) std::cerr << "fast: " << fast << "\nBeast: " << beast << '\n';
  FUZZ_CHECK(fast == beast);
  return 0;
}
