// A one-pass reader of JSON that validates everything it passes over: the hand-written fast
// paths read the common shape of a document with it, and leave anything else to simdjson
// (api/openai/chat_request.cpp: a chat request; providers/openai/passthrough_scan.cpp: a
// response and a stream chunk). What it accepts simdjson accepts too, and reads the same way;
// a reader built on it gives up on whatever it does not know, and its caller asks simdjson.
// One pass costs about half of simdjson's index and On-Demand walk over the same bytes.
//
// This header includes simdjson.h (for its UTF-8 check): include it from .cpp files only.
#pragma once

#include <simdjson.h>

#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tollgate::api {

// Reads JSON in one pass and validates everything it passes over: grammar, escapes, control
// characters, and at the end UTF-8. What it accepts simdjson accepts too, and decodes the same
// way: a lone surrogate escape (valid JSON, which simdjson will not decode), an escaped key
// (simdjson compares keys unescaped), a number simdjson's get_double() may refuse, or nesting
// deeper than kMaxDepth make it give up. Each reader starts at its token's first byte and stops
// right after its last one.
class ValidatingJsonScanner {
 public:
  struct StringToken {
    std::string_view contents;  // between the quotes, escapes as they are, in the padded copy
    bool escaped = false;       // holds a backslash
    // How many more bytes its escapes take than the characters they stand for (`\n` 1,
    // `\u00e9` 5, a surrogate pair 11): contents' characters less this are the string's.
    std::size_t escape_surplus = 0;
  };

  struct NumberToken {
    std::string_view text;
    bool is_plain_integer = false;  // digits only: no sign, fraction or exponent
  };

  // Reads `text` from `padded_copy`, which it fills with `text` and the padding; the caller keeps
  // the copy for its capacity, and for as long as it uses the tokens read.
  ValidatingJsonScanner(std::string_view text, std::string& padded_copy) : text_(text) {
    padded_copy.assign(text);
    padded_copy.append(kPadding, '\0');
    begin_ = next_ = padded_copy.data();
    end_ = begin_ + text.size();
  }

  // The whole text as one object, with nothing but whitespace around it. `read_member(key)` reads
  // each top-level member's value, as in object().
  template <typename ReadMember>
  bool document(ReadMember read_member) {
    skip_whitespace();
    if (!at('{') || !object(read_member)) return false;
    skip_whitespace();
    if (next_ != end_) return false;
    // Non-ASCII bytes can only be inside strings here, so checking the whole text checks them,
    // as simdjson's first stage does.
    return non_ascii_bits_ == 0 || simdjson::validate_utf8(text_.data(), text_.size());
  }

  bool value() {
    switch (*next_) {
      case '"':
        return string();
      case '{':
        return object([this](std::string_view) { return value(); });
      case '[':
        return array([this] { return value(); });
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default: {
        NumberToken ignored;
        return number(ignored);
      }
    }
  }

  // `read_value(key)` reads each member's value.
  template <typename ReadValue>
  bool object(ReadValue read_value) {
    if (++depth_ > kMaxDepth) return false;
    ++next_;  // '{'
    skip_whitespace();
    if (!consume('}')) {
      do {
        skip_whitespace();
        std::string_view key;
        if (!member_key(key) || !read_value(key)) return false;
        skip_whitespace();
      } while (consume(','));
      if (!consume('}')) return false;
    }
    --depth_;
    return true;
  }

  // `read_element()` reads each element.
  template <typename ReadElement>
  bool array(ReadElement read_element) {
    if (++depth_ > kMaxDepth) return false;
    ++next_;  // '['
    skip_whitespace();
    if (!consume(']')) {
      do {
        skip_whitespace();
        if (!read_element()) return false;
        skip_whitespace();
      } while (consume(','));
      if (!consume(']')) return false;
    }
    --depth_;
    return true;
  }

  bool string() {
    StringToken ignored;
    return string(ignored);
  }

  bool string(StringToken& token) {
    ++next_;  // the opening quote
    const char* const start = next_;
    while (true) {
      skip_plain_string_bytes();
      if (*next_ == '"') break;
      // Otherwise a control character (which must be escaped; the padding's NUL is one) or an
      // escape sequence.
      if (*next_ != '\\' || !escape(token.escape_surplus)) return false;
      token.escaped = true;
    }
    token.contents = std::string_view(start, static_cast<std::size_t>(next_ - start));
    ++next_;  // the closing quote
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, below 10^kMaxDecimalMagnitude.
  bool number(NumberToken& token) {
    const char* const start = next_;
    const bool negative = consume('-');
    if (!consume('0') && !digits()) return false;
    // The value is below 10 to the power of its integer digits, plus a positive exponent.
    std::ptrdiff_t magnitude = next_ - start - (negative ? 1 : 0);
    const bool has_fraction = consume('.');
    if (has_fraction && !digits()) return false;
    const bool has_exponent = consume('e') || consume('E');
    if (has_exponent) {
      const bool negative_exponent = !consume('+') && consume('-');
      const char* const exponent_start = next_;
      if (!digits() || next_ - exponent_start > kMaxExponentDigits) return false;
      std::ptrdiff_t exponent = 0;
      for (const char* digit = exponent_start; digit != next_; ++digit) {
        exponent = exponent * 10 + (*digit - '0');
      }
      if (!negative_exponent) magnitude += exponent;
    }
    if (magnitude > kMaxDecimalMagnitude) return false;
    token.text = std::string_view(start, static_cast<std::size_t>(next_ - start));
    token.is_plain_integer = !negative && !has_fraction && !has_exponent;
    return true;
  }

  // `word` is a string literal: its size is known, so the comparison is a load or two. It reads
  // at most five bytes from next_, and past the end those are the padding's NULs.
  template <std::size_t kSizeWithNul>
  bool literal(const char (&word)[kSizeWithNul]) {
    constexpr std::size_t kSize = kSizeWithNul - 1;
    if (std::memcmp(next_, word, kSize) != 0) return false;
    next_ += kSize;
    return true;
  }

  bool at(char c) const { return *next_ == c; }

  bool at_number() const { return *next_ == '-' || is_digit(*next_); }

  // Where the scanner is, as an offset into the text: a token read runs from the offset before
  // it to the offset after it.
  std::size_t offset() const { return offset_of(next_); }

  // The bytes of `in_copy`, a token read from the padded copy, in the text itself.
  std::string_view in_text(std::string_view in_copy) const {
    return text_.substr(offset_of(in_copy.data()), in_copy.size());
  }

 private:
  // The scanner reads a copy of the text followed by this many NUL bytes, so that no reader needs
  // to check for the end: a NUL is not whitespace, punctuation, a digit or a literal's letter, and
  // inside a string it is a control character, so every reader stops at the first one and fails
  // there. Strings are read a vector at a time (32 bytes with AVX2, 16 with SSE2), which stays
  // inside the copy.
  static constexpr std::size_t kPadding = 32;

  // Deeper nesting is not the common shape. A tool call's function object sits at depth 7 in a
  // chunk: the chunk, choices, a choice, its delta, tool_calls, a tool call, its function; a
  // response's top logprob bytes at depth 9.
  static constexpr int kMaxDepth = 16;

  // simdjson's get_double(), which the strict response scan calls on every number, refuses one
  // that overflows a double (and an exponent of 20 digits or more). Below 10^308 none can: the
  // scanner leaves larger numbers, and exponents of more than three digits, to simdjson.
  static constexpr std::ptrdiff_t kMaxDecimalMagnitude = 308;
  static constexpr std::ptrdiff_t kMaxExponentDigits = 3;

  static bool is_whitespace(char c) {
    // Compact JSON has none, and one comparison rules all four out.
    return static_cast<unsigned char>(c) <= ' ' &&
           (c == ' ' || c == '\n' || c == '\r' || c == '\t');
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  static bool is_hex_digit(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  // The code unit of the four hex digits at `digits`, read one at a time so that a NUL stops it.
  static bool read_hex4(const char* digits, std::uint32_t& unit) {
    unit = 0;
    for (int index = 0; index < 4; ++index) {
      const char c = digits[index];
      if (!is_hex_digit(c)) return false;
      const std::uint32_t nibble = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
      unit = unit << 4 | nibble;
    }
    return true;
  }

  // A key, the colon and the whitespace up to the value. simdjson compares keys unescaped, so
  // one with an escape is left to it.
  bool member_key(std::string_view& key) {
    StringToken token;
    if (!at('"') || !string(token) || token.escaped) return false;
    key = token.contents;
    skip_whitespace();
    if (!consume(':')) return false;
    skip_whitespace();
    return true;
  }

  // Moves to the next quote, backslash or control character, noting non-ASCII bytes for the
  // UTF-8 check. Most of the bytes are in strings: they are classified 32 at a time with AVX2
  // (the build targets x86-64-v3 by default), sixteen with SSE2 (any x86-64).
  void skip_plain_string_bytes() {
#if defined(__AVX2__)
    const __m256i quote = _mm256_set1_epi8('"');
    const __m256i backslash = _mm256_set1_epi8('\\');
    const __m256i last_control = _mm256_set1_epi8(0x1F);
    while (true) {
      const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(next_));
      // Bytes past the match count too: at worst the UTF-8 check runs for nothing.
      non_ascii_bits_ |= static_cast<unsigned>(_mm256_movemask_epi8(bytes));
      const __m256i is_control =
          _mm256_cmpeq_epi8(_mm256_min_epu8(bytes, last_control), bytes);
      const __m256i is_special = _mm256_or_si256(
          _mm256_or_si256(_mm256_cmpeq_epi8(bytes, quote), _mm256_cmpeq_epi8(bytes, backslash)),
          is_control);
      const auto special = static_cast<unsigned>(_mm256_movemask_epi8(is_special));
      if (special != 0) {
        next_ += std::countr_zero(special);
        return;
      }
      next_ += 32;
    }
#elif defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i last_control = _mm_set1_epi8(0x1F);
    while (true) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(next_));
      // Bytes past the match count too: at worst the UTF-8 check runs for nothing.
      non_ascii_bits_ |= static_cast<unsigned>(_mm_movemask_epi8(bytes));
      const __m128i is_control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, last_control), bytes);
      const __m128i is_special = _mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)), is_control);
      const auto special = static_cast<unsigned>(_mm_movemask_epi8(is_special));
      if (special != 0) {
        next_ += std::countr_zero(special);
        return;
      }
      next_ += 16;
    }
#else
    for (;; ++next_) {
      const auto c = static_cast<unsigned char>(*next_);
      if (c == '"' || c == '\\' || c < 0x20) return;
      non_ascii_bits_ |= c >> 7;
    }
#endif
  }

  // One escape sequence, at its backslash; adds its bytes beyond the one character it stands for
  // to `surplus`.
  bool escape(std::size_t& surplus) {
    switch (next_[1]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        next_ += 2;
        surplus += 1;
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    std::uint32_t unit = 0;
    if (!read_hex4(next_ + 2, unit)) return false;
    next_ += 6;
    if (unit < 0xD800 || unit > 0xDFFF) {
      surplus += 5;
      return true;
    }
    // A surrogate is only accepted as a high one followed by a low one: a lone surrogate is valid
    // JSON, but simdjson will not decode it, so it must decide.
    if (unit >= 0xDC00) return false;
    if (next_[0] != '\\' || next_[1] != 'u' || !read_hex4(next_ + 2, unit) || unit < 0xDC00 ||
        unit > 0xDFFF) {
      return false;
    }
    next_ += 6;
    surplus += 11;
    return true;
  }

  bool digits() {
    const char* const start = next_;
    while (is_digit(*next_)) ++next_;
    return next_ != start;
  }

  void skip_whitespace() {
    while (is_whitespace(*next_)) ++next_;
  }

  bool consume(char c) {
    if (*next_ != c) return false;
    ++next_;
    return true;
  }

  std::size_t offset_of(const char* position) const {
    return static_cast<std::size_t>(position - begin_);
  }

  const std::string_view text_;
  const char* begin_;  // of the padded copy
  const char* next_;
  const char* end_;  // of the text in the padded copy
  int depth_ = 0;
  unsigned non_ascii_bits_ = 0;  // non-zero once a string byte above 0x7F was passed over
};

}  // namespace tollgate::api
