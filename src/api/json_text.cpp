#include "api/json_text.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tollgate::api {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

struct Utf8Step {
  std::size_t length;  // bytes consumed: a whole character, or one maximal ill-formed subpart
  bool valid;
};

// Reads one UTF-8 sequence starting with a non-ASCII byte, following the well-formed byte table of
// the Unicode standard (Table 3-7): this rejects overlong forms, surrogates and values above
// U+10FFFF. On an error it consumes the longest prefix that could have started a valid sequence,
// so one U+FFFD replaces it and decoding resumes at the first byte that broke the pattern.
Utf8Step read_utf8_sequence(const unsigned char* position, const unsigned char* end) {
  const unsigned lead = position[0];
  std::size_t continuation_bytes = 0;
  unsigned low = 0x80;  // the range allowed for the first continuation byte
  unsigned high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation_bytes = 1;
  } else if (lead == 0xE0) {
    continuation_bytes = 2;
    low = 0xA0;
  } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    continuation_bytes = 2;
  } else if (lead == 0xED) {
    continuation_bytes = 2;
    high = 0x9F;
  } else if (lead == 0xF0) {
    continuation_bytes = 3;
    low = 0x90;
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    continuation_bytes = 3;
  } else if (lead == 0xF4) {
    continuation_bytes = 3;
    high = 0x8F;
  } else {
    return {1, false};  // a continuation byte or a byte that never appears in UTF-8
  }
  for (std::size_t index = 1; index <= continuation_bytes; ++index) {
    if (position + index >= end) return {index, false};
    const unsigned byte = position[index];
    if (byte < low || byte > high) return {index, false};
    low = 0x80;
    high = 0xBF;
  }
  return {continuation_bytes + 1, true};
}

void append_control_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\b':
      out.append("\\b");
      return;
    case '\f':
      out.append("\\f");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    default: {
      constexpr char kHex[] = "0123456789abcdef";
      const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(escape, sizeof escape);
    }
  }
}

// Whether any of the eight bytes of `word` needs a look: a control character, '"', '\\', or a
// byte of a UTF-8 sequence (to be checked). Exact (no false negatives: each test is the classic
// "has a zero byte" / "has a byte less than n" bit trick, whose zero/non-zero answer is exact).
constexpr bool needs_a_look(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighBits = 0x8080808080808080;
  const auto has_zero_byte = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighBits; };
  const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighBits;
  return ((word & kHighBits) | below_space | has_zero_byte(word ^ (kOnes * '"')) |
          has_zero_byte(word ^ (kOnes * '\\'))) != 0;
}

std::uint64_t load_eight(const unsigned char* bytes) {
  std::uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

// The first byte from `position` that needs a look (as needs_a_look), sixteen at a time, or the
// start of the last few bytes (fewer than sixteen), which are left to the caller.
const unsigned char* skip_plain_blocks(const unsigned char* position, const unsigned char* end) {
#if defined(__SSE2__)
  // Signed, a byte below 0x20 is a control character or (negative) one of a UTF-8 sequence.
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (; end - position >= 16; position += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(position));
    const __m128i look =
        _mm_or_si128(_mm_cmplt_epi8(bytes, space),
                     _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)));
    if (const auto mask = static_cast<unsigned>(_mm_movemask_epi8(look)); mask != 0) {
      return position + std::countr_zero(mask);
    }
  }
#else
  (void)end;
#endif
  return position;
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  const auto* position = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = position + text.size();
  // Bytes that need no change are copied in runs, not one by one.
  const auto* run_start = position;
  auto flush_run = [&] {
    out.append(reinterpret_cast<const char*>(run_start),
               static_cast<std::size_t>(position - run_start));
  };
  while (position < end) {
    // Plain text goes sixteen bytes at a time (with SSE2), then eight; only a block with
    // something to look at is read byte by byte.
    position = skip_plain_blocks(position, end);
    while (end - position >= 8 && !needs_a_look(load_eight(position))) position += 8;
    const auto* const block_end = std::min(end, position + 8);
    while (position < block_end) {
      const unsigned char c = *position;
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        ++position;
        continue;
      }
      if (c < 0x80) {
        flush_run();
        append_control_escape(out, c);
        run_start = ++position;
        continue;
      }
      const Utf8Step step = read_utf8_sequence(position, end);
      if (step.valid) {
        position += step.length;
        continue;
      }
      flush_run();
      out.append(kReplacementCharacter);
      position += step.length;
      run_start = position;
    }
  }
  flush_run();
}

void append_json_string(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  append_json_escaped(out, text);
  out.push_back('"');
}

std::string json_escape(std::string_view text) {
  std::string out;
  append_json_escaped(out, text);
  return out;
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

}  // namespace tollgate::api
