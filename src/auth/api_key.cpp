#include "auth/api_key.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace tollgate::auth {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// The largest multiple of 62 that fits in a byte: bytes at or above it are rejected so that
// every character is exactly equally likely (no modulo bias).
constexpr unsigned kUnbiasedLimit = 256 - (256 % 62);  // 248

void fill_random(std::span<uint8_t> bytes) {
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("the system random number generator failed");
  }
}

bool is_base62_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// Hides `value` from the optimiser, so that it cannot end a comparison loop at the first
// difference it would otherwise be free to detect.
std::uint64_t value_barrier(std::uint64_t value) {
  __asm__("" : "+r"(value));
  return value;
}

// Fetched once: an explicit fetch avoids OpenSSL 3's per-call implicit algorithm lookup (which
// takes a lock) on the request path. Immutable after first use.
const EVP_MD* sha256() {
  static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> digest(
      EVP_MD_fetch(nullptr, "SHA256", nullptr), &EVP_MD_free);
  return digest.get();
}

}  // namespace

GeneratedKey generate_api_key() {
  GeneratedKey key;
  key.plaintext.reserve(kKeyLength);
  key.plaintext.append(kKeyScheme);
  append_random_base62(key.plaintext, kKeyLookupChars + kKeySecretChars);
  key.prefix = key.plaintext.substr(0, kKeyPrefixLength);
  return key;
}

std::vector<uint8_t> generate_salt() {
  std::vector<uint8_t> salt(kKeySaltBytes);
  fill_random(salt);
  return salt;
}

void append_random_base62(std::string& out, std::size_t count) {
  std::array<uint8_t, 64> pool{};
  std::size_t used = pool.size();
  while (count > 0) {
    if (used == pool.size()) {
      fill_random(pool);
      used = 0;
    }
    uint8_t byte = pool[used++];
    if (byte >= kUnbiasedLimit) continue;
    out.push_back(kBase62[byte % 62]);
    --count;
  }
}

bool is_base62(std::string_view text) {
  const char* p = text.data();
  const char* const end = p + text.size();
#if defined(__SSE2__)
  // Sixteen characters at a time (a key's 48 are three blocks), each in one of the three ranges.
  // The comparisons are signed: bytes from 0x80 up are negative, in none of them.
  for (; end - p >= 16; p += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto in_range = [bytes](char first, char last) {
      return _mm_and_si128(_mm_cmpgt_epi8(bytes, _mm_set1_epi8(static_cast<char>(first - 1))),
                           _mm_cmplt_epi8(bytes, _mm_set1_epi8(static_cast<char>(last + 1))));
    };
    const __m128i base62 =
        _mm_or_si128(_mm_or_si128(in_range('0', '9'), in_range('A', 'Z')), in_range('a', 'z'));
    if (_mm_movemask_epi8(base62) != 0xFFFF) return false;
  }
#endif
  return std::all_of(p, end, is_base62_char);
}

std::string_view key_prefix(std::string_view presented_key) {
  if (presented_key.size() != kKeyLength || !presented_key.starts_with(kKeyScheme) ||
      !is_base62(presented_key.substr(kKeyScheme.size()))) {
    return {};
  }
  return presented_key.substr(0, kKeyPrefixLength);
}

KeyHash hash_key(std::span<const uint8_t> salt, std::string_view key) {
  KeyHash digest{};
  // One context per thread, reset by each EVP_DigestInit_ex: no allocation per request.
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
      EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned int length = 0;
  bool ok = context != nullptr && sha256() != nullptr &&
            EVP_DigestInit_ex(context.get(), sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(context.get(), salt.data(), salt.size()) == 1 &&
            EVP_DigestUpdate(context.get(), key.data(), key.size()) == 1 &&
            EVP_DigestFinal_ex(context.get(), digest.data(), &length) == 1 &&
            length == digest.size();
  if (!ok) {
    // Only on allocation failure or a broken OpenSSL install. All zeros is not a SHA-256 output
    // anyone can produce, so no stored hash matches it: the key is refused, nothing throws.
    digest.fill(0);
  }
  return digest;
}

bool hash_equals(std::span<const uint8_t, 32> a, std::span<const uint8_t, 32> b) {
  return constant_time_equals(std::span<const uint8_t>(a), std::span<const uint8_t>(b));
}

bool constant_time_equals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  std::uint64_t difference = 0;
  std::size_t at = 0;
  for (; a.size() - at >= 8; at += 8) {
    std::uint64_t word_a = 0;
    std::uint64_t word_b = 0;
    std::memcpy(&word_a, a.data() + at, 8);
    std::memcpy(&word_b, b.data() + at, 8);
    difference = value_barrier(difference | (word_a ^ word_b));
  }
  for (; at < a.size(); ++at) {
    difference = value_barrier(difference | static_cast<std::uint8_t>(a[at] ^ b[at]));
  }
  return difference == 0;
}

KeyHash to_key_hash(std::span<const uint8_t> bytes) {
  KeyHash hash{};
  if (bytes.size() == hash.size()) std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

}  // namespace tollgate::auth
