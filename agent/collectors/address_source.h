#pragma once
// IPv4 addresses have no /proc file to parse, so they come through this
// interface: getifaddrs() on the live system, a fixed list in tests.
#include <string>
#include <utility>
#include <vector>

namespace portcullis::agent::collectors {

// (interface name, "a.b.c.d/prefix")
using InterfaceAddresses = std::vector<std::pair<std::string, std::string>>;

class AddressSource {
 public:
  virtual ~AddressSource() = default;
  virtual InterfaceAddresses ipv4Addresses() = 0;
};

class SystemAddressSource : public AddressSource {
 public:
  InterfaceAddresses ipv4Addresses() override;
};

// /proc/net/if_inet6: "addr32hex ifindex prefixlen scope flags name" lines.
InterfaceAddresses parseIfInet6(std::string_view text);

}  // namespace portcullis::agent::collectors
