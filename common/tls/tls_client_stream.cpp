#include "common/tls/tls_client_stream.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "common/tls/no_signal_bio.h"

#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace portcullis::tls {
namespace {

using Clock = std::chrono::steady_clock;

std::string errnoText() { return std::strerror(errno); }

int connectWithTimeout(const std::string& host, std::uint16_t port, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string where = host + ":" + std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0)
    throw TlsError("connect " + where + ": " + gai_strerror(rc));
  std::string last = "no address";
  int fd = -1;
  for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
    int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
      last = errnoText();
      continue;
    }
    if (::connect(s, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = errnoText();
      ::close(s);
      continue;
    }
    pollfd p{s, POLLOUT, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      last = "timed out";
      ::close(s);
      continue;
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      last = std::strerror(err);
      ::close(s);
      continue;
    }
    fd = s;
  }
  freeaddrinfo(res);
  if (fd < 0) throw TlsError("connect " + where + ": " + last);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  return fd;
}

}  // namespace

TlsClientStream::TlsClientStream(std::shared_ptr<TlsContext> context, int fd, std::string peer)
    : context_(std::move(context)), fd_(fd), peer_(std::move(peer)) {}

TlsClientStream::~TlsClientStream() { close(); }

std::unique_ptr<TlsClientStream> TlsClientStream::connect(const std::string& host, std::uint16_t port,
                                                          std::shared_ptr<TlsContext> context,
                                                          std::chrono::milliseconds timeout,
                                                          const std::string& serverName) {
  const auto deadline = Clock::now() + timeout;
  const int fd = connectWithTimeout(host, port, deadline);
  std::unique_ptr<TlsClientStream> s(new TlsClientStream(context, fd, host + ":" + std::to_string(port)));
  s->ssl_ = SSL_new(context->native());
  if (!s->ssl_) throw TlsError("SSL_new: " + takeOpenSslErrors());
  BIO* bio = newNoSignalSocketBio(fd);
  SSL_set_bio(s->ssl_, bio, bio);
  SSL_set_mode(s->ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!serverName.empty()) {
    unsigned char ip[16];
    const bool isIp = inet_pton(AF_INET, serverName.c_str(), ip) == 1 ||
                      inet_pton(AF_INET6, serverName.c_str(), ip) == 1;
    if (!isIp) SSL_set_tlsext_host_name(s->ssl_, serverName.c_str());
    if (context->verifiesPeer()) {
      X509_VERIFY_PARAM* param = SSL_get0_param(s->ssl_);
      const int ok = isIp ? X509_VERIFY_PARAM_set1_ip_asc(param, serverName.c_str())
                          : X509_VERIFY_PARAM_set1_host(param, serverName.c_str(), 0);
      if (ok != 1) throw TlsError("bad server name '" + serverName + "'");
    }
  }
  SSL_set_connect_state(s->ssl_);
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int ret = SSL_do_handshake(s->ssl_);
    if (ret == 1) break;
    const int err = SSL_get_error(s->ssl_, ret);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) s->raise("TLS handshake", ret);
    if (!s->waitFor(err, deadline)) throw TlsTimeout("TLS handshake with " + s->peer_ + " timed out");
  }
  return s;
}

bool TlsClientStream::waitFor(int sslError, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return false;
  pollfd p{fd_, static_cast<short>(sslError == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
  for (;;) {
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

void TlsClientStream::raise(const std::string& step, int ret) {
  const int err = SSL_get_error(ssl_, ret);
  std::string reason = takeOpenSslErrors();
  if (err == SSL_ERROR_SYSCALL && reason.empty())
    reason = errno ? errnoText() : "connection closed by the peer";
  if (err == SSL_ERROR_ZERO_RETURN) reason = "connection closed by the peer";
  const long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) reason += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
  throw TlsError(step + " with " + peer_ + " failed: " + reason);
}

void TlsClientStream::writeAll(std::string_view data, std::chrono::milliseconds timeout) {
  if (!ssl_) throw TlsError("write on a closed connection to " + peer_);
  const auto deadline = Clock::now() + timeout;
  std::size_t done = 0;
  while (done < data.size()) {
    ERR_clear_error();
    errno = 0;
    const int chunk = static_cast<int>(std::min<std::size_t>(data.size() - done, 1 << 20));
    const int ret = SSL_write(ssl_, data.data() + done, chunk);
    if (ret > 0) {
      done += static_cast<std::size_t>(ret);
      continue;
    }
    const int err = SSL_get_error(ssl_, ret);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) raise("write", ret);
    if (!waitFor(err, deadline)) throw TlsTimeout("write to " + peer_ + " timed out");
  }
}

std::size_t TlsClientStream::readSome(char* buffer, std::size_t n, std::chrono::milliseconds timeout) {
  if (!ssl_) throw TlsError("read on a closed connection to " + peer_);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int ret = SSL_read(ssl_, buffer, static_cast<int>(std::min<std::size_t>(n, 1 << 30)));
    if (ret > 0) return static_cast<std::size_t>(ret);
    const int err = SSL_get_error(ssl_, ret);
    if (err == SSL_ERROR_ZERO_RETURN) return 0;
    if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0) return 0;  // EOF without close_notify
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) raise("read", ret);
    if (!waitFor(err, deadline)) throw TlsTimeout("read from " + peer_ + " timed out");
  }
}

std::vector<std::string> TlsClientStream::peerChainPem() const {
  std::vector<std::string> out;
  if (!ssl_) return out;
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_);
  for (int i = 0; chain && i < sk_X509_num(chain); ++i) {
    BIO* mem = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(mem, sk_X509_value(chain, i));
    char* data = nullptr;
    const long len = BIO_get_mem_data(mem, &data);
    out.emplace_back(data, static_cast<std::size_t>(len));
    BIO_free(mem);
  }
  return out;
}

bool TlsClientStream::localAddressStillAssigned() const {
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  if (fd_ < 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len) != 0) return false;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return true;  // cannot tell: assume it is
  bool found = false;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != local.ss_family) continue;
    if (local.ss_family == AF_INET)
      found = reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr ==
              reinterpret_cast<sockaddr_in*>(&local)->sin_addr.s_addr;
    else if (local.ss_family == AF_INET6)
      found = std::memcmp(&reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr,
                          &reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr, sizeof(in6_addr)) == 0;
  }
  freeifaddrs(list);
  return found;
}

std::string TlsClientStream::protocolVersion() const { return ssl_ ? SSL_get_version(ssl_) : ""; }

void TlsClientStream::close() {
  if (ssl_) {
    SSL_shutdown(ssl_);  // best effort close_notify; never waits
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace portcullis::tls
