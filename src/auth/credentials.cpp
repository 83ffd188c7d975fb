#include "auth/credentials.hpp"

#include "auth/jwt.hpp"

#include <algorithm>

namespace tollgate::auth {
namespace {

constexpr std::string_view kMixedCredentials =
    "several different credentials were presented; pick exactly one per request";
constexpr std::string_view kUnsupportedScheme =
    "unsupported Authorization scheme; use \"Authorization: Bearer <key>\"";
constexpr std::string_view kEmptyBearer = "the Authorization header has no Bearer credential";
constexpr std::string_view kSpaceInBearer =
    "the Authorization header must carry a single Bearer credential";
constexpr std::string_view kHalfKeyAndSecret =
    "a key + secret credential needs both parts: \"Bearer <key>:<secret>\"";
constexpr std::string_view kSecretWithoutKey = "X-API-Secret was sent without X-API-Key";

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

PresentedCredential malformed(std::string_view problem) {
  return {.kind = CredentialKind::malformed, .problem = problem};
}

PresentedCredential api_key(std::string_view key) {
  return {.kind = CredentialKind::api_key, .key = key};
}

PresentedCredential key_and_secret(std::string_view key, std::string_view secret) {
  if (key.empty() || secret.empty()) return malformed(kHalfKeyAndSecret);
  return {.kind = CredentialKind::key_and_secret, .key = key, .secret = secret};
}

// A compact JWS: exactly two dots, every segment base64url. Anything else is not a JWT, so a
// token in another shape is classified as a key and simply fails the key lookup.
bool looks_like_jwt(std::string_view token) {
  if (token.find('.') == std::string_view::npos) return false;  // the usual case: a key
  auto in_compact_jws = [](char c) { return c == '.' || is_base64url_text({&c, 1}); };
  return std::count(token.begin(), token.end(), '.') == 2 &&
         std::all_of(token.begin(), token.end(), in_compact_jws);
}

PresentedCredential from_bearer_token(std::string_view token) {
  if (looks_like_jwt(token)) return {.kind = CredentialKind::jwt, .token = token};
  std::size_t colon = token.find(':');
  if (colon != std::string_view::npos) {
    return key_and_secret(token.substr(0, colon), token.substr(colon + 1));
  }
  return api_key(token);
}

// The first space or tab (npos if none): what find_first_of(" \t") returns, as two searches
// for one character (memchr), not a search of the set for every character.
std::size_t find_blank(std::string_view text) {
  return std::min(text.find(' '), text.find('\t'));
}

PresentedCredential from_authorization(std::string_view header) {
  header = trim(header);
  std::size_t space = find_blank(header);
  if (!iequals(header.substr(0, space), "Bearer")) return malformed(kUnsupportedScheme);
  std::string_view token =
      space == std::string_view::npos ? std::string_view{} : trim(header.substr(space));
  if (token.empty()) return malformed(kEmptyBearer);
  if (find_blank(token) != std::string_view::npos) return malformed(kSpaceInBearer);
  return from_bearer_token(token);
}

PresentedCredential from_x_api_headers(std::string_view key, std::string_view secret) {
  if (key.empty()) return malformed(kSecretWithoutKey);
  if (secret.empty()) return api_key(key);
  return key_and_secret(key, secret);
}

// Every non-empty `key=` parameter, folded with the same rule as headers; no percent-decoding
// (keys are base62, so an encoded one would not match anyway).
PresentedCredential from_query(std::string_view query) {
  PresentedCredential found;
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    if (!pair.starts_with("key=") || pair.size() == 4) continue;
    std::string_view key = pair.substr(4);
    if (found.kind == CredentialKind::none) {
      found = api_key(key);
    } else if (found.key != key) {
      return malformed(kMixedCredentials);
    }
  }
  return found;
}

bool same_credential(const PresentedCredential& a, const PresentedCredential& b) {
  return a.kind == b.kind && a.key == b.key && a.secret == b.secret && a.token == b.token;
}

// Adds one source's credential to what the earlier sources presented.
void fold(PresentedCredential& chosen, const PresentedCredential& next) {
  if (chosen.kind == CredentialKind::malformed || next.kind == CredentialKind::none) return;
  if (chosen.kind == CredentialKind::none || next.kind == CredentialKind::malformed) {
    chosen = next;
  } else if (!same_credential(chosen, next)) {
    chosen = malformed(kMixedCredentials);
  }
}

}  // namespace

std::string_view to_string(CredentialKind kind) {
  switch (kind) {
    case CredentialKind::none:
      return "none";
    case CredentialKind::api_key:
      return "api_key";
    case CredentialKind::key_and_secret:
      return "key_and_secret";
    case CredentialKind::jwt:
      return "jwt";
    case CredentialKind::malformed:
      return "malformed";
  }
  return "unknown";
}

PresentedCredential parse_presented_credential(const CredentialSources& sources) {
  PresentedCredential chosen;
  if (!sources.authorization.empty()) fold(chosen, from_authorization(sources.authorization));
  std::string_view x_api_key = trim(sources.x_api_key);
  std::string_view x_api_secret = trim(sources.x_api_secret);
  if (!x_api_key.empty() || !x_api_secret.empty()) {
    fold(chosen, from_x_api_headers(x_api_key, x_api_secret));
  }
  if (std::string_view goog = trim(sources.x_goog_api_key); !goog.empty()) {
    fold(chosen, api_key(goog));
  }
  fold(chosen, from_query(sources.query));
  return chosen;
}

std::string generate_key_secret() {
  std::string secret;
  secret.reserve(kKeySecretLength);
  secret.append(kKeySecretScheme);
  append_random_base62(secret, kKeySecretRandomChars);
  return secret;
}

bool is_well_formed_key_secret(std::string_view secret) {
  return secret.size() == kKeySecretLength && secret.starts_with(kKeySecretScheme) &&
         is_base62(secret.substr(kKeySecretScheme.size()));
}

KeyHash hash_key_secret(std::string_view secret, std::span<const uint8_t> salt) {
  return hash_key(salt, secret);
}

bool verify_key_secret(std::string_view secret, std::span<const uint8_t> salt,
                       const KeyHash& stored) {
  if (!is_well_formed_key_secret(secret)) return false;
  return hash_equals(hash_key_secret(secret, salt), stored);
}

}  // namespace tollgate::auth
