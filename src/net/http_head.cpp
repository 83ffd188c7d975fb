#include "net/http_head.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cstring>

namespace tollgate::net {

namespace {

// RFC 9110's tchar: the bytes of a method or a field name.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool is_token_char(char c) {
  return kTokenChars[static_cast<unsigned char>(c)];
}

constexpr std::uint64_t kOnes = 0x0101010101010101;
constexpr std::uint64_t kHighBits = 0x8080808080808080;

std::uint64_t load8(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// Whether any of the eight bytes of `word` is below `n` (n ≤ 128), or is DEL (0x7F). Exact as a
// yes/no (a flag above the lowest true one can be spurious, never the lowest).
template <unsigned n>
bool has_below_or_del(std::uint64_t word) {
  static_assert(n <= 128);
  const std::uint64_t below = (word - kOnes * n) & ~word & kHighBits;
  const std::uint64_t del = word ^ (kOnes * 0x7F);
  return ((below | ((del - kOnes) & ~del)) & kHighBits) != 0;
}

// The first byte of [p, end) below `n` or DEL (0x7F), HTAB excepted when `tab_allowed`; `end`
// when there is none. Sixteen bytes at a time with SSE2 (any x86-64), eight at a time elsewhere,
// and byte by byte for the last ones.
template <unsigned n, bool tab_allowed>
const char* skip_printable(const char* p, const char* end) {
#if defined(__SSE2__)
  static_assert(n <= 128);
  // Signed compares: the bytes 0x80-0xFF (obs-text, allowed) read as negative, so "below n" is
  // taken as unsigned by checking the sign apart.
  const __m128i limit = _mm_set1_epi8(static_cast<char>(n));
  const __m128i del = _mm_set1_epi8(0x7F);
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i zero = _mm_setzero_si128();
  while (end - p >= 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Below n as unsigned bytes: non-negative and below n as signed ones.
    __m128i stop = _mm_andnot_si128(_mm_cmplt_epi8(bytes, zero), _mm_cmplt_epi8(bytes, limit));
    if constexpr (tab_allowed) stop = _mm_andnot_si128(_mm_cmpeq_epi8(bytes, tab), stop);
    stop = _mm_or_si128(stop, _mm_cmpeq_epi8(bytes, del));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
    if (mask != 0) return p + std::countr_zero(mask);
    p += 16;
  }
#endif
  for (;;) {
    while (end - p >= 8 && !has_below_or_del<n>(load8(p))) p += 8;
    const char* const stop = std::min(p + 8, end);
    for (; p < stop; ++p) {
      const auto c = static_cast<unsigned char>(*p);
      if ((c < n && !(tab_allowed && c == '\t')) || c == 0x7F) return p;
    }
    if (p == end) return end;
  }
}

// The first byte of [p, end) that cannot be in a field value or a reason phrase: a control
// character other than HTAB, or DEL (RFC 9110's field-vchar, SP, HTAB and obs-text are allowed,
// as Beast allows them). A line's CR is the usual answer.
const char* skip_field_text(const char* p, const char* end) {
  return skip_printable<0x20, true>(p, end);
}

// The first byte of [p, end) that cannot be in a request target: a control character, SP or DEL.
const char* skip_target(const char* p, const char* end) {
  return skip_printable<0x21, false>(p, end);
}

bool equals_lowercase(std::string_view text, std::string_view lowercase) {
  if (text.size() != lowercase.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != lowercase[i]) return false;
  }
  return true;
}

// "HTTP/1.0" or "HTTP/1.1" at p (8 bytes available).
bool read_version(const char* p, unsigned& version) {
  if (std::memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1')) return false;
  version = p[7] == '1' ? 11 : 10;
  return true;
}

// Whether the line starting at p is a CRLF with at least one byte after it.
bool crlf_at(const char* p, const char* end) {
  return end - p >= 2 && p[0] == '\r' && p[1] == '\n';
}

// The fields, from p to the empty line; fills `head` (its size included). False when the head is
// not complete before `end` or not simple.
bool read_fields(const char* begin, const char* p, const char* end, SimpleHead& head) {
  bool seen_connection = false;
  for (;;) {
    if (p >= end) return false;
    if (*p == '\r') {
      if (!crlf_at(p, end)) return false;
      head.size = static_cast<std::size_t>(p + 2 - begin);
      return true;
    }
    const char* const name_begin = p;
    while (p < end && is_token_char(*p)) ++p;
    if (p == name_begin || p >= end || *p != ':') return false;
    const std::string_view name(name_begin, static_cast<std::size_t>(p - name_begin));
    ++p;
    while (p < end && (*p == ' ' || *p == '\t')) ++p;
    const char* const value_begin = p;
    p = skip_field_text(p, end);
    // The line ends in CRLF, and the next one must be there to see it does not continue this one
    // (obs-fold: a line starting with SP or HTAB).
    if (!crlf_at(p, end) || end - p < 3 || p[2] == ' ' || p[2] == '\t') return false;
    const char* value_end = p;
    while (value_end != value_begin && (value_end[-1] == ' ' || value_end[-1] == '\t')) {
      --value_end;
    }
    const std::string_view value(value_begin, static_cast<std::size_t>(value_end - value_begin));
    p += 2;

    // The fields that decide framing or the connection's fate, by their lowercase names' sizes.
    switch (name.size()) {
      case 6:  // expect
      case 7:  // upgrade
        if (equals_lowercase(name, "expect") || equals_lowercase(name, "upgrade")) return false;
        break;
      case 10:  // connection
        if (equals_lowercase(name, "connection")) {
          if (seen_connection) return false;
          seen_connection = true;
          if (equals_lowercase(value, "close")) {
            head.connection_close = true;
          } else if (equals_lowercase(value, "keep-alive")) {
            head.connection_keep_alive = true;
          } else {
            return false;
          }
        }
        break;
      case 14:  // content-length
        if (equals_lowercase(name, "content-length")) {
          // Digits only, at most 18 (no overflow): anything else is Beast's to judge.
          if (head.has_content_length || value.empty() || value.size() > 18) return false;
          std::uint64_t length = 0;
          for (char c : value) {
            if (c < '0' || c > '9') return false;
            length = length * 10 + static_cast<std::uint64_t>(c - '0');
          }
          head.content_length = length;
          head.has_content_length = true;
        }
        break;
      case 16:  // proxy-connection
        if (equals_lowercase(name, "proxy-connection")) return false;
        break;
      case 17:  // transfer-encoding
        if (equals_lowercase(name, "transfer-encoding")) {
          // One field, exactly "chunked": a list of codings, or a second field, is Beast's.
          if (head.chunked || !equals_lowercase(value, "chunked")) return false;
          head.chunked = true;
        }
        break;
      default:
        break;
    }
    if (head.field_count == SimpleHead::kMaxFields) return false;
    head.field_storage[head.field_count++] = FieldView{name, value};
  }
}

}  // namespace

bool read_simple_request_head(std::string_view bytes, std::size_t limit, SimpleHead& head) {
  head = SimpleHead{};
  const char* const begin = bytes.data();
  const char* const end = begin + std::min(bytes.size(), limit);
  const char* p = begin;

  // request-line = method SP request-target SP HTTP-version CRLF
  while (p < end && is_token_char(*p)) ++p;
  if (p == begin || p >= end || *p != ' ') return false;
  head.method = std::string_view(begin, static_cast<std::size_t>(p - begin));
  const char* const target_begin = ++p;
  p = skip_target(p, end);
  if (p == target_begin || p >= end || *p != ' ') return false;
  head.target = std::string_view(target_begin, static_cast<std::size_t>(p - target_begin));
  ++p;
  if (end - p < 10 || !read_version(p, head.version) || !crlf_at(p + 8, end)) return false;
  p += 10;
  // A chunked request body is Beast's to read.
  return read_fields(begin, p, end, head) && !head.chunked;
}

bool read_simple_response_head(std::string_view bytes, std::size_t limit, SimpleHead& head) {
  head = SimpleHead{};
  const char* const begin = bytes.data();
  const char* const end = begin + std::min(bytes.size(), limit);
  const char* p = begin;

  // status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
  if (end - p < 13 || !read_version(p, head.version) || p[8] != ' ') return false;
  p += 9;
  for (int i = 0; i < 3; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
    head.status = head.status * 10 + (p[i] - '0');
  }
  if (p[3] != ' ') return false;
  // No body whatever the fields say (1xx, 204, 304): rare upstream, left to Beast.
  if (head.status < 200 || head.status == 204 || head.status == 304) return false;
  p = skip_field_text(p + 4, end);
  if (!crlf_at(p, end)) return false;
  p += 2;
  // A body framed by Content-Length or, in HTTP/1.1, chunked; not both (Beast refuses that). A
  // body that runs to the end of the connection is Beast's.
  if (!read_fields(begin, p, end, head)) return false;
  if (head.chunked) return !head.has_content_length && head.version == 11;
  return head.has_content_length;
}

SimpleBody::Step SimpleBody::read(std::string_view bytes, std::string& sink) {
  // Hex digits a size line may have here: 15 cannot overflow 64 bits.
  constexpr std::size_t kMaxSizeDigits = 15;
  std::size_t p = 0;
  for (;;) {
    const std::size_t left = bytes.size() - p;
    switch (state_) {
      case State::done:
        return {Outcome::done, p};
      case State::data: {
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, left));
        sink.append(bytes.substr(p, take));
        p += take;
        remaining_ -= take;
        if (remaining_ > 0) return {Outcome::more, p};
        state_ = chunked_ ? State::data_end : State::done;
        break;
      }
      case State::data_end:
        // A chunk's data ends in CRLF, judged (as Beast judges it) once four bytes are there:
        // nothing shorter could be that CRLF and a size line.
        if (left < 4) return {Outcome::more, p};
        if (bytes[p] != '\r' || bytes[p + 1] != '\n') return {Outcome::malformed, p};
        p += 2;
        state_ = State::size_line;
        break;
      case State::size_line: {
        // HEXDIG{1,15} CRLF; for the last chunk ("0") one more CRLF, where trailers would be.
        std::size_t digits = 0;
        std::uint64_t size = 0;
        while (digits < left && digits <= kMaxSizeDigits) {
          const int nibble = hex_digit(bytes[p + digits]);
          if (nibble < 0) break;
          size = size << 4 | static_cast<unsigned>(nibble);
          ++digits;
        }
        if (digits > kMaxSizeDigits) return {Outcome::unusual, p};
        const std::size_t line = digits + 2;  // with its CRLF
        const std::size_t needed = size == 0 ? line + 2 : line;
        // What is there of the rest must be CRLF (and CRLF again after a last chunk).
        for (std::size_t i = digits; i < std::min(left, needed); ++i) {
          if (bytes[p + i] != ((i - digits) % 2 == 0 ? '\r' : '\n')) {
            return {Outcome::unusual, p};
          }
        }
        if (digits == 0 && left > 0) return {Outcome::unusual, p};
        if (left < needed) return {Outcome::more, p};
        p += needed;
        if (size == 0) {
          state_ = State::done;
        } else {
          remaining_ = size;
          state_ = State::data;
        }
        break;
      }
    }
  }
}

}  // namespace tollgate::net
