#pragma once
// A subnet and client messages for the DHCP unit tests.
#include "controller/dhcp/dhcp_packet.h"
#include "controller/dhcp/dhcp_subnet.h"

namespace portcullis::dhcp::testing {

inline Ipv4 ip(const char* text) { return *parseIpv4(text); }

inline DhcpSubnet lab() {
  DhcpSubnet s;
  s.name = "dhcp";
  s.interfaceName = "veth0";
  s.subnet = *parseIpv4Net("10.77.0.0/24");
  s.productionPool = *parseIpv4Range("10.77.0.100-10.77.0.109");
  s.quarantinePool = *parseIpv4Range("10.77.0.200-10.77.0.203");
  s.routers = {ip("10.77.0.1")};
  s.dns = {ip("10.77.0.1")};
  s.domain = "lab.example";
  s.serverAddress = ip("10.77.0.1");
  return s;
}

inline DhcpPacket clientMessage(MessageType type, std::uint8_t last = 0x01) {
  DhcpPacket p;
  p.op = 1;
  p.xid = 0x12345678;
  const std::uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x12, 0x34, last};
  std::copy(mac, mac + 6, p.chaddr.begin());
  p.set(option::kMessageType, std::string(1, static_cast<char>(type)));
  return p;
}

}  // namespace portcullis::dhcp::testing
