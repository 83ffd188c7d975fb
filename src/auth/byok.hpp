// BYOK ("bring your own key"): provider credentials a key's owner stores with the key, so that
// requests routed to that provider are sent with them instead of the gateway's.
//
// At rest (api_keys.byok) they are a JSON object, provider name → sealed credential:
//
//   {"openai":"v1.<base64url>","anthropic":"v1.<base64url>"}
//
// each sealed by a SecretBox (the config's byok.master_key) with the associated data
// "tollgate-byok:<key prefix>:<provider>": a sealed value copied to another key's row, or under
// another provider's name, does not open. Only the key cache opens them (key_cache.hpp); the
// keys API and the CLI seal, and show provider names only.
#pragma once

#include "auth/secret_box.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::auth {

// A provider credential the key's owner brought (BYOK), decrypted: requests routed to a
// deployment of `provider` (a config provider name) are sent with it instead of the gateway's.
struct ByokCredential {
  std::string provider;
  std::string secret;
};

// Provider API keys are tens of characters; this leaves room for long tokens.
inline constexpr std::size_t kMaxCredentialBytes = 4096;
// A credential goes upstream in a header: 1 to kMaxCredentialBytes visible ASCII characters (no
// spaces, no control characters that could end or split the header).
bool is_credential_text(std::string_view text);

// provider name → sealed credential, in name order.
using SealedCredentials = std::map<std::string, std::string, std::less<>>;

// "tollgate-byok:<key prefix>:<provider>"
std::string byok_associated_data(std::string_view key_prefix, std::string_view provider);

// The api_keys.byok text as a map; NULL, or anything but a JSON object of strings, reads as
// empty.
SealedCredentials parse_sealed_credentials(const std::optional<std::string>& json);
// The api_keys.byok text for `sealed`: nullopt (NULL) when it is empty.
std::optional<std::string> sealed_credentials_json(const SealedCredentials& sealed);

// Seals `credential` for the key `key_prefix` into `sealed` (replacing the provider's entry).
// Throws std::runtime_error as SecretBox::seal does.
void seal_credential(const SecretBox& box, std::string_view key_prefix,
                     const ByokCredential& credential, SealedCredentials& sealed);

// Opens every credential of the key `key_prefix`. One that does not open (no box, another
// master key, a value moved from elsewhere or damaged) is left out and its provider passed to
// `on_failure`.
std::vector<ByokCredential> open_credentials(
    const SecretBox* box, std::string_view key_prefix, const SealedCredentials& sealed,
    const std::function<void(const std::string& provider)>& on_failure);

}  // namespace tollgate::auth
