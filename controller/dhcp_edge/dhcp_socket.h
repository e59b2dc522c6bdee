#pragma once
// Where DHCP messages come in and go out. One socket per interface the
// server answers on; the Linux one is a UDP socket bound to the device, so a
// broadcast reaches clients that have no address yet. Tests use a fake.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/util/result.h"
#include "controller/dhcp/ipv4.h"

namespace portcullis::dhcp_edge {

struct Datagram {
  std::string bytes;
  dhcp::Ipv4 source = 0;
  std::uint16_t sourcePort = 0;
};

class DhcpSocket {
 public:
  virtual ~DhcpSocket() = default;
  virtual const std::string& interfaceName() const = 0;
  // The interface's IPv4 addresses (with prefix), for the server identifier.
  virtual std::vector<std::pair<dhcp::Ipv4, int>> addresses() const = 0;
  virtual int fd() const = 0;  // for poll(); -1 for fakes
  // Reads one waiting datagram, whole whatever its size (the parser refuses
  // one too large); nullopt when none is waiting.
  virtual std::optional<Datagram> receive() = 0;
  // Sends out of this interface. false (and errno) when the kernel refused.
  virtual bool send(const std::string& bytes, dhcp::Ipv4 to, std::uint16_t port) = 0;
  // True when a broadcast sent here reaches the clients: a socket on their
  // link. The relay socket is not: it answers relays and clients with an
  // address only.
  virtual bool onLink() const { return true; }
};

// A UDP socket on port `port` bound to the interface (SO_BINDTODEVICE), with
// SO_BROADCAST. Needs CAP_NET_RAW for the device binding and
// CAP_NET_BIND_SERVICE for port 67.
Result<std::unique_ptr<DhcpSocket>> openDhcpSocket(const std::string& interfaceName, std::uint16_t port);

// A UDP socket on port `port` for everything that does not arrive on one of
// the served interfaces: messages from relays (giaddr set) and unicast
// renewals from the clients behind them. Broadcasts on a served interface
// reach its own socket and are skipped here (IP_PKTINFO), so none is handled
// twice.
Result<std::unique_ptr<DhcpSocket>> openRelaySocket(std::uint16_t port, const std::vector<std::string>& servedInterfaces);

}  // namespace portcullis::dhcp_edge
