#include <doctest/doctest.h>

#include "controller/dhcp/dhcp_packet.h"
#include "tests/unit/controller_dhcp/dhcp_test_support.h"

using namespace portcullis::dhcp;
using namespace portcullis::dhcp::testing;

namespace {

// A DISCOVER as busybox udhcpc sends it, byte for byte in the parts that matter.
std::string udhcpcDiscover() {
  std::string b(236, '\0');
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  b[4] = '\xde';
  b[5] = '\xad';
  b[6] = '\xbe';
  b[7] = '\xef';
  const char mac[6] = {'\x02', '\x42', '\xac', '\x11', '\x00', '\x02'};
  std::copy(mac, mac + 6, b.begin() + 28);
  b += std::string("\x63\x82\x53\x63", 4);
  b += std::string("\x35\x01\x01", 3);                      // DISCOVER
  b += std::string("\x3d\x07\x01\x02\x42\xac\x11\x00\x02", 9);  // client id
  b += std::string("\x39\x02\x02\x40", 4);                  // max size 576
  b += std::string("\x37\x07\x01\x03\x06\x0c\x0f\x1c\x2a", 9);  // parameter list
  b += std::string("\x3c\x0c", 2) + "udhcp 1.35.0";
  b += '\xff';
  return b;
}

}  // namespace

TEST_CASE("a client's DISCOVER parses with its options") {
  auto p = parseDhcpPacket(udhcpcDiscover());
  REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error()));
  CHECK(p->op == 1);
  CHECK(p->xid == 0xdeadbeef);
  CHECK(p->messageType() == MessageType::Discover);
  CHECK(p->mac() == "02:42:ac:11:00:02");
  CHECK(*p->find(option::kVendorClass) == "udhcp 1.35.0");
  CHECK(toHex(*p->find(option::kClientId)) == "010242ac110002");
  CHECK(isLocallyAdministered(p->mac()));
}

TEST_CASE("serialize then parse gives the same message back, at least 300 bytes") {
  DhcpPacket r = clientMessage(MessageType::Offer);
  r.op = 2;
  r.yiaddr = ip("10.77.0.100");
  r.giaddr = ip("10.1.2.3");
  r.flags = kBroadcastFlag;
  r.setAddress(option::kServerId, ip("10.77.0.1"));
  r.setAddresses(option::kDns, {ip("10.77.0.1"), ip("10.77.0.2")});
  r.setSeconds(option::kLeaseTime, 3600);
  const auto bytes = serializeDhcpPacket(r);
  CHECK(bytes.size() >= kMinPacketSize);
  auto back = parseDhcpPacket(bytes);
  REQUIRE(back.ok());
  CHECK(back->op == 2);
  CHECK(back->yiaddr == ip("10.77.0.100"));
  CHECK(back->giaddr == ip("10.1.2.3"));
  CHECK(back->flags == kBroadcastFlag);
  CHECK(back->addressOption(option::kServerId) == ip("10.77.0.1"));
  CHECK(back->find(option::kDns)->size() == 8);
  CHECK(back->messageType() == MessageType::Offer);
}

TEST_CASE("an option longer than 255 bytes is split and joined again (RFC 3396)") {
  DhcpPacket r = clientMessage(MessageType::Ack);
  r.set(option::kDomainName, std::string(600, 'x'));
  auto back = parseDhcpPacket(serializeDhcpPacket(r));
  REQUIRE(back.ok());
  CHECK(*back->find(option::kDomainName) == std::string(600, 'x'));
}

TEST_CASE("options in the file and sname fields count when option 52 says so") {
  auto bytes = udhcpcDiscover();
  bytes.insert(bytes.size() - 1, std::string("\x34\x01\x03", 3));  // overload both
  const std::string inFile = std::string("\x0c\x04host\xff", 7);
  bytes.replace(108, inFile.size(), inFile);
  const std::string inSname = std::string("\x0f\x03lab\xff", 6);
  bytes.replace(44, inSname.size(), inSname);
  auto p = parseDhcpPacket(bytes);
  REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error()));
  CHECK(*p->find(option::kHostname) == "host");
  CHECK(*p->find(option::kDomainName) == "lab");
}

TEST_CASE("malformed messages are refused with a reason") {
  CHECK(parseDhcpPacket("").error().find("too short") != std::string::npos);
  auto bytes = udhcpcDiscover();
  auto noCookie = bytes;
  noCookie[236] = 0;
  CHECK(parseDhcpPacket(noCookie).error().find("cookie") != std::string::npos);
  auto noEnd = bytes.substr(0, bytes.size() - 1);
  CHECK(parseDhcpPacket(noEnd).error().find("end marker") != std::string::npos);
  auto overrun = bytes.substr(0, 240) + std::string("\x0c\x40" "abc", 5);
  CHECK(parseDhcpPacket(overrun).error().find("runs past") != std::string::npos);
  auto badType = bytes;
  badType[242] = 9;
  CHECK(parseDhcpPacket(badType).error().find("message type") != std::string::npos);
  auto longHw = bytes;
  longHw[2] = 17;
  CHECK(parseDhcpPacket(longHw).error().find("hardware address") != std::string::npos);
  auto badOp = bytes;
  badOp[0] = 3;
  CHECK_FALSE(parseDhcpPacket(badOp).ok());
}

TEST_CASE("classless static routes encode as RFC 3442 shows") {
  // RFC 3442's own example: 10.17.0.0/16 via 10.0.0.1 is 16.10.17.10.0.0.1
  std::vector<ClasslessRoute> routes = {{*parseIpv4Net("10.17.0.0/16"), ip("10.0.0.1")},
                                        {*parseIpv4Net("10.77.0.1/32"), 0},
                                        {*parseIpv4Net("0.0.0.0/0"), ip("10.0.0.254")}};
  const auto data = encodeClasslessRoutes(routes);
  CHECK(toHex(data.substr(0, 7)) == "100a110a000001");
  CHECK(toHex(data.substr(7, 9)) == "200a4d000100000000");
  CHECK(toHex(data.substr(16)) == "000a0000fe");
  auto back = decodeClasslessRoutes(data);
  REQUIRE(back.ok());
  REQUIRE(back->size() == 3);
  CHECK(formatIpv4Net((*back)[0].destination) == "10.17.0.0/16");
  CHECK((*back)[1].router == 0);
  CHECK(formatIpv4Net((*back)[2].destination) == "0.0.0.0/0");
  CHECK_FALSE(decodeClasslessRoutes(std::string("\x21\x0a", 2)).ok());
  CHECK_FALSE(decodeClasslessRoutes(std::string("\x18\x0a\x00", 3)).ok());
}

TEST_CASE("MACs parse strictly") {
  CHECK(parseMac("52-54-00-AB-cd-01") == "52:54:00:ab:cd:01");
  CHECK_FALSE(parseMac("52:54:00:ab:cd"));
  CHECK_FALSE(parseMac("52:54:00:ab:cd:0g"));
  CHECK_FALSE(isLocallyAdministered("00:16:3e:ab:cd:01"));
  CHECK(isLocallyAdministered("52:54:00:ab:cd:01"));  // QEMU's prefix is locally administered
  CHECK(isLocallyAdministered("a6:54:00:ab:cd:01"));
}

TEST_CASE("a message that names no hardware address, or an Ethernet one not six bytes long, is refused") {
  auto bytes = udhcpcDiscover();
  bytes[2] = 0;
  auto none = parseDhcpPacket(bytes);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().find("hardware address length 0") != std::string::npos);
  bytes[2] = 8;
  CHECK_FALSE(parseDhcpPacket(bytes).ok());
  // Another hardware type with its own length is read as it is.
  bytes[1] = 6;
  CHECK(parseDhcpPacket(bytes).ok());
}

TEST_CASE("a message over 2048 bytes is refused, not read in part") {
  auto bytes = udhcpcDiscover();
  bytes.append(2049 - bytes.size(), '\0');  // padding after the end option
  auto big = parseDhcpPacket(bytes);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().find("2049 bytes") != std::string::npos);
  bytes.resize(2048);
  CHECK(parseDhcpPacket(bytes).ok());
}
