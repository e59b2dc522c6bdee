#pragma once
// OpenSSL contexts for both ends of the agent channel: TLS 1.2 at least, 1.3
// preferred, ECDHE with AEAD ciphers only on 1.2, peers verified against the
// controller's CA.
#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/types.h>

namespace portcullis::tls {

// The only TLS 1.2 ciphers either listener offers: ECDHE with AEAD.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";

class TlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A read or write that did not finish in time.
class TlsTimeout : public TlsError {
 public:
  using TlsError::TlsError;
};

enum class PeerVerification {
  None,      // enrollment only: the caller pins the CA by fingerprint itself
  Optional,  // server: a certificate is asked for and verified if sent
  Required,  // the peer must present a certificate our CA issued
};

struct ContextOptions {
  std::string certChainFile;  // own certificate first, then its chain; may be empty for a client
  std::string keyFile;
  std::string caFile;  // trust anchor
  PeerVerification verify = PeerVerification::Required;
};

class TlsContext {
 public:
  static std::shared_ptr<TlsContext> server(const ContextOptions& options);
  static std::shared_ptr<TlsContext> client(const ContextOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* native() const { return ctx_; }
  bool verifiesPeer() const { return verify_ != PeerVerification::None; }

 private:
  TlsContext(SSL_CTX* ctx, PeerVerification verify) : ctx_(ctx), verify_(verify) {}
  SSL_CTX* ctx_;
  PeerVerification verify_;
};

// OpenSSL's queued errors as one line, emptying the queue.
std::string takeOpenSslErrors();

}  // namespace portcullis::tls
