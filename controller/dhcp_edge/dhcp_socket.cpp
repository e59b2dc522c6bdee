#include "controller/dhcp_edge/dhcp_socket.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace portcullis::dhcp_edge {
namespace {

// One UDP socket. Bound to an interface (`name`), or, for relays, to none:
// then datagrams that came in on a `skipped` interface (learned through
// IP_PKTINFO) belong to that interface's own socket and are passed over.
class UdpDhcpSocket final : public DhcpSocket {
 public:
  UdpDhcpSocket(int fd, std::string name, bool bound, std::vector<unsigned> skipped = {})
      : fd_(fd), name_(std::move(name)), bound_(bound), skipped_(std::move(skipped)) {}
  ~UdpDhcpSocket() override { ::close(fd_); }

  const std::string& interfaceName() const override { return name_; }
  int fd() const override { return fd_; }
  bool onLink() const override { return bound_; }

  std::vector<std::pair<dhcp::Ipv4, int>> addresses() const override {
    std::vector<std::pair<dhcp::Ipv4, int>> out;
    ifaddrs* list = nullptr;
    if (!bound_ || getifaddrs(&list) != 0) return out;
    for (ifaddrs* i = list; i; i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || name_ != i->ifa_name) continue;
      const auto a = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr);
      const auto m = i->ifa_netmask ? ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_netmask)->sin_addr.s_addr) : 0;
      out.emplace_back(a, __builtin_popcount(m));
    }
    freeifaddrs(list);
    return out;
  }

  std::optional<Datagram> receive() override {
    for (;;) {
      char control[CMSG_SPACE(sizeof(in_pktinfo))];
      sockaddr_in from{};
      iovec iov{buffer_.data(), buffer_.size()};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      const ssize_t n = ::recvmsg(fd_, &msg, MSG_DONTWAIT);
      if (n < 0) return std::nullopt;
      unsigned arrivedOn = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
          arrivedOn = static_cast<unsigned>(reinterpret_cast<in_pktinfo*>(CMSG_DATA(c))->ipi_ifindex);
      if (arrivedOn && std::find(skipped_.begin(), skipped_.end(), arrivedOn) != skipped_.end()) continue;
      return Datagram{std::string(buffer_.data(), static_cast<std::size_t>(n)), ntohl(from.sin_addr.s_addr),
                      ntohs(from.sin_port)};
    }
  }

  bool send(const std::string& bytes, dhcp::Ipv4 to, std::uint16_t port) override {
    sockaddr_in dest{};
    dest.sin_family = AF_INET;
    dest.sin_port = htons(port);
    dest.sin_addr.s_addr = htonl(to);
    return ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&dest), sizeof dest) ==
           static_cast<ssize_t>(bytes.size());
  }

 private:
  int fd_;
  std::string name_;
  bool bound_;
  std::vector<unsigned> skipped_;
  // Room for any UDP datagram, so that one larger than a DHCP message is read
  // whole and refused by the parser (with its size in the log), never cut to
  // something that might parse.
  std::vector<char> buffer_ = std::vector<char>(65536);
};

// A UDP socket on `port` with room for bursts, bound to `device` when one is named.
Result<int> openUdp(std::uint16_t port, const std::string& device) {
  const std::string where = device.empty() ? std::string("the relay socket") : device;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
  auto refuse = [&](const char* what) {
    const std::string reason = std::string(what) + " on " + where + ": " + std::strerror(errno);
    ::close(fd);
    return fail(reason);
  };
  const int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return refuse("SO_REUSEADDR");
  if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0) return refuse("SO_BROADCAST");
  // Room for a burst while a batch of leases is being made durable: with the
  // default buffer a few hundred DISCOVERs overflow it during one fsync.
  const int buffer = 4 * 1024 * 1024;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);  // capped by rmem_max without CAP_NET_ADMIN
  // Bound to the device: a DISCOVER from 0.0.0.0 to 255.255.255.255 arrives on
  // the socket of the link it came from, and our broadcast leaves by it.
  if (!device.empty() &&
      setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device.c_str(), static_cast<socklen_t>(device.size())) != 0)
    return refuse("SO_BINDTODEVICE (needs CAP_NET_RAW)");
  // The relay socket learns which interface each message came in on.
  if (device.empty() && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0) return refuse("IP_PKTINFO");
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(port);
  local.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
    return refuse(port < 1024 ? "bind to the DHCP port (needs CAP_NET_BIND_SERVICE)" : "bind");
  return fd;
}

}  // namespace

Result<std::unique_ptr<DhcpSocket>> openDhcpSocket(const std::string& name, std::uint16_t port) {
  if (if_nametoindex(name.c_str()) == 0) return fail("interface " + name + " does not exist");
  auto fd = openUdp(port, name);
  if (!fd) return fail(fd.error());
  return std::unique_ptr<DhcpSocket>(std::make_unique<UdpDhcpSocket>(*fd, name, true));
}

Result<std::unique_ptr<DhcpSocket>> openRelaySocket(std::uint16_t port, const std::vector<std::string>& servedInterfaces) {
  std::vector<unsigned> skipped;
  for (const auto& name : servedInterfaces)
    if (const unsigned index = if_nametoindex(name.c_str())) skipped.push_back(index);
  auto fd = openUdp(port, "");
  if (!fd) return fail(fd.error());
  return std::unique_ptr<DhcpSocket>(std::make_unique<UdpDhcpSocket>(*fd, "relays", false, std::move(skipped)));
}

}  // namespace portcullis::dhcp_edge
