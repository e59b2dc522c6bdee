#include "controller/server/agent_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "common/framing/frame_codec.h"
#include "common/log/guarded_thread.h"
#include "common/log/logging.h"

namespace portcullis::server {
namespace {

constexpr std::uint64_t kListenTag = 0;
constexpr std::uint64_t kWakeTag = ~std::uint64_t{0};
// Connections taken per loop turn: those already open are served between bursts.
constexpr int kAcceptsPerTurn = 256;

std::int64_t monotonicSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t monotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Out of descriptors, or of the kernel memory behind one: room is made, or
// accepting waits.
bool outOfDescriptors(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

std::string describeAddress(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {0};
  std::uint16_t port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
  inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
  port = ntohs(a->sin6_port);
  return "[" + std::string(host) + "]:" + std::to_string(port);
}

Poco::Logger& logger() { return log::get("controller.listener"); }

}  // namespace

struct AgentListener::Connection {
  Connection(ConnectionId i, SSL_CTX* ctx, int fd, std::size_t maxFrame)
      : id(i), tls(ctx, fd), decoder(maxFrame) {}
  ConnectionId id;
  TlsServerConnection tls;
  framing::FrameDecoder decoder;
  std::string remote;
  std::int64_t openedAt = 0;
  std::int64_t lastActivity = 0;
  std::int64_t handshakeAtMs = 0;
  std::int64_t closingSince = 0;
  bool opened = false;       // handler told
  bool gotFrame = false;     // the peer sent a whole message
  bool closing = false;      // close after flush
  bool faulted = false;      // closing for the peer's fault: logged as a warning
  std::string closeReason;
  std::uint32_t interest = 0;
};

AgentListener::AgentListener(ListenerOptions options, SSL_CTX* context, ConnectionHandler& handler)
    : options_(std::move(options)), context_(context), handler_(handler) {}

AgentListener::~AgentListener() { stop(); }

void AgentListener::start() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(options_.port);
  const int rc = getaddrinfo(options_.host.empty() ? nullptr : options_.host.c_str(), port.c_str(),
                             &hints, &res);
  if (rc != 0)
    throw std::runtime_error("listen address " + options_.host + ": " + gai_strerror(rc));
  std::string lastError = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 4096) == 0) {
      listenFd_ = fd;
      break;
    }
    lastError = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(res);
  if (listenFd_ < 0)
    throw std::runtime_error("cannot listen on " + options_.host + ":" + port + ": " + lastError);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(listenFd_, reinterpret_cast<sockaddr*>(&ss), &len);
  boundPort_ = ss.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port)
                                       : ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);

  epollFd_ = epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epollFd_ < 0 || wakeFd_ < 0) throw std::runtime_error("epoll/eventfd: " + std::string(std::strerror(errno)));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenTag;
  epoll_ctl(epollFd_, EPOLL_CTL_ADD, listenFd_, &ev);
  ev.data.u64 = kWakeTag;
  epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &ev);
  takeReserve();
  if (reserveFd_ < 0) throw std::runtime_error("no descriptor to keep in reserve: " + std::string(std::strerror(errno)));
  stopping_ = false;
  thread_ = log::guardedThread("listener", "controller.server", [this] { run(); });
  logger().information("LISTENING address=%s:%hu", options_.host, boundPort_);
}

void AgentListener::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wakeFd_, &one, sizeof one);
  thread_.join();
  for (auto& [id, c] : connections_) handler_.onClose(id, "controller shutting down");
  connections_.clear();
  untrusted_.clear();
  ::close(listenFd_);
  ::close(epollFd_);
  ::close(wakeFd_);
  if (reserveFd_ >= 0) ::close(reserveFd_);
  listenFd_ = epollFd_ = wakeFd_ = reserveFd_ = -1;
}

void AgentListener::takeReserve() {
  if (reserveFd_ < 0) reserveFd_ = eventfd(0, EFD_CLOEXEC);
}

void AgentListener::quiesce() {
  quiescing_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wakeFd_, &one, sizeof one);
}

bool AgentListener::anyOutput() const {
  for (const auto& [id, c] : connections_)
    if (c->tls.hasOutput()) return true;
  return false;
}

void AgentListener::post(Pending p) {
  {
    std::lock_guard lock(pendingMutex_);
    pending_.push_back(std::move(p));
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wakeFd_, &one, sizeof one);
}

void AgentListener::send(ConnectionId id, std::string frame) {
  post(Pending{id, PendingKind::Send, std::move(frame), {}});
}

void AgentListener::close(ConnectionId id, std::string reason) {
  post(Pending{id, PendingKind::Close, {}, std::move(reason)});
}

void AgentListener::trust(ConnectionId id) { post(Pending{id, PendingKind::Trust, {}, {}}); }

ListenerStats AgentListener::stats() const {
  std::lock_guard lock(statsMutex_);
  return stats_;
}

void AgentListener::run() {
  std::vector<epoll_event> events(256);
  std::int64_t lastSweep = monotonicSeconds();
  while (!stopping_) {
    const int n = epoll_wait(epollFd_, events.data(), static_cast<int>(events.size()), 1000);
    if (n < 0 && errno != EINTR) {
      logger().critical("EPOLL_FAILED reason=%s", std::string(std::strerror(errno)));
      break;
    }
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      // One connection's failure (memory, a TLS library error) is that
      // connection's: the door stays open for the others.
      try {
        if (tag == kListenTag) {
          if (!quiescing_) acceptAll();
        } else if (tag == kWakeTag) {
          std::uint64_t v;
          [[maybe_unused]] auto r = ::read(wakeFd_, &v, sizeof v);
        } else if (auto it = connections_.find(tag); it != connections_.end()) {
          onEvent(*it->second, events[i].events);
        }
      } catch (const std::exception& e) {
        logger().error("LISTENER_EVENT_FAILED reason=%s", std::string(e.what()));
        if (auto it = connections_.find(tag); it != connections_.end()) close(tag, "internal error");
      }
    }
    applyPending();
    if (quiescing_ && !listenerRemoved_) {
      epoll_ctl(epollFd_, EPOLL_CTL_DEL, listenFd_, nullptr);
      listenerRemoved_ = true;
    }
    const std::int64_t now = monotonicSeconds();
    if (now != lastSweep) {
      expireSlow(now);
      // Descriptors may have freed elsewhere in the process; a pause for
      // another error ends here too.
      resumeAccepting();
      logThrottled(monotonicMs());
      lastSweep = now;
    }
  }
  // Flush what handlers queued before stop (acks of stored reports), for at
  // most two seconds: a peer that does not read is not waited for.
  applyPending();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (anyOutput() && std::chrono::steady_clock::now() < deadline) {
    const int n = epoll_wait(epollFd_, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      auto it = connections_.find(events[i].data.u64);
      if (it != connections_.end() && (events[i].events & EPOLLOUT)) drive(*it->second);
    }
  }
}

void AgentListener::acceptAll() {
  for (int turn = 0; turn < kAcceptsPerTurn && !acceptPaused_; ++turn) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = ::accept4(listenFd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    bool usedReserve = false;
    if (fd < 0 && outOfDescriptors(errno) && !untrusted_.empty()) {
      // The reserve's descriptor takes the newcomer first, so nobody is shed
      // for a descriptor another thread then takes; without a reserve, room
      // is made first.
      if (reserveFd_ >= 0) {
        ::close(reserveFd_);
        reserveFd_ = -1;
        usedReserve = true;
      } else {
        shedOldestUntrusted("out of descriptors");
      }
      len = sizeof ss;
      fd = ::accept4(listenFd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    }
    if (fd < 0) {
      const int error = errno;
      takeReserve();
      if (error == EAGAIN || error == EWOULDBLOCK) return;
      if (error == EINTR || error == ECONNABORTED) continue;
      // Out of descriptors with nobody to shed, or an error that would come
      // back at once: stop watching the socket instead of spinning on it.
      pauseAccepting(error);
      return;
    }
    // The oldest untrusted connection gives its descriptor back to the reserve.
    if (usedReserve) {
      shedOldestUntrusted("out of descriptors");
      takeReserve();
    }
    if (connections_.size() >= options_.maxConnections && !shedOldestUntrusted("connection limit reached")) {
      {
        std::lock_guard lock(statsMutex_);
        ++stats_.rejectedAtLimit;
      }
      if (const auto n = refusedLog_.note(monotonicMs()))
        logger().warning("CONNECTION_REFUSED remote=%s reason=connection limit %z reached, every connection an agent's "
                         "refused=%Lu",
                         describeAddress(ss), options_.maxConnections, static_cast<Poco::UInt64>(n));
      ::close(fd);
      continue;
    }
    admit(fd, ss);
  }
}

void AgentListener::admit(int fd, const sockaddr_storage& from) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  const ConnectionId id = nextId_++;
  auto c = std::make_unique<Connection>(id, context_, fd, options_.maxFrame);
  c->remote = describeAddress(from);
  c->openedAt = c->lastActivity = monotonicSeconds();
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = id;
  c->interest = EPOLLIN;
  epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &ev);
  Connection& ref = *c;
  connections_.emplace(id, std::move(c));
  untrusted_.insert(id);
  {
    std::lock_guard lock(statsMutex_);
    ++stats_.accepted;
    stats_.open = connections_.size();
  }
  drive(ref);
}

bool AgentListener::shedOldestUntrusted(const char* why) {
  if (untrusted_.empty()) return false;
  auto it = connections_.find(*untrusted_.begin());
  if (it == connections_.end()) {
    untrusted_.erase(untrusted_.begin());
    return shedOldestUntrusted(why);
  }
  Connection& c = *it->second;
  const std::string remote = c.remote;
  const ConnectionId id = c.id;
  const std::string state = !c.tls.handshakeDone() ? "in its handshake"
                            : !c.tls.peer()        ? "without a certificate"
                                                   : "before its Hello";
  drop(c, std::string(why) + ": shed, the oldest connection not yet an agent's (" + state + ")", Severity::Quiet);
  {
    std::lock_guard lock(statsMutex_);
    ++stats_.shed;
  }
  if (const auto n = shedLog_.note(monotonicMs()))
    logger().warning("CONNECTION_SHED conn=%Lu remote=%s reason=%s: the oldest connection not yet an agent's (%s) "
                     "made room for a newcomer shed=%Lu open=%z",
                     static_cast<Poco::UInt64>(id), remote, std::string(why), state, static_cast<Poco::UInt64>(n),
                     connections_.size());
  return true;
}

void AgentListener::pauseAccepting(int error) {
  lastPauseReason_ = std::strerror(error);
  if (!acceptPaused_) {
    acceptPaused_ = true;
    if (!listenerRemoved_) {
      epoll_event ev{};
      ev.events = 0;
      ev.data.u64 = kListenTag;
      epoll_ctl(epollFd_, EPOLL_CTL_MOD, listenFd_, &ev);
    }
    std::lock_guard lock(statsMutex_);
    ++stats_.acceptPauses;
    stats_.acceptPaused = true;
  }
  if (const auto n = pauseLog_.note(monotonicMs()))
    logger().warning("ACCEPT_PAUSED reason=%s open=%z untrusted=%z pauses=%Lu: accepting resumes when a connection "
                     "closes, or within a second",
                     lastPauseReason_, connections_.size(), untrusted_.size(), static_cast<Poco::UInt64>(n));
}

void AgentListener::resumeAccepting() {
  if (!acceptPaused_ || quiescing_ || listenerRemoved_) return;
  acceptPaused_ = false;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenTag;
  epoll_ctl(epollFd_, EPOLL_CTL_MOD, listenFd_, &ev);
  std::lock_guard lock(statsMutex_);
  stats_.acceptPaused = false;
}

void AgentListener::logThrottled(std::int64_t nowMs) {
  // What a flood held back, once it is over.
  if (const auto n = shedLog_.flush(nowMs))
    logger().warning("CONNECTION_SHED reason=out of descriptors or connection limit shed=%Lu open=%z",
                     static_cast<Poco::UInt64>(n), connections_.size());
  if (const auto n = pauseLog_.flush(nowMs))
    logger().warning("ACCEPT_PAUSED reason=%s open=%z untrusted=%z pauses=%Lu", lastPauseReason_,
                     connections_.size(), untrusted_.size(), static_cast<Poco::UInt64>(n));
  if (const auto n = refusedLog_.flush(nowMs))
    logger().warning("CONNECTION_REFUSED reason=connection limit %z reached, every connection an agent's refused=%Lu",
                     options_.maxConnections, static_cast<Poco::UInt64>(n));
}

void AgentListener::onEvent(Connection& c, std::uint32_t events) {
  if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
    drop(c, "socket error or hang-up", Severity::Normal);
    return;
  }
  c.lastActivity = monotonicSeconds();
  drive(c);
}

void AgentListener::drive(Connection& c) {
  const ConnectionId id = c.id;
  if (!c.tls.handshakeDone()) {
    const IoStatus hs = c.tls.handshake();
    if (hs == IoStatus::Failed || hs == IoStatus::Closed) {
      {
        std::lock_guard lock(statsMutex_);
        ++stats_.handshakeFailures;
      }
      drop(c, hs == IoStatus::Closed ? "closed during handshake"
                                     : "TLS handshake failed: " + c.tls.lastError(),
           Severity::Failure);
      return;
    }
    if (hs != IoStatus::Done) {
      updateInterest(c);
      return;
    }
    c.opened = true;
    c.handshakeAtMs = monotonicMs();
    handler_.onOpen(id, c.tls.peer(), c.remote);
    if (!connections_.count(id)) return;
  }
  // Read what is there, cut frames, hand them over.
  if (!c.closing && !quiescing_) {
    std::string data;
    const IoStatus rs = c.tls.readAvailable(data, 1 << 20);
    if (!data.empty()) {
      c.decoder.feed(data);
      while (auto frame = c.decoder.next()) {
        {
          std::lock_guard lock(statsMutex_);
          ++stats_.framesIn;
        }
        c.gotFrame = true;
        handler_.onFrame(id, std::move(*frame));
        if (!connections_.count(id)) return;
      }
      if (c.decoder.failed()) {
        {
          std::lock_guard lock(statsMutex_);
          ++stats_.frameRejections;
        }
        // The peer is told why: it may still read though it sent something we cannot cut.
        closeForFault(c, std::string("frame rejected: ") + framing::describe(c.decoder.error()));
      }
    }
    if (!c.closing && rs == IoStatus::Closed) {
      drop(c, c.decoder.pending() ? "peer closed in the middle of a frame (truncated)"
                                  : "peer closed the connection",
           c.decoder.pending() != 0 ? Severity::Failure : Severity::Normal);
      return;
    }
    if (!c.closing && rs == IoStatus::Failed) {
      drop(c, "TLS read failed: " + c.tls.lastError(), Severity::Failure);
      return;
    }
    if (!c.closing && rs == IoStatus::Done) {
      // Read limit reached: come back on the next loop turn.
      post(Pending{id, PendingKind::Drive, {}, {}});
    }
  }
  if (c.tls.hasOutput()) {
    const IoStatus ws = c.tls.flush();
    if (ws == IoStatus::Failed || ws == IoStatus::Closed) {
      drop(c, "TLS write failed: " + c.tls.lastError(), ws == IoStatus::Failed ? Severity::Failure : Severity::Normal);
      return;
    }
  }
  if (c.closing && !c.tls.hasOutput()) {
    drop(c, c.closeReason, c.faulted ? Severity::Failure : Severity::Normal);
    return;
  }
  updateInterest(c);
}

void AgentListener::closeForFault(Connection& c, const std::string& reason) {
  if (c.closing) return;
  std::string last;
  try {
    last = handler_.farewell(reason);
  } catch (const std::exception& e) {
    logger().error("FAREWELL_FAILED conn=%Lu reason=%s", static_cast<Poco::UInt64>(c.id), std::string(e.what()));
  }
  if (!last.empty()) c.tls.queue(std::move(last));
  c.closing = true;
  c.faulted = true;
  c.closeReason = reason;
  c.closingSince = monotonicSeconds();
}

void AgentListener::updateInterest(Connection& c) {
  // A closing connection is not read from: only its last words go out.
  std::uint32_t want = quiescing_ || c.closing ? 0u : static_cast<std::uint32_t>(EPOLLIN);
  if (c.tls.hasOutput() || c.tls.wantsWrite()) want |= EPOLLOUT;
  if (want == c.interest) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c.id;
  epoll_ctl(epollFd_, EPOLL_CTL_MOD, c.tls.fd(), &ev);
  c.interest = want;
}

void AgentListener::drop(Connection& c, const std::string& reason, Severity severity) {
  const ConnectionId id = c.id;
  if (severity == Severity::Failure)
    logger().warning("CONNECTION_CLOSED conn=%Lu remote=%s reason=%s",
                     static_cast<Poco::UInt64>(id), c.remote, reason);
  else
    logger().debug("CONNECTION_CLOSED conn=%Lu remote=%s reason=%s",
                   static_cast<Poco::UInt64>(id), c.remote, reason);
  epoll_ctl(epollFd_, EPOLL_CTL_DEL, c.tls.fd(), nullptr);
  const bool opened = c.opened;
  connections_.erase(id);  // closes the socket
  untrusted_.erase(id);
  {
    std::lock_guard lock(statsMutex_);
    stats_.open = connections_.size();
  }
  if (opened) handler_.onClose(id, reason);
  // A descriptor is free again: whoever waits in the backlog may come in.
  resumeAccepting();
}

void AgentListener::applyPending() {
  std::vector<Pending> work;
  {
    std::lock_guard lock(pendingMutex_);
    work.swap(pending_);
  }
  std::vector<ConnectionId> touched;
  for (auto& p : work) {
    auto it = connections_.find(p.id);
    if (it == connections_.end()) continue;
    Connection& c = *it->second;
    switch (p.kind) {
      case PendingKind::Close:
        if (!c.closing) {
          c.closing = true;
          c.closeReason = p.reason;
          c.closingSince = monotonicSeconds();
        }
        break;
      case PendingKind::Send:
        // Nothing more is said once a fault's last words are queued.
        if (!c.faulted) c.tls.queue(std::move(p.frame));
        break;
      case PendingKind::Trust:
        untrusted_.erase(p.id);
        continue;  // nothing to drive
      case PendingKind::Drive: break;
    }
    touched.push_back(p.id);
  }
  for (ConnectionId id : touched) {
    auto it = connections_.find(id);
    if (it != connections_.end()) drive(*it->second);
  }
}

void AgentListener::expireSlow(std::int64_t now) {
  struct Late {
    ConnectionId id;
    std::string reason;
    bool tell;  // the peer is told why (its handshake is done)
  };
  std::vector<Late> late;
  const auto first = std::to_string(options_.firstMessageTimeoutSeconds);
  const std::int64_t nowMs = monotonicMs();
  for (auto& [id, c] : connections_) {
    if (c->closing) {
      // Last words the peer does not take are not waited for.
      if (now - c->closingSince > options_.handshakeTimeoutSeconds)
        late.push_back({id, c->closeReason + " (the peer did not take the last words)", false});
    } else if (!c->tls.handshakeDone()) {
      if (now - c->openedAt > options_.handshakeTimeoutSeconds) late.push_back({id, "TLS handshake timed out", false});
    } else if (!c->gotFrame && options_.firstMessageTimeoutSeconds > 0 &&
               nowMs - c->handshakeAtMs >= std::int64_t{options_.firstMessageTimeoutSeconds} * 1000) {
      // A client without a certificate enrolls at once and an agent says
      // Hello at once; one that says nothing holds a descriptor for nothing.
      late.push_back({id,
                      c->tls.peer() ? "no message within " + first + "s of the handshake"
                                    : "no enrollment request within " + first +
                                          "s of the handshake (a client without a certificate may only enroll)",
                      true});
    } else if (options_.idleTimeoutSeconds > 0 && now - c->lastActivity > options_.idleTimeoutSeconds) {
      late.push_back({id, "idle timeout", false});
    }
  }
  for (const auto& l : late) {
    auto it = connections_.find(l.id);
    if (it == connections_.end()) continue;
    Connection& c = *it->second;
    if (l.tell) {
      {
        std::lock_guard lock(statsMutex_);
        ++stats_.firstMessageTimeouts;
      }
      closeForFault(c, l.reason);
      drive(c);
    } else {
      drop(c, l.reason, Severity::Failure);
    }
  }
}

}  // namespace portcullis::server
