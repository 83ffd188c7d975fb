// Builds JWTs for the tests without going through issue_jwt: the header and claims are any text,
// the signature comes from OpenSSL's one-shot HMAC() and the encoding from EVP_EncodeBlock, so
// the tests check jwt.cpp against code it does not share.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <string_view>

namespace tollgate::auth::testing {

inline std::string independent_base64url(std::string_view bytes) {
  std::string text((bytes.size() + 2) / 3 * 4 + 1, '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                               reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(length));
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

inline std::string independent_hs256(std::string_view secret, std::string_view signing_input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

// base64url(header) "." base64url(claims) "." base64url(HS256(secret, the first two)).
inline std::string sign_token(std::string_view header_json, std::string_view claims_json,
                              std::string_view secret) {
  std::string signing_input =
      independent_base64url(header_json) + "." + independent_base64url(claims_json);
  return signing_input + "." + independent_base64url(independent_hs256(secret, signing_input));
}

}  // namespace tollgate::auth::testing
