#include "auth/password.hpp"

#include "auth/api_key.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

namespace tollgate::auth {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
static_assert(kPasswordSaltBytes == kKeySaltBytes, "password salts come from generate_salt()");

using DerivedKey = std::array<uint8_t, kPasswordHashBytes>;

// Fetched once: an explicit fetch avoids OpenSSL 3's per-call implicit algorithm lookup.
const EVP_MD* sha256() {
  static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> digest(
      EVP_MD_fetch(nullptr, "SHA256", nullptr), &EVP_MD_free);
  return digest.get();
}

std::optional<DerivedKey> derive_key(std::string_view password, std::span<const uint8_t> salt,
                                     int iterations) {
  if (password.size() > static_cast<std::size_t>(INT_MAX) || sha256() == nullptr) {
    return std::nullopt;
  }
  DerivedKey key{};
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, sha256(),
                        static_cast<int>(key.size()), key.data()) != 1) {
    return std::nullopt;
  }
  return key;
}

std::size_t base64_length(std::size_t bytes) {
  return (bytes + 2) / 3 * 4;
}

std::string base64_encode(std::span<const uint8_t> bytes) {
  std::string text(base64_length(bytes.size()), '\0');
  // EVP_EncodeBlock writes a terminating NUL after the text: give it room, then drop it.
  text.push_back('\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), bytes.data(),
                  static_cast<int>(bytes.size()));
  text.pop_back();
  return text;
}

// Exactly `size` bytes, from their one canonical padded base64 spelling; nullopt otherwise.
std::optional<std::vector<uint8_t>> base64_decode_exact(std::string_view text, std::size_t size) {
  if (text.size() != base64_length(size)) return std::nullopt;
  std::vector<uint8_t> bytes(text.size() / 4 * 3);
  int decoded = EVP_DecodeBlock(bytes.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (decoded != static_cast<int>(bytes.size())) return std::nullopt;
  bytes.resize(size);
  // EVP_DecodeBlock skips surrounding whitespace and ignores stray low bits before the padding:
  // re-encoding refuses every spelling but the canonical one.
  if (base64_encode(bytes) != text) return std::nullopt;
  return bytes;
}

// Digits only, no sign, no leading zero, 1..kMaxPbkdf2Iterations.
std::optional<int> parse_iterations(std::string_view text) {
  if (text.empty() || text.front() == '0') return std::nullopt;
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (value < 1 || value > kMaxPbkdf2Iterations) return std::nullopt;
  return value;
}

struct StoredPassword {
  int iterations = 0;
  std::vector<uint8_t> salt;
  std::vector<uint8_t> hash;
};

std::optional<StoredPassword> parse_stored(std::string_view stored) {
  std::array<std::string_view, 4> fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::size_t dollar = stored.find('$');
    bool last = i + 1 == fields.size();
    if (last != (dollar == std::string_view::npos)) return std::nullopt;
    fields[i] = stored.substr(0, dollar);
    stored.remove_prefix(last ? stored.size() : dollar + 1);
  }
  if (fields[0] != kScheme) return std::nullopt;
  std::optional<int> iterations = parse_iterations(fields[1]);
  auto salt = base64_decode_exact(fields[2], kPasswordSaltBytes);
  auto hash = base64_decode_exact(fields[3], kPasswordHashBytes);
  if (!iterations || !salt || !hash) return std::nullopt;
  return StoredPassword{*iterations, std::move(*salt), std::move(*hash)};
}

bool is_ascii_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

std::optional<PasswordPolicyViolation> check_password_policy(std::string_view password) {
  if (password.size() < kMinPasswordBytes) {
    return PasswordPolicyViolation{"password_too_short", "password must be at least 8 bytes long"};
  }
  if (password.size() > kMaxPasswordBytes) {
    return PasswordPolicyViolation{"password_too_long", "password must be at most 1024 bytes long"};
  }
  if (std::all_of(password.begin(), password.end(), is_ascii_whitespace)) {
    return PasswordPolicyViolation{"password_blank",
                                   "password must not consist of whitespace only"};
  }
  return std::nullopt;
}

std::string hash_password(std::string_view password, int iterations) {
  if (iterations < 1 || iterations > kMaxPbkdf2Iterations) {
    throw std::invalid_argument("PBKDF2 iterations must be between 1 and 10000000");
  }
  std::vector<uint8_t> salt = generate_salt();
  std::optional<DerivedKey> key = derive_key(password, salt, iterations);
  if (!key) throw std::runtime_error("PBKDF2-HMAC-SHA256 failed (OpenSSL)");
  std::string stored(kScheme);
  stored += '$' + std::to_string(iterations);
  stored += '$' + base64_encode(salt);
  stored += '$' + base64_encode(*key);
  return stored;
}

bool verify_password(std::string_view password, std::string_view stored) {
  std::optional<StoredPassword> parsed = parse_stored(stored);
  if (!parsed) return false;
  std::optional<DerivedKey> key = derive_key(password, parsed->salt, parsed->iterations);
  return key && constant_time_equals(*key, parsed->hash);
}

}  // namespace tollgate::auth
