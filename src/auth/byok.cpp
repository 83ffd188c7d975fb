#include "auth/byok.hpp"

#include <simdjson.h>

#include <cstdio>

namespace tollgate::auth {
namespace {

// A JSON string literal. Provider names come from the configuration and sealed values are
// base64url, but the column should stay valid JSON whatever a name holds.
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

bool is_credential_text(std::string_view text) {
  if (text.empty() || text.size() > kMaxCredentialBytes) return false;
  for (char c : text) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

std::string byok_associated_data(std::string_view key_prefix, std::string_view provider) {
  std::string data = "tollgate-byok:";
  data += key_prefix;
  data += ':';
  data += provider;
  return data;
}

SealedCredentials parse_sealed_credentials(const std::optional<std::string>& json) {
  SealedCredentials sealed;
  if (!json) return sealed;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(*json).get_object().get(object)) return sealed;
  for (auto field : object) {
    std::string_view value;
    if (field.value.get_string().get(value)) return {};
    sealed.emplace(std::string(field.key), std::string(value));
  }
  return sealed;
}

std::optional<std::string> sealed_credentials_json(const SealedCredentials& sealed) {
  if (sealed.empty()) return std::nullopt;
  std::string json = "{";
  for (const auto& [provider, value] : sealed) {
    if (json.size() > 1) json += ',';
    append_json_string(json, provider);
    json += ':';
    append_json_string(json, value);
  }
  return json + "}";
}

void seal_credential(const SecretBox& box, std::string_view key_prefix,
                     const ByokCredential& credential, SealedCredentials& sealed) {
  std::string value =
      box.seal(credential.secret, byok_associated_data(key_prefix, credential.provider));
  sealed.insert_or_assign(credential.provider, std::move(value));
}

std::vector<ByokCredential> open_credentials(
    const SecretBox* box, std::string_view key_prefix, const SealedCredentials& sealed,
    const std::function<void(const std::string& provider)>& on_failure) {
  std::vector<ByokCredential> opened;
  for (const auto& [provider, value] : sealed) {
    std::optional<std::string> secret;
    if (box) secret = box->open(value, byok_associated_data(key_prefix, provider));
    if (!secret) {
      on_failure(provider);
      continue;
    }
    opened.push_back({provider, std::move(*secret)});
  }
  return opened;
}

}  // namespace tollgate::auth
