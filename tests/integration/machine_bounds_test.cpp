// What one machine can make the controller hold: its packages, files and
// devices are bounded (a report over a limit is rejected, and both sides say
// which limit), and the memory behind names no machine reports any more is
// given back. And the store all of it lives in is its owner's alone.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <thread>

#include "agent/collectors/machine_info_collector.h"
#include "agent/transport/controller_channel.h"
#include "common/tls/tls_context.h"
#include "tests/integration/controller_fixture.h"

using namespace portcullis;
using namespace portcullis::testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// An agent's session past its Hello, without the agent's logic on top.
std::unique_ptr<agent::ControllerChannel> session(const ControllerFixture& c, const agent::AgentConfig& a) {
  tls::ContextOptions o;
  o.certChainFile = a.cert.string();
  o.keyFile = a.key.string();
  o.caFile = c.controllerDir() + "/ca.crt";
  o.verify = tls::PeerVerification::Required;
  auto stream = tls::TlsClientStream::connect("127.0.0.1", c.port(), tls::TlsContext::client(o), seconds(10), "127.0.0.1");
  auto ch = std::make_unique<agent::ControllerChannel>(std::move(stream), 4 << 20);
  v1::Envelope hello;
  hello.set_seq(1);
  hello.mutable_hello()->set_hostname(a.agentId);
  ch->send(hello, seconds(5));
  auto ack = ch->receive(seconds(10));
  if (!ack || !ack->has_hello_ack()) throw std::runtime_error("no HelloAck");
  return ch;
}

// The acknowledgement of a file hash report with `count` files named from `first` on.
v1::Ack sendFiles(agent::ControllerChannel& ch, std::uint64_t reportId, int first, int count) {
  v1::Envelope e;
  auto* r = e.mutable_report();
  r->set_report_id(reportId);
  r->set_digest("files-" + std::to_string(reportId));
  auto* h = r->mutable_file_hashes();
  for (int i = first; i < first + count; ++i) {
    auto* f = h->add_files();
    f->set_path("/srv/file" + std::to_string(i));
    f->set_sha256(std::string(64, 'a'));
  }
  ch.send(e, seconds(5));
  for (int i = 0; i < 10; ++i) {
    auto in = ch.receive(seconds(10));
    if (in && in->has_ack() && in->ack().report_id() == reportId) return in->ack();
  }
  throw std::runtime_error("no acknowledgement of report " + std::to_string(reportId));
}

// A host whose packages get new names at every collection: what an agent
// bent on growing the controller would send.
agent::MachineInfoSource freshNames(const std::string& hostname, int packages, const int& round) {
  const auto base = fakeMachine(hostname, 0);
  return {[base, packages, &round] {
            auto info = base.collect();
            for (int i = 0; i < packages; ++i) {
              auto* p = info.add_packages();
              p->set_name("r" + std::to_string(round) + "-package-with-a-longish-name-" + std::to_string(i));
              p->set_version("1.0-" + std::to_string(round) + "." + std::to_string(i));
              p->set_arch("amd64");
              p->set_source("r" + std::to_string(round) + "-source-" + std::to_string(i));
              p->set_source_version(p->version());
            }
            return info;
          },
          base.digest};
}

agent::MachineInfoSource withDevices(const std::string& hostname, int devices) {
  const auto base = fakeMachine(hostname);
  return {[base, devices] {
            auto info = base.collect();
            for (int i = 0; i < devices; ++i) {
              auto* d = info.add_hardware();
              d->set_kind("usb");
              d->set_path("/sys/devices/usb" + std::to_string(i));
            }
            return info;
          },
          base.digest};
}

}  // namespace

TEST_CASE("a report over one of the machine's limits is rejected, and both the agent and the log say which") {
  // The file and device limits are lowered here; packages keep the default.
  ControllerFixture c(ControllerOptions{{}, "s/^max_files = .*/max_files = 30/;s/^max_hardware = .*/max_hardware = 5/"});
  auto a = c.enroll(c.root() + "/a", "big");

  agent::AgentRunner tooMany(a, fakeMachine("big", 20001));
  CHECK_FALSE(tooMany.runOnce());
  CHECK_MESSAGE(tooMany.lastError().find("20001 packages: a machine may hold at most 20000 ([agents] max_packages)") !=
                    std::string::npos,
                tooMany.lastError());
  CHECK(c.logShows("REPORT_REJECTED agent=" + a.agentId));
  CHECK(c.logShows("([agents] max_packages)"));
  CHECK(c.openStore()->machines().empty());

  agent::AgentRunner fits(a, fakeMachine("big", 20000));
  CHECK_MESSAGE(fits.runOnce(), fits.lastError());
  REQUIRE(c.openStore()->machines().size() == 1);
  CHECK(c.openStore()->machines().front().packageCount == 20000);

  agent::AgentRunner devices(a, withDevices("big", 6));
  CHECK_FALSE(devices.runOnce());
  CHECK(devices.lastError().find("6 devices: a machine may hold at most 5 ([agents] max_hardware)") != std::string::npos);

  auto ch = session(c, a);
  auto ack = sendFiles(*ch, 1, 0, 20);
  CHECK(ack.status() == v1::Ack::STORED);
  ack = sendFiles(*ch, 2, 20, 20);
  CHECK(ack.status() == v1::Ack::REJECTED);
  CHECK(ack.reason() == "40 files: a machine may hold at most 30 ([agents] max_files)");
  CHECK(c.logShows("FILE_HASHES_REJECTED agent=" + a.agentId));
  CHECK(c.openStore()->sensors().fileListStatus(a.agentId).files == 20);
  // Within the limit again, it goes on as before.
  CHECK(sendFiles(*ch, 3, 20, 10).status() == v1::Ack::STORED);
}

TEST_CASE("memory held for package names no machine reports any more is given back") {
  ControllerFixture c;
  auto a = c.enroll(c.root() + "/a", "churner");
  const pid_t pid = c.serverPid();
  int round = 0;
  agent::AgentRunner runner(a, freshNames("churner", 20000, round));
  std::vector<std::size_t> rss;
  for (round = 0; round < 12; ++round) {
    REQUIRE_MESSAGE(runner.runOnce(), runner.lastError());
    // Enforcement takes the machine after the acknowledgement: let it.
    std::this_thread::sleep_for(milliseconds(1500));
    rss.push_back(residentKiB(pid));
  }
  std::string figures;
  for (auto kib : rss) figures += std::to_string(kib / 1024) + " ";
  MESSAGE("controller RSS (MiB) after each report of 20,000 fresh package names: ", figures);
  // Once warm, ten more reports of fresh names leave it about where it was
  // (the store's page cache and the allocator move it by a few MiB either
  // way); holding every report's names, it grew by 15-20 MiB a report.
  const auto grown = static_cast<long>(rss.back()) - static_cast<long>(rss[1]);
  CHECK_MESSAGE(grown < 40 * 1024, "grew by ", grown / 1024, " MiB");
}

TEST_CASE("the store and its write-ahead files are readable by their owner only, whatever the umask") {
  const mode_t before = umask(022);
  ControllerFixture c;
  umask(before);
  // serve has the store open: the -wal and -shm files exist while it runs.
  auto a = c.enroll(c.root() + "/a", "any");
  agent::AgentRunner runner(a, fakeMachine("any"));
  REQUIRE(runner.runOnce());
  for (const char* suffix : {"", "-wal", "-shm"}) {
    struct stat st {};
    const auto file = c.controllerDir() + "/controller.db" + suffix;
    REQUIRE_MESSAGE(::stat(file.c_str(), &st) == 0, file);
    CHECK_MESSAGE((st.st_mode & 0777) == 0600, file, " has mode ", (st.st_mode & 0777));
  }
}
