#pragma once
// How many file descriptors the controller needs for its configured
// connections, and what soft limit to ask for at start. Every agent connection
// is a descriptor; the store, the log, the DHCP and Kea sockets, the event loop
// and the reserve take the rest. Pure: serve reads and sets the limits.
#include <cstdint>

namespace portcullis::server {

// Descriptors besides the agents' connections: store (database, WAL, shared
// memory, temporary files), logs, epoll and wake-up, the listening, DHCP,
// announce and Kea sockets, notifier pipes, the listener's reserve.
constexpr std::uint64_t kDescriptorsBesideAgents = 64;
// What is asked for at most when the hard limit is unlimited (the kernel's
// default fs.nr_open).
constexpr std::uint64_t kDescriptorCeiling = 1 << 20;

struct DescriptorLimits {
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;  // ~0: unlimited
};

struct DescriptorPlan {
  std::uint64_t raiseTo = 0;  // the soft limit to set (the hard limit); == soft: leave it
  std::uint64_t needed = 0;   // max_connections and kDescriptorsBesideAgents
  bool enough = true;         // raiseTo covers needed
};

DescriptorPlan planDescriptors(DescriptorLimits limits, std::uint64_t maxConnections);

}  // namespace portcullis::server
