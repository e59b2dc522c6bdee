#include <doctest/doctest.h>

#include "controller/config/dhcp_config.h"

using namespace portcullis;
using namespace portcullis::dhcp;

namespace {

struct Read {
  controller::DhcpSettings settings;
  std::vector<std::string> errors;
};

Read read(const std::string& text) {
  auto doc = config::IniDocument::parse(text, "controller.conf");
  REQUIRE_MESSAGE(doc.ok(), (doc.ok() ? "" : doc.error()));
  config::ConfigReader r(*doc);
  Read out;
  out.settings = controller::readDhcpSettings(*doc, r);
  out.errors = r.finish();
  return out;
}

std::string joined(const std::vector<std::string>& lines) { return config::joinLines(lines); }

}  // namespace

TEST_CASE("no [dhcp] section: the gate is off") {
  auto r = read("[listen]\naddress = 127.0.0.1:9443\n");
  CHECK(r.settings.subnets.empty());
}

TEST_CASE("the simplest set-up is one [dhcp] section") {
  auto r = read(
      "[dhcp]\ninterface = eth1\nsubnet = 10.20.0.0/24\nproduction_pool = 10.20.0.100-10.20.0.199\n"
      "quarantine_pool = 10.20.0.200-10.20.0.250\nrouter = 10.20.0.1\ndns = 10.20.0.1, 10.20.0.2\n"
      "lease_time = 2h\nquarantine_lease_time = 1m\nmode = hold\nno_agent = deny\n");
  REQUIRE_MESSAGE(r.errors.empty(), joined(r.errors));
  REQUIRE(r.settings.subnets.size() == 1);
  const auto& s = r.settings.subnets[0];
  CHECK(s.name == "dhcp");
  CHECK(s.interfaceName == "eth1");
  CHECK(formatIpv4Net(s.subnet) == "10.20.0.0/24");
  CHECK(s.productionPool.size() == 100);
  CHECK(s.quarantinePool.size() == 51);
  CHECK(s.dns.size() == 2);
  CHECK(s.leaseTime == 7200);
  CHECK(s.quarantineLeaseTime == 60);
  CHECK(s.mode == GateMode::Hold);
  CHECK(s.noAgent == NoAgentRule::Deny);
  CHECK(s.isolateQuarantine);
  CHECK(r.settings.limits.discoversPerSecond == 1000);
}

TEST_CASE("further subnets are [dhcp NAME] sections; server limits in [dhcp_server]") {
  auto r = read(
      "[dhcp]\ninterface = eth1\nsubnet = 10.20.0.0/24\nproduction_pool = 10.20.0.100-10.20.0.199\n"
      "quarantine_pool = 10.20.0.200-10.20.0.250\n"
      "[dhcp branch]\nsubnet = 10.30.0.0/24\nserver_address = 10.20.0.1\nproduction_pool = 10.30.0.10-10.30.0.20\n"
      "quarantine_pool = 10.30.0.30-10.30.0.40\nallow_macs = 00-16-3E-00-00-01\nrandom_mac = deny\n"
      "max_declined_percent = 10\n"
      "[dhcp_server]\ndiscovers_per_second = 50\noffer_hold = 1m\nrequests_per_mac_per_minute = 12\n"
      "new_macs_per_minute = 5000\ndeclines_per_mac = 1\n");
  REQUIRE_MESSAGE(r.errors.empty(), joined(r.errors));
  REQUIRE(r.settings.subnets.size() == 2);
  CHECK(r.settings.subnets[1].name == "dhcp branch");
  CHECK(r.settings.subnets[1].interfaceName.empty());
  CHECK(r.settings.subnets[1].allowMacs == std::vector<std::string>{"00:16:3e:00:00:01"});
  CHECK(r.settings.subnets[1].randomMac == RandomMacRule::Deny);
  CHECK(r.settings.limits.discoversPerSecond == 50);
  CHECK(r.settings.limits.offerHoldSeconds == 60);
  CHECK(r.settings.limits.requestsPerMacPerMinute == 12);
  CHECK(r.settings.limits.newMacsPerMinute == 5000);
  CHECK(r.settings.limits.declinesPerMac == 1);
  CHECK(r.settings.subnets[0].maxDeclinedPercent == 25);
  CHECK(r.settings.subnets[1].maxDeclinedPercent == 10);
}

TEST_CASE("every mistake is named with its line") {
  auto r = read(
      "[dhcp]\ninterface = eth1\nsubnet = 10.20.0.0/24\nproduction_pool = 10.20.0.100-10.20.1.5\n"
      "quarantine_pool = 10.20.0.250-10.20.0.240\nrouter = 10.99.0.1\nmode = open\nno_agent = maybe\n"
      "deny_macs = nonsense\nlease_time = 10s\nbogus = 1\n");
  const auto text = joined(r.errors);
  CHECK(text.find("controller.conf:4: dhcp.production_pool: 10.20.0.100-10.20.1.5 is not inside") != std::string::npos);
  CHECK(text.find("controller.conf:6: dhcp.router") != std::string::npos);
  CHECK(text.find("controller.conf:5: dhcp.quarantine_pool") != std::string::npos);
  CHECK(text.find("controller.conf:7: dhcp.mode: 'open' is not one of quarantine-first, hold") != std::string::npos);
  CHECK(text.find("dhcp.no_agent") != std::string::npos);
  CHECK(text.find("dhcp.deny_macs") != std::string::npos);
  CHECK(text.find("dhcp.lease_time") != std::string::npos);
  CHECK(text.find("dhcp.bogus") != std::string::npos);
}

TEST_CASE("a network with host bits set is refused") {
  auto r = read("[dhcp]\ninterface = eth1\nsubnet = 10.20.0.1/24\nproduction_pool = 10.20.0.100-10.20.0.109\n"
                "quarantine_pool = 10.20.0.200-10.20.0.209\n");
  CHECK(joined(r.errors).find("controller.conf:3: dhcp.subnet: '10.20.0.1/24' has host bits set: the network is 10.20.0.0/24") != std::string::npos);
}

TEST_CASE("overlapping pools and subnets are refused") {
  auto r = read(
      "[dhcp]\ninterface = eth1\nsubnet = 10.20.0.0/24\nproduction_pool = 10.20.0.100-10.20.0.199\n"
      "quarantine_pool = 10.20.0.150-10.20.0.250\n"
      "[dhcp two]\ninterface = eth1\nsubnet = 10.20.0.0/25\nproduction_pool = 10.20.0.10-10.20.0.20\n"
      "quarantine_pool = 10.20.0.30-10.20.0.40\n");
  const auto text = joined(r.errors);
  CHECK(text.find("overlaps production_pool") != std::string::npos);
  CHECK(text.find("dhcp two.subnet: 10.20.0.0/25 overlaps 10.20.0.0/24 of [dhcp]") != std::string::npos);
  CHECK(text.find("is also the interface of [dhcp]") != std::string::npos);
}

TEST_CASE("a subnet only behind relays must name the server's address") {
  auto r = read("[dhcp far]\nsubnet = 10.30.0.0/24\nproduction_pool = 10.30.0.10-10.30.0.20\n"
                "quarantine_pool = 10.30.0.30-10.30.0.40\n");
  CHECK(joined(r.errors).find("needs server_address") != std::string::npos);
}

TEST_CASE("the quarantine pool on its own network: pool inside it, networks apart, a router on the link") {
  auto ok = read("[dhcp far]\nsubnet = 10.80.0.0/24\nserver_address = 10.82.0.2\nrouter = 10.80.0.1\n"
                 "production_pool = 10.80.0.100-10.80.0.149\nquarantine_subnet = 10.81.0.0/24\n"
                 "quarantine_pool = 10.81.0.100-10.81.0.149\nquarantine_router = 10.81.0.1\n");
  REQUIRE_MESSAGE(ok.errors.empty(), joined(ok.errors));
  CHECK(formatIpv4Net(ok.settings.subnets[0].quarantineSubnet) == "10.81.0.0/24");

  auto bad = read("[dhcp]\ninterface = eth1\nsubnet = 10.80.0.0/24\nproduction_pool = 10.80.0.100-10.80.0.149\n"
                  "quarantine_subnet = 10.80.0.0/25\nquarantine_pool = 10.80.0.200-10.80.0.210\n"
                  "quarantine_router = 10.99.0.1\n"
                  "[dhcp two]\ninterface = eth2\nsubnet = 10.90.0.0/24\nproduction_pool = 10.90.0.10-10.90.0.20\n"
                  "quarantine_subnet = 10.81.0.0/24\nquarantine_pool = 10.90.0.30-10.90.0.40\n"
                  "isolate_quarantine = no\n"
                  "[dhcp three]\ninterface = eth3\nsubnet = 10.81.0.0/24\nproduction_pool = 10.81.0.10-10.81.0.20\n"
                  "quarantine_pool = 10.81.0.30-10.81.0.40\n");
  const auto text = joined(bad.errors);
  CHECK(text.find("dhcp.quarantine_subnet: 10.80.0.0/25 overlaps 10.80.0.0/24") != std::string::npos);
  CHECK(text.find("dhcp.quarantine_router: 10.99.0.1 is not on this link") != std::string::npos);
  CHECK(text.find("dhcp two.quarantine_pool: 10.90.0.30-10.90.0.40 is not inside 10.81.0.0/24") != std::string::npos);
  CHECK(text.find("dhcp two.quarantine_router: required with quarantine_subnet") != std::string::npos);
  CHECK(text.find("dhcp two.quarantine_subnet: 10.81.0.0/24 overlaps 10.81.0.0/24 of [dhcp three]") != std::string::npos);
}
