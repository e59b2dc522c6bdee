// A runbook test whose checks an enrolled machine's agent runs, end to end:
// the controller serving, an agent connected over mutual TLS carrying the
// commands out with its real executor and checks. The alert names the
// machine by its address; `runbook ok` sends run_checks; the agent finds a
// process still running, a file still there, its own listed command
// failing, while it reaches the controller's port; the test fails and the
// work is shown again. Done for real (the process stopped, the file gone,
// the command's condition met), the next test passes and the runbook ends.
#include <doctest/doctest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/actions/command_executor.h"
#include "tests/integration/controller_fixture.h"
#include "tests/support/eve_time.h"

using namespace portcullis;
using namespace portcullis::testing;

namespace {

Poco::JSON::Object::Ptr shown(const ControllerFixture& c, const std::string& id) {
  const auto out = c.cli({"runbook", "show", id, "--json"});
  REQUIRE_MESSAGE(out.exitCode == 0, out.err);
  return Poco::JSON::Parser().parse(out.out).extract<Poco::JSON::Object::Ptr>();
}

std::string waitsFor(const Poco::JSON::Object::Ptr& view) {
  if (!view->isObject("waiting")) return "";
  return view->getObject("waiting")->getValue<std::string>("waits_for");
}

std::string lastEvent(const Poco::JSON::Object::Ptr& view, const std::string& kind) {
  const auto record = view->getArray("record");
  for (std::size_t i = record->size(); i > 0; --i) {
    const auto e = record->getObject(i - 1);
    if (e->getValue<std::string>("kind") == kind) return e->optValue<std::string>("detail", "");
  }
  return "";
}

}  // namespace

TEST_CASE("a runbook's test run by the machine's agent: its findings fail the step, then pass it") {
  ControllerFixture c;
  c.stop(SIGTERM);
  const auto root = c.root();
  const auto evidence = root + "/machine/var/www/shell.php";
  const auto flag = root + "/machine/cleaned";
  writeText(evidence, "<?php system($_GET['c']); ?>\n");
  writeText(c.controllerDir() + "/site-runbooks/tests.txt",
            "[site-101] Cleaned, as the machine's agent sees it\n"
            "process {machine} {process} stopped\n"
            "file {machine} /var/www/shell.php sha256 absent\n"
            "command {machine} cleaned exit 0\n"
            "port 127.0.0.1 " + std::to_string(c.port()) + " open from {address}\n");
  writeText(c.controllerDir() + "/site-runbooks/manual.txt", "[site-001] Clean the machine\nStop {process}, remove the shell.\n");
  writeText(c.controllerDir() + "/site-runbooks/site-clean.scenario", "start\ninclude site-001\nok\nexecute site-101\ncheck\nend\n");
  writeText(c.controllerDir() + "/site-runbooks/catalogue.txt", "defacement * site-clean\n");
  REQUIRE(run({"sed", "-i", "s/^library =.*/library = site-runbooks/; s/^check_interval = .*/check_interval = 1s/", c.conf()})
              .exitCode == 0);
  c.start();

  // The machine's agent, its commands carried out by the real executor: checks below its root.
  auto config = c.enroll(root + "/agent", "web-7");
  agent::actions::ActionSettings settings;
  settings.stateDir = root + "/agent/state";
  settings.root = root + "/machine";
  settings.checkCommands["cleaned"] = {"/bin/sh", "-c", "test -e " + flag};
  const auto machine = fakeMachine("web-7");
  auto executor = std::make_shared<agent::actions::CommandExecutor>(settings, machine.collect, agent::actions::hostEdges(settings));
  agent::AgentRunner runner(config, machine, [executor](const v1::Command& command) { return executor->execute(command); });
  std::atomic<bool> stop{false};
  std::thread session([&] { runner.runUntil(stop); });
  struct Joined {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Joined() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } joined{stop, session};
  REQUIRE(eventually([&] { return c.openStore()->machine(config.agentId).has_value(); }, std::chrono::seconds(20)));

  // A process of the name the runbook will ask about: a name of this test's own
  // (the checks see every process of the machine, other tests' too).
  const auto name = "pct-" + std::to_string(::getpid());
  std::filesystem::copy_file("/bin/sleep", root + "/" + name);
  std::filesystem::permissions(root + "/" + name, std::filesystem::perms::owner_all);
  auto process = std::make_unique<Background>(std::vector<std::string>{root + "/" + name, "300"}, root + "/sleep.log");

  // The alert names the machine by the address its agent reports (fakeMachine: 192.0.2.10).
  writeText(root + "/eve.json",
            R"({"timestamp":")" + eveTimestamp(std::time(nullptr)) + R"(","flow_id":9,"event_type":"alert","src_ip":"198.51.100.4","src_port":40000,)"
            R"("dest_ip":"192.0.2.10","dest_port":80,"proto":"TCP","app_proto":"http","alert":{"action":"allowed","gid":1,)"
            R"("signature_id":2019401,"rev":1,"signature":"ET WEB_SERVER Web shell","category":"Web Application Attack","severity":1}})" "\n");
  REQUIRE(c.cli({"incidents", "import", "--eve", root + "/eve.json"}).exitCode == 0);
  auto out = c.cli({"runbook", "answer", "1", "--problem", "defacement", "--process", name});
  REQUIRE_MESSAGE(out.exitCode == 0, out.err);
  REQUIRE(c.cli({"runbook", "step", "1"}).exitCode == 0);

  // OK with nothing done: the agent's checks go out, and find it all still there.
  out = c.cli({"runbook", "ok", "1"});
  REQUIRE_MESSAGE(out.exitCode == 0, out.err);
  CHECK(out.out.find("sent: 4 checks to " + config.agentId) != std::string::npos);
  CHECK(out.out.find("waits for the agents' checks") != std::string::npos);
  Poco::JSON::Object::Ptr view;
  REQUIRE_MESSAGE(eventually([&] { return waitsFor(view = shown(c, "1")) == "ok"; }, std::chrono::seconds(30)), c.log());
  auto seen = lastEvent(view, "test");
  CHECK_MESSAGE(seen.find("failed: on " + config.agentId + ": process " + name + " runs (pid") != std::string::npos, seen);
  CHECK_MESSAGE(seen.find("failed: on " + config.agentId + ": /var/www/shell.php exists (sha256 ") != std::string::npos, seen);
  CHECK_MESSAGE(seen.find("failed: on " + config.agentId + ": cleaned: exit 1, expected exit 0") != std::string::npos, seen);
  CHECK_MESSAGE(seen.find("passed: on " + config.agentId + ": 127.0.0.1:" + std::to_string(c.port()) + " accepts connections") !=
                    std::string::npos,
                seen);
  CHECK(view->getArray("shown")->getObject(0)->getValue<std::string>("key") == "site-001");  // the work again

  // Done for real: the agent's second look passes, and the runbook ends.
  process.reset();
  std::filesystem::remove(evidence);
  writeText(flag, "yes\n");
  REQUIRE(c.cli({"runbook", "ok", "1"}).exitCode == 0);
  REQUIRE_MESSAGE(eventually([&] { return (view = shown(c, "1"))->getValue<std::string>("state") == "finished"; },
                             std::chrono::seconds(30)),
                  lastEvent(view, "test"));
  seen = lastEvent(view, "test");
  CHECK_MESSAGE(seen.find("failed") == std::string::npos, seen);
  CHECK(seen.find("no process named " + name) != std::string::npos);
  CHECK(seen.find("/var/www/shell.php is absent") != std::string::npos);
  CHECK(c.logShows("RUNBOOK_AGENT_TESTS_TAKEN"));
  // The record still holds: chain, answers, replay.
  out = c.cli({"runbook", "verify", "1"});
  CHECK_MESSAGE(out.exitCode == 0, (out.out + out.err));
  // Both commands finished by the agent's answers.
  std::size_t answered = 0;
  for (const auto& cmd : c.openStore()->commands())
    if (cmd.kind == "run_checks" && cmd.state == store::CommandState::Done) ++answered;
  CHECK(answered == 2);
}
