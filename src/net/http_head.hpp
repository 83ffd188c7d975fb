// A strict, fast reader for the HTTP/1.1 heads and bodies nearly every request and response has,
// in front of Beast's general parser. Beast's basic_parser spends about 6,000 instructions on a
// typical request head (field names looked up in a table of all known fields, every byte checked
// one at a time) and 4,000 on a response head, and several hundred on each chunk of a streamed
// body; this reads them in a fraction of that.
//
// It accepts only a subset of what Beast accepts, and reads that subset exactly as Beast does
// (tests/unit/net/http_head_test.cpp compares the two on random heads and bodies;
// tests/fuzz/http_head.cpp does it open-ended). Anything else — a head not complete in the bytes
// given or over the size limit, a Transfer-Encoding other than one `chunked` on an HTTP/1.1
// response, Upgrade, Expect, a Connection field other than one `close` or `keep-alive`, a second
// Content-Length or Connection field, line folding, a bare LF, HTTP versions other than 1.0 and
// 1.1, more than kMaxFields fields, for a response a status of 1xx, 204 or 304 or neither
// Content-Length nor chunked — is "not simple": the caller hands the same bytes to Beast, which
// decides. So message framing (where a body ends, the concern of request smuggling) is only ever
// decided here for one unambiguous Content-Length or a response's plain chunks
// (SimpleBody), and otherwise by Beast.
//
// Free of Beast; internal to net/.
#pragma once

#include "net/http.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::net {

// One field line: the name as it came, the value without the whitespace around it. Views of the
// bytes that were read.
struct FieldView {
  std::string_view name;
  std::string_view value;
};

struct SimpleHead {
  static constexpr std::size_t kMaxFields = 32;

  std::size_t size = 0;     // bytes, through the empty line that ends the head
  unsigned version = 11;    // 10 or 11 (HTTP/1.0, HTTP/1.1)
  std::string_view method;  // a request's
  std::string_view target;  // a request's
  int status = 0;           // a response's
  std::uint64_t content_length = 0;
  bool has_content_length = false;
  bool chunked = false;                // a response's "Transfer-Encoding: chunked"
  bool connection_close = false;       // "Connection: close"
  bool connection_keep_alive = false;  // "Connection: keep-alive"
  std::array<FieldView, kMaxFields> field_storage;
  std::size_t field_count = 0;

  std::span<const FieldView> fields() const { return {field_storage.data(), field_count}; }
  // Whether the connection may carry another message after this one (as Beast's keep_alive()).
  bool keep_alive() const { return version >= 11 ? !connection_close : connection_keep_alive; }
};

// Reads a request head from the start of `bytes`: true when it is complete within `limit` bytes
// and simple (above); `head` then views `bytes`. A request without Content-Length has no body.
bool read_simple_request_head(std::string_view bytes, std::size_t limit, SimpleHead& head);

// The same for a response head; a simple one has a Content-Length or is chunked.
bool read_simple_response_head(std::string_view bytes, std::size_t limit, SimpleHead& head);

// The body behind a simple response head, read from the bytes after it as they come: a
// Content-Length counted down, or chunks in their plain form — a size in at most 15 hex digits,
// CRLF, the data, CRLF — ended by a last chunk "0" CRLF CRLF. A chunk extension, trailer fields,
// a longer size or a size line that is not one of these is `unusual`: the body goes on in Beast's
// parser from the start of that size line (io_shortcuts.hpp, start_chunked_body), which reads
// it or says what is wrong with it.
class SimpleBody {
 public:
  explicit SimpleBody(const SimpleHead& head)
      : chunked_(head.chunked),
        state_(head.chunked ? State::size_line
                            : (head.content_length > 0 ? State::data : State::done)),
        remaining_(head.chunked ? 0 : head.content_length) {}

  enum class Outcome {
    more,       // every byte that can be taken was; the body goes on
    done,       // the body has ended (bytes after it are not its own)
    unusual,    // at a chunk size line this reader leaves to Beast (above); nothing of it taken
    malformed,  // a chunk's data not followed by CRLF
  };
  struct Step {
    Outcome outcome;
    std::size_t used;  // bytes of the input taken
  };

  // Reads what it can from the start of `bytes`, appending the body's data to `sink`.
  Step read(std::string_view bytes, std::string& sink);

  bool done() const { return state_ == State::done; }

 private:
  enum class State { size_line, data, data_end, done };
  bool chunked_;
  State state_;
  std::uint64_t remaining_;  // of the Content-Length, or of the current chunk's data
};

// The fields of `head` (read from `bytes`) that `keep(name, value)` accepts, appended to
// `headers` as views of `text`, which is made a copy of the head: one allocation for the text of
// all of them, rather than a string for each. `text` must outlive `headers` (and not be resized).
template <class Keep>
void add_fields_viewing_copy(const SimpleHead& head, std::string_view bytes,
                             std::vector<char>& text, Headers& headers, Keep keep) {
  text.assign(bytes.data(), bytes.data() + head.size);
  auto in_copy = [&](std::string_view part) {
    return FieldText::borrow({text.data() + (part.data() - bytes.data()), part.size()});
  };
  headers.reserve(headers.size() + head.field_count);
  for (const FieldView& field : head.fields()) {
    if (keep(field.name, field.value)) {
      headers.push_back(Header{in_copy(field.name), in_copy(field.value)});
    }
  }
}

}  // namespace tollgate::net
