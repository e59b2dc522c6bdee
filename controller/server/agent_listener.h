#pragma once
// The agents' door: one event-loop thread (epoll) holds every connection, so
// an idle agent costs a socket and a TLS session, not a thread. Frames are cut
// here and handed to a ConnectionHandler; the handler answers through send(),
// from any thread.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <openssl/types.h>

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
};

struct ListenerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9443;
  std::size_t maxFrame = 4 * 1024 * 1024;
  int handshakeTimeoutSeconds = 10;
  int idleTimeoutSeconds = 0;  // 0: idle connections stay open (agents report rarely)
  std::size_t maxConnections = 20000;
};

struct ListenerStats {
  std::uint64_t accepted = 0;
  std::uint64_t handshakeFailures = 0;
  std::uint64_t framesIn = 0;
  std::uint64_t frameRejections = 0;
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

  ListenerStats stats() const;

 private:
  struct Connection;
  struct Pending {
    ConnectionId id;
    std::string frame;
    bool close = false;
    std::string reason;
  };

  void run();
  void acceptAll();
  void onEvent(Connection& c, std::uint32_t events);
  void drive(Connection& c);
  void updateInterest(Connection& c);
  void drop(Connection& c, const std::string& reason, bool failure);
  void applyPending();
  void expireSlow(std::int64_t now);
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

  std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
  ConnectionId nextId_ = 1;

  std::mutex pendingMutex_;
  std::vector<Pending> pending_;

  mutable std::mutex statsMutex_;
  ListenerStats stats_;
};

}  // namespace portcullis::server
