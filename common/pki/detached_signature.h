#pragma once
// Detached signatures over a feed file, as OpenSSL's own tools make them:
//   Ed25519: openssl pkeyutl -sign -rawin -inkey key.pem -in feed -out feed.sig
//   ECDSA:   openssl dgst -sha256 -sign key.pem -out feed.sig feed
// The signature file may hold the raw bytes or their base64 text; an ECDSA
// signature may be DER (OpenSSL's) or r || s (IEEE P1363, WebCrypto's).
#include <string>
#include <string_view>

#include "common/util/result.h"

namespace portcullis::pki {

struct VerifiedSignature {
  std::string keyType;  // "ed25519" or "ecdsa"
};

// "ed25519" or "ecdsa" for a key a publisher may use, else a Failure.
Result<std::string> publisherKeyType(const std::string& publicKeyPem);

// Valid only when publicKeyPem is an Ed25519 or EC public key and the
// signature verifies over data. A Failure names the reason.
Result<VerifiedSignature> verifyDetachedSignature(const std::string& publicKeyPem, std::string_view data,
                                                  std::string_view signature);

}  // namespace portcullis::pki
