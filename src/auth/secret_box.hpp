// Authenticated encryption of small secrets at rest (BYOK provider credentials): AES-256-GCM
// with one master key from the configuration.
//
//   "v1." base64url( nonce (12 random bytes) | ciphertext | tag (16 bytes) )
//
// The associated data is not stored: the caller passes the same text to seal and to open, so a
// sealed value only opens in the context it was sealed for (byok.hpp binds a credential to its
// key and provider this way). A fresh random nonce per seal keeps the probability of a repeat
// negligible for far more seals than a gateway will ever make with one key (NIST SP 800-38D
// allows 2^32 random nonces per key).
//
// open() answers nullopt for anything it cannot prove genuine — a changed byte, another key,
// other associated data, a malformed or unknown version — and never says which. Both calls are a
// few microseconds of CPU: fine on any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::auth {

class SecretBox {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  static constexpr std::size_t kNonceBytes = 12;
  static constexpr std::size_t kTagBytes = 16;
  using Key = std::array<uint8_t, kKeyBytes>;
  using Nonce = std::array<uint8_t, kNonceBytes>;

  // The box for a master key written as 64 hex digits (either case); nullopt otherwise.
  static std::optional<SecretBox> from_hex(std::string_view master_key_hex);
  explicit SecretBox(const Key& key);
  SecretBox(const SecretBox& other) = default;
  SecretBox& operator=(const SecretBox& other) = default;
  ~SecretBox();  // wipes the key

  // The sealed text of `plaintext`, under a fresh random nonce. Throws std::runtime_error if
  // OpenSSL's random generator or cipher fails.
  std::string seal(std::string_view plaintext, std::string_view associated_data) const;
  // The plaintext, if `sealed` is a value seal() made with this key and this associated data.
  std::optional<std::string> open(std::string_view sealed, std::string_view associated_data) const;

  // seal() with a given nonce, for known-answer tests only: sealing two values with one nonce
  // under one key gives away their XOR and the authentication key.
  std::string seal_with_nonce(std::string_view plaintext, std::string_view associated_data,
                              const Nonce& nonce) const;

 private:
  Key key_;
};

}  // namespace tollgate::auth
