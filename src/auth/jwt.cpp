#include "auth/jwt.hpp"

#include "auth/api_key.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <simdjson.h>

#include <array>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace tollgate::auth {
namespace {

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kHs256Header = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::size_t kHs256Bytes = 32;

using Mac = std::array<uint8_t, kHs256Bytes>;

// 0-63 for a base64url character, -1 for anything else.
int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// ---- HMAC-SHA256 ----

// Fetched once: an explicit fetch avoids OpenSSL 3's per-call implicit lookup (which takes a
// lock). Immutable after first use.
EVP_MAC* hmac_algorithm() {
  static const std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(
      EVP_MAC_fetch(nullptr, "HMAC", nullptr), &EVP_MAC_free);
  return mac.get();
}

// nullopt only on allocation failure or a broken OpenSSL install.
std::optional<Mac> hmac_sha256(std::string_view key, std::string_view data) {
  if (hmac_algorithm() == nullptr) return std::nullopt;
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> context(
      EVP_MAC_CTX_new(hmac_algorithm()), &EVP_MAC_CTX_free);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  Mac mac{};
  std::size_t length = 0;
  bool ok = context != nullptr &&
            EVP_MAC_init(context.get(), reinterpret_cast<const unsigned char*>(key.data()),
                         key.size(), params) == 1 &&
            EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(data.data()),
                           data.size()) == 1 &&
            EVP_MAC_final(context.get(), mac.data(), &length, mac.size()) == 1 &&
            length == mac.size();
  if (!ok) return std::nullopt;
  return mac;
}

std::string_view as_text(const Mac& mac) {
  return {reinterpret_cast<const char*>(mac.data()), mac.size()};
}

// ---- writing the claims ----

// JSON string escaping for the few strings a token carries (RFC 8259 §7).
void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out.append(escaped);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string claims_json(const JwtClaims& claims) {
  std::string json = R"({"sub":)";
  append_json_string(json, claims.sub);
  json += R"(,"iat":)" + std::to_string(claims.iat);
  json += R"(,"exp":)" + std::to_string(claims.exp);
  if (claims.jti) {
    json += R"(,"jti":)";
    append_json_string(json, *claims.jti);
  }
  if (claims.scope) {
    json += R"(,"scope":)";
    append_json_string(json, *claims.scope);
  }
  json.push_back('}');
  return json;
}

// ---- reading a token ----

struct Segments {
  std::string_view signing_input;  // header "." claims, exactly as sent: what the MAC covers
  std::string_view header;
  std::string_view claims;
  std::string_view signature;
};

std::optional<Segments> split_token(std::string_view token) {
  if (token.empty() || token.size() > kMaxJwtBytes) return std::nullopt;
  std::size_t first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return std::nullopt;
  std::size_t second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos) return std::nullopt;
  if (token.find('.', second_dot + 1) != std::string_view::npos) return std::nullopt;
  return Segments{token.substr(0, second_dot), token.substr(0, first_dot),
                  token.substr(first_dot + 1, second_dot - first_dot - 1),
                  token.substr(second_dot + 1)};
}

std::optional<simdjson::dom::object> parse_object(simdjson::dom::parser& parser,
                                                  const std::string& json) {
  simdjson::dom::object object;
  if (parser.parse(json).get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
  return object;
}

// Only "alg": "HS256" is accepted. "crit" names extensions the verifier must understand
// (RFC 7515 §4.1.11); we understand none, so its presence refuses the token.
std::optional<JwtError> check_header(simdjson::dom::parser& parser, const std::string& json) {
  std::optional<simdjson::dom::object> header = parse_object(parser, json);
  if (!header) return JwtError::bad_header;
  int alg_count = 0;
  bool alg_is_hs256 = false;
  for (simdjson::dom::key_value_pair field : *header) {
    if (field.key == "crit") return JwtError::bad_header;
    if (field.key != "alg") continue;
    ++alg_count;
    std::string_view alg;
    alg_is_hs256 = field.value.get_string().get(alg) == simdjson::SUCCESS && alg == "HS256";
  }
  if (alg_count > 1) return JwtError::bad_header;
  if (!alg_is_hs256) return JwtError::unsupported_algorithm;
  return std::nullopt;
}

bool signature_matches(const Segments& segments, const std::string& signature,
                       std::string_view secret) {
  if (secret.size() < kMinJwtSecretBytes || signature.size() != kHs256Bytes) return false;
  std::optional<Mac> expected = hmac_sha256(secret, segments.signing_input);
  return expected && constant_time_equals(
                         *expected, std::span(reinterpret_cast<const uint8_t*>(signature.data()),
                                              signature.size()));
}

// The claims as found in the JSON, each checked for its type; names we do not use are ignored.
struct ClaimFields {
  std::optional<simdjson::dom::element> sub, iat, exp, nbf, jti, scope;
};

std::optional<simdjson::dom::element>* claim_slot(ClaimFields& fields, std::string_view name) {
  if (name == "sub") return &fields.sub;
  if (name == "iat") return &fields.iat;
  if (name == "exp") return &fields.exp;
  if (name == "nbf") return &fields.nbf;
  if (name == "jti") return &fields.jti;
  if (name == "scope") return &fields.scope;
  return nullptr;
}

// Repeated names are refused: with duplicates, two parsers could read two different tokens.
std::optional<ClaimFields> collect_claims(const simdjson::dom::object& object) {
  ClaimFields fields;
  for (simdjson::dom::key_value_pair field : object) {
    std::optional<simdjson::dom::element>* slot = claim_slot(fields, field.key);
    if (slot == nullptr) continue;
    if (slot->has_value()) return std::nullopt;
    *slot = field.value;
  }
  return fields;
}

bool read_int(const std::optional<simdjson::dom::element>& value, int64_t& out) {
  return value && value->get_int64().get(out) == simdjson::SUCCESS;
}

bool read_string(const std::optional<simdjson::dom::element>& value, std::string& out) {
  std::string_view text;
  if (!value || value->get_string().get(text) != simdjson::SUCCESS) return false;
  out.assign(text);
  return true;
}

bool read_optional_string(const std::optional<simdjson::dom::element>& value,
                          std::optional<std::string>& out) {
  if (!value) return true;
  return read_string(value, out.emplace());
}

// `later` is more than the allowed skew after `now`, without overflowing near the int64 limits.
bool beyond_skew(int64_t later, int64_t now) {
  return later > now && static_cast<uint64_t>(later) - static_cast<uint64_t>(now) >
                            static_cast<uint64_t>(kJwtClockSkewSeconds);
}

std::variant<JwtClaims, JwtError> read_claims(const ClaimFields& fields, int64_t now_s) {
  JwtClaims claims;
  if (!read_string(fields.sub, claims.sub) || claims.sub.empty()) return JwtError::missing_subject;
  if (!read_int(fields.exp, claims.exp)) return JwtError::missing_expiry;
  int64_t not_before = 0;
  if ((fields.iat && !read_int(fields.iat, claims.iat)) ||
      (fields.nbf && !read_int(fields.nbf, not_before)) ||
      !read_optional_string(fields.jti, claims.jti) ||
      !read_optional_string(fields.scope, claims.scope)) {
    return JwtError::invalid_claim;
  }
  if (claims.exp <= now_s) return JwtError::expired;
  if (beyond_skew(claims.iat, now_s) || beyond_skew(not_before, now_s)) {
    return JwtError::not_yet_valid;
  }
  return claims;
}

}  // namespace

std::string_view to_string(JwtError error) {
  switch (error) {
    case JwtError::malformed:
      return "malformed";
    case JwtError::bad_base64url:
      return "bad_base64url";
    case JwtError::bad_header:
      return "bad_header";
    case JwtError::unsupported_algorithm:
      return "unsupported_algorithm";
    case JwtError::bad_signature:
      return "bad_signature";
    case JwtError::bad_claims_json:
      return "bad_claims_json";
    case JwtError::missing_subject:
      return "missing_subject";
    case JwtError::missing_expiry:
      return "missing_expiry";
    case JwtError::invalid_claim:
      return "invalid_claim";
    case JwtError::expired:
      return "expired";
    case JwtError::not_yet_valid:
      return "not_yet_valid";
  }
  return "unknown";
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t group = static_cast<uint8_t>(bytes[i]) << 16 |
                     static_cast<uint8_t>(bytes[i + 1]) << 8 | static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(kBase64UrlAlphabet[group >> 18]);
    out.push_back(kBase64UrlAlphabet[(group >> 12) & 63]);
    out.push_back(kBase64UrlAlphabet[(group >> 6) & 63]);
    out.push_back(kBase64UrlAlphabet[group & 63]);
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  uint32_t group = static_cast<uint8_t>(bytes[i]) << 16;
  if (rest == 2) group |= static_cast<uint8_t>(bytes[i + 1]) << 8;
  out.push_back(kBase64UrlAlphabet[group >> 18]);
  out.push_back(kBase64UrlAlphabet[(group >> 12) & 63]);
  if (rest == 2) out.push_back(kBase64UrlAlphabet[(group >> 6) & 63]);
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int bit_count = 0;
  for (char c : text) {
    int value = base64url_value(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> bit_count) & 0xFF));
    }
  }
  // The 2 or 4 bits left over must be zero, or two spellings would decode to the same bytes.
  if ((bits & ((1u << bit_count) - 1)) != 0) return std::nullopt;
  return out;
}

bool is_base64url_text(std::string_view text) {
  for (char c : text) {
    if (base64url_value(c) < 0) return false;
  }
  return true;
}

std::string issue_jwt(const JwtClaims& claims, std::string_view secret) {
  if (secret.size() < kMinJwtSecretBytes) {
    throw std::invalid_argument("the JWT secret must be at least 32 bytes long");
  }
  std::string token = base64url_encode(kHs256Header);
  token.push_back('.');
  token += base64url_encode(claims_json(claims));
  std::optional<Mac> mac = hmac_sha256(secret, token);
  if (!mac) throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
  token.push_back('.');
  token += base64url_encode(as_text(*mac));
  return token;
}

std::variant<JwtClaims, JwtError> verify_jwt(std::string_view token, std::string_view secret,
                                             int64_t now_s) {
  std::optional<Segments> segments = split_token(token);
  if (!segments) return JwtError::malformed;
  std::optional<std::string> header = base64url_decode(segments->header);
  std::optional<std::string> claims = base64url_decode(segments->claims);
  std::optional<std::string> signature = base64url_decode(segments->signature);
  if (!header || !claims || !signature) return JwtError::bad_base64url;

  simdjson::dom::parser parser;
  if (std::optional<JwtError> error = check_header(parser, *header)) return *error;
  // The claims are parsed only once the signature proves they are ours.
  if (!signature_matches(*segments, *signature, secret)) return JwtError::bad_signature;

  std::optional<simdjson::dom::object> object = parse_object(parser, *claims);
  if (!object) return JwtError::bad_claims_json;
  std::optional<ClaimFields> fields = collect_claims(*object);
  if (!fields) return JwtError::bad_claims_json;
  return read_claims(*fields, now_s);
}

}  // namespace tollgate::auth
