// The gate through ISC Kea: kea-dhcp4 2.2 with the Portcullis hook and the
// configuration docs/dhcp-gate.md documents (packaging/kea/kea-dhcp4.conf.example),
// the controller answering the hook's questions, real udhcpc clients and a
// real agent. Asserted: the address each client actually got and what it can
// reach.
#include <doctest/doctest.h>

#include <sstream>

#include "common/util/digest.h"
#include "tests/e2e/gate_fixture.h"

using namespace portcullis::testing;

namespace {

bool inPool(Gate& g, int first, int last) { return g.inPoolRange(first, last); }

// A local user's program on the Kea host: binds the controller's query port
// while the controller is down and answers every question "admitted", in the
// old unauthenticated form and in the new one under a key of its own. Runs
// in the namespace for at most `seconds`, or until killed.
pid_t startImpostor(const std::string& ns, int seconds) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int nsfd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) _exit(3);
  const int s = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(4768);
  inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
  if (bind(s, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) _exit(4);
  const std::string wrongKey(64, '7');
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{s, POLLIN, 0};
    if (poll(&p, 1, 200) != 1) continue;
    char buffer[512];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = recvfrom(s, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) continue;
    std::istringstream words(std::string(buffer, static_cast<std::size_t>(n)));
    std::string head, version, mac, nonce;
    words >> head >> version >> mac >> nonce;
    const std::string v1 = "PORTCULLIS-CLASS 1 " + mac + " admitted\n";
    const std::string body = "PORTCULLIS-CLASS 2 " + mac + " " + nonce + " admitted";
    const std::string v2 = body + " " + portcullis::util::hmacSha256Hex(wrongKey, body) + "\n";
    for (const auto& answer : {v1, v2})
      sendto(s, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
  _exit(0);
}

}  // namespace

TEST_CASE("Kea with the hook: unknown, then an enrolled clean machine moved to production by its agent") {
  Gate g("", true);
  g.startUdhcpc();
  // No agent reports this MAC: portcullis-unknown, the unknown pool.
  REQUIRE_MESSAGE(waitFor([&] { return inPool(g, 240, 249); }, std::chrono::seconds(20)), g.logs());
  g.checkHeldBack();
  CHECK(g.log().find("class=portcullis-unknown") != std::string::npos);

  // An agent enrolls over the route to the controller, reports, is diagnosed
  // clean; the controller has it renew its lease: Kea refuses the renewal from
  // a pool it may no longer use, and the new DISCOVER lands in production.
  g.enrollAgent();
  g.renewThroughUdhcpc();
  g.startAgent();
  REQUIRE_MESSAGE(waitFor([&] { return g.inProduction(); }, std::chrono::seconds(30)), g.logs());
  g.checkProduction();
  CHECK(g.log().find("class=portcullis-admitted") != std::string::npos);

  // Quarantined by an operator: its agent renews, and Kea moves it out.
  const auto machines = g.ctl({"machines", "--json"}).out;
  const auto id = machines.substr(machines.find("\"id\": \"") + 7, 36);
  REQUIRE(g.ctl({"quarantine", id}).exitCode == 0);
  REQUIRE_MESSAGE(waitFor([&] { return inPool(g, 200, 239); }, std::chrono::seconds(30)), g.logs());
  g.checkHeldBack(false);
  CHECK(readText((g.t / "kea-stderr.log").string()).find("portcullis hook") == std::string::npos);  // still running
}

TEST_CASE("Kea with the hook fails safe: with the controller gone, a released machine is not admitted") {
  Gate g("", true);
  g.startUdhcpc();
  REQUIRE_MESSAGE(waitFor([&] { return inPool(g, 240, 249); }, std::chrono::seconds(20)), g.logs());
  REQUIRE(g.ctl({"release", g.mac()}).exitCode == 0);
  // The controller stops before the client asks again: no answer in time.
  REQUIRE(g.controller->stop(SIGTERM) == 0);
  kill(g.dhcpClient->pid(), SIGUSR1);
  REQUIRE_MESSAGE(waitFor([&] { return inPool(g, 200, 239); }, std::chrono::seconds(30)), g.logs());
  g.checkHeldBack(false);
  CHECK(readText((g.t / "kea-stderr.log").string()).find("portcullis hook") == std::string::npos);  // still running
}

TEST_CASE("Kea with the hook: whoever holds the query port without the key admits nobody") {
  Gate g("", true);
  g.startUdhcpc();
  REQUIRE_MESSAGE(waitFor([&] { return inPool(g, 240, 249); }, std::chrono::seconds(20)), g.logs());
  // The controller is down (a restart, a crash): a local user binds its port.
  REQUIRE(g.controller->stop(SIGTERM) == 0);
  const pid_t impostor = startImpostor(g.mgmt, 60);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(g.dhcpClient->pid(), SIGUSR1);
  // Its "admitted" is not an answer: the client fails closed to quarantine.
  const bool quarantined = waitFor([&] { return inPool(g, 200, 239); }, std::chrono::seconds(30));
  const bool admitted = inPool(g, 100, 199);
  kill(impostor, SIGKILL);
  int status = 0;
  waitpid(impostor, &status, 0);
  CHECK_MESSAGE(!WIFEXITED(status), "the impostor could not bind the port (exit " << WEXITSTATUS(status) << ")");
  CHECK_FALSE(admitted);
  REQUIRE_MESSAGE(quarantined, g.logs());
  g.checkHeldBack(false);
}
