#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <cstdio>
#include <fstream>

#include "controller/dhcp/isolation_rules.h"
#include "tests/support/run_command.h"
#include "tests/unit/controller_dhcp/dhcp_test_support.h"

using namespace portcullis::dhcp;
using namespace portcullis::dhcp::testing;

TEST_CASE("quarantine pools and quarantined production addresses may reach only the controller, DNS and remediation") {
  auto s = lab();
  s.dns = {ip("10.77.0.53")};
  s.remediationHosts = {ip("192.0.2.80")};
  const auto rules = isolationRuleset({s}, {ip("10.77.0.104"), ip("10.77.0.201")});
  CHECK(rules.find("delete table inet portcullis_gate") != std::string::npos);
  // The pool as a range; a pool address listed again is not repeated.
  CHECK(rules.find("elements = { 10.77.0.200-10.77.0.203, 10.77.0.104 }") != std::string::npos);
  CHECK(rules.find("elements = { 10.77.0.1, 10.77.0.53, 192.0.2.80 }") != std::string::npos);
  CHECK(rules.find("ip saddr @quarantined ip daddr @reachable accept") != std::string::npos);
  CHECK(rules.find("ip saddr @quarantined counter drop") != std::string::npos);
  CHECK(rules.find("hook forward") != std::string::npos);
  CHECK(rules.find("hook input") == std::string::npos);  // the controller itself stays reachable
}

TEST_CASE("the rule set is accepted by the real nft (checked in a throwaway network namespace)") {
  if (std::system("unshare -n true >/dev/null 2>&1") != 0 || std::system("nft --version >/dev/null 2>&1") != 0) {
    MESSAGE("!!! needs root (unshare -n) and nft: NOT RUN, counted as a failure");
    FAIL("cannot check the rule set with nft here");
  }
  const std::string file = "/tmp/portcullis-gate-rules-" + std::to_string(::getpid()) + ".nft";
  for (const auto& extra : {std::set<Ipv4>{}, std::set<Ipv4>{ip("10.77.0.104"), ip("10.77.0.105")}}) {
    std::ofstream(file) << isolationRuleset({lab()}, extra);
    // -c: parse and check against the kernel without applying, in a fresh namespace.
    const auto out = portcullis::testing::runCommand("unshare -n nft -c -f " + file + " 2>&1; echo rc=$?");
    CHECK_MESSAGE(out.find("rc=0") != std::string::npos, out);
  }
  std::remove(file.c_str());
}
