// Runbooks in the store: the answers and the graph kept; versions per
// incident, a new one superseding the last; a run's state moving only from
// the state it was read in, its events with it.
#include <doctest/doctest.h>

#include "tests/unit/controller_store/store_test_support.h"

using namespace portcullis;
using namespace portcullis::store;
using namespace portcullis::store::testing;

namespace {

RunbookRecord record(std::int64_t incident) {
  RunbookRecord r;
  r.incidentId = incident;
  r.scenario = "web-defaced";
  r.text = "start\ninclude web-001\nok\nend\n";
  r.reasons = {{2, "policy stop-first: isolated first"}};
  r.notes = {"policy least-impact: no standby"};
  r.facts = {{"host", "web-1"}, {"signature", "ET WEB \"x\" y"}};
  r.failed = "web-1/http";
  r.range = {"web-1/http", "shop"};
  r.fixOrder = {"web-1/http", "shop"};
  r.costPerHour = 5100.25;
  r.createdAt = 1000;
  r.createdBy = "alice";
  r.startAt = 2800;
  return r;
}

RunbookEvent event(const std::string& kind) {
  RunbookEvent e;
  e.atUs = 5;
  e.operatorName = "alice";
  e.address = "10.0.0.9";
  e.kind = kind;
  return e;
}

}  // namespace

TEST_CASE("answers and the graph are kept") {
  StoreFixture f;
  auto& s = f.store->runbooks();
  CHECK_FALSE(s.answers(7));
  IncidentAnswers a;
  a.incidentId = 7;
  a.answers.problem = "defacement";
  a.answers.host = "web-1";
  a.answers.port = 8080;
  a.answers.policy = "least-impact";
  a.answeredBy = "alice";
  a.answeredAt = 99;
  s.putAnswers(a);
  const auto read = s.answers(7);
  REQUIRE(read);
  CHECK(read->answers.problem == "defacement");
  CHECK(read->answers.port == 8080);
  CHECK(read->answers.policy == "least-impact");
  CHECK(read->answeredBy == "alice");
  CHECK(s.serviceGraph().empty());
  s.putServiceGraph("host web-1 20\n", 5, "bob");
  CHECK(s.serviceGraph() == "host web-1 20\n");
}

TEST_CASE("a new runbook for an incident is its next version and supersedes the last") {
  StoreFixture f;
  auto& s = f.store->runbooks();
  auto first = record(7);
  s.addRunbook(first, event("generated"));
  CHECK(first.version == 1);
  CHECK(first.events == 1);
  auto second = record(7);
  s.addRunbook(second, event("generated"));
  CHECK(second.version == 2);
  CHECK(s.runbook(first.id)->state == "superseded");
  const auto read = s.runbook(second.id);
  REQUIRE(read);
  CHECK(read->state == "scheduled");
  CHECK(read->reasons.at(2) == "policy stop-first: isolated first");
  CHECK(read->notes == std::vector<std::string>{"policy least-impact: no standby"});
  CHECK(read->facts.at("signature") == "ET WEB \"x\" y");
  CHECK(read->range == std::vector<std::string>{"web-1/http", "shop"});
  CHECK(read->costPerHour == doctest::Approx(5100.25));
  CHECK(read->startAt == 2800);
  CHECK(s.runbooks(7, 10).size() == 2);
  CHECK(s.runbooks(8, 10).empty());
  // A superseded runbook does not move.
  runbooks::RunState run;
  CHECK_FALSE(s.advanceRunbook(first.id, 1, "running", run, {}, {event("ok")}));
}

TEST_CASE("a runbook keeps the library it was made with, and the agents' test it waits for") {
  StoreFixture f;
  auto& s = f.store->runbooks();
  auto r = record(7);
  r.library.manual = "[web-001] Stop it\nsystemctl stop {process}\n";
  r.library.tests = "[web-101] Stopped\nprocess {machine} {process} stopped\n";
  r.library.files["note.txt"] = "line one\nline two\n";
  s.addRunbook(r, event("generated"));
  auto read = s.runbook(r.id);
  REQUIRE(read);
  CHECK(read->library.manual == r.library.manual);
  CHECK(read->library.tests == r.library.tests);
  CHECK(read->library.files == r.library.files);
  CHECK(read->awaited.commands.empty());
  CHECK(s.runbooksAwaitingAgents().empty());

  runbooks::RunState run;
  run.line = 4;
  run.awaiting = runbooks::Awaiting::TestResult;
  CHECK(s.advanceRunbook(r.id, 1, "running", run, {{"cmd-1", "cmd-2"}, 99'000'000}, {event("begin"), event("test sent")}));
  read = s.runbook(r.id);
  CHECK(read->awaited.commands == std::vector<std::string>{"cmd-1", "cmd-2"});
  CHECK(read->awaited.deadlineUs == 99'000'000);
  CHECK(s.runbooksAwaitingAgents() == std::vector<std::int64_t>{r.id});
  run.awaiting = runbooks::Awaiting::Ok;
  CHECK(s.advanceRunbook(r.id, 3, "running", run, {}, {event("test")}));
  CHECK(s.runbook(r.id)->awaited.commands.empty());
  CHECK(s.runbooksAwaitingAgents().empty());
  // Another version of the incident keeps its own.
  auto next = record(7);
  s.addRunbook(next, event("generated"));
  CHECK(s.runbook(next.id)->library.manual.empty());
  CHECK(s.runbook(r.id)->library.manual == r.library.manual);
}

TEST_CASE("a fact's value cannot pass for another fact's line") {
  StoreFixture f;
  auto& s = f.store->runbooks();
  auto r = record(7);
  r.facts = {{"address", "10.0.0.5"}, {"signature", "x\naddress\t203.0.113.9"}};
  s.addRunbook(r, event("generated"));
  const auto read = s.runbook(r.id);
  CHECK(read->facts.at("address") == "10.0.0.5");
  CHECK(read->facts.at("signature") == "x address 203.0.113.9");
}

TEST_CASE("a run moves only from the state it was read in, with its events") {
  StoreFixture f;
  auto& s = f.store->runbooks();
  auto r = record(7);
  s.addRunbook(r, event("generated"));
  runbooks::RunState run;
  run.line = 3;
  run.awaiting = runbooks::Awaiting::Ok;
  run.shownFrom = 2;
  auto test = event("test");
  test.passed = true;
  test.detail = "port 10.0.0.5:80 closed";
  test.line = 4;
  CHECK(s.advanceRunbook(r.id, 1, "running", run, {}, {event("begin"), test}));
  // A second click read the runbook before the first was written.
  CHECK_FALSE(s.advanceRunbook(r.id, 1, "running", run, {}, {event("ok")}));
  const auto read = s.runbook(r.id);
  CHECK(read->events == 3);
  CHECK(read->run.line == 3);
  CHECK(read->run.awaiting == runbooks::Awaiting::Ok);
  CHECK(read->run.shownFrom == 2);
  CHECK(read->state == "running");
  const auto events = s.runbookEvents(r.id);
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == "generated");
  CHECK(events[2].kind == "test");
  CHECK(events[2].passed);
  CHECK(events[2].detail == "port 10.0.0.5:80 closed");
  CHECK(events[2].address == "10.0.0.9");
}
