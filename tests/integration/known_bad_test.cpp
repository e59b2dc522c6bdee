// Known-bad hashes for real: a list imported with the CLI, and a running agent
// session whose file hash reports carry a file with one of those hashes. No
// antivirus is involved: the hash alone damages the machine.
#include <doctest/doctest.h>

#include <signal.h>

#include <atomic>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "tests/integration/controller_fixture.h"
#include "tests/integration/process.h"

using portcullis::admission::AdmissionState;

using namespace portcullis;
using namespace portcullis::testing;

namespace {

v1::Report fileList(const std::vector<std::pair<std::string, std::string>>& files, std::uint64_t listId) {
  v1::Report r;
  auto* h = r.mutable_file_hashes();
  h->set_full_list(true);
  h->set_list_id(listId);
  h->set_part(1);
  h->set_parts(1);
  for (const auto& [path, sha] : files) {
    auto* f = h->add_files();
    f->set_path(path);
    f->set_sha256(sha);
    f->set_size(100);
    f->set_mode(0100755);
  }
  return r;
}

}  // namespace

TEST_CASE("an imported known-bad hash quarantines and isolates the machine that has the file; a new list without it releases it") {
  ControllerFixture c;
  const std::string bad(64, 'b'), good(64, 'a');
  writeText(c.root() + "/bad.hsb", "# from the site's malware lab\n" + bad + ":100:Linux.Test.Dropper\n" + std::string(32, 'c') +
                                       ":*:Md5.Only\n");
  auto imported = c.cli({"known-bad", "import", c.root() + "/bad.hsb", "--insecure", "--source", "lab"});
  REQUIRE_MESSAGE(imported.exitCode == 0, imported.err);
  CHECK(imported.out.find("1 new") != std::string::npos);
  CHECK(imported.out.find("skipped 1 MD5/SHA-1") != std::string::npos);
  CHECK(c.audit().find("KNOWN_BAD_IMPORTED") != std::string::npos);
  // A malformed list stores nothing and names its line.
  writeText(c.root() + "/broken.hsb", bad + ":100:Fine\nnot-a-hash:1:X\n");
  auto broken = c.cli({"known-bad", "import", c.root() + "/broken.hsb", "--insecure"});
  CHECK(broken.exitCode == 1);
  CHECK(broken.err.find("line 2") != std::string::npos);
  CHECK(c.cli({"known-bad", "list"}).out.find("Fine") == std::string::npos);
  // Unsigned without --insecure: a usage error.
  CHECK(c.cli({"known-bad", "import", c.root() + "/bad.hsb"}).exitCode == 2);

  auto config = c.enroll(c.root() + "/agent", "dropper-host");
  config.checkIntervalSeconds = 1;
  agent::AgentRunner runner(config, fakeMachine("dropper-host"));
  std::atomic<int> asked{0};
  runner.onFileListRequested([&] { ++asked; });
  runner.submit(fileList({{"/usr/bin/ls", good}, {"/usr/local/bin/updater", bad}}, 1));
  std::atomic<bool> stop{false};
  std::thread session([&] { runner.runUntil(stop); });
  struct Joined {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joined() {
      stop = true;
      thread.join();
    }
  } joined{stop, session};

  auto state = [&] { return c.openStore()->machineState(config.agentId).value_or(AdmissionState::Unknown); };
  REQUIRE_MESSAGE(eventually([&] { return state() == AdmissionState::Quarantined; }), c.log());
  CHECK(asked.load() >= 1);  // no complete list at its first hello
  CHECK(c.logShows("DAMAGE_FOUND machine=" + config.agentId + " damaged: known-bad file /usr/local/bin/updater (Linux.Test.Dropper)"));
  auto commands = [&] {
    std::vector<std::string> kinds;
    for (const auto& cmd : c.openStore()->commands())
      if (cmd.machineId == config.agentId) kinds.push_back(cmd.kind);
    return kinds;
  };
  CHECK(eventually([&] {
    const auto k = commands();
    return std::find(k.begin(), k.end(), "isolate") != k.end();
  }));
  auto show = c.cli({"machine", "show", "dropper-host", "--json"});
  auto m = Poco::JSON::Parser().parse(show.out).extract<Poco::JSON::Object::Ptr>();
  const auto files = m->getObject("files");
  CHECK(files->getValue<int>("watched") == 2);
  REQUIRE(files->getArray("known_bad")->size() == 1);
  CHECK(files->getArray("known_bad")->getObject(0)->getValue<std::string>("source") == "lab");
  // Tracked by its hash and its name.
  const auto damage = m->getArray("damage");
  REQUIRE(damage->size() == 2);
  CHECK(damage->getObject(0)->getValue<std::string>("sign") + " " + damage->getObject(1)->getValue<std::string>("sign") ==
        "sha256:" + bad + " signature:Linux.Test.Dropper");

  // The file is gone in the next whole list: released and admitted.
  runner.submit(fileList({{"/usr/bin/ls", good}}, 2));
  runner.lookNow();
  CHECK(eventually([&] { return state() == AdmissionState::Admitted; }));
  CHECK(eventually([&] {
    const auto k = commands();
    return std::find(k.begin(), k.end(), "release_isolation") != k.end();
  }));
}

TEST_CASE("damage confirmed at one site protects the others: exported signed, imported where that site is trusted") {
  ControllerFixture a, b, c;
  const std::string shared(64, 'e');
  // Site A: a machine's antivirus finds the file; A learns its hash.
  auto labConfig = a.enroll(a.root() + "/agent", "lab-pc");
  const auto base = fakeMachine("lab-pc");
  agent::MachineInfoSource withDetection{[base, shared] {
                                           auto info = base.collect();
                                           auto* av = info.mutable_antivirus();
                                           av->set_engine("ClamAV 1.0.9");
                                           av->set_scanned_at_unix(1'800'000'000);
                                           auto* f = av->add_findings();
                                           f->set_path("/home/lab/dropper");
                                           f->set_signature("Linux.Test.SharedDropper");
                                           f->set_sha256(shared);
                                           f->set_detected_at_unix(1'800'000'000);
                                           return info;
                                         },
                                         base.digest};
  agent::AgentRunner lab(labConfig, withDetection);
  REQUIRE(lab.runOnce());
  REQUIRE_MESSAGE(eventually([&] { return a.cli({"known-bad", "list"}).out.find(shared) != std::string::npos; }), a.log());
  CHECK(a.cli({"known-bad", "list"}).out.find("learned: antivirus on " + labConfig.agentId) != std::string::npos);

  // A signs what it confirmed; B and C trust A's key.
  REQUIRE(run({"openssl", "genpkey", "-algorithm", "ed25519", "-out", a.root() + "/site-a.key"}).exitCode == 0);
  REQUIRE(run({"openssl", "pkey", "-in", a.root() + "/site-a.key", "-pubout", "-out", a.root() + "/site-a.pub"}).exitCode == 0);
  const auto list = a.root() + "/site-a-damage.hsb";
  auto exported = a.cli({"known-bad", "export", "--learned", "--out", list, "--sign-key", a.root() + "/site-a.key"});
  REQUIRE_MESSAGE(exported.exitCode == 0, exported.err);
  CHECK(exported.out.find("exported 1 known-bad hashes") != std::string::npos);
  CHECK(readText(list).find(shared + ":") == 0);
  CHECK(a.audit().find("KNOWN_BAD_EXPORTED") != std::string::npos);

  for (ControllerFixture* site : {&b, &c}) {
    REQUIRE(site->cli({"feed", "trust", "site-a", "--key", a.root() + "/site-a.pub", "--level", "4"}).exitCode == 0);
    // A list changed on the way is refused, and nothing is stored.
    writeText(site->root() + "/changed.hsb", readText(list) + std::string(64, 'f') + ":*:Added.On.The.Way\n");
    auto changed = site->cli({"known-bad", "import", site->root() + "/changed.hsb", "--signature", list + ".sig", "--publisher", "site-a"});
    CHECK(changed.exitCode == 1);
    CHECK(site->cli({"known-bad", "list"}).out.find("Added.On.The.Way") == std::string::npos);
    // No import passes for this site's own detections.
    CHECK(site->cli({"known-bad", "import", list, "--signature", list + ".sig", "--publisher", "site-a", "--source", "learned: x"})
              .exitCode == 2);
    auto imported = site->cli({"known-bad", "import", list, "--signature", list + ".sig", "--publisher", "site-a"});
    REQUIRE_MESSAGE(imported.exitCode == 0, imported.err);
    CHECK(imported.out.find("1 new") != std::string::npos);
  }

  // At B and C a machine that has the file is quarantined before anything there detected it.
  for (ControllerFixture* site : {&b, &c}) {
    auto config = site->enroll(site->root() + "/agent", "server");
    config.checkIntervalSeconds = 1;
    agent::AgentRunner runner(config, fakeMachine("server"));
    runner.submit(fileList({{"/usr/bin/ls", std::string(64, 'a')}, {"/opt/tool/bin/helper", shared}}, 1));
    std::atomic<bool> stop{false};
    std::thread session([&] { runner.runUntil(stop); });
    const bool quarantined = eventually([&] {
      return site->openStore()->machineState(config.agentId).value_or(AdmissionState::Unknown) == AdmissionState::Quarantined;
    });
    stop = true;
    session.join();
    CHECK_MESSAGE(quarantined, site->log());
    CHECK(site->logShows("known-bad file /opt/tool/bin/helper (Linux.Test.SharedDropper)"));
  }
}
