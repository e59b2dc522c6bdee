// The server against clients that lie: packets that do not name a hardware
// address, or do not fit. Each case is an attack that worked once; the real
// socket is in dhcp_socket_test.cpp.
#include <doctest/doctest.h>

#include "tests/unit/controller_dhcp_edge/dhcp_server_fixture.h"

using namespace portcullis;
using namespace portcullis::dhcp;
using namespace portcullis::dhcp_edge::testing;

TEST_CASE("a packet with no hardware address, or not six bytes of Ethernet, is refused") {
  Fixture f;
  for (std::uint8_t hlen : {0, 5, 16}) {
    auto p = discover();
    p.hlen = hlen;
    f.deliver(p);
  }
  CHECK(f.socket->sent.empty());
  CHECK(f.server->counters().malformed == 3);
  CHECK(f.server->leases().empty());
}

TEST_CASE("a datagram over the size limit is refused, not cut") {
  Fixture f;
  auto p = discover();
  p.set(option::kVendorClass, std::string(250, 'v'));
  for (std::uint8_t code = 224; code < 235; ++code) p.set(code, std::string(250, 'x'));
  const auto bytes = serializeDhcpPacket(p);
  REQUIRE(bytes.size() > 2048);
  f.server->handle({bytes, 0, 68}, *f.socket);
  CHECK(f.socket->sent.empty());
  CHECK(f.server->counters().malformed == 1);
}
