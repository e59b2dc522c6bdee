// The suite's packets stay on this machine: every test runs in a network
// namespace of its own with only loopback (tests/support/in-loopback-netns),
// the harness refuses to start programs anywhere else, and an agent the
// harness starts, announcing as shipped, finds no link to announce on.
#include <doctest/doctest.h>

#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "tests/integration/controller_fixture.h"

using namespace portcullis;
using namespace portcullis::testing;

namespace {

std::string netnsOf(const std::string& pid) {
  std::error_code ec;
  const auto link = std::filesystem::read_symlink("/proc/" + pid + "/ns/net", ec);
  return ec ? std::string() : link.string();
}

bool loopbackUp() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq req{};
  std::snprintf(req.ifr_name, sizeof req.ifr_name, "lo");
  const bool up = fd >= 0 && ::ioctl(fd, SIOCGIFFLAGS, &req) == 0 && (req.ifr_flags & IFF_UP);
  if (fd >= 0) ::close(fd);
  return up;
}

}  // namespace

TEST_CASE("the test runs in a network namespace of its own, with loopback up and no other link") {
  CHECK(nonLoopbackLinks().empty());
  CHECK(loopbackUp());
  // The machine's own namespace: pid 1's, or where ctest (the parent) runs.
  const auto own = netnsOf("self");
  auto machine = netnsOf("1");
  if (machine.empty()) machine = netnsOf(std::to_string(getppid()));
  REQUIRE(!own.empty());
  if (machine.empty())
    MESSAGE("NOT CHECKED: neither pid 1's nor the parent's network namespace can be read as this user");
  else
    CHECK_MESSAGE(own != machine, "the test shares the network namespace " << own << " of the machine");
}

TEST_CASE("an agent started by the harness, announcing as shipped, shares that namespace and broadcasts nothing") {
  ControllerFixture c;
  // A site with the Kea hook's query port (on loopback): an operator's
  // quarantine then orders the agent to renew its lease.
  REQUIRE(c.stop(SIGTERM) == 0);
  std::ofstream(c.conf(), std::ios::app) << "\n[kea]\nquery = 127.0.0.1:" << freePort() << "\n";
  c.start();
  // Announcing stays on, as shipped, with a renew command; the hash and
  // antivirus scans are not under test.
  const auto conf = c.enrollAgentProgram(c.root() + "/agent",
                                         "s|^check_interval = .*|check_interval = 1s|; s|^max_interval = 30s|max_interval = 1s|; "
                                         "s|^renew_command =.*|renew_command = echo renewed {interface}|; "
                                         "/^\\[files\\]/,/^\\[/ s|^enabled = yes|enabled = no|; "
                                         "/^\\[antivirus\\]/,/^\\[/ s|^enabled = auto|enabled = no|");
  REQUIRE(readText(conf).find("\n[announce]\n# On a link that is up with no IPv4 address, broadcast a signed announce so\n"
                              "# the DHCP gate can admit this machine before it has an address.\nenabled = yes\n") !=
          std::string::npos);
  Background agent({agentBinary(), "run", "--config", conf}, c.root() + "/agent.log");
  CHECK(netnsOf(std::to_string(agent.pid())) == netnsOf("self"));

  Poco::JSON::Parser parser;
  std::string id;
  REQUIRE_MESSAGE(eventually([&] {
                    const auto listed = c.cli({"machines", "--json"});
                    if (listed.exitCode != 0) return false;
                    auto machines = parser.parse(listed.out).extract<Poco::JSON::Array::Ptr>();
                    if (machines->size() != 1) return false;
                    id = machines->getObject(0)->getValue<std::string>("id");
                    return true;
                  }),
                  readText(c.root() + "/agent.log"));
  // A quarantine makes the controller order renew_lease: the agent announces
  // on every link it has, and it has none but loopback.
  const auto quarantined = c.cli({"quarantine", id});
  REQUIRE_MESSAGE(quarantined.exitCode == 0, quarantined.err);
  std::string detail;
  REQUIRE_MESSAGE(eventually([&] {
                    for (const auto& cmd : c.openStore()->commands())
                      if (cmd.kind == "renew_lease" && cmd.finished()) {
                        detail = cmd.resultDetail;
                        return true;
                      }
                    return false;
                  }),
                  readText(c.root() + "/agent.log"));
  CHECK(detail == "announced on no link; no link to renew");
  CHECK(readText(c.root() + "/agent.log").find("ANNOUNCE_SENT") == std::string::npos);
  CHECK(agent.stop(SIGTERM) == 0);
}

TEST_CASE("the harness refuses to start anything in a namespace with a real link") {
  if (geteuid() != 0) {
    MESSAGE("SKIPPED: making a namespace with a link of its own needs root");
    return;
  }
  const std::string ns = "pcguard" + std::to_string(getpid());
  REQUIRE(run({"ip", "netns", "add", ns}).exitCode == 0);
  struct Remove {
    std::string ns;
    ~Remove() { run({"ip", "netns", "del", ns}); }
  } remove{ns};
  REQUIRE(run({"ip", "-n", ns, "link", "add", "pcguard0", "type", "veth", "peer", "name", "pcguard1"}).exitCode == 0);
  // This very program, started there: the harness stops it before any test.
  const auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  const auto refused = run({"ip", "netns", "exec", ns, self, "--test-case=the test runs in*"});
  CHECK(refused.exitCode == 1);
  CHECK(refused.err.find("REFUSED") != std::string::npos);
  CHECK(refused.err.find("pcguard0") != std::string::npos);
  CHECK(refused.out.find("test cases") == std::string::npos);  // no test ran
}

TEST_CASE("every test ctest knows is started through the loopback-only namespace") {
  const auto listed = run({"ctest", "--show-only=json-v1", "--test-dir", binaryDir()});
  REQUIRE_MESSAGE(listed.exitCode == 0, listed.err);
  auto tests = Poco::JSON::Parser().parse(listed.out).extract<Poco::JSON::Object::Ptr>()->getArray("tests");
  REQUIRE(tests->size() > 10);
  for (std::size_t i = 0; i < tests->size(); ++i) {
    auto test = tests->getObject(static_cast<unsigned>(i));
    const auto name = test->getValue<std::string>("name");
    auto command = test->getArray("command");
    REQUIRE_MESSAGE(command, name);
    const auto launcher = command->getElement<std::string>(0);
    CHECK_MESSAGE(launcher.ends_with("/tests/support/in-loopback-netns"), name << " starts with " << launcher);
  }
}
