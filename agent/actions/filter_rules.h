#pragma once
// Temporary filter rules that protect a vulnerable service until it is
// patched: inbound traffic to its ports is dropped except from the management
// allow-list. All rules live in the agent's own nftables table, `inet
// portcullis`, which is replaced as a whole on every change (one atomic nft
// transaction) and never touches another table. Pure: rules in, nft text and
// state JSON out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.h"
#include "common/wire/isolation_mode.h"

namespace portcullis::agent::actions {

struct FilterPort {
  std::uint32_t port = 0;
  bool udp = false;
  bool operator==(const FilterPort&) const = default;
};

struct FilterRule {
  std::string advisory;  // carried in each nft rule's comment
  std::string package;
  std::vector<FilterPort> ports;
  std::vector<std::string> allow;  // IPv4 addresses or CIDR blocks still let in
};

// Host isolation (a damaged machine), in one of three modes; the allowed
// peers (the controller, whose channel is never cut, DNS servers, the
// remediation hosts), loopback and DHCP are never touched:
// - complete: everything else in and out is dropped; IPv6 whole;
// - drop: only what the host sends matching one of `drops` is dropped (the
//   bad conversation, or a worm's port);
// - limit: everything else in and out is held to limitBytesPerSecond each
//   way (packets past the rate dropped, so TCP slows to it).
using wire::IsolationMode;
using wire::isolationModeName;
using wire::isolationModeNamed;

struct FlowDrop {
  std::uint8_t protocol = 6;  // 6 TCP, 17 UDP
  std::string address;        // IPv4 address or CIDR block; "" any
  std::uint16_t port = 0;
  bool onSourcePort = false;  // the host is the server of the bad conversation
  // Only packets with these bytes at this payload byte (nft @ih); -1: all.
  std::int32_t payloadOffset = -1;
  std::string payload = {};
  bool operator==(const FlowDrop&) const = default;
};

struct HostIsolation {
  bool active = false;
  std::string reason;              // kept in the state, for people
  std::vector<std::string> allow;  // IPv4 addresses or CIDR blocks
  IsolationMode mode = IsolationMode::Complete;
  std::vector<FlowDrop> drops;            // mode drop
  std::uint64_t limitBytesPerSecond = 0;  // mode limit
};

// A segment a router's agent cuts off: what it forwards from or to the
// segment is dropped but to and from the allowed peers.
struct SegmentIsolation {
  std::string segment;             // IPv4 CIDR
  std::vector<std::string> allow;  // IPv4 addresses or CIDR blocks
  std::string reason;
  bool operator==(const SegmentIsolation&) const = default;
};
Status checkSegment(const SegmentIsolation& segment);

// A drop's own check: TCP or UDP, a port, an address or none. And an
// isolation's: drops for drop, a rate of 1 kB/s to 10 GB/s for limit.
Status checkDrop(const FlowDrop& drop);
Status checkIsolation(const HostIsolation& isolation);
// "tcp to 10.78.0.3 port 8080", "tcp from port 25 to 10.0.0.0/8", "udp to any port 53"
std::string describeDrop(const FlowDrop& drop);

// An IPv4 address or network by the project's one rule (common/net/ipv4.h).
bool validIpv4Cidr(std::string_view s);

// The whole table; with no rules and no isolation, just its removal. Rules
// must be valid (checked by the state loaders), else a Failure.
Result<std::string> nftScript(const std::vector<FilterRule>& rules, const HostIsolation& isolation = {},
                              const std::vector<SegmentIsolation>& segments = {});

std::string filterStateJson(const std::vector<FilterRule>& rules);
Result<std::vector<FilterRule>> parseFilterState(std::string_view json);
std::string isolationStateJson(const HostIsolation& isolation);
Result<HostIsolation> parseIsolationState(std::string_view json);
std::string segmentStateJson(const std::vector<SegmentIsolation>& segments);
Result<std::vector<SegmentIsolation>> parseSegmentState(std::string_view json);

}  // namespace portcullis::agent::actions
