#pragma once
// What the server answers to one client message (RFC 2131 section 4.3), given
// the gate's verdict for the client and the leases as they stand. Pure: the
// lease changes come back with the reply, and the server stores them before it
// sends anything.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/dhcp/dhcp_packet.h"
#include "controller/dhcp/gate_verdict.h"
#include "controller/dhcp/lease_book.h"

namespace portcullis::dhcp {

struct Reply {
  enum class To { Broadcast, Relay, Client };
  DhcpPacket packet;
  To to = To::Broadcast;
  Ipv4 address = 0;  // the relay (port 67) or the client (port 68)
};

// What a response did: a stable name each, for the log and the counters.
enum class DhcpEvent {
  LeaseOffered,
  LeaseBound,
  LeaseRenewed,
  LeaseNak,
  LeaseDeclined,
  LeaseReleased,
  InformAnswered,
  QuarantineCapReached,
  DiscoverNotAnswered,
  PoolExhausted,
  RequestForOtherServer,
  RequestDropped,
  DeclineIgnored,
  ReleaseIgnored,
  InformNotAnswered,
  PacketDropped,
};
const char* dhcpEventName(DhcpEvent event);  // LEASE_OFFERED, ...

struct Response {
  std::optional<Reply> reply;
  std::vector<Lease> changes;  // to store, in order, before the reply goes out
  DhcpEvent event = DhcpEvent::PacketDropped;
  std::string detail;          // what and why, for the same line
};

// source: the IP source address the message came from, 0 when not known. A
// RELEASE sent straight to the server counts only from the address it
// releases; a DECLINE only within offer_hold of the client being given the
// address, and only while neither the MAC's nor the pool's share of declined
// addresses is used up.
Response respond(const DhcpPacket& request, const DhcpSubnet& subnet, const GateVerdict& verdict,
                 const LeaseBook& book, const DhcpLimits& limits, std::int64_t now, Ipv4 source = 0);

// The options a lease from this pool carries (mask, routes, DNS, times).
void addLeaseOptions(DhcpPacket& reply, const DhcpSubnet& subnet, PoolKind pool, bool withTimes);

}  // namespace portcullis::dhcp
