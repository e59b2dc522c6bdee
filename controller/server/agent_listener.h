#pragma once
// The agents' door: one event-loop thread (epoll) holds every connection, so
// an idle agent costs a socket and a TLS session, not a thread. Frames are cut
// here and handed to a ConnectionHandler; the handler answers through send(),
// from any thread.
//
// At the descriptor limit the door neither spins nor locks agents out: the
// oldest connection that has not shown it is an agent's (still in its
// handshake, without a certificate, or not yet past its Hello) makes room for
// the one waiting, the listener keeping one descriptor in reserve so that the
// newcomer is taken before anyone is shed; when every connection is an
// agent's, accepting pauses until one closes.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <sys/socket.h>

#include <openssl/types.h>

#include "controller/server/event_throttle.h"
#include "controller/server/tls_server_connection.h"

namespace portcullis::server {

using ConnectionId = std::uint64_t;

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // The handshake finished. peer is empty for a client without a certificate.
  virtual void onOpen(ConnectionId id, const std::optional<PeerIdentity>& peer,
                      const std::string& remote) = 0;
  // One complete frame payload, in arrival order per connection.
  virtual void onFrame(ConnectionId id, std::string payload) = 0;
  virtual void onClose(ConnectionId id, const std::string& reason) = 0;
  // The last words to a peer the listener closes for a fault of its own (a
  // frame it cannot cut, no first message in time): a whole frame, or empty
  // to close without a word. Called on the listener's thread.
  virtual std::string farewell(const std::string& reason) {
    (void)reason;
    return {};
  }
};

struct ListenerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9443;
  std::size_t maxFrame = 4 * 1024 * 1024;
  // Also how long a closing connection may take to accept its last words.
  int handshakeTimeoutSeconds = 10;
  // A connection whose peer sent no whole message this long after the
  // handshake (an enrollment request, an agent's Hello) is closed.
  int firstMessageTimeoutSeconds = 10;
  int idleTimeoutSeconds = 0;  // 0: idle connections stay open (agents report rarely)
  std::size_t maxConnections = 20000;
};

struct ListenerStats {
  std::uint64_t accepted = 0;
  std::uint64_t handshakeFailures = 0;
  std::uint64_t framesIn = 0;
  std::uint64_t frameRejections = 0;
  std::uint64_t firstMessageTimeouts = 0;
  std::uint64_t shed = 0;          // closed to make room for a newcomer
  std::uint64_t rejectedAtLimit = 0;  // refused at max_connections, nobody to shed
  std::uint64_t acceptPauses = 0;  // times accepting stopped (out of descriptors)
  bool acceptPaused = false;
  std::size_t open = 0;
};

class AgentListener {
 public:
  AgentListener(ListenerOptions options, SSL_CTX* context, ConnectionHandler& handler);
  ~AgentListener();

  // Binds and starts the loop thread. Throws std::runtime_error when the
  // address cannot be bound.
  void start();
  // Stops accepting and reading; answers queued with send() still go out.
  // Used at shutdown so work already taken finishes and is acknowledged.
  void quiesce();
  // Closes every connection after flushing what was queued (bounded), then
  // joins the loop thread.
  void stop();
  std::uint16_t port() const { return boundPort_; }

  // Thread-safe. Queues an already framed message; ignored if the connection is gone.
  void send(ConnectionId id, std::string frame);
  // Thread-safe. Flushes what is queued, then closes, logging the reason.
  void close(ConnectionId id, std::string reason);
  // Thread-safe. The connection is an authenticated agent's (its Hello was
  // answered): it is no longer shed to make room for a newcomer.
  void trust(ConnectionId id);

  ListenerStats stats() const;

 private:
  struct Connection;
  enum class PendingKind { Send, Close, Drive, Trust };
  struct Pending {
    ConnectionId id;
    PendingKind kind;
    std::string frame;   // Send
    std::string reason;  // Close
  };

  void post(Pending p);
  void run();
  void acceptAll();
  void admit(int fd, const sockaddr_storage& from);
  // Drops the oldest connection not yet trusted; false when there is none.
  bool shedOldestUntrusted(const char* why);
  void pauseAccepting(int error);
  void resumeAccepting();
  void takeReserve();
  void onEvent(Connection& c, std::uint32_t events);
  void drive(Connection& c);
  void updateInterest(Connection& c);
  // Says why (the handler's farewell), then closes once that is flushed.
  void closeForFault(Connection& c, const std::string& reason);
  enum class Severity { Quiet, Normal, Failure };
  void drop(Connection& c, const std::string& reason, Severity severity);
  void applyPending();
  void expireSlow(std::int64_t now);
  void logThrottled(std::int64_t nowMs);
  bool anyOutput() const;

  ListenerOptions options_;
  SSL_CTX* context_;
  ConnectionHandler& handler_;
  int listenFd_ = -1;
  int epollFd_ = -1;
  int wakeFd_ = -1;
  std::uint16_t boundPort_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> quiescing_{false};
  bool listenerRemoved_ = false;
  bool acceptPaused_ = false;
  int reserveFd_ = -1;  // a descriptor kept free for the newcomer at the limit

  std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
  std::set<ConnectionId> untrusted_;  // not yet an agent's, oldest (lowest id) first
  ConnectionId nextId_ = 1;
  // Floods are logged once a second with their size.
  EventThrottle shedLog_;
  EventThrottle pauseLog_;
  EventThrottle refusedLog_;
  std::string lastPauseReason_;

  std::mutex pendingMutex_;
  std::vector<Pending> pending_;

  mutable std::mutex statsMutex_;
  ListenerStats stats_;
};

}  // namespace portcullis::server
