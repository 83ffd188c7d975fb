#include "api/characters.hpp"

#if defined(__AVX2__)
#include <immintrin.h>
#endif
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <bit>
#include <cstddef>
#include <cstdint>

namespace tollgate::api {
namespace {

// Continuation bytes in [p, end), at least one block long, counted a block at a time: `mask`
// gives one bit per byte of a block that is a continuation byte (0x80-0xBF). Read as signed
// bytes, those are -128 to -65: below -64, and no others.
template <std::ptrdiff_t kBlock, typename Mask>
std::size_t continuation_bytes_in_blocks(const char* p, const char* const end, Mask mask) {
  std::size_t count = 0;
  for (; end - p >= kBlock; p += kBlock) count += static_cast<std::size_t>(std::popcount(mask(p)));
  // The last bytes in a block that ends with the text, less the bytes already counted (as a
  // 64-bit mask: with none left the shift is the block's whole width).
  const auto left = static_cast<unsigned>(end - p);
  const std::uint64_t last = mask(end - kBlock);
  return count + static_cast<std::size_t>(std::popcount(last >> (kBlock - left)));
}

}  // namespace

// A prompt is most of a request's bytes: they are counted 32 at a time with AVX2 (the build
// targets x86-64-v3 by default), sixteen with SSE2 (any x86-64), shorter texts one by one.
std::size_t count_characters(std::string_view utf8) {
  const char* const begin = utf8.data();
  const char* const end = begin + utf8.size();
#if defined(__AVX2__)
  if (end - begin >= 32) {
    return utf8.size() - continuation_bytes_in_blocks<32>(begin, end, [](const char* block) {
             const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block));
             return static_cast<std::uint32_t>(
                 _mm256_movemask_epi8(_mm256_cmpgt_epi8(_mm256_set1_epi8(-64), bytes)));
           });
  }
#endif
#if defined(__SSE2__)
  if (end - begin >= 16) {
    return utf8.size() - continuation_bytes_in_blocks<16>(begin, end, [](const char* block) {
             const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
             return static_cast<std::uint32_t>(
                 _mm_movemask_epi8(_mm_cmplt_epi8(bytes, _mm_set1_epi8(-64))));
           });
  }
#endif
  std::size_t continuation_bytes = 0;
  for (const char* p = begin; p != end; ++p) {
    continuation_bytes += (static_cast<unsigned char>(*p) & 0xC0) == 0x80;
  }
  return utf8.size() - continuation_bytes;
}

}  // namespace tollgate::api
