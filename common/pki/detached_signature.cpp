#include "common/pki/detached_signature.h"

#include <memory>
#include <optional>

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
  // Raw bytes first; if they do not verify, the same file read as base64.
  if (verifyWith(key.get(), md, data, signature)) return info;
  if (auto decoded = decodeBase64(signature); decoded && verifyWith(key.get(), md, data, *decoded)) return info;
  return fail("the signature does not verify with the " + info.keyType + " key of that publisher");
}

}  // namespace portcullis::pki
