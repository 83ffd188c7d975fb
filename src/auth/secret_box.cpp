#include "auth/secret_box.hpp"

#include "auth/jwt.hpp"  // base64url

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <stdexcept>

namespace tollgate::auth {
namespace {

constexpr std::string_view kVersion = "v1.";

struct CipherContextFree {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree>;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// EVP lengths are ints; a credential is a few hundred bytes.
bool fits_int(std::string_view text) {
  return text.size() <= static_cast<std::size_t>(INT_MAX) - SecretBox::kTagBytes;
}

}  // namespace

std::optional<SecretBox> SecretBox::from_hex(std::string_view master_key_hex) {
  if (master_key_hex.size() != 2 * kKeyBytes) return std::nullopt;
  Key key{};
  for (std::size_t i = 0; i < kKeyBytes; ++i) {
    const int high = hex_value(master_key_hex[2 * i]);
    const int low = hex_value(master_key_hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      OPENSSL_cleanse(key.data(), key.size());
      return std::nullopt;
    }
    key[i] = static_cast<uint8_t>(high << 4 | low);
  }
  SecretBox box(key);
  OPENSSL_cleanse(key.data(), key.size());
  return box;
}

SecretBox::SecretBox(const Key& key) : key_(key) {}

SecretBox::~SecretBox() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view associated_data) const {
  Nonce nonce;
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
    throw std::runtime_error("the random generator failed (RAND_bytes)");
  }
  return seal_with_nonce(plaintext, associated_data, nonce);
}

std::string SecretBox::seal_with_nonce(std::string_view plaintext, std::string_view associated_data,
                                       const Nonce& nonce) const {
  if (!fits_int(plaintext) || !fits_int(associated_data)) {
    throw std::runtime_error("value too large to seal");
  }
  // nonce | ciphertext | tag, encoded as a whole at the end.
  std::string raw(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  std::copy(nonce.begin(), nonce.end(), out);

  CipherContext context(EVP_CIPHER_CTX_new());
  int length = 0;
  // GCM's default nonce length is 12 bytes, the length it is designed for.
  bool ok =
      context &&
      EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce.data()) ==
          1 &&
      (associated_data.empty() ||
       EVP_EncryptUpdate(context.get(), nullptr, &length, bytes(associated_data),
                         static_cast<int>(associated_data.size())) == 1) &&
      (plaintext.empty() ||
       EVP_EncryptUpdate(context.get(), out + kNonceBytes, &length, bytes(plaintext),
                         static_cast<int>(plaintext.size())) == 1) &&
      EVP_EncryptFinal_ex(context.get(), out + kNonceBytes + plaintext.size(), &length) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          out + kNonceBytes + plaintext.size()) == 1;
  if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
  std::string sealed(kVersion);
  sealed += base64url_encode(raw);
  return sealed;
}

std::optional<std::string> SecretBox::open(std::string_view sealed,
                                           std::string_view associated_data) const {
  if (!sealed.starts_with(kVersion) || !fits_int(associated_data)) return std::nullopt;
  // Canonical base64url only: one sealed value has exactly one spelling.
  std::optional<std::string> raw = base64url_decode(sealed.substr(kVersion.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes || !fits_int(*raw)) return std::nullopt;
  const auto* in = bytes(*raw);
  const std::size_t ciphertext_size = raw->size() - kNonceBytes - kTagBytes;
  const unsigned char* ciphertext = in + kNonceBytes;
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer; it only reads the tag.
  unsigned char tag[kTagBytes];
  std::copy(ciphertext + ciphertext_size, ciphertext + ciphertext_size + kTagBytes, tag);

  std::string plaintext(ciphertext_size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  CipherContext context(EVP_CIPHER_CTX_new());
  int length = 0;
  const bool ok =
      context &&
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key_.data(), in) == 1 &&
      (associated_data.empty() ||
       EVP_DecryptUpdate(context.get(), nullptr, &length, bytes(associated_data),
                         static_cast<int>(associated_data.size())) == 1) &&
      (ciphertext_size == 0 || EVP_DecryptUpdate(context.get(), out, &length, ciphertext,
                                                 static_cast<int>(ciphertext_size)) == 1) &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag) ==
          1 &&
      // Checks the tag: only now is the plaintext known to be genuine.
      EVP_DecryptFinal_ex(context.get(), out, &length) == 1;  // GCM writes nothing here
  if (!ok) {
    // Under the right key with other associated data, these bytes are the real secret.
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return std::nullopt;
  }
  return plaintext;
}

}  // namespace tollgate::auth
