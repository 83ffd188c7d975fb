// Session tokens for account endpoints: HS256 JSON Web Tokens (RFC 7519 over RFC 7515's compact
// serialization), signed and checked with one server secret.
//
//   base64url(header) "." base64url(claims) "." base64url(HMAC-SHA256(secret, header "." claims))
//
// Verification is strict, so that one token has exactly one accepted spelling: the header must
// say alg "HS256" (never "none", never a public-key algorithm: the classic algorithm-confusion
// attacks), base64url carries no padding and no stray bits, the signature is compared in
// constant time and checked before the claims are even parsed. Each refusal has its own code so
// that logs and tests can tell them apart; clients should see one generic 401.
//
// Both functions are pure CPU work of a few microseconds: safe on an event loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tollgate::auth {

// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits).
inline constexpr std::size_t kMinJwtSecretBytes = 32;
// Tolerated clock difference between the issuer and the verifier for "iat" and "nbf".
inline constexpr int64_t kJwtClockSkewSeconds = 60;
// Longer tokens are refused before any decoding (ours are ~200 bytes).
inline constexpr std::size_t kMaxJwtBytes = 8192;

struct JwtClaims {
  std::string sub;                   // the account id, as a decimal string
  int64_t iat = 0;                   // issued at, seconds since the Unix epoch
  int64_t exp = 0;                   // expires at (refused when exp <= now)
  std::optional<std::string> jti;    // token id, e.g. for a revocation list
  std::optional<std::string> scope;  // space-separated scopes, RFC 8693 style

  friend bool operator==(const JwtClaims&, const JwtClaims&) = default;
};

enum class JwtError {
  malformed,              // not three dot-separated segments, empty, or longer than kMaxJwtBytes
  bad_base64url,          // a segment is not unpadded, canonical base64url
  bad_header,             // header is not a JSON object, or lists "crit" extensions
  unsupported_algorithm,  // header alg is missing or not "HS256" (e.g. "none", "RS256")
  bad_signature,          // signature does not match (or the secret is unusably short)
  bad_claims_json,        // claims are not a JSON object, or repeat a claim name
  missing_subject,        // no "sub", or it is not a non-empty string
  missing_expiry,         // no "exp", or it is not an integer
  invalid_claim,          // "iat", "nbf", "jti" or "scope" present with the wrong type
  expired,                // exp <= now
  not_yet_valid,          // iat or nbf more than kJwtClockSkewSeconds after now
};

// A stable snake_case name for logs and metrics ("bad_signature", ...).
std::string_view to_string(JwtError error);

// Throws std::invalid_argument if `secret` is shorter than kMinJwtSecretBytes (a configuration
// bug the config loader should catch at start-up) and std::runtime_error if OpenSSL fails.
// String claims are written as given: they must be valid UTF-8 (ids and scopes are ASCII).
std::string issue_jwt(const JwtClaims& claims, std::string_view secret);

// The claims of `token` if it is an HS256 JWT signed with `secret` and valid at `now_s` (seconds
// since the Unix epoch); the first reason it is not otherwise. Never throws.
std::variant<JwtClaims, JwtError> verify_jwt(std::string_view token, std::string_view secret,
                                             int64_t now_s);

// Unpadded base64url (RFC 4648 §5), as JWTs use it.
std::string base64url_encode(std::string_view bytes);
// nullopt unless `text` is canonical unpadded base64url: only the 64 URL-safe characters, a
// length that is not 1 mod 4, and zero bits after the last whole byte.
std::optional<std::string> base64url_decode(std::string_view text);
// True if every character is in the base64url alphabet (cheap shape check, no decoding).
bool is_base64url_text(std::string_view text);

}  // namespace tollgate::auth
