#include "auth/api_key.hpp"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

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

void append_base62(std::string& out, std::size_t count) {
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

bool is_base62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
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
  append_base62(key.plaintext, kKeyLookupChars + kKeySecretChars);
  key.prefix = key.plaintext.substr(0, kKeyPrefixLength);
  return key;
}

std::vector<uint8_t> generate_salt() {
  std::vector<uint8_t> salt(kKeySaltBytes);
  fill_random(salt);
  return salt;
}

std::string_view key_prefix(std::string_view presented_key) {
  if (presented_key.size() != kKeyLength || !presented_key.starts_with(kKeyScheme)) return {};
  for (char c : presented_key.substr(kKeyScheme.size())) {
    if (!is_base62(c)) return {};
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
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

KeyHash to_key_hash(std::span<const uint8_t> bytes) {
  KeyHash hash{};
  if (bytes.size() == hash.size()) std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

}  // namespace tollgate::auth
