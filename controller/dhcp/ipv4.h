#pragma once
// IPv4 addresses as host-order integers, and the few conversions the DHCP
// code needs. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::dhcp {

using Ipv4 = std::uint32_t;  // host order; 0 is 0.0.0.0

std::optional<Ipv4> parseIpv4(std::string_view text);
std::string formatIpv4(Ipv4 address);

struct Ipv4Net {
  Ipv4 network = 0;
  int prefix = 0;
  Ipv4 mask() const { return prefix == 0 ? 0 : ~Ipv4{0} << (32 - prefix); }
  bool contains(Ipv4 a) const { return (a & mask()) == network; }
  Ipv4 broadcast() const { return network | ~mask(); }
};
// "10.0.0.0/24"; the host bits must be zero.
std::optional<Ipv4Net> parseIpv4Net(std::string_view text);
std::string formatIpv4Net(const Ipv4Net& net);

struct Ipv4Range {
  Ipv4 first = 0;
  Ipv4 last = 0;
  bool contains(Ipv4 a) const { return a >= first && a <= last; }
  std::uint64_t size() const { return std::uint64_t{last} - first + 1; }
  bool overlaps(const Ipv4Range& o) const { return first <= o.last && o.first <= last; }
};
// "10.0.0.100-10.0.0.199"
std::optional<Ipv4Range> parseIpv4Range(std::string_view text);

}  // namespace portcullis::dhcp
