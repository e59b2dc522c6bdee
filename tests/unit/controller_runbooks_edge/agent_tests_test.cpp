// A runbook test whose checks agents run, over a real store: the checks go
// out as one run_checks command a machine and the run waits ("test sent");
// the agent's answer (written to the outbox as the agent service does)
// gives the result, a failed check showing the work again; no answer by
// the deadline fails the test and withdraws the command; a machine nobody
// holds fails at once, nothing sent. And a runbook keeps the library it was
// made with.
#include <doctest/doctest.h>

#include <deque>
#include <filesystem>
#include <random>

#include <unistd.h>

#include "controller/runbooks_edge/agent_checks.h"
#include "controller/runbooks_edge/runbook_service.h"
#include "tests/unit/controller_store/store_test_support.h"

using namespace portcullis;
using namespace portcullis::runbooks;
namespace pb = ::portcullis::v1;

namespace {

class AlwaysPasses final : public CheckRunner {
 public:
  std::vector<std::string> asked;
  CheckOutcome run(const TestCheck& check) override {
    asked.push_back(check.line);
    return {true, "seen from the controller"};
  }
};

// The site's layer: a scenario whose test mixes an agent's checks with the controller's.
LibraryText siteLayer(const std::string& entryText = "Stop {process} on {host}.") {
  LibraryText t;
  t.origin = "site";
  t.manual = "[site-001] Take the site down\n" + entryText + "\n";
  t.tests =
      "[site-101] Down on the machine and from outside\n"
      "process {machine} {process} stopped\n"
      "file {address} /var/www/index.html sha256 absent\n"
      "port 10.0.9.9 {port} closed from {address}\n"
      "port {address} {port} closed\n";
  t.scenarios["site-down"] = "start\ninclude site-001\nok\nexecute site-101\ncheck\nend\n";
  t.catalogue = "defacement * site-down\n";
  return t;
}

struct Fixture {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("rb-agent-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
  std::unique_ptr<store::Store> store;
  AlwaysPasses checks;
  std::int64_t now = 1'800'000'000LL * 1'000'000;
  std::unique_ptr<RunbookService> service;
  std::int64_t incident = 0;
  std::vector<std::string> queuedFor;

  explicit Fixture(LibraryText site = siteLayer()) {
    std::filesystem::create_directories(dir);
    store = store::Store::openSqlite(dir / "c.db");
    // Machine m1 reports 10.0.0.5 on eth0 (store_test_support's makeInfo).
    store->writeReports({store::testing::fullReport("m1", store::testing::makeInfo("web-1", 3), now / 1'000'000 - 60)});
    service = makeService(std::move(site));
    store::IncomingAlert a;
    a.alert.atUs = now;
    a.alert.source = *packet::IpAddress::parse("192.0.2.66");
    a.alert.destination = *packet::IpAddress::parse("10.0.0.5");
    a.alert.destinationPort = 80;
    a.alert.appProto = "http";
    a.alert.signature = "ET WEB defacement";
    a.destinationMachine = "m1";
    incident = store->incidents().takeAlerts({a}, 600'000'000, nullptr).opened.at(0);
  }
  ~Fixture() { std::filesystem::remove_all(dir); }

  std::unique_ptr<RunbookService> makeService(LibraryText site) {
    auto lib = buildLibrary({builtinLibrary(), std::move(site)});
    REQUIRE_MESSAGE(lib, lib.error());
    RunbookSettings settings;
    settings.agentTestTimeout = std::chrono::seconds(60);
    auto s = std::make_unique<RunbookService>(*store, std::move(*lib), checks, settings, [this] { return now; });
    s->onCommandsQueued([this](const std::string& machine) { queuedFor.push_back(machine); });
    return s;
  }

  std::int64_t runbook(const std::string& machine = "m1") {
    auto a = service->answersFor(incident);
    REQUIRE(a);
    auto answers = a->answers;
    answers.problem = "defacement";
    answers.host = "web-1";
    answers.machine = machine;
    answers.process = "httpd";
    answers.port = 80;
    const auto made = service->answer(incident, answers, {"alice", "10.0.0.9"});
    REQUIRE_MESSAGE(made, made.error());
    return made->id;
  }

  // The agent's answer, as the agent service writes it: each check's result by its name.
  void agentAnswers(const std::string& commandId, const std::vector<std::pair<std::size_t, bool>>& results) {
    pb::CommandResult r;
    r.set_command_id(commandId);
    r.set_ok(true);
    r.set_detail("ran " + std::to_string(results.size()) + " checks");
    for (const auto& [index, ok] : results) {
      auto* c = r.mutable_checks()->add_results();
      c->set_name(agentCheckName(index));
      c->set_ok(ok);
      c->set_detail(ok ? "as it should be" : "not as it should be");
    }
    store->markFinished(commandId, r, now / 1'000'000);
  }
};

const Actor kAlice{"alice", "10.0.0.9"};

}  // namespace

TEST_CASE("an agent's checks go out as one command, and their answer decides the test") {
  Fixture f;
  const auto id = f.runbook();
  REQUIRE(f.service->act(id, RunbookService::Action::Step, kAlice));
  auto v = f.service->act(id, RunbookService::Action::Ok, kAlice);
  REQUIRE_MESSAGE(v, v.error());
  // Sent, not run: the run waits for the test.
  CHECK(v->waiting->kind == StepKind::Execute);
  CHECK(v->events.back().kind == "test sent");
  CHECK(v->events.back().detail.find("3 checks to m1 (command ") != std::string::npos);
  CHECK(f.checks.asked.empty());  // the controller's own check waits for the agents' answer
  REQUIRE(v->record.awaited.commands.size() == 1);
  CHECK(f.queuedFor == std::vector<std::string>{"m1"});
  const auto commandId = v->record.awaited.commands[0];
  const auto sent = f.store->command(commandId);
  REQUIRE(sent);
  CHECK(sent->machineId == "m1");
  CHECK(sent->kind == "run_checks");
  const auto& checks = sent->action.run_checks().checks();
  REQUIRE(checks.size() == 3);
  CHECK(checks[0].type() == pb::OperationCheck::STOPPED);
  CHECK(checks[0].process() == "httpd");
  CHECK(checks[0].name() == "check-0");
  CHECK(checks[1].type() == pb::OperationCheck::FILE);
  CHECK(checks[1].target() == "/var/www/index.html");
  CHECK(checks[1].sha256() == "absent");
  CHECK(checks[2].type() == pb::OperationCheck::REJECTED);
  CHECK(checks[2].target() == "10.0.9.9:80");
  CHECK(sent->action.run_checks().reason() == "runbook " + std::to_string(id) + ", line " + std::to_string(v->waiting->line));

  // While it waits, an answer is refused and changes nothing; a step shows it again and sends nothing more.
  CHECK(f.service->act(id, RunbookService::Action::Ok, kAlice).error().find("not for ok") != std::string::npos);
  CHECK(f.service->collectAgentTests(id).value() == false);
  const auto again = f.service->act(id, RunbookService::Action::Step, kAlice);
  REQUIRE(again);
  CHECK(again->events.size() == v->events.size());
  CHECK(again->record.awaited.commands == v->record.awaited.commands);
  CHECK(f.store->commands().size() == 1);

  // The agent finds the process still running: the test fails, the work is shown again.
  f.agentAnswers(commandId, {{0, false}, {1, true}, {2, true}});
  CHECK(f.service->collectAgentTests() == 1);
  v = f.service->view(id);
  REQUIRE(v);
  CHECK(v->waiting->kind == StepKind::Ok);
  CHECK(v->shown.at(0).key == "site-001");
  const auto& failed = v->events.back();
  CHECK(failed.kind == "test");
  CHECK_FALSE(failed.passed);
  CHECK(failed.operatorName == "alice");  // the result goes with the answer that sent it
  CHECK(failed.detail.find("failed: on m1: not as it should be") != std::string::npos);
  CHECK(failed.detail.find("passed: seen from the controller") != std::string::npos);
  CHECK(v->record.awaited.commands.empty());

  // Stopped now: all pass, and the run ends.
  v = f.service->act(id, RunbookService::Action::Ok, kAlice);
  REQUIRE(v);
  const auto second = v->record.awaited.commands.at(0);
  CHECK(second != commandId);
  f.agentAnswers(second, {{0, true}, {1, true}, {2, true}});
  CHECK(f.service->collectAgentTests(id).value());
  v = f.service->view(id);
  CHECK(v->record.state == "finished");
  CHECK(v->events[v->events.size() - 2].passed);
  // The record holds: a sent test is no answer and no result.
  const auto checked = f.service->verify(id);
  REQUIRE(checked);
  CHECK(checked->valid);
}

TEST_CASE("no answer by the deadline fails the test, and the command not yet sent is withdrawn") {
  Fixture f;
  const auto id = f.runbook();
  REQUIRE(f.service->act(id, RunbookService::Action::Step, kAlice));
  auto v = f.service->act(id, RunbookService::Action::Ok, kAlice);
  REQUIRE(v);
  const auto commandId = v->record.awaited.commands.at(0);
  f.now += 59LL * 1'000'000;
  CHECK(f.service->collectAgentTests() == 0);
  f.now += 2LL * 1'000'000;
  CHECK(f.service->collectAgentTests() == 1);
  v = f.service->view(id);
  CHECK(v->waiting->kind == StepKind::Ok);
  CHECK_FALSE(v->events.back().passed);
  CHECK(v->events.back().detail.find("m1 did not answer within 60s") != std::string::npos);
  CHECK(f.store->command(commandId)->state == store::CommandState::Cancelled);
}

TEST_CASE("a check on a machine nobody holds fails at once, and nothing is sent") {
  LibraryText site = siteLayer();
  site.tests = "[site-101] On a machine\nprocess 10.9.9.9 httpd stopped\nprocess {machine} httpd stopped\n";
  Fixture f(site);
  const auto id = f.runbook("no-such-machine");
  REQUIRE(f.service->act(id, RunbookService::Action::Step, kAlice));
  const auto v = f.service->act(id, RunbookService::Action::Ok, kAlice);
  REQUIRE(v);
  CHECK(v->events.back().kind == "test");
  CHECK_FALSE(v->events.back().passed);
  CHECK(v->events.back().detail.find("no machine is known to hold 10.9.9.9 now") != std::string::npos);
  CHECK(v->events.back().detail.find("no machine 'no-such-machine' is enrolled") != std::string::npos);
  CHECK(f.store->commands().empty());
  CHECK(f.queuedFor.empty());
}

TEST_CASE("a runbook runs with the library it was made with, not a later one") {
  Fixture f;
  const auto first = f.runbook();
  // The site changes its entry; a runbook made before keeps the old text.
  f.service = f.makeService(siteLayer("Changed later: power {host} off."));
  const auto second = f.runbook();
  REQUIRE(f.service->act(first, RunbookService::Action::Step, kAlice).error().find("superseded") != std::string::npos);
  const auto oldView = f.service->view(first);
  REQUIRE(oldView);
  CHECK(oldView->record.library.manual.find("Stop {process} on {host}.") != std::string::npos);
  CHECK(oldView->record.library.tests.find("[site-101]") != std::string::npos);
  CHECK(oldView->record.library.manual.find("[web-001]") == std::string::npos);  // only what it uses
  auto v = f.service->act(second, RunbookService::Action::Step, kAlice);
  REQUIRE(v);
  CHECK(v->shown.at(0).text == "Changed later: power web-1 off.");

  // The library changes again after the runbook was made: the runbook still shows its own.
  f.service = f.makeService(siteLayer("A third text."));
  v = f.service->view(second);
  REQUIRE(v);
  CHECK(v->shown.at(0).text == "Changed later: power web-1 off.");
}
