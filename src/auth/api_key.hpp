// Tollgate API keys: format, generation and hashing.
//
//   tg-AbC12xYz7Qp0...   = "tg-" + 8 lookup characters + 40 secret characters, all base62.
//   \_________/
//     prefix: stored in clear and shown in listings and logs; finds the key's row.
//
// Only SHA-256(salt || whole key) is stored, with a 16-byte random salt per key. The secret part
// carries 40 * log2(62) ≈ 238 bits, so a fast hash is enough: nothing to brute-force.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::auth {

inline constexpr std::string_view kKeyScheme = "tg-";
inline constexpr std::size_t kKeyLookupChars = 8;
inline constexpr std::size_t kKeySecretChars = 40;
inline constexpr std::size_t kKeyPrefixLength = kKeyScheme.size() + kKeyLookupChars;  // 11
inline constexpr std::size_t kKeyLength = kKeyPrefixLength + kKeySecretChars;         // 51
inline constexpr std::size_t kKeySaltBytes = 16;

using KeyHash = std::array<uint8_t, 32>;

struct GeneratedKey {
  std::string plaintext;  // shown once to the user, never stored or logged
  std::string prefix;     // first kKeyPrefixLength characters of plaintext
};

// Draws from OpenSSL's CSPRNG. Throws std::runtime_error if the CSPRNG fails (start-up/CLI only).
GeneratedKey generate_api_key();
std::vector<uint8_t> generate_salt();

// The lookup prefix of a presented key, or an empty view if the key is not well formed
// (wrong length, scheme or alphabet). Never allocates: safe on the request path.
std::string_view key_prefix(std::string_view presented_key);

// SHA-256(salt || key).
KeyHash hash_key(std::span<const uint8_t> salt, std::string_view key);
// A stored hash read back from the database. One of the wrong size (a damaged row) stays all
// zeros, which no key hashes to.
KeyHash to_key_hash(std::span<const uint8_t> bytes);

// Constant-time comparison: the time taken says nothing about where they differ.
bool hash_equals(std::span<const uint8_t, 32> a, std::span<const uint8_t, 32> b);

// Whether `a` and `b` hold the same bytes, in a time that depends on their size alone (which is
// not secret): every byte is compared, eight at a time, whatever the first difference. What
// OpenSSL's CRYPTO_memcmp does a byte at a time, for a tenth of the instructions.
bool constant_time_equals(std::span<const uint8_t> a, std::span<const uint8_t> b);
inline bool constant_time_equals(std::string_view a, std::string_view b) {
  return constant_time_equals(std::span(reinterpret_cast<const uint8_t*>(a.data()), a.size()),
                              std::span(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
}

// Whether every character of `text` is base62 (0-9, A-Z, a-z), as keys and key secrets are.
bool is_base62(std::string_view text);

// Appends `count` base62 characters drawn uniformly from OpenSSL's CSPRNG. Throws
// std::runtime_error if the CSPRNG fails.
void append_random_base62(std::string& out, std::size_t count);

}  // namespace tollgate::auth
