// Diagnosis through the real command line: the bundled sample of Debian
// advisories, this machine's real inventory, and the real dpkg as the oracle
// for which installed packages each advisory affects.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "tests/integration/controller_fixture.h"
#include "tests/support/run_command.h"

using namespace portcullis::testing;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

std::string sample() { return std::string(std::getenv("PORTCULLIS_SOURCE_DIR")) + "/data/advisories/debian-12-sample.json"; }

Object::Ptr parseObject(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Object::Ptr>();
}

std::set<std::string> pairs(const Object::Ptr& diagnosis) {
  std::set<std::string> out;
  auto vulns = diagnosis->getArray("vulnerabilities");
  for (std::size_t i = 0; i < vulns->size(); ++i) {
    auto v = vulns->getObject(static_cast<unsigned>(i));
    out.insert(v->getValue<std::string>("advisory") + " " + v->getValue<std::string>("package"));
  }
  return out;
}

bool dpkgLess(const std::string& a, const std::string& b) {
  return std::system(("dpkg --compare-versions '" + a + "' lt '" + b + "'").c_str()) == 0;
}

// The agent's inventory with every binary of one source package set back to an older version.
std::string olderInventory(const std::string& inventory, const std::string& source, const std::string& version) {
  auto root = parseObject(inventory);
  auto packages = root->getArray("packages");
  for (std::size_t i = 0; i < packages->size(); ++i) {
    auto p = packages->getObject(static_cast<unsigned>(i));
    if (p->getValue<std::string>("source") == source) {
      p->set("version", version);
      p->set("source_version", version);
    }
  }
  std::ostringstream out;
  root->stringify(out);
  return out.str();
}

}  // namespace

TEST_CASE("diagnose --inventory agrees with dpkg on this machine's packages, sample of real advisories") {
  ControllerFixture c;
  auto imported = c.cli({"feed", "import", sample(), "--insecure"});
  REQUIRE_MESSAGE(imported.exitCode == 0, imported.err);
  CHECK(imported.out.find("56 new") != std::string::npos);

  const auto inventory = run({agentBinary(), "inventory", "--json"});
  REQUIRE(inventory.exitCode == 0);
  const std::string invFile = c.root() + "/inventory.json";
  std::ofstream(invFile) << inventory.out;
  auto diagnosed = c.cli({"diagnose", "--inventory", invFile, "--json"});
  REQUIRE_MESSAGE(diagnosed.exitCode == 0, diagnosed.err);
  const auto got = pairs(parseObject(diagnosed.out));

  // The oracle: dpkg-query for each binary's source and source version,
  // dpkg --compare-versions against each advisory's fix.
  std::set<std::string> expected;
  const std::string installed = runCommand(
      "dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${source:Package} ${source:Version}\\n' | awk '$1==\"ii\" {print $2, $3, $4}'");
  std::ifstream in(sample());
  std::ostringstream text;
  text << in.rdbuf();
  Poco::JSON::Parser parser;
  auto records = parser.parse(text.str()).extract<Array::Ptr>();
  std::istringstream lines(installed);
  for (std::string name, source, version; lines >> name >> source >> version;)
    for (std::size_t i = 0; i < records->size(); ++i) {
      auto r = records->getObject(static_cast<unsigned>(i));
      auto affected = r->getArray("affected")->getObject(0);
      if (affected->getObject("package")->getValue<std::string>("name") != source) continue;
      const auto fixed = affected->getArray("ranges")->getObject(0)->getArray("events")->getObject(1)->getValue<std::string>("fixed");
      if (dpkgLess(version, fixed)) expected.insert(r->getValue<std::string>("id") + " " + name);
    }
  CHECK(got == expected);
  MESSAGE("this machine: " << got.size() << " affected (advisory, package) pairs in the sample");

  // The same machine with glibc back at its first bookworm security update:
  // every glibc advisory of the sample applies to libc6, fixed versions shown.
  const std::string oldFile = c.root() + "/inventory-old.json";
  std::ofstream(oldFile) << olderInventory(inventory.out, "glibc", "2.36-9+deb12u1");
  diagnosed = c.cli({"diagnose", "--inventory", oldFile, "--json"});
  REQUIRE(diagnosed.exitCode == 0);
  auto d = parseObject(diagnosed.out);
  CHECK(pairs(d).count("DEBIAN-CVE-2026-0861 libc6"));
  bool sawFix = false;
  auto vulns = d->getArray("vulnerabilities");
  for (std::size_t i = 0; i < vulns->size(); ++i) {
    auto v = vulns->getObject(static_cast<unsigned>(i));
    if (v->getValue<std::string>("advisory") == "DEBIAN-CVE-2026-0861" && v->getValue<std::string>("package") == "libc6") {
      CHECK(v->getValue<std::string>("source") == "glibc");
      CHECK(v->getValue<std::string>("installed") == "2.36-9+deb12u1");
      CHECK(v->getValue<std::string>("fixed") == "2.36-9+deb12u14");
      CHECK(v->getArray("aliases")->getElement<std::string>(0) == "CVE-2026-0861");
      sawFix = true;
    }
  }
  CHECK(sawFix);
  // Default policy: patch at once, one measure per (advisory, source package).
  auto measures = d->getArray("measures");
  bool patch = false;
  for (std::size_t i = 0; i < measures->size(); ++i) {
    auto m = measures->getObject(static_cast<unsigned>(i));
    if (m->getValue<std::string>("advisory") == "DEBIAN-CVE-2026-0861") {
      CHECK(m->getValue<std::string>("kind") == "patch");
      CHECK(m->getValue<std::string>("package") == "glibc");
      CHECK(m->getValue<std::string>("reason").find("patching = auto") != std::string::npos);
      patch = true;
    }
  }
  CHECK(patch);

  // A group that needs approval for this host: the same patch now waits, and says why.
  const std::string host = parseObject(inventory.out)->getValue<std::string>("hostname");
  std::ofstream(c.controllerDir() + "/policy.conf") << "[group careful]\nhosts = " << host
                                                    << "\npatching = approve\n";
  diagnosed = c.cli({"diagnose", "--inventory", oldFile, "--json"});
  REQUIRE(diagnosed.exitCode == 0);
  d = parseObject(diagnosed.out);
  CHECK(d->getValue<std::string>("group") == "careful");
  CHECK(d->getValue<std::string>("group_rule") == "hosts = " + host);
  auto first = d->getArray("measures")->getObject(0);
  CHECK(first->getValue<std::string>("waits_for") == "approval");
}

TEST_CASE("a bad policy file stops diagnose with the file and line") {
  ControllerFixture c;
  std::ofstream(c.controllerDir() + "/policy.conf") << "[defaults]\npatching = auto\nfilter_from = loud\n";
  const auto inventory = run({agentBinary(), "inventory", "--json"});
  const std::string invFile = c.root() + "/inventory.json";
  std::ofstream(invFile) << inventory.out;
  auto out = c.cli({"diagnose", "--inventory", invFile});
  CHECK(out.exitCode == 1);
  CHECK(out.err.find("policy.conf:3: defaults.filter_from") != std::string::npos);
  out = c.cli({"diagnose", "--inventory", c.root() + "/nothing.json"});
  CHECK(out.exitCode == 1);
}

TEST_CASE("machine show and diagnose name a reported machine's vulnerabilities") {
  ControllerFixture c;
  c.start();
  REQUIRE(c.cli({"feed", "import", sample(), "--insecure"}).exitCode == 0);
  const std::string agentDir = c.root() + "/agent";
  c.enroll(agentDir, "diag-host");
  auto report = run({agentBinary(), "run", "--config", agentDir + "/agent.conf", "--once"});
  REQUIRE_MESSAGE(report.exitCode == 0, report.err);
  Poco::JSON::Parser parser;
  auto listed = parser.parse(c.cli({"machines", "--json"}).out).extract<Array::Ptr>();
  REQUIRE(listed->size() == 1);
  const std::string id = listed->getObject(0)->getValue<std::string>("id");
  const std::string host = listed->getObject(0)->getValue<std::string>("hostname");
  auto shown = c.cli({"machine", "show", id, "--json"});
  REQUIRE(shown.exitCode == 0);
  auto m = parseObject(shown.out);
  REQUIRE(m->has("vulnerabilities"));
  REQUIRE(m->has("measures"));
  CHECK(m->getValue<std::string>("group") == "default");
  auto diagnosed = c.cli({"diagnose", host, "--json"});
  REQUIRE(diagnosed.exitCode == 0);
  CHECK(pairs(parseObject(diagnosed.out)) == pairs(m));
  auto all = c.cli({"diagnose"});
  CHECK(all.exitCode == 0);
  CHECK(all.out.find(id) != std::string::npos);
  CHECK(c.cli({"diagnose", "no-such-host"}).exitCode == 1);
}
