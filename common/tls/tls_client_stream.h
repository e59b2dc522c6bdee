#pragma once
// A blocking TLS connection for the agent, every step bounded by a timeout.
// Writes use MSG_NOSIGNAL, so a closed peer is an error, not a SIGPIPE.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/tls/tls_context.h"

namespace portcullis::tls {

class TlsClientStream {
 public:
  // Resolves host, connects and runs the handshake. With a verifying context
  // and a serverName, the server certificate must name it (DNS or IP).
  // Throws TlsError saying which step failed and why.
  static std::unique_ptr<TlsClientStream> connect(const std::string& host, std::uint16_t port,
                                                  std::shared_ptr<TlsContext> context,
                                                  std::chrono::milliseconds timeout,
                                                  const std::string& serverName = "");
  ~TlsClientStream();
  TlsClientStream(const TlsClientStream&) = delete;
  TlsClientStream& operator=(const TlsClientStream&) = delete;

  void writeAll(std::string_view data, std::chrono::milliseconds timeout);
  // Up to n bytes; 0 when the peer closed. Throws TlsTimeout, TlsError.
  std::size_t readSome(char* buffer, std::size_t n, std::chrono::milliseconds timeout);
  // The certificates the server sent, its own first, PEM each.
  std::vector<std::string> peerChainPem() const;
  std::string protocolVersion() const;
  // False when the address this connection goes out from is no longer on any
  // interface (a DHCP lease changed): the connection is dead, however quiet.
  bool localAddressStillAssigned() const;
  void close();

 private:
  TlsClientStream(std::shared_ptr<TlsContext> context, int fd, std::string peer);
  // Waits for the socket as OpenSSL asked; false on timeout.
  bool waitFor(int sslError, std::chrono::steady_clock::time_point deadline);
  [[noreturn]] void raise(const std::string& step, int ret);

  std::shared_ptr<TlsContext> context_;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  std::string peer_;  // "host:port" for messages
};

}  // namespace portcullis::tls
