// The DHCP gate end to end, with real DHCP clients in network namespaces:
//
//   management ns: the controller (agent channel and DHCP on a bridge,
//                  10.78.0.1/24) and the router to the production network
//   production ns: a web server at 10.79.0.10:8080
//   client ns (one per test): busybox udhcpc or ISC dhclient on eth0, and in
//                  one test an enrolled agent
//
// Every assertion is what the client actually got (its address, mask and
// routes as the kernel holds them) and what it can reach. Needs root and
// `ip netns`; without them it fails loudly rather than skip, since CI has them.
#include <doctest/doctest.h>

#include <signal.h>

#include <optional>
#include <regex>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "agent/transport/announce_builder.h"
#include "common/pki/pki.h"
#include "common/util/files.h"
#include "tests/e2e/netns_support.h"
#include "tests/integration/process.h"

using namespace portcullis::testing;
namespace fs = std::filesystem;

namespace {

constexpr int kAgentPort = 9443;
constexpr int kProductionPort = 8080;
const std::string kController = "10.78.0.1";
const std::string kProductionServer = "10.79.0.10";

// Sends one UDP datagram from inside a namespace.
void sendUdpFrom(const std::string& ns, const std::string& to, int port, const std::string& bytes) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int nsfd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) _exit(3);
    const int s = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, to.c_str(), &dst.sin_addr);
    _exit(sendto(s, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst) > 0 ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
}

struct Address {
  std::string ip;
  int prefix = 0;
};

int gateCount = 0;

struct Gate {
  NamespaceGuard namespaces;  // first: removed last, even when set-up fails
  TempDir tmp;
  fs::path t = tmp.path;
  std::string tag = std::to_string(getpid() % 100000) + "x" + std::to_string(++gateCount);
  std::string mgmt = "pgm" + tag, prod = "pgp" + tag, client = "pgc" + tag;
  fs::path controllerDir = t / "controller";
  std::unique_ptr<Background> controller, web, dhcpClient, agent;
  int controllerRuns = 0;

  std::string extraDhcp;  // more keys for the [dhcp] section

  explicit Gate(std::string extra = "") : extraDhcp(std::move(extra)) {
    const bool ready = geteuid() == 0 && shStatus("ip netns list") == 0 && fs::exists("/bin/busybox");
    if (!ready) {
      MESSAGE("!!! DHCP gate e2e needs root, ip netns and busybox: NOT RUN, counted as a failure");
      FAIL("environment lacks root, ip netns or busybox");
    }
    makeNetwork();
    startProductionServer();
    startController();
  }

  ~Gate() {
    agent.reset();
    dhcpClient.reset();
    controller.reset();
    web.reset();
  }

  void steps(std::initializer_list<std::string> list) {
    for (const auto& step : list) {
      const std::string said = sh(step);
      REQUIRE_MESSAGE(said.empty(), (step + ": " + said));
    }
  }

  void makeNetwork() {
    const std::string m = "ip -n " + mgmt + " ", p = "ip -n " + prod + " ", c = "ip -n " + client + " ";
    for (const auto& ns : {mgmt, prod, client}) {
      steps({"ip netns add " + ns});
      namespaces.names.push_back(ns);
    }
    namespaces.files.push_back("/etc/netns/" + client);
    steps({m + "link set lo up", p + "link set lo up", c + "link set lo up",
           // The client segment: a bridge with the controller's address on it.
           m + "link add gbr type bridge", m + "addr add " + kController + "/24 dev gbr", m + "link set gbr up",
           m + "link add gc0 type veth peer name eth0 netns " + client, m + "link set gc0 master gbr",
           m + "link set gc0 up", c + "link set eth0 up",
           // The production network, routed by the management namespace.
           m + "link add gp0 type veth peer name eth0 netns " + prod, m + "addr add 10.79.0.1/24 dev gp0",
           m + "link set gp0 up", p + "addr add " + kProductionServer + "/24 dev eth0", p + "link set eth0 up",
           p + "route add default via 10.79.0.1"});
    REQUIRE(shStatus("ip netns exec " + mgmt + " sysctl -qw net.ipv4.ip_forward=1") == 0);
  }

  void startProductionServer() {
    write(t / "www/index.html", "production\n");
    web = std::make_unique<Background>(
        std::vector<std::string>{"ip", "netns", "exec", prod, "busybox", "httpd", "-f", "-p",
                                 kProductionServer + ":" + std::to_string(kProductionPort), "-h", (t / "www").string()},
        (t / "web.log").string());
    REQUIRE(waitFor([&] { return connectsFrom(mgmt, "", kProductionServer, kProductionPort); }, std::chrono::seconds(5)));
  }

  std::string conf() const { return (controllerDir / "controller.conf").string(); }
  std::string log() const { return readText((t / "controller.log").string()); }

  void startController() {
    if (!fs::exists(controllerDir)) {
      REQUIRE(run({controllerBinary(), "init", "--dir", controllerDir.string(), "--listen",
                   kController + ":" + std::to_string(kAgentPort)}).exitCode == 0);
      std::ofstream(conf(), std::ios::app) << "\n[dhcp]\ninterface = gbr\nsubnet = 10.78.0.0/24\n"
                                              "production_pool = 10.78.0.100-10.78.0.149\n"
                                              "quarantine_pool = 10.78.0.200-10.78.0.249\n"
                                              "router = 10.78.0.1\ndns = 10.78.0.1\nlease_time = 1h\n"
                                              "quarantine_lease_time = 20s\n"
                                              "no_agent = quarantine\n"
                                           << extraDhcp;
    }
    const auto before = log().size();
    ++controllerRuns;
    controller = std::make_unique<Background>(
        std::vector<std::string>{"ip", "netns", "exec", mgmt, controllerBinary(), "serve", "--config", conf()},
        (t / "controller.log").string());
    REQUIRE_MESSAGE(waitFor([&] { return log().find("CONTROLLER_STARTED", before) != std::string::npos; },
                            std::chrono::seconds(10)),
                    log());
  }

  Outcome ctl(std::vector<std::string> args) const {
    args.insert(args.begin(), controllerBinary());
    args.push_back("--config");
    args.push_back(conf());
    return run(args);
  }

  fs::path agentDir() const { return t / "agent"; }

  // Enrolls an agent in the client namespace (it needs a route to the
  // controller: a lease, or a static address) and sets it up for a test.
  void enrollAgent() {
    const auto token = ctl({"enroll-token"}).out;
    const auto fingerprint = ctl({"ca-fingerprint"}).out;
    auto enroll = run({"ip", "netns", "exec", client, agentBinary(), "enroll", "--controller",
                       kController + ":" + std::to_string(kAgentPort), "--token", token.substr(0, token.find('\n')),
                       "--ca-sha256", fingerprint.substr(0, fingerprint.find('\n')), "--dir", agentDir().string()});
    REQUIRE_MESSAGE(enroll.exitCode == 0, enroll.err);
    // Reconnect quickly once the machine has an address again.
    sh("sed -i 's/^max = .*/max = 2s/; s/^level = .*/level = debug/' " + (agentDir() / "agent.conf").string());
  }

  // The agent renews its lease when the controller asks, through udhcpc's signal.
  void renewThroughUdhcpc() {
    sh("sed -i 's|^renew_command =.*|renew_command = kill -USR1 $(cat " + (t / "udhcpc-{interface}.pid").string() +
       ")|' " + (agentDir() / "agent.conf").string());
  }

  void startAgent() {
    agent = std::make_unique<Background>(
        std::vector<std::string>{"ip", "netns", "exec", client, agentBinary(), "run", "--config",
                                 (agentDir() / "agent.conf").string()},
        (t / "agent.log").string());
  }

  void startUdhcpc() {
    dhcpClient = std::make_unique<Background>(
        std::vector<std::string>{"env", "RESOLV_CONF=" + (t / "resolv.conf").string(), "ip", "netns", "exec", client,
                                 "busybox", "udhcpc", "-f", "-i", "eth0", "-t", "20", "-T", "1", "-p",
                                 (t / "udhcpc-eth0.pid").string(), "-s",
                                 sourceDir() + "/packaging/udhcpc/portcullis.script"},
        (t / "udhcpc.log").string());
  }

  void startDhclient() {
    // The real dhclient-script writes /etc/resolv.conf; `ip netns exec` puts
    // this namespace's own file over it.
    write("/etc/netns/" + client + "/resolv.conf", "");
    dhcpClient = std::make_unique<Background>(
        std::vector<std::string>{"ip", "netns", "exec", client, "dhclient", "-d", "-v", "-lf",
                                 (t / "dhclient.leases").string(), "-pf", (t / "dhclient.pid").string(), "eth0"},
        (t / "dhclient.log").string());
  }

  static std::string sourceDir() {
    const char* dir = std::getenv("PORTCULLIS_SOURCE_DIR");
    return dir ? dir : ".";
  }

  // The IPv4 address the kernel holds on the client's eth0, if any.
  std::optional<Address> address() const {
    const auto out = sh("ip -n " + client + " -4 -o addr show dev eth0");
    std::smatch m;
    static const std::regex inet(R"(inet (\d+\.\d+\.\d+\.\d+)/(\d+))");
    if (!std::regex_search(out, m, inet)) return std::nullopt;
    return Address{m[1], std::stoi(m[2])};
  }
  bool inPool(int first, int last) const {
    auto a = address();
    if (!a || a->ip.rfind("10.78.0.", 0) != 0) return false;
    const int host = std::stoi(a->ip.substr(8));
    return host >= first && host <= last;
  }
  bool quarantined() const { return inPool(200, 249); }
  bool inProduction() const { return inPool(100, 149); }
  std::string routes() const { return sh("ip -n " + client + " -4 route show"); }
  std::string mac() const {
    std::smatch m;
    const auto out = sh("ip -n " + client + " -o link show eth0");
    static const std::regex ether(R"(link/ether ([0-9a-f:]{17}))");
    return std::regex_search(out, m, ether) ? std::string(m[1]) : std::string();
  }
  bool reachesController() const { return connectsFrom(client, "", kController, kAgentPort); }
  bool reachesProduction() const { return connectsFrom(client, "", kProductionServer, kProductionPort); }

  Poco::JSON::Object::Ptr leaseOf(const std::string& address) const {
    Poco::JSON::Parser parser;
    auto list = parser.parse(ctl({"leases", "--json"}).out).extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto l = list->getObject(static_cast<unsigned>(i));
      if (l->getValue<std::string>("address") == address) return l;
    }
    return nullptr;
  }

  std::string logs() const {
    return "--- controller\n" + log() + "--- client\n" + readText((t / "udhcpc.log").string()) +
           readText((t / "dhclient.log").string()) + "--- agent\n" + readText((t / "agent.log").string()) +
           "--- client routes\n" + routes();
  }

  // A quarantine lease's shape, as the client's kernel holds it.
  void checkIsolated() {
    auto a = address();
    REQUIRE(a);
    CHECK(a->prefix == 32);
    const auto r = routes();
    CHECK_MESSAGE(r.find("default") == std::string::npos, r);
    CHECK_MESSAGE(r.find(kController + " dev eth0") != std::string::npos, r);
    CHECK(reachesController());
    CHECK_FALSE(reachesProduction());
    // Enforced, not only addressed: a default route set by hand gets the
    // client no further, because the controller's forward rules drop it.
    sh("ip -n " + client + " route add default via " + kController + " dev eth0 onlink");
    CHECK_FALSE(reachesProduction());
    CHECK(reachesController());
    sh("ip -n " + client + " route del default");
  }

  std::string gateRules() const { return sh("ip netns exec " + mgmt + " nft list table inet portcullis_gate"); }

  void checkProduction() {
    auto a = address();
    REQUIRE(a);
    CHECK(a->prefix == 24);
    CHECK_MESSAGE(routes().find("default via 10.78.0.1 dev eth0") != std::string::npos, routes());
    CHECK(reachesProduction());
    CHECK(reachesController());
  }
};

}  // namespace

TEST_CASE("udhcpc with no agent: an isolated quarantine lease, released by hand to production at its renewal") {
  Gate g;
  g.startUdhcpc();
  REQUIRE_MESSAGE(waitFor([&] { return g.quarantined(); }, std::chrono::seconds(20)), g.logs());
  g.checkIsolated();
  const auto q = g.address()->ip;
  auto lease = g.leaseOf(q);
  REQUIRE(lease);
  CHECK(lease->getValue<std::string>("pool") == "quarantine");
  CHECK(lease->getValue<std::string>("state") == "bound");
  CHECK(lease->getValue<std::string>("mac") == g.mac());
  CHECK(lease->isNull("machine"));
  CHECK(g.log().find("no agent known for this MAC (no_agent = quarantine)") != std::string::npos);

  // A malformed packet on the DHCP port is dropped and counted; service goes on.
  sendUdpFrom(g.client, kController, 67, "not a DHCP message");
  CHECK(waitFor([&] { return g.log().find("DHCP_PACKET_DROPPED") != std::string::npos; }, std::chrono::seconds(5)));

  // Released by an operator: nothing moves until the client renews (T1 is 10 s
  // of the 20 s quarantine lease); then a NAK, a new DISCOVER, production.
  auto released = g.ctl({"release", g.mac()});
  REQUIRE_MESSAGE(released.exitCode == 0, released.err);
  CHECK(g.quarantined());
  REQUIRE_MESSAGE(waitFor([&] { return g.inProduction(); }, std::chrono::seconds(30)), g.logs());
  CHECK(g.log().find("LEASE_NAK") != std::string::npos);
  g.checkProduction();
  CHECK(g.leaseOf(q)->getValue<std::string>("state") == "released");
  CHECK(g.ctl({"leases"}).out.find("production  bound") != std::string::npos);
  CHECK(readText((g.controllerDir / "audit.log").string()).find("GATE_RELEASED mac=" + g.mac()) != std::string::npos);

  // The controller restarts; the lease is still the client's, and a renewal keeps it.
  const auto production = g.address()->ip;
  REQUIRE(g.controller->stop(SIGTERM) == 0);
  g.startController();
  REQUIRE(g.leaseOf(production));
  CHECK(g.leaseOf(production)->getValue<std::string>("state") == "bound");
  kill(g.dhcpClient->pid(), SIGUSR1);  // udhcpc: renew now
  CHECK_MESSAGE(waitFor([&] { return g.log().find("LEASE_RENEWED") != std::string::npos; }, std::chrono::seconds(15)),
                g.logs());
  CHECK(g.address()->ip == production);

  CHECK(g.gateRules().find("10.78.0.200-10.78.0.249") != std::string::npos);

  // Quarantined by hand: isolated at once, still on its production address
  // (the controller puts that address in its quarantine set), then moved out
  // of production at its renewal.
  REQUIRE(g.ctl({"quarantine", g.mac()}).exitCode == 0);
  REQUIRE_MESSAGE(waitFor([&] { return g.gateRules().find(production) != std::string::npos; },
                          std::chrono::seconds(15)),
                  (g.logs() + g.gateRules()));
  CHECK(g.address()->ip == production);
  CHECK_FALSE(g.reachesProduction());
  CHECK(g.reachesController());
  kill(g.dhcpClient->pid(), SIGUSR1);
  REQUIRE_MESSAGE(waitFor([&] { return g.quarantined(); }, std::chrono::seconds(20)), g.logs());
  g.checkIsolated();
}

TEST_CASE("ISC dhclient with its own script: the quarantine routes are installed, and release works the same") {
  if (shStatus("dhclient --version") != 0 && !fs::exists("/sbin/dhclient")) FAIL("!!! ISC dhclient is not installed");
  Gate g;
  g.startDhclient();
  REQUIRE_MESSAGE(waitFor([&] { return g.quarantined(); }, std::chrono::seconds(30)), g.logs());
  g.checkIsolated();
  REQUIRE(g.ctl({"release", g.mac()}).exitCode == 0);
  // dhclient renews at T1 (10 s), is refused, and starts over.
  REQUIRE_MESSAGE(waitFor([&] { return g.inProduction(); }, std::chrono::seconds(40)), g.logs());
  g.checkProduction();
}

TEST_CASE("an enrolled agent on a clean machine reaches production with no one touching it") {
  Gate g;
  g.startUdhcpc();
  REQUIRE_MESSAGE(waitFor([&] { return g.quarantined(); }, std::chrono::seconds(20)), g.logs());

  // From quarantine the controller is reachable: enroll over that route.
  g.enrollAgent();
  g.startAgent();

  // Reported, diagnosed clean (no advisory affects it), admitted; at the next
  // renewal of the quarantine lease it is refused and comes back in production.
  REQUIRE_MESSAGE(waitFor([&] { return g.log().find("MACHINE_ADMITTED") != std::string::npos; },
                          std::chrono::seconds(30)),
                  g.logs());
  REQUIRE_MESSAGE(waitFor([&] { return g.inProduction(); }, std::chrono::seconds(30)), g.logs());
  g.checkProduction();
  auto lease = g.leaseOf(g.address()->ip);
  REQUIRE(lease);
  CHECK_FALSE(lease->isNull("machine"));
  const std::string machine = lease->getValue<std::string>("machine");
  CHECK(g.ctl({"machine", "show", machine}).out.find("admitted") != std::string::npos);
  // With no address after the refused renewal the agent announces, so the
  // production lease may come on either ground.
  CHECK(g.log().find("diagnosed clean)") != std::string::npos);
}

namespace {

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("require_announce: a verified announce earns production within seconds; forged, replayed or absent ones do not") {
  Gate g("require_announce = yes\nannounce_ttl = 10s\n");
  g.startUdhcpc();
  REQUIRE_MESSAGE(waitFor([&] { return g.quarantined(); }, std::chrono::seconds(20)), g.logs());
  g.enrollAgent();
  g.renewThroughUdhcpc();
  g.startAgent();

  // Reported and clean: the controller orders renew_lease; the agent announces
  // and renews; the renewal is refused and the new DISCOVER gets production.
  REQUIRE_MESSAGE(waitFor([&] { return g.log().find("MACHINE_ADMITTED") != std::string::npos; },
                          std::chrono::seconds(30)),
                  g.logs());
  const auto admittedAt = std::chrono::steady_clock::now();
  REQUIRE_MESSAGE(waitFor([&] { return g.inProduction(); }, std::chrono::seconds(20)), g.logs());
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - admittedAt).count();
  MESSAGE("admitted to production lease in " << seconds << " s (quarantine lease renewal would take up to 10 s)");
  CHECK(seconds < 8);
  g.checkProduction();
  CHECK(g.log().find("ANNOUNCE_ACCEPTED") != std::string::npos);
  CHECK(g.log().find("verdict=production (verified announce, diagnosed clean)") != std::string::npos);
  CHECK(g.log().find("COMMAND_FINISHED") != std::string::npos);

  // A valid announce made with the agent's own key is accepted once; the
  // same datagram again is a replay.
  const auto cert = *portcullis::util::readFile(g.agentDir() / "agent.crt");
  const auto key = *portcullis::util::readFile(g.agentDir() / "private/agent.key");
  portcullis::v1::MachineInfo none;
  const auto genuine = portcullis::agent::announceDatagram(
      portcullis::agent::buildAnnounce("00:16:3e:77:00:01", none, cert, key, unixNow()));
  const auto accepted = count(g.log(), "ANNOUNCE_ACCEPTED");
  sendUdpFrom(g.client, kController, 4767, genuine);
  CHECK(waitFor([&] { return count(g.log(), "ANNOUNCE_ACCEPTED") == accepted + 1; }, std::chrono::seconds(5)));
  sendUdpFrom(g.client, kController, 4767, genuine);
  CHECK(waitFor([&] { return g.log().find("replayed (nonce seen before)") != std::string::npos; },
                std::chrono::seconds(5)));

  // The agent stops; the machine lets go of its lease. Once its last announce
  // is stale, its MAC alone earns quarantine, and a forged announce (a
  // certificate from another CA) for that MAC changes nothing.
  g.agent.reset();
  kill(g.dhcpClient->pid(), SIGUSR2);  // udhcpc: release the lease
  REQUIRE(waitFor([&] { return !g.address(); }, std::chrono::seconds(10)));
  g.dhcpClient.reset();
  std::this_thread::sleep_for(std::chrono::seconds(11));
  const auto strangerKey = portcullis::pki::generatePrivateKey();
  const auto strangerCa = portcullis::pki::createCaCertificate(strangerKey, "Someone Else", 30);
  // Sent from the management side of the link: the client has no address now.
  sendUdpFrom(g.mgmt, kController, 4767,
              portcullis::agent::announceDatagram(
                  portcullis::agent::buildAnnounce(g.mac(), none, strangerCa, strangerKey, unixNow())));
  CHECK(waitFor([&] { return g.log().find("not issued by this controller's CA") != std::string::npos; },
                std::chrono::seconds(5)));
  g.startUdhcpc();
  REQUIRE_MESSAGE(waitFor([&] { return g.quarantined(); }, std::chrono::seconds(20)), g.logs());
  g.checkIsolated();
  CHECK(g.log().find("announce not trusted: certificate not issued by this controller's CA") != std::string::npos);
}

TEST_CASE("hold mode: no offer until the announced machine is diagnosed; then quarantine, report, production") {
  Gate g("mode = hold\nhold_timeout = 12s\n");
  // Enrolled earlier on a static address, then taken off the network.
  g.steps({"ip -n " + g.client + " addr add 10.78.0.50/24 dev eth0"});
  g.enrollAgent();
  g.renewThroughUdhcpc();
  g.steps({"ip -n " + g.client + " addr flush dev eth0"});
  g.startAgent();
  REQUIRE_MESSAGE(waitFor([&] { return g.log().find("ANNOUNCE_ACCEPTED") != std::string::npos; },
                          std::chrono::seconds(15)),
                  g.logs());
  g.startUdhcpc();
  // Verified but never diagnosed: held, no offer at all.
  REQUIRE_MESSAGE(waitFor([&] { return g.log().find("DISCOVER_NOT_ANSWERED") != std::string::npos; },
                          std::chrono::seconds(10)),
                  g.logs());
  CHECK(g.log().find("held: verified announce from agent") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::seconds(4));
  CHECK_FALSE(g.address());
  // Past hold_timeout: quarantine (fail closed); from there it reports, is
  // diagnosed clean, and moves to production.
  REQUIRE_MESSAGE(waitFor([&] { return g.quarantined() || g.inProduction(); }, std::chrono::seconds(30)), g.logs());
  REQUIRE_MESSAGE(waitFor([&] { return g.inProduction(); }, std::chrono::seconds(40)), g.logs());
  g.checkProduction();
  CHECK(g.log().find("no report yet: quarantine until it reports") != std::string::npos);
}
