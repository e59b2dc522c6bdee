// A runbook made from an incident's answers: the catalogue's scenario, the
// policy's items first with their reasons, the damage from the graph, the
// start time; and the questionnaire's guesses from an alert.
#include "controller/runbooks/runbook_generation.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "controller/runbooks/business_hours.h"
#include "controller/runbooks/runbook_run.h"

using namespace portcullis::runbooks;

namespace {

RunbookLibrary library() {
  auto lib = buildLibrary({builtinLibrary()});
  REQUIRE_MESSAGE(lib, lib.error());
  return *lib;
}

ServiceGraph shop() {
  auto g = ServiceGraph::parse(
      "hardware switch-1 0\n"
      "host web-1 20 needs switch-1 address 10.0.0.5\n"
      "host web-2 20 needs switch-1 address 10.0.0.6\n"
      "service web-1/http 100 needs web-1 standby web-2/http\n"
      "service web-2/http 50 needs web-2\n"
      "function shop 5000 needs web-1/http\n");
  REQUIRE_MESSAGE(g, g.error());
  return *g;
}

Answers defaced(const std::string& policy) {
  Answers a;
  a.problem = "defacement";
  a.host = "web-1";
  a.address = "10.0.0.5";
  a.machine = "m-web-1";
  a.service = "http";
  a.process = "httpd";
  a.port = 80;
  a.policy = policy;
  return a;
}

}  // namespace

TEST_CASE("restore first: the scenario as it is, the damage from the graph upstream first") {
  const auto lib = library();
  const auto g = shop();
  const auto r = generateRunbook(lib, defaced("restore-first"), {{"incident", "7"}}, &g, 1000);
  REQUIRE_MESSAGE(r, r.error());
  CHECK(r->scenarioName == "web-defaced");
  CHECK(r->reasons.empty());
  CHECK(r->damage.failed == "web-1/http");
  CHECK(r->damage.range == std::vector<std::string>{"web-1/http", "shop"});
  CHECK(r->damage.costPerHour == 5100);
  CHECK(r->startAt == 1000);
  CHECK(r->facts.at("process") == "httpd");
  CHECK(r->text.find("# Runbook for incident 7: scenario web-defaced, problem defacement, policy restore-first") == 0);
  // The scenario's yesno carried to its new line.
  const auto it = std::find_if(r->scenario.steps.begin(), r->scenario.steps.end(),
                               [](const Step& s) { return s.kind == StepKind::YesNo; });
  REQUIRE(it != r->scenario.steps.end());
  const auto* yesno = &*it;
  CHECK(r->scenario.at(yesno->yes)->argument == "web-004");
  CHECK(r->scenario.at(yesno->no)->argument == "web-003");
}

TEST_CASE("least impact: the standby takes over first, and says why") {
  const auto lib = library();
  const auto g = shop();
  const auto r = generateRunbook(lib, defaced("least-impact"), {{"incident", "7"}}, &g, 1000);
  REQUIRE_MESSAGE(r, r.error());
  REQUIRE(r->scenario.steps.size() >= 5);
  CHECK(r->scenario.steps[1].argument == "standby-001");  // right after start
  CHECK(r->scenario.steps[3].argument == "standby-101");
  CHECK(r->reasons.at(r->scenario.steps[1].line).find("handed over to its standby web-2/http (10.0.0.6") != std::string::npos);
  CHECK(r->text.find("# added: policy least-impact:") != std::string::npos);
  CHECK(r->facts.at("standby_address") == "10.0.0.6");
  // Run it: the hand-over's item first.
  RunbookRun run(r->scenario);
  const auto a = run.begin();
  CHECK(a.shown.at(0)->argument == "standby-001");

  // No standby: nothing inserted, and the runbook says so.
  auto noStandby = ServiceGraph::parse("host web-1 20\nservice web-1/http 100 needs web-1\n");
  const auto r2 = generateRunbook(lib, defaced("least-impact"), {}, &*noStandby, 0);
  REQUIRE(r2);
  CHECK(r2->reasons.empty());
  REQUIRE(r2->notes.size() == 1);
  CHECK(r2->notes[0] == "policy least-impact: nothing handed over first: the dependency graph names no standby for web-1/http");
  CHECK(generateRunbook(lib, defaced("least-impact"), {}, nullptr, 0)->notes[0].find("no service dependency graph") !=
        std::string::npos);
}

TEST_CASE("stop first: the isolation goes first, unless the scenario isolates already") {
  const auto lib = library();
  const auto r = generateRunbook(lib, defaced("stop-first"), {}, nullptr, 0);
  REQUIRE(r);
  CHECK(r->scenario.steps[1].argument == "isolate-001");
  CHECK(r->reasons.at(r->scenario.steps[1].line) == "policy stop-first: the machine is isolated before any other work");
  auto malware = defaced("stop-first");
  malware.problem = "malware";
  const auto m = generateRunbook(lib, malware, {}, nullptr, 0);
  REQUIRE(m);
  CHECK(m->reasons.empty());
  CHECK(m->notes.at(0) == "policy stop-first: the scenario isolates the machine already");
}

TEST_CASE("answers out of range are refused before anything is made") {
  const auto lib = library();
  auto a = defaced("panic");
  CHECK(generateRunbook(lib, a, {}, nullptr, 0).error().find("policy 'panic'") != std::string::npos);
  a = defaced("stop-first");
  a.process = "httpd; rm -rf /";
  CHECK(generateRunbook(lib, a, {}, nullptr, 0).error().find("process") != std::string::npos);
}

TEST_CASE("the questionnaire's guesses from an alert and the machine's inventory") {
  AlertFacts alert;
  alert.signature = "ET SCAN Potential SSH Scan";
  alert.category = "Attempted Information Leak";
  alert.source = "192.0.2.66";
  alert.destination = "10.0.0.22";
  alert.destinationPort = 22;
  alert.destinationMachine = "m-ssh";
  MachineFacts machine{"m-ssh", "bastion", {{22, "sshd"}, {80, "nginx"}}};
  auto a = prefill(alert, &machine);
  CHECK(a.problem == "brute-force");
  CHECK(a.host == "bastion");
  CHECK(a.address == "10.0.0.22");
  CHECK(a.machine == "m-ssh");
  CHECK(a.service == "ssh");
  CHECK(a.process == "sshd");
  CHECK(a.port == 22);
  CHECK(a.policy == "restore-first");

  alert = {};
  alert.signature = "ET TROJAN Possible Metasploit Payload Common Construct Bind_API";
  alert.source = "10.0.0.9";
  alert.sourceMachine = "m-pc";
  alert.destination = "198.51.100.1";
  alert.destinationPort = 4444;
  a = prefill(alert, nullptr);
  CHECK(a.problem == "malware");
  CHECK(a.address == "10.0.0.9");  // the machine calling out
  CHECK(a.machine == "m-pc");
  CHECK(a.policy == "stop-first");

  alert = {};
  alert.signature = "ET WEB_SERVER Possible CVE-2014-6271 Attempt";
  alert.appProto = "http";
  alert.destinationPort = 8080;
  CHECK(prefill(alert, nullptr).problem == "unpatched-hole");
  CHECK(prefill(alert, nullptr).service == "http");
  // A machine with no address known (a damage sighting): no address guessed, so no test probes 0.0.0.0.
  alert = {};
  alert.signature = "Malware found by the antivirus: Win.Test.EICAR_HDB-1 on web-1";
  alert.source = alert.destination = "0.0.0.0";
  alert.destinationMachine = "m1";
  a = prefill(alert, nullptr);
  CHECK(a.address.empty());
  CHECK(a.machine == "m1");
  CHECK(a.problem == "malware");
}

TEST_CASE("the start: at once, after the notice, or when business hours end") {
  const auto hours = parseBusinessHours("Mon-Fri 08:00-18:00");
  REQUIRE(hours);
  // Friday 2026-12-04 10:00 UTC; the zone at +01:00 (11:00 there).
  const std::int64_t friday10 = 1796378400 + 10 * 3600 - 1796378400 % 86400;
  CHECK(startAt("now", friday10, 3600, *hours) == friday10);
  CHECK(startAt("after-notice", friday10, 3600, *hours) == friday10 + 1800);
  CHECK(startAt("off-hours", friday10, 3600, *hours) == friday10 + 7 * 3600);  // 18:00 there
  // Sunday: outside already.
  CHECK(startAt("off-hours", friday10 + 2 * 86400, 3600, *hours) == friday10 + 2 * 86400);
  // Friday 20:00 there: outside.
  CHECK(startAt("off-hours", friday10 + 9 * 3600, 3600, *hours) == friday10 + 9 * 3600);
  CHECK_FALSE(parseBusinessHours("weekdays"));
  CHECK_FALSE(parseBusinessHours("Mon-Fri 18:00-08:00"));
  CHECK(parseBusinessHours("Sat-Sun 10:00-16:00")->days == 0b1100000);
  CHECK(parseBusinessHours("Fri-Mon 10:00-16:00")->days == 0b1110001);
}
