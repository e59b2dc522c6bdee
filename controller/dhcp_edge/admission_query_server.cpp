#include "controller/dhcp_edge/admission_query_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log/guarded_thread.h"
#include "common/log/logging.h"
#include "controller/dhcp/admission_query.h"

namespace portcullis::dhcp_edge {
namespace {
Poco::Logger& logger() { return log::get("controller.kea"); }
}  // namespace

AdmissionQueryServer::AdmissionQueryServer(store::LeaseStore& store, AdmissionQuerySettings settings, Clock clock)
    : store_(store), settings_(std::move(settings)), clock_(std::move(clock)) {}

AdmissionQueryServer::~AdmissionQueryServer() {
  stop();
  if (fd_ >= 0) ::close(fd_);
}

Status AdmissionQueryServer::open() {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail(std::string("socket: ") + std::strerror(errno));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(settings_.port);
  if (inet_pton(AF_INET, settings_.host.c_str(), &local.sin_addr) != 1)
    return fail("'" + settings_.host + "' is not an IPv4 address");
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
    return fail("cannot bind " + settings_.host + ":" + std::to_string(settings_.port) + ": " + std::strerror(errno));
  // Room for a burst: questions that are not read in time fail closed at the hook.
  const int buffer = 4 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  socklen_t len = sizeof local;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);
  port_ = ntohs(local.sin_port);
  return done();
}

void AdmissionQueryServer::start() {
  stopping_ = false;
  thread_ = log::guardedThread("kea-queries", "controller.kea", [this] { run(); });
  logger().notice("KEA_QUERIES_ANSWERED_ON address=%s:%hu", settings_.host, port_);
}

void AdmissionQueryServer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void AdmissionQueryServer::run() {
  while (!stopping_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buffer[512];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(fd_, buffer, sizeof buffer, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) continue;
    try {
      const auto source = ntohl(from.sin_addr.s_addr);
      const bool allowed = settings_.allowFrom.empty()
                               ? (source >> 24) == 127
                               : std::find(settings_.allowFrom.begin(), settings_.allowFrom.end(), source) !=
                                     settings_.allowFrom.end();
      auto question = allowed ? dhcp::parseAdmissionQuery(std::string_view(buffer, static_cast<std::size_t>(n)),
                                                          settings_.key)
                              : Result<dhcp::AdmissionQuestion>(fail("source not in allow_from"));
      if (!question) {
        ++refused_;
        logger().warning("KEA_QUERY_REFUSED from=%s reason=%s", dhcp::formatIpv4(source), question.error());
        continue;
      }
      const auto& mac = question->mac;
      dhcp::MacStanding standing;
      try {
        standing = store_.macStanding(mac);
      } catch (const std::exception& e) {
        standing.lookupFailed = true;
        logger().error("KEA_STORE_UNAVAILABLE mac=%s reason=%s", mac, std::string(e.what()));
      }
      const auto c = dhcp::keaClassFor(settings_.policy, mac, standing, clock_());
      const auto answer = dhcp::admissionAnswer(*question, c, settings_.key);
      ::sendto(fd_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
      ++answered_;
      logger().information("KEA_QUERY_ANSWERED mac=%s class=portcullis-%s machine=%s", mac,
                           std::string(dhcp::keaClassName(c)), standing.machineId.empty() ? "-" : standing.machineId);
    } catch (const std::exception& e) {
      logger().error("KEA_QUERY_FAILED reason=%s", std::string(e.what()));
    }
  }
}

}  // namespace portcullis::dhcp_edge
