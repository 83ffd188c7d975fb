#include "api/characters.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <bit>

namespace tollgate::api {

std::size_t count_characters(std::string_view utf8) {
  const char* p = utf8.data();
  const char* const end = p + utf8.size();
  std::size_t continuation_bytes = 0;
#if defined(__SSE2__)
  // A prompt is most of a request's bytes: they are counted sixteen at a time. Read as signed
  // bytes, the continuation bytes (0x80-0xBF) are -128 to -65: those below -64, and no others.
  const __m128i minus_64 = _mm_set1_epi8(-64);
  const auto continuation_mask = [minus_64](const char* block) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(bytes, minus_64)));
  };
  if (end - p >= 16) {
    for (; end - p >= 16; p += 16) {
      continuation_bytes += static_cast<std::size_t>(std::popcount(continuation_mask(p)));
    }
    // The last bytes in a block that ends with the text, less the bytes already counted.
    const auto left = static_cast<unsigned>(end - p);
    continuation_bytes +=
        static_cast<std::size_t>(std::popcount(continuation_mask(end - 16) >> (16 - left)));
    return utf8.size() - continuation_bytes;
  }
#endif
  for (; p != end; ++p) {
    continuation_bytes += (static_cast<unsigned char>(*p) & 0xC0) == 0x80;
  }
  return utf8.size() - continuation_bytes;
}

}  // namespace tollgate::api
