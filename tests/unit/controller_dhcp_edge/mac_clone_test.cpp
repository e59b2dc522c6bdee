// Two enrolled agents announcing one MAC: two senders behind it. The gate
// believes neither while both claims are fresh.
#include <doctest/doctest.h>

#include <chrono>

#include "agent/transport/announce_builder.h"
#include "common/pki/pki.h"
#include "controller/dhcp_edge/announce_verifier.h"
#include "tests/unit/controller_dhcp_edge/dhcp_server_fixture.h"

using namespace portcullis;
using namespace portcullis::dhcp;
using namespace portcullis::dhcp_edge::testing;

namespace {

struct Agent {
  std::string key = pki::generatePrivateKey();
  std::string cert;
};

Agent enrolled(const std::string& caCert, const std::string& caKey, const std::string& cn) {
  Agent a;
  pki::CertificateSpec spec;
  spec.commonName = cn;
  spec.clientAuth = true;
  a.cert = pki::issueCertificate(caCert, caKey, pki::publicKeyOf(a.key), spec);
  return a;
}

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("two agents announcing one MAC: MAC_CLONE_SUSPECTED, and quarantine while both claims are fresh") {
  const std::string caKey = pki::generatePrivateKey();
  const std::string caCert = pki::createCaCertificate(caKey, "Portcullis test CA", 30);
  const Agent real = enrolled(caCert, caKey, "agent-1");
  const Agent other = enrolled(caCert, caKey, "agent-2");

  auto s = settings();
  s.subnets[0].requireAnnounce = true;
  s.subnets[0].announceTtl = 30;
  Fixture f(s);
  f.now = unixNow();
  const std::string mac = macOf(1);
  wire::pb::MachineInfo none;
  MacStanding admitted;
  admitted.machineId = "agent-1";
  admitted.state = admission::AdmissionState::Admitted;
  admitted.packageDigest = wire::packageListDigest(none);
  f.store.standings[mac] = admitted;
  f.server->hearAnnounces({}, std::make_unique<dhcp_edge::AnnounceVerifier>(
                                  caCert, [](const std::string&) { return false; }));
  auto announceBy = [&](const Agent& a) {
    const auto bytes = agent::announceDatagram(agent::buildAnnounce(mac, none, a.cert, a.key, f.now));
    f.server->handleAnnounce({bytes, 0, 68}, *f.socket);
  };

  // A DISCOVER a minute after the last (past the limiter): the pool its offer is from.
  auto offered = [&] {
    f.ms += 61'000;
    const auto sent = f.socket->sent.size();
    f.deliver(discover());
    REQUIRE(f.socket->sent.size() == sent + 1);
    return f.socket->sent.back().packet.yiaddr;
  };

  // The machine's own agent announces: production.
  announceBy(real);
  CHECK(s.subnets[0].productionPool.contains(offered()));

  // A second enrolled agent announces the same MAC: neither is believed.
  f.now += 2;
  announceBy(other);
  CHECK(s.subnets[0].quarantinePool.contains(offered()));
  // The real agent announcing again does not settle it while the other's claim is fresh.
  f.now += 2;
  announceBy(real);
  CHECK(s.subnets[0].quarantinePool.contains(offered()));

  // Once the other claim is older than announce_ttl, the real machine's stands alone.
  f.now += 31;
  announceBy(real);
  CHECK(s.subnets[0].productionPool.contains(offered()));
}
