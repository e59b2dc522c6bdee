// The DHCP gate against a host on the client segment that lies, end to end:
//
//   management ns: the controller's DHCP server on a bridge (10.78.0.1/24)
//   client ns:     busybox udhcpc on eth0, the victim
//   intruder ns:   another host on the same bridge (10.78.0.60, in no pool)
//                  that sends crafted DHCP messages from its own address
//
// The victim's lease is what the controller's store says of it and what the
// client keeps; the pool is what a new client can still get. Needs root and
// `ip netns`; without them it fails loudly rather than skip, since CI has them.
#include <doctest/doctest.h>

#include <netinet/in.h>

#include "controller/dhcp/dhcp_packet.h"
#include "tests/e2e/gate_fixture.h"

using namespace portcullis::testing;
namespace dhcp = portcullis::dhcp;

namespace {

const std::string kIntruderAddress = "10.78.0.60";

// A second host on the client segment, with an address outside the pools.
struct Intruder {
  std::string ns;

  explicit Intruder(Gate& g) : ns("pgi" + g.tag) {
    REQUIRE(g.namespaces.add(ns) == "");
    const std::string m = "ip -n " + g.mgmt + " ", i = "ip -n " + ns + " ";
    g.steps({m + "link add gi0 type veth peer name eth0 netns " + ns, m + "link set gi0 master gbr",
             m + "link set gi0 up", i + "link set lo up", i + "addr add " + kIntruderAddress + "/24 dev eth0",
             i + "link set eth0 up"});
  }

  // Sends the messages, in order, from port 68 of this host's own address to
  // the controller's port 67, the way a client that has an address does.
  void send(const std::vector<dhcp::DhcpPacket>& messages) const {
    const pid_t pid = fork();
    if (pid == 0) {
      const int nsfd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
      if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) _exit(3);
      const int s = socket(AF_INET, SOCK_DGRAM, 0);
      const int one = 1;
      setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in local{}, to{};
      local.sin_family = to.sin_family = AF_INET;
      local.sin_port = htons(68);
      to.sin_port = htons(67);
      inet_pton(AF_INET, kController.c_str(), &to.sin_addr);
      if (bind(s, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) _exit(4);
      for (const auto& m : messages) {
        const auto bytes = dhcp::serializeDhcpPacket(m);
        if (sendto(s, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) _exit(5);
      }
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "the intruder could not send");
  }
};

dhcp::Ipv4 ip(const std::string& text) { return *dhcp::parseIpv4(text); }
const dhcp::Ipv4 kServerId = ip(kController);

dhcp::DhcpPacket message(dhcp::MessageType type, const std::string& mac, std::uint32_t xid) {
  dhcp::DhcpPacket p;
  p.xid = xid;
  const auto normal = *dhcp::parseMac(mac);
  for (std::size_t i = 0; i < 6; ++i)
    p.chaddr[i] = static_cast<std::uint8_t>(std::stoi(normal.substr(i * 3, 2), nullptr, 16));
  p.set(dhcp::option::kMessageType, std::string(1, static_cast<char>(type)));
  return p;
}

// The storm's clients: 02:00:00:bb:00:NN, locally administered like the
// random MACs of a flood.
std::string stormMac(int n) {
  char text[18];
  std::snprintf(text, sizeof text, "02:00:00:bb:%02x:%02x", (n >> 8) & 0xff, n & 0xff);
  return text;
}

std::string field(const Poco::JSON::Object::Ptr& o, const char* name) {
  return o && !o->isNull(name) ? o->getValue<std::string>(name) : std::string();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The address a LEASE_OFFERED line for the MAC names, or "".
std::string offeredTo(const std::string& log, const std::string& mac) {
  std::smatch m;
  const std::regex offer("LEASE_OFFERED subnet=\\S+ mac=" + mac + " machine=\\S+ xid=\\d+ (\\d+\\.\\d+\\.\\d+\\.\\d+) ");
  return std::regex_search(log, m, offer) ? std::string(m[1]) : std::string();
}

}  // namespace

TEST_CASE("another host's RELEASE and DECLINE in a udhcpc client's name leave it its lease; a DECLINE storm does "
          "not empty the pool") {
  // A DECLINE counts within offer_hold of the ACK: 5 s here, so the test need
  // not wait the default 30 s to be past it.
  Gate g("", false, [](Gate& gate) { setIniKey(gate.conf(), "dhcp_server", "offer_hold", "5s"); });
  Intruder intruder(g);
  g.startUdhcpc();
  REQUIRE_MESSAGE(waitFor([&] { return g.quarantined(); }, std::chrono::seconds(20)), g.logs());
  const std::string victim = g.address()->ip, victimMac = g.mac();
  std::this_thread::sleep_for(std::chrono::seconds(6));  // past the victim's exchange

  // The victim's MAC and address in the packets, sent from the intruder's address.
  auto release = message(dhcp::MessageType::Release, victimMac, 0x5001);
  release.ciaddr = ip(victim);
  release.setAddress(dhcp::option::kServerId, kServerId);
  auto decline = message(dhcp::MessageType::Decline, victimMac, 0x5002);
  decline.setAddress(dhcp::option::kRequestedAddress, ip(victim));
  decline.setAddress(dhcp::option::kServerId, kServerId);
  intruder.send({release, decline});
  const auto decided = [&](const std::string& a, const std::string& b) {
    return waitFor([&] {
      const auto log = g.log();
      return log.find(a + " subnet=dhcp mac=" + victimMac) != std::string::npos ||
             log.find(b + " subnet=dhcp mac=" + victimMac) != std::string::npos;
    }, std::chrono::seconds(10));
  };
  REQUIRE_MESSAGE(decided("RELEASE_IGNORED", "LEASE_RELEASED"), g.logs());
  REQUIRE_MESSAGE(decided("DECLINE_IGNORED", "LEASE_DECLINED"), g.logs());
  auto lease = g.leaseOf(victim);
  REQUIRE(lease);
  CHECK(field(lease, "state") == "bound");
  CHECK(field(lease, "mac") == victimMac);
  CHECK(g.log().find("RELEASE_IGNORED subnet=dhcp mac=" + victimMac) != std::string::npos);
  CHECK(g.log().find("DECLINE_IGNORED subnet=dhcp mac=" + victimMac) != std::string::npos);

  // The intruder asks for the victim's address under its own MAC: it is
  // offered another one.
  const std::string grabber = "02:00:00:aa:00:01";
  auto grab = message(dhcp::MessageType::Discover, grabber, 0x5003);
  grab.setAddress(dhcp::option::kRequestedAddress, ip(victim));
  intruder.send({grab});
  REQUIRE_MESSAGE(waitFor([&] { return !offeredTo(g.log(), grabber).empty(); }, std::chrono::seconds(10)), g.logs());
  CHECK(offeredTo(g.log(), grabber) != victim);

  // The victim renews and keeps its address.
  const auto renewed = count(g.log(), "LEASE_RENEWED subnet=dhcp mac=" + victimMac);
  kill(g.dhcpClient->pid(), SIGUSR1);
  REQUIRE_MESSAGE(waitFor([&] { return count(g.log(), "LEASE_RENEWED subnet=dhcp mac=" + victimMac) > renewed; },
                          std::chrono::seconds(15)),
                  g.logs());
  REQUIRE(g.address());
  CHECK(g.address()->ip == victim);

  // A DECLINE storm: one new MAC for each address of the quarantine pool
  // (10.78.0.200-249) asks for it straight away (INIT-REBOOT) and declines it.
  std::vector<dhcp::DhcpPacket> storm;
  std::vector<std::pair<std::string, std::string>> taken;  // address, the storm's MAC for it
  for (int n = 0; n < 50; ++n) {
    const std::string address = "10.78.0." + std::to_string(200 + n);
    if (address == victim) continue;
    auto request = message(dhcp::MessageType::Request, stormMac(n), 0x6000 + n);
    request.setAddress(dhcp::option::kRequestedAddress, ip(address));
    auto declined = message(dhcp::MessageType::Decline, stormMac(n), 0x7000 + n);
    declined.setAddress(dhcp::option::kRequestedAddress, ip(address));
    declined.setAddress(dhcp::option::kServerId, kServerId);
    storm.push_back(request);
    storm.push_back(declined);
    taken.emplace_back(address, stormMac(n));
  }
  // Then one DISCOVER more: once it is decided, so is the whole storm (one
  // socket, decided in order, stored before the log line).
  const std::string marker = "02:00:00:dd:00:01";
  storm.push_back(message(dhcp::MessageType::Discover, marker, 0x5005));
  intruder.send(storm);
  REQUIRE_MESSAGE(waitFor([&] { return g.log().find("mac=" + marker) != std::string::npos; }, std::chrono::seconds(20)),
                  g.logs());
  std::size_t declinedCount = 0;
  Poco::JSON::Parser parser;
  auto all = parser.parse(g.ctl({"leases", "--json"}).out).extract<Poco::JSON::Array::Ptr>();
  for (std::size_t i = 0; i < all->size(); ++i) {
    auto l = all->getObject(static_cast<unsigned>(i));
    for (const auto& [address, mac] : taken)
      declinedCount += field(l, "address") == address && field(l, "mac") == mac && field(l, "state") == "declined";
  }
  MESSAGE(declinedCount << " of 49 storm addresses declined");
  CHECK(declinedCount <= 12);  // max_declined_percent: a quarter of the pool of 50
  CHECK(g.log().find("DECLINE_IGNORED") != std::string::npos);

  // Once the storm's quarantine leases (20 s) have run out, a new client is
  // served from the pool.
  std::this_thread::sleep_for(std::chrono::seconds(21));
  const std::string newcomer = "02:00:00:cc:00:01";
  intruder.send({message(dhcp::MessageType::Discover, newcomer, 0x5004)});
  CHECK_MESSAGE(waitFor([&] { return !offeredTo(g.log(), newcomer).empty(); }, std::chrono::seconds(10)), g.logs());
  CHECK(g.log().find("POOL_EXHAUSTED subnet=dhcp mac=" + newcomer) == std::string::npos);
  // And the victim still has its address.
  CHECK(field(g.leaseOf(victim), "mac") == victimMac);
  REQUIRE(g.address());
  CHECK(g.address()->ip == victim);
}
