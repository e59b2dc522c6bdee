// init -> enroll-token -> enroll -> run --once -> the machine appears, with
// the real programs and this machine's real packages.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <Poco/JSON/Parser.h>

#include "common/util/digest.h"
#include "tests/integration/controller_fixture.h"

using namespace portcullis::testing;
namespace fs = std::filesystem;

namespace {

int installedPackageCount() {
  auto o = run({"/usr/bin/dpkg-query", "-W", "-f=${Status}\\n"});
  std::istringstream in(o.out);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    if (line.size() >= 10 && line.compare(line.size() - 10, 10, " installed") == 0) ++n;
  return n;
}

std::string hostName() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

TEST_CASE("an agent enrolled through the command line reports this machine") {
  ControllerFixture c;
  const std::string agentDir = c.root() + "/agent";
  auto enroll = run({agentBinary(), "enroll", "--controller", c.endpoint(), "--token", c.token(),
                     "--ca-sha256", c.fingerprint(), "--dir", agentDir});
  REQUIRE_MESSAGE(enroll.exitCode == 0, enroll.err);
  CHECK(enroll.out.find("Enrolled as agent") != std::string::npos);

  // The key stays private to its owner.
  struct stat st {};
  REQUIRE(stat((agentDir + "/private/agent.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(stat((c.controllerDir() + "/private/ca.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto report = run({agentBinary(), "run", "--config", agentDir + "/agent.conf", "--once"});
  REQUIRE_MESSAGE(report.exitCode == 0, report.err);

  auto list = c.cli({"machines", "--json"});
  REQUIRE_MESSAGE(list.exitCode == 0, list.err);
  auto machines = Poco::JSON::Parser().parse(list.out).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(machines->size() == 1);
  auto m = machines->getObject(0);
  CHECK(m->getValue<std::string>("hostname") == hostName());
  // No advisory affects it (none are imported): diagnosed clean within moments.
  // The acknowledgement says the report is stored; the diagnosis follows it.
  CHECK(eventually([&] {
    auto now = Poco::JSON::Parser().parse(c.cli({"machines", "--json"}).out).extract<Poco::JSON::Array::Ptr>();
    return now->getObject(0)->getValue<std::string>("state") == "admitted";
  }, std::chrono::seconds(10)));
  CHECK(m->getValue<std::string>("os_id") == "debian");
  CHECK(m->getValue<int>("package_count") == installedPackageCount());
  CHECK_FALSE(m->getValue<std::string>("last_seen").empty());

  auto show = c.cli({"machine", "show", hostName(), "--json"});
  REQUIRE_MESSAGE(show.exitCode == 0, show.err);
  auto detail = Poco::JSON::Parser().parse(show.out).extract<Poco::JSON::Object::Ptr>();
  auto packages = detail->getArray("packages");
  CHECK(static_cast<int>(packages->size()) == installedPackageCount());
  bool sawDpkg = false;
  for (std::size_t i = 0; i < packages->size(); ++i) {
    auto p = packages->getObject(static_cast<unsigned>(i));
    if (p->getValue<std::string>("name") == "dpkg") {
      sawDpkg = true;
      auto v = run({"/usr/bin/dpkg-query", "-W", "-f=${Version}", "dpkg"});
      CHECK(p->getValue<std::string>("version") == v.out);
    }
  }
  CHECK(sawDpkg);
  auto interfaces = detail->getArray("interfaces");
  bool sawLoopback = false;
  for (std::size_t i = 0; i < interfaces->size(); ++i)
    sawLoopback = sawLoopback || interfaces->getObject(static_cast<unsigned>(i))->getValue<std::string>("name") == "lo";
  CHECK(sawLoopback);
  // The equipment the controller holds is what the agent reads from this machine's sysfs.
  auto local = run({agentBinary(), "inventory", "--json"});
  REQUIRE(local.exitCode == 0);
  auto localHardware = Poco::JSON::Parser().parse(local.out).extract<Poco::JSON::Object::Ptr>()->getArray("hardware");
  auto hardware = detail->getArray("hardware");
  REQUIRE(hardware);
  REQUIRE(localHardware);
  CHECK(hardware->size() == localHardware->size());
  for (std::size_t i = 0; i < hardware->size() && i < localHardware->size(); ++i) {
    CHECK(hardware->getObject(static_cast<unsigned>(i))->getValue<std::string>("path") ==
          localHardware->getObject(static_cast<unsigned>(i))->getValue<std::string>("path"));
    CHECK(hardware->getObject(static_cast<unsigned>(i))->getValue<std::string>("kind") ==
          localHardware->getObject(static_cast<unsigned>(i))->getValue<std::string>("kind"));
  }
  auto transitions = detail->getArray("transitions");
  REQUIRE(transitions->size() == 2);
  CHECK(transitions->getObject(0)->getValue<std::string>("to") == "pending");
  CHECK(transitions->getObject(1)->getValue<std::string>("to") == "admitted");
  CHECK(transitions->getObject(1)->getValue<std::string>("cause").find("diagnosed clean") != std::string::npos);
}

TEST_CASE("a site's several controllers at enrollment: the first that answers enrolls, all are recorded and tried in turn") {
  ControllerFixture c;
  const std::string agentDir = c.root() + "/agent";
  const auto down = "127.0.0.1:" + std::to_string(freePort());  // nothing listens there
  auto enroll = run({agentBinary(), "enroll", "--controller", down + "," + c.endpoint(), "--token", c.token(), "--ca-sha256",
                     c.fingerprint(), "--dir", agentDir});
  REQUIRE_MESSAGE(enroll.exitCode == 0, enroll.err);
  CHECK(readText(agentDir + "/agent.conf").find("address = " + down + ", " + c.endpoint() + "\n") != std::string::npos);
  auto check = run({agentBinary(), "run", "--config", agentDir + "/agent.conf", "--check-config"});
  CHECK(check.out.find("(controllers " + down + ", " + c.endpoint() + ", agent ") != std::string::npos);
  auto report = run({agentBinary(), "run", "--config", agentDir + "/agent.conf", "--once"});
  REQUIRE_MESSAGE(report.exitCode == 0, report.err);
  CHECK(report.err.find("CONTROLLER_CHOSEN controller=" + c.endpoint() + " after=1 unreachable") != std::string::npos);
  CHECK(c.logShows("REPORT_STORED"));
  // A bad address among them is a usage error, nothing written.
  auto bad = run({agentBinary(), "enroll", "--controller", c.endpoint() + ",nohost", "--token", c.token(), "--ca-sha256",
                  c.fingerprint(), "--dir", c.root() + "/agent2"});
  CHECK(bad.exitCode == 2);
  CHECK_FALSE(std::filesystem::exists(c.root() + "/agent2/agent.conf"));
}

TEST_CASE("a second report with nothing changed sends only the digest") {
  ControllerFixture c;
  const std::string agentDir = c.root() + "/agent";
  auto enroll = run({agentBinary(), "enroll", "--controller", c.endpoint(), "--token", c.token(),
                     "--ca-sha256", c.fingerprint(), "--dir", agentDir});
  REQUIRE_MESSAGE(enroll.exitCode == 0, enroll.err);
  // A machine that stays the same between the two runs: a captured tree. This
  // live one would not (its process list changes from one second to the next).
  const char* source = std::getenv("PORTCULLIS_SOURCE_DIR");
  REQUIRE(source);
  const auto conf = agentDir + "/agent.conf";
  REQUIRE(run({"sed", "-i", std::string("s|^root = .*|root = ") + source + "/tests/data/collectors/root|", conf})
              .exitCode == 0);
  // The controller logs REPORT_STORED for a machine information body only,
  // before it acknowledges: an acknowledged report that left no new line
  // carried the digest alone.
  const auto bodiesStored = [&] { return occurrences(c.log(), "REPORT_STORED agent="); };
  auto first = run({agentBinary(), "run", "--config", conf, "--once"});
  REQUIRE_MESSAGE(first.exitCode == 0, first.err);
  REQUIRE(bodiesStored() == 1);
  CHECK(c.openStore()->machine("web-07").has_value());

  auto again = run({agentBinary(), "run", "--config", conf, "--once"});
  CHECK_MESSAGE(again.exitCode == 0, again.err);
  CHECK_MESSAGE(again.err.find("REPORT_ACKNOWLEDGED") != std::string::npos, again.err);
  CHECK_MESSAGE(bodiesStored() == 1, c.log());
}

TEST_CASE("init refuses to overwrite an existing controller") {
  ControllerFixture c;
  auto again = run({controllerBinary(), "init", "--dir", c.controllerDir()});
  CHECK(again.exitCode == 1);
  CHECK(again.err.find("refusing to overwrite") != std::string::npos);
}

TEST_CASE("a wrong CA fingerprint stops enrollment before the token is sent, nothing written") {
  ControllerFixture c;
  const std::string agentDir = c.root() + "/agent";
  const std::string token = c.token();
  auto o = run({agentBinary(), "enroll", "--controller", c.endpoint(), "--token", token,
                "--ca-sha256", std::string(64, 'a'), "--dir", agentDir});
  CHECK(o.exitCode == 1);
  CHECK(o.err.find("does not contain the CA") != std::string::npos);
  CHECK_FALSE(fs::exists(agentDir + "/agent.conf"));
  CHECK_FALSE(fs::exists(agentDir + "/private/agent.key"));
  // The token was never sent, so it still works.
  auto ok = run({agentBinary(), "enroll", "--controller", c.endpoint(), "--token", token,
                 "--ca-sha256", c.fingerprint(), "--dir", agentDir});
  CHECK_MESSAGE(ok.exitCode == 0, ok.err);
}

TEST_CASE("a used token and an expired token are refused, nothing written") {
  ControllerFixture c;
  const std::string token = c.token();
  auto first = run({agentBinary(), "enroll", "--controller", c.endpoint(), "--token", token,
                    "--ca-sha256", c.fingerprint(), "--dir", c.root() + "/a1"});
  REQUIRE_MESSAGE(first.exitCode == 0, first.err);
  auto reused = run({agentBinary(), "enroll", "--controller", c.endpoint(), "--token", token,
                     "--ca-sha256", c.fingerprint(), "--dir", c.root() + "/a2"});
  CHECK(reused.exitCode == 1);
  CHECK(reused.err.find("already used") != std::string::npos);
  CHECK_FALSE(fs::exists(c.root() + "/a2/agent.conf"));
  CHECK_FALSE(fs::exists(c.root() + "/a2/private/agent.key"));

  // A token whose lifetime is over (written straight into the store, already expired).
  const std::string expired(64, 'e');
  c.openStore()->addEnrollToken(portcullis::util::sha256Hex(expired), 1000, 2000);
  auto late = run({agentBinary(), "enroll", "--controller", c.endpoint(), "--token", expired,
                   "--ca-sha256", c.fingerprint(), "--dir", c.root() + "/a3"});
  CHECK(late.exitCode == 1);
  CHECK(late.err.find("expired") != std::string::npos);
  CHECK_FALSE(fs::exists(c.root() + "/a3/agent.conf"));

  auto unknown = run({agentBinary(), "enroll", "--controller", c.endpoint(), "--token", "nope",
                      "--ca-sha256", c.fingerprint(), "--dir", c.root() + "/a4"});
  CHECK(unknown.exitCode == 1);
  CHECK(c.logShows("ENROLL_REFUSED"));
}

TEST_CASE("enroll-token --count makes that many distinct tokens at once, each good for one enrollment") {
  ControllerFixture c;
  const auto made = c.cli({"enroll-token", "--count", "50"});
  REQUIRE_MESSAGE(made.exitCode == 0, made.err);
  std::set<std::string> tokens;
  std::istringstream lines(made.out);
  for (std::string line; std::getline(lines, line);) {
    CHECK(line.size() >= 32);
    tokens.insert(line);
  }
  CHECK(tokens.size() == 50);
  CHECK(made.err.find("50 tokens, each valid for one enrollment until") != std::string::npos);
  // Any of them enrolls, once.
  const std::string last = *tokens.rbegin();
  auto enrolled = run({agentBinary(), "enroll", "--controller", c.endpoint(), "--token", last, "--ca-sha256",
                       c.fingerprint(), "--dir", c.root() + "/a1"});
  CHECK_MESSAGE(enrolled.exitCode == 0, enrolled.err);
  auto again = run({agentBinary(), "enroll", "--controller", c.endpoint(), "--token", last, "--ca-sha256",
                    c.fingerprint(), "--dir", c.root() + "/a2"});
  CHECK(again.exitCode == 1);
  for (const char* bad : {"0", "100001", "ten", ""}) {
    const auto refused = c.cli({"enroll-token", "--count", bad});
    CHECK(refused.exitCode == 2);
    CHECK(refused.err.find("--count must be a number from 1 to 100000") != std::string::npos);
    CHECK(refused.out.empty());
  }
}

TEST_CASE("usage errors exit 2 with one line on stderr") {
  auto o = run({controllerBinary(), "machines"});
  CHECK(o.exitCode == 2);
  CHECK(o.err == "portcullis-controller: --config FILE is required\n");
  auto bogus = run({agentBinary(), "enroll", "--controler", "x"});
  CHECK(bogus.exitCode == 2);
  CHECK(bogus.err.find("unknown option --controler") != std::string::npos);
  auto help = run({agentBinary(), "--help"});
  CHECK(help.exitCode == 0);
  CHECK(help.out.find("portcullis-agent enroll") != std::string::npos);
  auto version = run({controllerBinary(), "--version"});
  CHECK(version.exitCode == 0);
  CHECK(version.out.find("portcullis-controller ") == 0);
}

TEST_CASE("a bad controller configuration is refused with file, line and key") {
  ControllerFixture c;
  const std::string bad = c.root() + "/bad.conf";
  {
    std::ofstream out(bad);
    out << "[listen]\naddress = 127.0.0.1:notaport\n[log]\nlevel = loud\n";
  }
  auto o = run({controllerBinary(), "serve", "--config", bad, "--check-config"});
  CHECK(o.exitCode == 1);
  CHECK(o.err.find("bad.conf:2: listen.address") != std::string::npos);
  CHECK(o.err.find("bad.conf:4: log.level") != std::string::npos);
  auto good = run({controllerBinary(), "serve", "--config", c.conf(), "--check-config"});
  CHECK_MESSAGE(good.exitCode == 0, good.err);
}
