#include "api/characters.hpp"

#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <bit>
#include <cstddef>
#include <cstdint>

namespace tollgate::api {

std::size_t count_characters(std::string_view utf8) {
  const char* p = utf8.data();
  const char* const end = p + utf8.size();
  std::size_t continuation_bytes = 0;
#if defined(__AVX2__)
  // A prompt is most of a request's bytes: they are counted 32 at a time (the build targets
  // x86-64-v3 by default; sixteen with SSE2 alone). Read as signed bytes, the continuation bytes
  // (0x80-0xBF) are -128 to -65: those below -64, and no others.
  const __m256i minus_64 = _mm256_set1_epi8(-64);
  const auto continuation_mask = [minus_64](const char* block) {
    const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block));
    return static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpgt_epi8(minus_64, bytes)));
  };
  constexpr std::ptrdiff_t kBlock = 32;
#elif defined(__SSE2__)
  // As above, sixteen at a time.
  const __m128i minus_64 = _mm_set1_epi8(-64);
  const auto continuation_mask = [minus_64](const char* block) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
    return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmplt_epi8(bytes, minus_64)));
  };
  constexpr std::ptrdiff_t kBlock = 16;
#endif
#if defined(__AVX2__) || defined(__SSE2__)
  if (end - p >= kBlock) {
    for (; end - p >= kBlock; p += kBlock) {
      continuation_bytes += static_cast<std::size_t>(std::popcount(continuation_mask(p)));
    }
    // The last bytes in a block that ends with the text, less the bytes already counted (as a
    // 64-bit mask: with none left the shift is the block's whole width).
    const auto left = static_cast<unsigned>(end - p);
    const std::uint64_t last = continuation_mask(end - kBlock);
    continuation_bytes += static_cast<std::size_t>(std::popcount(last >> (kBlock - left)));
    return utf8.size() - continuation_bytes;
  }
#endif
  for (; p != end; ++p) {
    continuation_bytes += (static_cast<unsigned char>(*p) & 0xC0) == 0x80;
  }
  return utf8.size() - continuation_bytes;
}

}  // namespace tollgate::api
