// The DHCP gate under load, beside ISC Kea in the same run: Kea's own load
// generator, perfdhcp (single-threaded), drives four-way exchanges (DISCOVER, OFFER, REQUEST,
// ACK) at rising rates against each server on the same veth pair, a fresh
// server per rate. Two races, each at one log level for both sides:
// - warnings only: ours in its default configuration (isolation auto, which
//   is nft here since it routes the subnet) with only the limiter on MACs it
//   does not know lifted (perfdhcp's clients are all strangers), beside
//   kea-dhcp4 single-threaded and with multi-threading on (2 threads), the
//   better Kea taken;
// - every lease logged: ours at its default level (information) with its
//   repeat limit off (else it writes 20 lines a second of each kind and
//   counts the rest), Kea at INFO.
// The coarse rates find each server's knee, then four fine steps between
// its last clean rate and its first failing one; at every step the order in
// which the servers run alternates. Printed per race: the highest rate each
// sustains with under 1% drops in both halves of the exchange, and the ratio.
// Then the time from a verified announce to the OFFER for a DISCOVER sent
// right after it (p50, p99).
//
// Everything happens in two network namespaces the bench makes and removes:
// the server's (10.88.0.1/14) and the load generator's (10.88.0.2/14), which
// acts as a relay (giaddr), as perfdhcp does by default.
//
//   dhcp_bench [--seconds N] [--rates R1,R2,...] [--fine N] [--announces N]
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <regex>

#include "agent/collectors/machine_info_collector.h"
#include "agent/transport/announce_builder.h"
#include "common/io/files.h"
#include "common/config/ini_document.h"
#include "controller/dhcp/dhcp_packet.h"
#include "tests/e2e/netns_support.h"
#include "tests/integration/process.h"

using namespace portcullis;
using namespace portcullis::testing;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int seconds = 5;
  std::vector<int> rates = {1000, 2000, 4000, 6000, 8000, 10000, 12000, 16000, 20000, 24000, 28000, 32000, 40000};
  int fine = 4;  // steps between a server's last clean rate and its first failing one
  int announces = 200;
};

// One server as raced: which, how it logs, and (for Kea) its threads.
struct Contender {
  bool ours = true;
  bool everyLease = false;  // false: warnings only
  int threads = 0;          // Kea: 0 single-threaded, else multi-threading with this many
  bool syncEachCommit = true;  // ours: [store] synchronous = full, else normal (Kea memfile's durability)
  std::string label() const {
    if (ours) return syncEachCommit ? "portcullis" : "pc-normal";
    return threads ? "kea-mt" + std::to_string(threads) : "kea-st";
  }
};

struct Step {
  int rate = 0;
  double discoverDrops = 100, requestDrops = 100;
  double discoverDelayMs = 0, requestDelayMs = 0;
  bool ok() const { return discoverDrops < 1.0 && requestDrops < 1.0; }
};

struct Bench {
  NamespaceGuard namespaces;
  TempDir tmp;
  fs::path t = tmp.path;
  std::string tag = std::to_string(getpid() % 100000);
  std::string srv = "pbs" + tag, gen = "pbg" + tag;

  Bench() {
    for (const auto& ns : {srv, gen}) {
      if (!sh("ip netns add " + ns).empty()) throw std::runtime_error("cannot add namespace " + ns + " (root?)");
      namespaces.names.push_back(ns);
    }
    for (const auto& step :
         {"ip -n " + srv + " link add eth0 type veth peer name eth0 netns " + gen,
          "ip -n " + srv + " addr add 10.88.0.1/14 dev eth0", "ip -n " + gen + " addr add 10.88.0.2/14 dev eth0",
          "ip -n " + srv + " link set eth0 up", "ip -n " + gen + " link set eth0 up",
          "ip -n " + srv + " link set lo up", "ip -n " + gen + " link set lo up"}) {
      const auto said = sh(step);
      if (!said.empty()) throw std::runtime_error(step + ": " + said);
    }
  }

  // Our controller, with a fresh store, serving the /14: its defaults but
  // for the limiter on MACs it does not know (its DISCOVERs a second, and
  // the new MACs a minute: 65,536 would cap a 5 s step at 13,107/s), and
  // no_agent = allow (perfdhcp's clients have no agent: else each would get
  // quarantine, capped per relay).
  std::unique_ptr<Background> startOurs(const std::string& name, bool everyLease = false, bool syncEachCommit = true) {
    const fs::path dir = t / name;
    fs::remove_all(dir);
    if (run({controllerBinary(), "init", "--dir", dir.string(), "--listen", "10.88.0.1:9443"}).exitCode != 0)
      throw std::runtime_error("controller init failed");
    std::ofstream(dir / "controller.conf", std::ios::app)
        << "\n[dhcp]\ninterface = eth0\nsubnet = 10.88.0.0/14\nproduction_pool = 10.88.1.0-10.91.255.250\n"
           "quarantine_pool = 10.88.0.100-10.88.0.250\nrouter = 10.88.0.1\nlease_time = 1h\nno_agent = allow\n"
           "\n[dhcp_server]\ndiscovers_per_second = 1000000\nnew_macs_per_minute = 10000000\n";
    if (!everyLease) sh("sed -i 's/^level = information/level = warning/' " + (dir / "controller.conf").string());
    else sh("sed -i 's/^repeat_limit = 20/repeat_limit = 0/' " + (dir / "controller.conf").string());
    if (!syncEachCommit) sh("sed -i 's/^synchronous = full/synchronous = normal/' " + (dir / "controller.conf").string());
    auto server = std::make_unique<Background>(
        std::vector<std::string>{"ip", "netns", "exec", srv, controllerBinary(), "serve", "--config",
                                 (dir / "controller.conf").string()},
        (t / (name + ".log")).string());
    if (!waitFor([&] { return connectsFrom(gen, "", "10.88.0.1", 9443); }, std::chrono::seconds(10)))
      throw std::runtime_error("controller did not start: " + readText((t / (name + ".log")).string()));
    return server;
  }

  // kea-dhcp4 as its operators run it for speed: memfile, lease file
  // cleanup off; single-threaded or with multi-threading on.
  std::unique_ptr<Background> startKea(const std::string& name, bool everyLease, int threads) {
    const fs::path dir = t / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string mt = threads ? R"("multi-threading": {"enable-multi-threading": true, "thread-pool-size": )" +
                                         std::to_string(threads) + R"(, "packet-queue-size": 64},)"
                                   : std::string(R"("multi-threading": {"enable-multi-threading": false},)");
    write(dir / "kea.json",
          R"({"Dhcp4": {"interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "udp"},
  "lease-database": {"type": "memfile", "persist": true, "name": ")" + (dir / "leases4.csv").string() +
              R"(", "lfc-interval": 0},
  "valid-lifetime": 3600, )" + mt + R"(
  "subnet4": [{"id": 1, "subnet": "10.88.0.0/14", "pools": [{"pool": "10.88.1.0 - 10.91.255.250"}],
               "option-data": [{"name": "routers", "data": "10.88.0.1"}]}],
  "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": ")" + (dir / "kea.log").string() +
              R"("}], "severity": ")" + (everyLease ? "INFO" : "WARN") + R"("}]}})");
    auto server = std::make_unique<Background>(
        std::vector<std::string>{"env", "KEA_PIDFILE_DIR=" + dir.string(), "KEA_LOCKFILE_DIR=" + dir.string(), "ip",
                                 "netns", "exec", srv, "kea-dhcp4", "-c", (dir / "kea.json").string()},
        (dir / "stderr.log").string());
    // Ready once its socket is open (at WARN it says nothing when it starts).
    if (!waitFor([&] { return sh("ip netns exec " + srv + " ss -lun 'sport = :67'").find(":67") != std::string::npos; },
                 std::chrono::seconds(30)))
      throw std::runtime_error("kea-dhcp4 did not start: " + readText((dir / "stderr.log").string()) +
                               readText((dir / "kea.log").string()));
    // At INFO it says how it runs: the race is off if it is not as configured.
    if (everyLease && threads &&
        !waitFor([&] { return readText((dir / "kea.log").string()).find("enabled: yes") != std::string::npos; },
                 std::chrono::seconds(10)))
      throw std::runtime_error("kea-dhcp4 did not turn multi-threading on: " + readText((dir / "kea.log").string()));
    return server;
  }

  std::string perfdhcp(const std::string& args, Step* step) const {
    // Single-threaded: on two cores its receiving thread took the CPU the
    // servers need, and its own socket overflowed (RcvbufErrors) first.
    const auto out = sh("ip netns exec " + gen + " perfdhcp -g single -4 -l eth0 " + args + " 10.88.0.1");
    if (step) {
      static const std::regex drops(R"(drops ratio: ([0-9.]+) %)");
      static const std::regex delay(R"(avg delay: ([0-9.]+) ms)");
      std::vector<double> d, l;
      for (std::sregex_iterator it(out.begin(), out.end(), drops), end; it != end; ++it) d.push_back(std::stod((*it)[1]));
      for (std::sregex_iterator it(out.begin(), out.end(), delay), end; it != end; ++it) l.push_back(std::stod((*it)[1]));
      if (d.size() >= 2) {
        step->discoverDrops = d[0];
        step->requestDrops = d[1];
      }
      if (l.size() >= 2) {
        step->discoverDelayMs = l[0];
        step->requestDelayMs = l[1];
      }
    }
    return out;
  }

  Step race(const Options& o, const Contender& c, int rate) {
    const std::string name = c.label() + (c.everyLease ? "-info-" : "-warn-") + std::to_string(rate);
    auto server = c.ours ? startOurs(name, c.everyLease, c.syncEachCommit) : startKea(name, c.everyLease, c.threads);
    Step s;
    s.rate = rate;
    perfdhcp("-r " + std::to_string(rate) + " -R 1000000 -p " + std::to_string(o.seconds), &s);
    server->stop(SIGTERM);
    std::printf("  %-10s %6d/s  drops DO %6.3f%%  RA %6.3f%%  delay DO %7.3f ms  RA %7.3f ms%s\n",
                c.label().c_str(), rate, s.discoverDrops, s.requestDrops, s.discoverDelayMs, s.requestDelayMs,
                s.ok() ? "" : "  <- over 1%");
    std::fflush(stdout);
    return s;
  }

  // Every contender up the coarse rates until it drops over 1%, then the fine
  // steps near its knee; the order alternates at each step.
  std::vector<std::vector<Step>> ladder(const Options& o, const std::vector<Contender>& field) {
    std::vector<std::vector<Step>> steps(field.size());
    std::vector<int> failedAt(field.size(), 0);
    auto inTurn = [&](std::size_t round, auto&& each) {
      for (std::size_t k = 0; k < field.size(); ++k) each(round % 2 ? field.size() - 1 - k : k);
    };
    for (std::size_t r = 0; r < o.rates.size(); ++r)
      inTurn(r, [&](std::size_t i) {
        if (failedAt[i]) return;
        steps[i].push_back(race(o, field[i], o.rates[r]));
        if (!steps[i].back().ok()) failedAt[i] = o.rates[r];
      });
    std::vector<int> lo(field.size(), 0);
    for (std::size_t i = 0; i < field.size(); ++i)
      for (const auto& st : steps[i])
        if (st.ok()) lo[i] = std::max(lo[i], st.rate);
    for (int k = 1; k <= o.fine; ++k)
      inTurn(static_cast<std::size_t>(k), [&](std::size_t i) {
        if (!failedAt[i] || !lo[i]) return;
        const int rate = lo[i] + (failedAt[i] - lo[i]) * k / (o.fine + 1) / 100 * 100;
        if (rate <= lo[i] || rate >= failedAt[i]) return;
        steps[i].push_back(race(o, field[i], rate));
        if (!steps[i].back().ok()) failedAt[i] = rate;  // no finer step above a failure
        else lo[i] = std::max(lo[i], rate);
      });
    return steps;
  }

  // Announce-to-offer latency: a real agent enrolls and reports (so the
  // machine is admitted, clean); then for each of N fresh MACs the bench sends
  // a signed announce and, right after, a relayed DISCOVER, and times the OFFER.
  std::vector<double> announceToOffer(int n) {
    auto server = startOurs("announce");
    const fs::path conf = t / "announce/controller.conf";
    auto ctl = [&](std::vector<std::string> args) {
      args.insert(args.begin(), controllerBinary());
      args.push_back("--config");
      args.push_back(conf.string());
      return run(args);
    };
    const auto token = ctl({"enroll-token"}).out;
    const auto fingerprint = ctl({"ca-fingerprint"}).out;
    const fs::path agentDir = t / "agent";
    auto enroll = run({"ip", "netns", "exec", gen, agentBinary(), "enroll", "--controller", "10.88.0.1:9443",
                       "--token", token.substr(0, token.find('\n')), "--ca-sha256",
                       fingerprint.substr(0, fingerprint.find('\n')), "--dir", agentDir.string()});
    if (enroll.exitCode != 0) throw std::runtime_error("enroll: " + enroll.err);
    auto once = run({"ip", "netns", "exec", gen, agentBinary(), "run", "--once", "--config",
                     (agentDir / "agent.conf").string()});
    if (once.exitCode != 0) throw std::runtime_error("agent report: " + once.err);
    const auto cert = *io::readFile(agentDir / "agent.crt");
    const auto key = *io::readFile(agentDir / "private/agent.key");
    const auto info = agent::collectors::MachineInfoCollector("/").collect();

    // The bench's own sockets live in the load generator's namespace.
    const int nsfd = open(("/run/netns/" + gen).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) throw std::runtime_error("setns failed");
    close(nsfd);
    const int relay = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in local{}, server67{}, announces{};
    local.sin_family = server67.sin_family = announces.sin_family = AF_INET;
    local.sin_port = htons(67);
    inet_pton(AF_INET, "10.88.0.2", &local.sin_addr);
    server67.sin_port = htons(67);
    announces.sin_port = htons(4767);
    inet_pton(AF_INET, "10.88.0.1", &server67.sin_addr);
    announces.sin_addr = server67.sin_addr;
    if (bind(relay, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) throw std::runtime_error("bind 67");
    const int sender = socket(AF_INET, SOCK_DGRAM, 0);

    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      const std::uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x55, static_cast<std::uint8_t>(i >> 8),
                                   static_cast<std::uint8_t>(i)};
      const auto macText = dhcp::formatMac(mac, 6);
      const auto datagram = agent::announceDatagram(agent::buildAnnounce(
          macText, info, cert, key,
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
              .count()));
      dhcp::DhcpPacket discover;
      discover.xid = 0x5000 + i;
      discover.giaddr = *dhcp::parseIpv4("10.88.0.2");
      std::copy(mac, mac + 6, discover.chaddr.begin());
      discover.set(dhcp::option::kMessageType, std::string(1, static_cast<char>(dhcp::MessageType::Discover)));
      const auto bytes = dhcp::serializeDhcpPacket(discover);

      const auto t0 = Clock::now();
      sendto(sender, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&announces), sizeof announces);
      sendto(relay, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&server67), sizeof server67);
      char buffer[1500];
      pollfd p{relay, POLLIN, 0};
      while (poll(&p, 1, 1000) == 1) {
        const auto got = recv(relay, buffer, sizeof buffer, 0);
        auto offer = dhcp::parseDhcpPacket(std::string_view(buffer, got > 0 ? got : 0));
        if (!offer || offer->xid != discover.xid) continue;
        if (offer->yiaddr < *dhcp::parseIpv4("10.88.1.0")) {
          std::printf("  announce %d: offer in quarantine, not production: the announce was not taken\n", i);
          break;
        }
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        break;
      }
    }
    server->stop(SIGTERM);
    return ms;
  }
};

int best(const std::vector<Step>& steps) {
  int rate = 0;
  for (const auto& s : steps)
    if (s.ok()) rate = s.rate;
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--seconds") o.seconds = std::stoi(v);
    else if (a == "--announces") o.announces = std::stoi(v);
    else if (a == "--fine") o.fine = std::stoi(v);
    else if (a == "--rates") {
      o.rates.clear();
      for (const auto& r : config::splitList(v)) o.rates.push_back(std::stoi(r));
    } else {
      std::cerr << "usage: dhcp_bench [--seconds N] [--rates R1,R2,...] [--fine N] [--announces N]\n";
      return 2;
    }
  }
  if (geteuid() != 0 || shStatus("perfdhcp -v") != 0 || shStatus("kea-dhcp4 -v") != 0) {
    std::cerr << "dhcp_bench: needs root, perfdhcp and kea-dhcp4 (Debian: kea-admin, kea-dhcp4-server)\n";
    return 1;
  }
  try {
    Bench b;
    std::printf("four-way exchanges, %d s per rate, fresh server per rate, distinct clients through one relay,\n"
                "perfdhcp -g single (its two-thread mode starved the servers and overflowed its own socket on 2 cores)\n"
                "portcullis: controller.conf as init writes it, [dhcp] one /14 subnet, no_agent = allow,\n"
                "  [dhcp_server] discovers_per_second = 1000000, new_macs_per_minute = 10000000 (the limiter on\n"
                "  MACs it does not know lifted), isolation auto (nft);\n"
                "  leases in SQLite, WAL, one transaction per batch, stored before the answer: synchronous = full\n"
                "  (portcullis: on disk first) and synchronous = normal (pc-normal: in the OS first, as Kea's memfile)\n"
                "kea-dhcp4 %s: memfile, persist true, lfc-interval 0; single-threaded (kea-st) and\n"
                "  multi-threading with 2 threads, packet queue 64 (kea-mt2); the better of the two is Kea's figure\n",
                o.seconds, sh("kea-dhcp4 -v").substr(0, sh("kea-dhcp4 -v").find('\n')).c_str());
    int status = 0;
    for (const bool everyLease : {false, true}) {
      std::printf("%s\n", everyLease ? "every lease logged (portcullis level = information, repeat_limit = 0; kea-dhcp4 severity INFO):"
                                      : "warnings only (portcullis level = warning, kea-dhcp4 severity WARN):");
      const std::vector<Contender> field = {{true, everyLease, 0, true},
                                            {false, everyLease, 0, true},
                                            {false, everyLease, 2, true},
                                            {true, everyLease, 0, false}};
      const auto steps = b.ladder(o, field);
      const int ours = best(steps[0]), keaSt = best(steps[1]), keaMt = best(steps[2]), oursNormal = best(steps[3]);
      const int kea = std::max(keaSt, keaMt);
      auto ratio = [&](int a) { return kea ? static_cast<double>(a) / kea : 0.0; };
      std::printf("%s: highest rate under 1%% drops: kea-dhcp4 %d/s (single-threaded %d/s, 2 threads %d/s); "
                  "portcullis %d/s (ratio %.2f), with Kea's durability (synchronous = normal) %d/s (ratio %.2f)\n",
                  everyLease ? "every lease logged" : "warnings only", kea, keaSt, keaMt, ours, ratio(ours), oursNormal,
                  ratio(oursNormal));
      std::fflush(stdout);
      if (!ours || !kea || !oursNormal) status = 1;
    }
    if (o.announces > 0) {
      auto ms = b.announceToOffer(o.announces);
      std::sort(ms.begin(), ms.end());
      if (ms.empty()) {
        std::printf("announce to offer: no production offer came back\n");
        return 1;
      }
      auto pct = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))]; };
      std::printf("verified announce to OFFER (%zu of %d): p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", ms.size(),
                  o.announces, pct(0.5), pct(0.99), ms.back());
      if (static_cast<int>(ms.size()) != o.announces) return 1;
    }
    return status;
  } catch (const std::exception& e) {
    std::cerr << "dhcp_bench: " << e.what() << "\n";
    return 1;
  }
}
