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

TEST_CASE("an information provider publishes advisories, known-bad hashes and network signatures, each signed; a client site takes them") {
  ControllerFixture provider, client;
  const auto dir = provider.root();
  // What the provider verified and holds.
  writeText(dir + "/dsa.json",
            R"([{"id": "DSA-5532-1", "modified": "2023-10-24T14:00:00Z", "aliases": ["CVE-2023-5363"], "summary": "openssl - security update",)"
            R"( "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},)"
            R"( "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]}]},)"
            R"( {"id": "DSA-5533-1", "modified": "2023-10-25T09:00:00Z", "summary": "curl - security update",)"
            R"( "affected": [{"package": {"ecosystem": "Debian:12", "name": "curl"},)"
            R"( "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.88.1-10+deb12u4"}]}]}]}])");
  REQUIRE(provider.cli({"feed", "import", dir + "/dsa.json", "--insecure"}).exitCode == 0);
  writeText(dir + "/bad.hsb", std::string(64, 'd') + ":*:Linux.Test.Provided\n");
  REQUIRE(provider.cli({"known-bad", "import", dir + "/bad.hsb", "--insecure", "--source", "lab"}).exitCode == 0);
  writeText(dir + "/sigs.txt", "signature web-cmd\n  name cmd.exe asked for\n  protocol tcp\n  ports 8080\n  pattern \"cmd.exe\"\nend\n");
  REQUIRE(provider.cli({"signatures", "import", dir + "/sigs.txt", "--insecure"}).exitCode == 0);

  // Published, each signed with the provider's own key.
  REQUIRE(run({"openssl", "genpkey", "-algorithm", "ed25519", "-out", dir + "/provider.key"}).exitCode == 0);
  REQUIRE(run({"openssl", "pkey", "-in", dir + "/provider.key", "-pubout", "-out", dir + "/provider.pub"}).exitCode == 0);
  for (const auto& [what, file] : std::vector<std::pair<std::string, std::string>>{
           {"advisories", "advisories.json"}, {"known-bad", "known-bad.hsb"}, {"signatures", "signatures.txt"}}) {
    auto out = provider.cli({what, "export", "--out", dir + "/" + file, "--sign-key", dir + "/provider.key"});
    REQUIRE_MESSAGE(out.exitCode == 0, out.err);
    CHECK(std::filesystem::exists(dir + "/" + file + ".sig"));
  }
  CHECK(provider.audit().find("ADVISORIES_EXPORTED") != std::string::npos);
  // --sign-key alone: where would the signature go.
  CHECK(provider.cli({"advisories", "export", "--sign-key", dir + "/provider.key"}).exitCode == 2);

  // The client trusts the provider's key, and takes all three as they were signed.
  REQUIRE(client.cli({"feed", "trust", "provider", "--key", dir + "/provider.pub", "--level", "4"}).exitCode == 0);
  auto feed = client.cli({"feed", "import", dir + "/advisories.json", "--signature", dir + "/advisories.json.sig", "--publisher", "provider"});
  REQUIRE_MESSAGE(feed.exitCode == 0, feed.err);
  const auto advisories = client.cli({"advisories"}).out;
  CHECK(advisories.find("DSA-5532-1") != std::string::npos);
  CHECK(advisories.find("DSA-5533-1") != std::string::npos);
  CHECK(advisories.find("provider") != std::string::npos);
  auto bad = client.cli({"known-bad", "import", dir + "/known-bad.hsb", "--signature", dir + "/known-bad.hsb.sig", "--publisher", "provider"});
  REQUIRE_MESSAGE(bad.exitCode == 0, bad.err);
  CHECK(client.cli({"known-bad", "list"}).out.find("Linux.Test.Provided") != std::string::npos);
  auto sigs = client.cli({"signatures", "import", dir + "/signatures.txt", "--signature", dir + "/signatures.txt.sig", "--publisher", "provider"});
  REQUIRE_MESSAGE(sigs.exitCode == 0, sigs.err);
  CHECK(client.cli({"signatures", "list"}).out.find("web-cmd") != std::string::npos);
  // One signature does not pass for another file.
  CHECK(client.cli({"feed", "import", dir + "/advisories.json", "--signature", dir + "/known-bad.hsb.sig", "--publisher", "provider"})
            .exitCode == 1);
}
