// simdjson DOM parsers kept by the thread that uses them. A parser allocates its buffers at its
// first parse, and building, allocating and freeing one costs about 1,500 instructions, more than
// parsing a chat request or response; so the decoders on the request path keep one per thread and
// call site instead of building one per call:
//
//   thread_local simdjson::dom::parser parser;   // or api::thread_parser<Site>() for a type's
//   const api::ParserLease lease(parser);
//   ... parser.parse(...) ...
//
// Each call site has its own parser, so a document in use is never replaced by another site's
// parse. A site's code must be done with its document before it parses again: no recursion and no
// suspension (co_await) while it holds elements of the document. At the end of the lease a parser
// that grew for a larger document than kRetainedParserCapacity gives its buffers back: a parser
// holds about 15 bytes per byte of capacity (the copy of the input, the structural indexes, the
// tape, the string buffer), so a thread keeps at most ~250 KB per site, and a large document,
// whose parse costs far more than the allocation, allocates anew.
#pragma once

#include <simdjson.h>

#include <cstddef>

namespace tollgate::api {

inline constexpr std::size_t kRetainedParserCapacity = 16 * 1024;

// This thread's parser for the call site `Site` names (a decoder's own type): one per type, for
// the members that keep a reference to it.
template <typename Site>
simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

class ParserLease {
 public:
  explicit ParserLease(simdjson::dom::parser& parser) noexcept : parser_(parser) {}
  ParserLease(const ParserLease&) = delete;
  ParserLease& operator=(const ParserLease&) = delete;
  ~ParserLease() {
    if (parser_.capacity() > kRetainedParserCapacity) parser_ = simdjson::dom::parser{};
  }

 private:
  simdjson::dom::parser& parser_;
};

// Readies `parser` for a document of `size` bytes nested at most `max_depth` deep, keeping the
// buffers it has when they are large enough (simdjson's allocate() would size them to each
// document anew). Returns simdjson's error, as allocate() does.
inline simdjson::error_code reserve_parser(simdjson::dom::parser& parser, std::size_t size,
                                           std::size_t max_depth) {
  if (parser.capacity() >= size && parser.max_depth() == max_depth) return simdjson::SUCCESS;
  return parser.allocate(size > parser.capacity() ? size : parser.capacity(), max_depth);
}

}  // namespace tollgate::api
