// What a request presents to prove who it is, read from its headers and query string before any
// lookup, and the secrets of keys used in the key + secret form.
//
// Accepted forms (header names are case-insensitive; the caller looks them up):
//   Authorization: Bearer <jwt>             three base64url segments: an account session token
//   Authorization: Bearer <key>:<secret>    split on the first ':'
//   Authorization: Bearer <key>             an API key (OpenAI SDKs)
//   X-API-Key: <key> [+ X-API-Secret: <s>]  key alone, or key + secret (Anthropic SDKs: x-api-key)
//   x-goog-api-key: <key>                   (Gemini SDKs)
//   ?key=<key>                              (Gemini REST)
// The same credential sent twice (some SDKs send both Authorization and x-api-key) is one
// credential; two different ones are refused: a request picks exactly one identity.
//
// Parsing never allocates and returns views into the caller's header values, which must outlive
// the result. Hashing a key secret is one SHA-256: safe on an event loop.
#pragma once

#include "auth/api_key.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tollgate::auth {

enum class CredentialKind { none, api_key, key_and_secret, jwt, malformed };

std::string_view to_string(CredentialKind kind);

// The `{}` initializers let callers use designated initializers without GCC 12's
// -Wmissing-field-initializers warning.
struct PresentedCredential {
  CredentialKind kind = CredentialKind::none;
  std::string_view key{};      // api_key, key_and_secret
  std::string_view secret{};   // key_and_secret
  std::string_view token{};    // jwt (not yet verified: see verify_jwt)
  std::string_view problem{};  // malformed: a sentence for the 401, never echoing the credential
};

// Raw values as received; an empty view means the header (or the query) is absent.
struct CredentialSources {
  std::string_view authorization{};
  std::string_view x_api_key{};
  std::string_view x_api_secret{};
  std::string_view x_goog_api_key{};
  std::string_view query{};  // the request target after '?', without it
};

PresentedCredential parse_presented_credential(const CredentialSources& sources);

// ---- key secrets (the "secret" of the key + secret form) ----
//
//   tgs_ + 40 base62 characters (≈ 238 random bits). Stored as SHA-256(salt || secret) with its
//   own 16-byte salt from generate_salt(); shown once at creation, never stored or logged.

inline constexpr std::string_view kKeySecretScheme = "tgs_";
inline constexpr std::size_t kKeySecretRandomChars = 40;
inline constexpr std::size_t kKeySecretLength = kKeySecretScheme.size() + kKeySecretRandomChars;

// Draws from OpenSSL's CSPRNG. Throws std::runtime_error if the CSPRNG fails.
std::string generate_key_secret();
// "tgs_" followed by exactly 40 base62 characters.
bool is_well_formed_key_secret(std::string_view secret);
// SHA-256(salt || secret).
KeyHash hash_key_secret(std::string_view secret, std::span<const uint8_t> salt);
// False for a malformed secret; otherwise a constant-time comparison with `stored`.
bool verify_key_secret(std::string_view secret, std::span<const uint8_t> salt,
                       const KeyHash& stored);

}  // namespace tollgate::auth
