#include "common/tls/tls_context.h"

#include "common/util/openssl_errors.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace portcullis::tls {
namespace {

[[noreturn]] void failWith(SSL_CTX* ctx, const std::string& what) {
  const std::string reason = takeOpenSslErrors();
  SSL_CTX_free(ctx);
  throw TlsError(what + (reason.empty() ? "" : ": " + reason));
}

SSL_CTX* makeContext(const SSL_METHOD* method, const ContextOptions& o) {
  SSL_CTX* ctx = SSL_CTX_new(method);
  if (!ctx) throw TlsError("SSL_CTX_new failed: " + takeOpenSslErrors());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               // Every connection does a full handshake, so a revocation
                               // is seen at the next connection, not after a ticket expires.
                               SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) failWith(ctx, "no usable TLS 1.2 cipher");
  if (!o.certChainFile.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, o.certChainFile.c_str()) != 1)
      failWith(ctx, "cannot load certificate " + o.certChainFile);
    if (SSL_CTX_use_PrivateKey_file(ctx, o.keyFile.c_str(), SSL_FILETYPE_PEM) != 1)
      failWith(ctx, "cannot load private key " + o.keyFile);
    if (SSL_CTX_check_private_key(ctx) != 1)
      failWith(ctx, "private key " + o.keyFile + " does not match certificate " + o.certChainFile);
  }
  if (o.verify != PeerVerification::None) {
    if (o.caFile.empty()) failWith(ctx, "peer verification needs a CA file");
    if (SSL_CTX_load_verify_locations(ctx, o.caFile.c_str(), nullptr) != 1)
      failWith(ctx, "cannot load CA certificate " + o.caFile);
  }
  return ctx;
}

}  // namespace

std::string takeOpenSslErrors() { return util::takeOpenSslErrors(); }

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

std::shared_ptr<TlsContext> TlsContext::server(const ContextOptions& o) {
  if (o.certChainFile.empty()) throw TlsError("a server needs a certificate");
  SSL_CTX* ctx = makeContext(TLS_server_method(), o);
  // No resumption, so no TLS 1.3 tickets: two fewer records per connection.
  SSL_CTX_set_num_tickets(ctx, 0);
  static const unsigned char sessionContext[] = "portcullis";
  SSL_CTX_set_session_id_context(ctx, sessionContext, sizeof sessionContext - 1);
  switch (o.verify) {
    case PeerVerification::None: SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr); break;
    case PeerVerification::Optional: SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr); break;
    case PeerVerification::Required:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  if (o.verify != PeerVerification::None) {
    // Tell clients which CA we accept, so they offer the right certificate.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.caFile.c_str()))
      SSL_CTX_set_client_CA_list(ctx, names);
  }
  return std::shared_ptr<TlsContext>(new TlsContext(ctx, o.verify));
}

std::shared_ptr<TlsContext> TlsContext::client(const ContextOptions& o) {
  SSL_CTX* ctx = makeContext(TLS_client_method(), o);
  SSL_CTX_set_verify(ctx, o.verify == PeerVerification::None ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  return std::shared_ptr<TlsContext>(new TlsContext(ctx, o.verify));
}

}  // namespace portcullis::tls
