// Account passwords: the policy a new password must meet, and how it is stored.
//
//   pbkdf2-sha256$<iterations>$<salt>$<hash>
//
// PBKDF2-HMAC-SHA256 with a 16-byte random salt per password and a 32-byte derived key; salt and
// hash in standard base64 with padding. The iteration count travels with each hash, so raising
// the default later leaves old hashes verifiable (rehash them at the next successful login).
//
// BLOCKING: hash_password and verify_password cost ~100 ms of CPU at the default 210,000
// iterations (OWASP 2023 for PBKDF2-HMAC-SHA256). Never call them on an event-loop thread; run
// them on a worker pool and resume the request when they finish.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::auth {

inline constexpr int kDefaultPbkdf2Iterations = 210'000;
// Stored strings asking for more are refused as malformed, so a damaged or hostile row cannot
// pin a CPU for minutes.
inline constexpr int kMaxPbkdf2Iterations = 10'000'000;
inline constexpr std::size_t kPasswordSaltBytes = 16;
inline constexpr std::size_t kPasswordHashBytes = 32;
inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

struct PasswordPolicyViolation {
  std::string_view code;     // stable: "password_too_short", "password_too_long", "password_blank"
  std::string_view message;  // for the client, e.g. "password must be at least 8 bytes long"
};

// nullopt if `password` may be used: 8 to 1024 bytes, not whitespace only. Lengths are in bytes
// of UTF-8, not characters. Cheap: call it before hash_password.
std::optional<PasswordPolicyViolation> check_password_policy(std::string_view password);

// Throws std::invalid_argument for iterations outside 1..kMaxPbkdf2Iterations and
// std::runtime_error if OpenSSL fails. Does not apply the policy.
std::string hash_password(std::string_view password, int iterations = kDefaultPbkdf2Iterations);

// True if `password` matches `stored` (constant-time compare of the derived keys). False, without
// hashing, if `stored` is not exactly in the format above.
bool verify_password(std::string_view password, std::string_view stored);

}  // namespace tollgate::auth
