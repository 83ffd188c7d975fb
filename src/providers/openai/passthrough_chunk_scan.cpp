// The hand-written reading of a common stream chunk (passthrough_detail.hpp). On a ~250-byte
// chunk simdjson costs ~3,700 instructions (its first stage indexes the whole document, then
// On-Demand walks the index, for a few values); this single pass costs ~1,700 (callgrind,
// BM_PassthroughChunk in bench/micro/translate_bench.cpp). It only needs to be right on what it
// accepts: whatever it does not know gives up, and StreamChunkPatcher::patch asks simdjson.
#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <bit>
#include <cstdint>
#include <cstring>

#include "providers/openai/passthrough_detail.hpp"

namespace tollgate::providers::openai::detail {
namespace {

// The scanner reads a copy of the payload followed by this many NUL bytes, so that no reader
// needs to check for the end: a NUL is not whitespace, punctuation, a digit or a literal's
// letter, and inside a string it is a control character, so every reader stops at the first
// one and fails there. Strings are read sixteen bytes at a time, which stays inside the copy.
constexpr std::size_t kPadding = 16;

// Deeper nesting is not the common shape. A tool call's function object sits at depth 7: the
// chunk, choices, a choice, its delta, tool_calls, a tool call, its function.
constexpr int kMaxDepth = 16;

bool is_whitespace(char c) {
  // Compact JSON has none, and one comparison rules all four out.
  return static_cast<unsigned char>(c) <= ' ' && (c == ' ' || c == '\n' || c == '\r' || c == '\t');
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The code unit of the four hex digits at `digits`, read one at a time so that a NUL stops it.
bool read_hex4(const char* digits, std::uint32_t& unit) {
  unit = 0;
  for (int index = 0; index < 4; ++index) {
    const char c = digits[index];
    if (!is_hex_digit(c)) return false;
    const std::uint32_t nibble = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    unit = unit << 4 | nibble;
  }
  return true;
}

class CommonChunkScanner {
 public:
  // `padded` is `payload` followed by kPadding NUL bytes.
  CommonChunkScanner(std::string_view payload, const std::string& padded, CommonChunk& chunk)
      : payload_(payload),
        begin_(padded.data()),
        next_(padded.data()),
        end_(padded.data() + payload.size()),
        chunk_(chunk) {}

  bool scan() {
    chunk_.model_ranges.clear();
    chunk_.has_choices = false;
    chunk_.has_content = false;
    chunk_.finish_reason = {};
    skip_whitespace();
    if (!at('{') || !object([this](std::string_view key) { return top_level_member(key); })) {
      return false;
    }
    skip_whitespace();
    if (next_ != end_) return false;
    // Non-ASCII bytes can only be inside strings here, so checking the whole payload checks
    // them, as simdjson's first stage does.
    return non_ascii_bits_ == 0 || simdjson::validate_utf8(payload_.data(), payload_.size());
  }

 private:
  struct StringToken {
    std::string_view contents;  // between the quotes, escapes as they are
    bool escaped = false;       // holds a backslash
  };

  // ---- the members patch() reads, by the rules of StreamChunkPatcher's simdjson scan

  bool top_level_member(std::string_view key) {
    if (key == "model" && at('"')) {
      const char* const start = next_;
      if (!string()) return false;
      chunk_.model_ranges.push_back({offset_of(start), static_cast<std::size_t>(next_ - start)});
      return true;
    }
    if (key == "choices" && at('[')) {
      return array([this] {
        chunk_.has_choices = true;
        return at('{') ? choice() : value();
      });
    }
    // The usage chunk (once per stream) and errors are left to simdjson.
    if (key == "usage") return !at('{') && value();
    if (key == "error") return literal("null");
    return value();
  }

  bool choice() {
    return object([this](std::string_view key) {
      if (key == "delta" && at('{')) return delta();
      if (key == "finish_reason" && at('"')) {
        StringToken reason;
        // simdjson would unescape it; a finish reason is a plain word, so none is expected.
        if (!string(reason) || reason.escaped) return false;
        if (chunk_.finish_reason.empty()) {
          chunk_.finish_reason =
              payload_.substr(offset_of(reason.contents.data()), reason.contents.size());
        }
        return true;
      }
      return value();
    });
  }

  bool delta() {
    return object([this](std::string_view key) {
      const bool is_text =
          key == "content" || key == "refusal" || key == "reasoning_content" || key == "reasoning";
      if (is_text && at('"')) {
        StringToken text;
        if (!string(text)) return false;
        // Only "" unescapes to an empty string: every escape stands for at least one byte.
        chunk_.has_content |= !text.contents.empty();
        return true;
      }
      if (key == "tool_calls" && at('[')) {
        bool has_tool_calls = false;
        const bool read = array([&] {
          has_tool_calls = true;
          return value();
        });
        chunk_.has_content |= has_tool_calls;
        return read;
      }
      return value();
    });
  }

  // ---- JSON, validated as it is passed over. Each reader starts at its token's first byte and
  // stops right after its last one.

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
      default:
        return number();
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
      if (*next_ != '\\' || !escape()) return false;
      token.escaped = true;
    }
    token.contents = std::string_view(start, static_cast<std::size_t>(next_ - start));
    ++next_;  // the closing quote
    return true;
  }

  // Moves to the next quote, backslash or control character, noting non-ASCII bytes for the
  // UTF-8 check. Most of a chunk's bytes are in strings: with SSE2 (any x86-64) they are
  // classified sixteen at a time.
  void skip_plain_string_bytes() {
#if defined(__SSE2__)
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

  // One escape sequence, at its backslash.
  bool escape() {
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
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    std::uint32_t unit = 0;
    if (!read_hex4(next_ + 2, unit)) return false;
    next_ += 6;
    if (unit < 0xD800 || unit > 0xDFFF) return true;
    // A surrogate is only accepted as a high one followed by a low one: a lone surrogate is valid
    // JSON, but simdjson will not decode it, so it must decide.
    if (unit >= 0xDC00) return false;
    if (next_[0] != '\\' || next_[1] != 'u' || !read_hex4(next_ + 2, unit) || unit < 0xDC00 ||
        unit > 0xDFFF) {
      return false;
    }
    next_ += 6;
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number() {
    consume('-');
    if (!consume('0') && !digits()) return false;
    if (consume('.') && !digits()) return false;
    if (consume('e') || consume('E')) {
      if (!consume('+')) consume('-');
      if (!digits()) return false;
    }
    return true;
  }

  bool digits() {
    const char* const start = next_;
    while (*next_ >= '0' && *next_ <= '9') ++next_;
    return next_ != start;
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

  void skip_whitespace() {
    while (is_whitespace(*next_)) ++next_;
  }

  bool at(char c) const {
    return *next_ == c;
  }

  bool consume(char c) {
    if (*next_ != c) return false;
    ++next_;
    return true;
  }

  std::size_t offset_of(const char* position) const {
    return static_cast<std::size_t>(position - begin_);
  }

  const std::string_view payload_;
  const char* const begin_;  // of the padded copy
  const char* next_;
  const char* const end_;  // of the payload in the padded copy
  CommonChunk& chunk_;
  int depth_ = 0;
  unsigned non_ascii_bits_ = 0;  // non-zero once a string byte above 0x7F was passed over
};

}  // namespace

bool scan_common_chunk(std::string_view payload, CommonChunk& chunk) {
  chunk.padded_payload.assign(payload);
  chunk.padded_payload.append(kPadding, '\0');
  return CommonChunkScanner(payload, chunk.padded_payload, chunk).scan();
}

}  // namespace tollgate::providers::openai::detail
