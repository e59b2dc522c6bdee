#include "common/pki/detached_signature.h"

#include <memory>
#include <optional>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace portcullis::pki {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Base64 text (line breaks allowed) to bytes, or nothing when it is not base64.
std::optional<std::string> decodeBase64(std::string_view text) {
  std::string clean;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                    c == '/' || c == '=';
    if (!ok) return std::nullopt;
    clean.push_back(c);
  }
  if (clean.empty() || clean.size() % 4 != 0) return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  std::size_t pad = 0;
  if (clean.back() == '=') ++pad;
  if (clean.size() >= 2 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

bool verifyWith(EVP_PKEY* key, const EVP_MD* md, std::string_view data, std::string_view sig) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) return false;
  const int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                                  reinterpret_cast<const unsigned char*>(data.data()), data.size());
  ERR_clear_error();
  return rc == 1;
}

// An ECDSA signature as r || s, each as wide as the curve's order (IEEE
// P1363: what WebCrypto gives), in the DER form OpenSSL verifies; nothing
// when it is not that shape. The verification still decides.
std::optional<std::string> derOfP1363(std::string_view sig) {
  if (sig.size() != 64 && sig.size() != 96 && sig.size() != 132) return std::nullopt;
  const auto half = static_cast<int>(sig.size() / 2);
  const auto* bytes = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* ecdsa = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(bytes, half, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + half, half, nullptr);
  if (!ecdsa || !r || !s || ECDSA_SIG_set0(ecdsa, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(ecdsa);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(ecdsa, &der);
  ECDSA_SIG_free(ecdsa);  // frees r and s with it
  if (length <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::unique_ptr<EVP_PKEY, KeyFree> readKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  ERR_clear_error();
  return key;
}

}  // namespace

Result<std::string> publisherKeyType(const std::string& publicKeyPem) {
  auto key = readKey(publicKeyPem);
  if (!key) return fail("the publisher key is not a PEM public key");
  switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_ED25519: return std::string("ed25519");
    case EVP_PKEY_EC: return std::string("ecdsa");
    default: return fail("the publisher key is neither Ed25519 nor ECDSA");
  }
}

Result<VerifiedSignature> verifyDetachedSignature(const std::string& publicKeyPem, std::string_view data,
                                                  std::string_view signature) {
  auto key = readKey(publicKeyPem);
  if (!key) return fail("the publisher key is not a PEM public key");

  VerifiedSignature info;
  const EVP_MD* md = nullptr;
  switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_ED25519: info.keyType = "ed25519"; break;  // signs the message itself
    case EVP_PKEY_EC: info.keyType = "ecdsa"; md = EVP_sha256(); break;
    default: return fail("the publisher key is neither Ed25519 nor ECDSA");
  }
  if (signature.empty()) return fail("the signature is empty");
  // Raw bytes first; if they do not verify, the same file read as base64;
  // an ECDSA one may be r || s (a browser's) rather than DER.
  const auto verifies = [&](std::string_view bytes) {
    if (verifyWith(key.get(), md, data, bytes)) return true;
    if (md == nullptr) return false;
    const auto der = derOfP1363(bytes);
    return der && verifyWith(key.get(), md, data, *der);
  };
  if (verifies(signature)) return info;
  if (auto decoded = decodeBase64(signature); decoded && verifies(*decoded)) return info;
  return fail("the signature does not verify with the " + info.keyType + " key of that publisher");
}

}  // namespace portcullis::pki
