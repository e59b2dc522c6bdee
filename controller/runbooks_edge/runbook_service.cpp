#include "controller/runbooks_edge/runbook_service.h"

#include "common/pki/detached_signature.h"
#include "common/packet/ip_address.h"
#include "common/pki/pki.h"
#include "controller/monitor/address_owners.h"
#include "controller/monitor_edge/traffic_intake.h"
#include "controller/runbooks_edge/agent_checks.h"
#include "controller/runbooks/record_chain.h"
#include "controller/runbooks/runbook_generation.h"
#include "controller/runbooks/service_graph.h"

namespace portcullis::runbooks {
namespace {

constexpr int kMostTestsAnAction = 50;  // a parsed scenario cannot loop without an operator step

const char* actionName(RunbookService::Action a) {
  switch (a) {
    case RunbookService::Action::Step: return "begin";
    case RunbookService::Action::Ok: return "ok";
    case RunbookService::Action::Yes: return "yes";
    case RunbookService::Action::No: return "no";
  }
  return "?";
}

}  // namespace

RunbookService::RunbookService(store::Store& store, RunbookLibrary library, CheckRunner& checks, RunbookSettings settings,
                               Clock nowUs)
    : store_(store), library_(std::move(library)), checks_(checks), settings_(std::move(settings)), nowUs_(std::move(nowUs)) {}

store::RunbookEvent RunbookService::event(const Actor& who, const std::string& kind, std::size_t line, std::string detail) const {
  store::RunbookEvent e;
  e.atUs = nowUs_();
  e.operatorName = who.operatorName;
  e.address = who.address;
  e.kind = kind;
  e.line = line;
  e.detail = std::move(detail);
  return e;
}

Result<store::IncidentAnswers> RunbookService::answersFor(std::int64_t incidentId) {
  if (auto stored = store_.runbooks().answers(incidentId)) return *stored;
  const auto incident = store_.incidents().incident(incidentId);
  if (!incident) return fail("no incident #" + std::to_string(incidentId));
  const auto alerts = store_.incidents().incidentAlerts(incidentId, 1);
  AlertFacts facts;
  facts.signature = incident->signature;
  if (!alerts.empty()) {
    const auto& a = alerts.front();
    facts.category = a.alert.category;
    facts.appProto = a.alert.appProto;
    facts.protocol = a.alert.protocol;
    facts.source = a.alert.source.text();
    facts.destination = a.alert.destination.text();
    facts.sourcePort = a.alert.sourcePort;
    facts.destinationPort = a.alert.destinationPort;
    facts.sourceMachine = a.sourceMachine;
    facts.destinationMachine = a.destinationMachine;
  }
  const auto machineId = !facts.destinationMachine.empty() ? facts.destinationMachine : facts.sourceMachine;
  std::optional<MachineFacts> machine;
  if (!machineId.empty())
    if (const auto record = store_.machine(machineId)) {
      machine.emplace();
      machine->machineId = machineId;
      machine->hostname = record->summary.hostname;
      for (const auto& l : record->info.listening())
        machine->listening.push_back({static_cast<std::uint16_t>(l.port()), l.process()});
    }
  store::IncidentAnswers out;
  out.incidentId = incidentId;
  out.answers = prefill(facts, machine ? &*machine : nullptr);
  return out;
}

Result<store::RunbookRecord> RunbookService::answer(std::int64_t incidentId, const Answers& answers, const Actor& who) {
  std::lock_guard lock(moving_);
  if (auto ok = checkAnswers(answers); !ok) return fail(ok.error());
  const auto incident = store_.incidents().incident(incidentId);
  if (!incident) return fail("no incident #" + std::to_string(incidentId));
  std::optional<ServiceGraph> graph;
  if (const auto text = store_.runbooks().serviceGraph(); !text.empty()) {
    auto parsed = ServiceGraph::parse(text);
    if (!parsed) return fail("the stored dependency graph does not read: " + parsed.error());
    graph = std::move(*parsed);
  }
  const auto nowSeconds = nowUs_() / 1'000'000;
  const auto alerts = store_.incidents().incidentAlerts(incidentId, 1);
  Facts facts = {{"incident", std::to_string(incidentId)}, {"signature", incident->signature}};
  if (!alerts.empty()) facts["source"] = alerts.front().alert.source.text();
  const auto made = generateRunbook(library_, answers, facts, graph ? &*graph : nullptr,
                                    startAt(answers.start, nowSeconds, settings_.utcOffset(nowSeconds), settings_.businessHours));
  if (!made) return fail(made.error());
  store_.runbooks().putAnswers({incidentId, answers, who.operatorName, nowSeconds});
  store::RunbookRecord r;
  r.incidentId = incidentId;
  r.scenario = made->scenarioName;
  r.text = made->text;
  r.reasons = made->reasons;
  r.notes = made->notes;
  r.facts = made->facts;
  r.failed = made->damage.failed;
  r.range = made->damage.range;
  r.fixOrder = made->damage.fixOrder;
  r.costPerHour = made->damage.costPerHour;
  r.createdAt = nowSeconds;
  r.createdBy = who.operatorName;
  r.startAt = made->startAt;
  if (const auto scenario = parseScenario(made->text)) r.library = libraryPartFor(library_, *scenario);
  // The version this one supersedes waits for nothing any more.
  for (const auto& old : store_.runbooks().runbooks(incidentId, 1)) withdraw(old.awaited.commands);
  store_.runbooks().addRunbook(r, event(who, "generated", 0, "scenario " + made->scenarioName + ", policy " + answers.policy));
  return r;
}

Result<RunbookView> RunbookService::view(std::int64_t runbookId) {
  auto record = store_.runbooks().runbook(runbookId);
  if (!record) return fail("no runbook #" + std::to_string(runbookId));
  RunbookView v;
  v.events = store_.runbooks().runbookEvents(runbookId);
  const auto scenario = parseScenario(record->text);
  if (!scenario) return fail("runbook #" + std::to_string(runbookId) + " does not read: " + scenario.error());
  const auto library = libraryFor(*record);
  if (record->state != "scheduled" && record->run.line > 0) {
    if (const auto* step = scenario->at(record->run.line)) v.waiting = *step;
    // The work shown for it: the include and import steps from where showing began.
    for (const auto& s : scenario->steps) {
      if (s.line < record->run.shownFrom || s.line > record->run.line) continue;
      if (s.kind == StepKind::Include) {
        const auto it = library.entries.find(s.argument);
        if (it == library.entries.end()) v.shown.push_back({s.argument, "(not in the library)", "", false});
        else v.shown.push_back({s.argument, fillFacts(it->second.title, record->facts), fillFacts(it->second.text, record->facts), false});
      } else if (s.kind == StepKind::Import) {
        const auto it = library.files.find(s.argument);
        v.shown.push_back({s.argument, s.argument, it == library.files.end() ? "(not in the library)" : it->second, true});
      }
    }
  }
  v.record = std::move(*record);
  return v;
}

RunbookLibrary RunbookService::libraryFor(const store::RunbookRecord& record) const {
  const auto& kept = record.library;
  if (kept.manual.empty() && kept.tests.empty() && kept.files.empty()) return library_;
  auto layer = kept;
  layer.origin = "runbook #" + std::to_string(record.id);
  auto built = buildLibrary({layer});
  // It read when it was made; a store changed by hand is the only way here.
  return built ? std::move(*built) : library_;
}

Result<std::string> RunbookService::machineOf(const std::string& idOrAddress, std::optional<monitor::AddressOwners>& owners) {
  if (const auto address = packet::IpAddress::parse(idOrAddress)) {
    if (!owners) owners.emplace(monitor::addressFactsOf(store_, store_));  // the lease book and interfaces read once a test
    const auto owner = owners->ownerAt(*address, nowUs_());
    if (owner.empty()) return fail("no machine is known to hold " + idOrAddress + " now: nothing is run");
    return owner;
  }
  if (!store_.machine(idOrAddress)) return fail("no machine '" + idOrAddress + "' is enrolled: nothing is run");
  return idOrAddress;
}

RunbookService::TestStart RunbookService::startTest(const Step& step, const store::RunbookRecord& record,
                                                    const RunbookLibrary& library) {
  const auto it = library.tests.find(step.argument);
  if (it == library.tests.end()) return {CheckOutcome{false, "test pattern [" + step.argument + "] is not in the library"}, {}, ""};
  // The agents' checks, a command a machine.
  std::map<std::string, v1::Command> byMachine;
  std::optional<monitor::AddressOwners> owners;
  for (std::size_t i = 0; i < it->second.checks.size(); ++i) {
    const auto& check = it->second.checks[i];
    if (!check.byAgent()) continue;
    const auto filled = filledCheck(check, record.facts);
    if (!filled) continue;  // fails when the test is read
    const auto machine = machineOf(filled->machine, owners);
    if (!machine) continue;
    auto& command = byMachine[*machine];
    command.mutable_run_checks()->set_reason("runbook " + std::to_string(record.id) + ", line " + std::to_string(step.line));
    *command.mutable_run_checks()->add_checks() = agentCheckOf(*filled, i);
  }
  if (byMachine.empty()) return {finishTest(step, record, library, {}), {}, ""};
  TestStart started;
  const auto now = nowUs_();
  started.awaited.deadlineUs = now + std::chrono::duration_cast<std::chrono::microseconds>(settings_.agentTestTimeout).count();
  for (const auto& [machine, command] : byMachine) {
    const auto id = store_.enqueueCommand(machine, command, now / 1'000'000);
    started.awaited.commands.push_back(id);
    started.sent += (started.sent.empty() ? "" : "; ") + std::to_string(command.run_checks().checks_size()) + " checks to " +
                    machine + " (command " + id + ")";
  }
  started.sent += ", answers awaited for " + std::to_string(settings_.agentTestTimeout.count()) + "s";
  return started;
}

CheckOutcome RunbookService::finishTest(const Step& step, const store::RunbookRecord& record, const RunbookLibrary& library,
                                        const std::vector<std::string>& commands) {
  const auto it = library.tests.find(step.argument);
  if (it == library.tests.end()) return {false, "test pattern [" + step.argument + "] is not in the library"};
  std::vector<store::OutboxCommand> sent;
  for (const auto& id : commands)
    if (auto c = store_.command(id)) sent.push_back(std::move(*c));
  // The command that carried the check at index: its answer is the agent's
  // word about its own machine, the one it was sent to (never looked up again).
  const auto carrier = [&](std::size_t index) -> const store::OutboxCommand* {
    for (const auto& c : sent)
      for (const auto& check : c.action.run_checks().checks())
        if (check.name() == agentCheckName(index)) return &c;
    return nullptr;
  };
  std::optional<monitor::AddressOwners> owners;
  CheckOutcome all{true, ""};
  for (std::size_t i = 0; i < it->second.checks.size(); ++i) {
    const auto& check = it->second.checks[i];
    CheckOutcome one;
    const auto* c = check.byAgent() ? carrier(i) : nullptr;
    if (c) {
      if (const auto r = agentResultOf(c->result, i)) one = {r->ok(), "on " + c->machineId + ": " + r->detail()};
      else if (c->state == store::CommandState::Cancelled) one = {false, c->machineId + "'s command was cancelled before it answered"};
      else if (c->finished()) one = {false, c->machineId + " answered without this check: " + c->result.detail()};
      else one = {false, c->machineId + " did not answer within " + std::to_string(settings_.agentTestTimeout.count()) + "s: " + check.line};
    } else if (auto filled = filledCheck(check, record.facts); !filled) {
      one = {false, filled.error()};
    } else if (!check.byAgent()) {
      one = checks_.run(*filled);
    } else if (auto machine = machineOf(filled->machine, owners); !machine) {
      one = {false, machine.error()};  // why it was never sent
    } else {
      one = {false, "sent to no machine: " + check.line};
    }
    all.passed = all.passed && one.passed;
    all.detail += (all.detail.empty() ? "" : "; ") + std::string(one.passed ? "passed: " : "failed: ") + one.detail;
  }
  return all;
}

Status RunbookService::runTests(RunbookRun& run, const store::RunbookRecord& record, const RunbookLibrary& library,
                                const Actor& who, std::vector<store::RunbookEvent>& events,
                                store::RunbookRecord::AwaitedTest& awaited) {
  for (int tests = 0; run.state().awaiting == Awaiting::TestResult && tests < kMostTestsAnAction; ++tests) {
    const auto& step = *run.current();
    auto started = startTest(step, record, library);
    if (!started.outcome) {
      events.push_back(event(who, "test sent", step.line, started.sent));
      awaited = std::move(started.awaited);
      return done();
    }
    auto e = event(who, "test", step.line, started.outcome->detail);
    e.passed = started.outcome->passed;
    events.push_back(std::move(e));
    if (auto fed = run.testResult(started.outcome->passed); !fed) return fail(fed.error());
  }
  return done();
}

void RunbookService::withdraw(const std::vector<std::string>& commands) {
  for (const auto& id : commands) (void)store_.cancelCommand(id, nowUs_() / 1'000'000);
}

Result<bool> RunbookService::collectAgentTests(std::int64_t runbookId) {
  std::lock_guard lock(moving_);
  return collectLocked(runbookId);
}

std::size_t RunbookService::collectAgentTests(const std::function<void(std::int64_t, const std::string&)>& problem) {
  std::lock_guard lock(moving_);
  std::size_t moved = 0;
  for (const auto id : store_.runbooks().runbooksAwaitingAgents()) {
    const auto m = collectLocked(id);
    if (m && *m) ++moved;
    if (!m && problem) problem(id, m.error());
  }
  return moved;
}

Result<bool> RunbookService::collectLocked(std::int64_t runbookId) {
  auto record = store_.runbooks().runbook(runbookId);
  if (!record) return fail("no runbook #" + std::to_string(runbookId));
  if (record->state != "running" || record->awaited.commands.empty()) return false;
  bool answered = true;
  for (const auto& id : record->awaited.commands) {
    const auto c = store_.command(id);
    answered = answered && (!c || c->finished());
  }
  if (!answered && nowUs_() < record->awaited.deadlineUs) return false;
  const auto scenario = parseScenario(record->text);
  if (!scenario) return fail("runbook #" + std::to_string(runbookId) + " does not read: " + scenario.error());
  const auto library = libraryFor(*record);
  RunbookRun run(*scenario, record->run);
  if (run.state().awaiting != Awaiting::TestResult || !run.current()) return false;
  // The result is the sender's: the operator whose answer sent the test.
  Actor who{"controller", "local"};
  const auto events = store_.runbooks().runbookEvents(runbookId);
  for (auto e = events.rbegin(); e != events.rend(); ++e)
    if (e->kind == "test sent") {
      who = {e->operatorName, e->address};
      break;
    }
  const auto& step = *run.current();
  const auto outcome = finishTest(step, *record, library, record->awaited.commands);
  withdraw(record->awaited.commands);  // those never delivered are not sent late
  std::vector<store::RunbookEvent> out;
  auto e = event(who, "test", step.line, outcome.detail);
  e.passed = outcome.passed;
  out.push_back(std::move(e));
  if (auto fed = run.testResult(outcome.passed); !fed) return fail(fed.error());
  store::RunbookRecord::AwaitedTest awaited;
  if (auto ok = runTests(run, *record, library, who, out, awaited); !ok) return fail(ok.error());
  if (run.state().finished) out.push_back(event(who, "finished", run.state().line));
  if (!store_.runbooks().advanceRunbook(runbookId, record->events, run.state().finished ? "finished" : "running", run.state(),
                                        awaited, out)) {
    withdraw(awaited.commands);
    return false;  // moved meanwhile: looked at again next time
  }
  for (const auto& id : awaited.commands)
    if (const auto c = store_.command(id); c && queued_) queued_(c->machineId);
  return true;
}

Status RunbookService::checkSignature(const Confirmation& c, const std::string& text, const std::string& operatorName,
                                      std::int64_t at) {
  // A file with the key in it, picked as the certificate: refused, so that no key is ever kept in a record.
  if (c.certificatePem.find("PRIVATE KEY") != std::string::npos)
    return fail("what came as the certificate holds a private key: it is not kept; send the certificate alone");
  if (settings_.caCertificatePem.empty()) return fail("this controller has no CA to check operators' certificates with");
  const auto info = pki::inspectCertificate(c.certificatePem);
  if (!info) return fail("the signer's certificate does not read: " + info.error());
  if (!pki::isSignedBy(c.certificatePem, settings_.caCertificatePem))
    return fail("the signer's certificate was not issued by this controller's CA");
  if (info->commonName != "portcullis operator " + operatorName)
    return fail("the signer's certificate names '" + info->commonName + "', not operator " + operatorName);
  if (at < info->notBeforeUnix || at > info->notAfterUnix) return fail("the signer's certificate was not valid then");
  // Issued by `operator cert` to that operator, and not withdrawn since.
  const auto holder = store_.operators().operatorForCert(info->sha256Hex, at);
  if (!holder || *holder != operatorName) return fail("the signer's certificate is not one issued to operator " + operatorName);
  const auto key = pki::certificatePublicKey(c.certificatePem);
  if (!key) return fail(key.error());
  const auto verified = pki::verifyDetachedSignature(*key, text, c.signature);
  if (!verified) return fail("the signature does not verify over the confirmation: " + verified.error());
  return done();
}

Result<std::string> RunbookService::confirmationFor(std::int64_t runbookId, Action action, const std::string& operatorName) {
  const auto record = store_.runbooks().runbook(runbookId);
  if (!record) return fail("no runbook #" + std::to_string(runbookId));
  const auto events = store_.runbooks().runbookEvents(runbookId);
  return confirmationText(runbookId, record->version, record->events, events.empty() ? "" : events.back().digest,
                          actionName(action), record->state == "scheduled" ? 0 : record->run.line, operatorName);
}

Result<std::string> RunbookService::wholeConfirmationFor(std::int64_t runbookId, const std::string& operatorName) {
  const auto record = store_.runbooks().runbook(runbookId);
  if (!record) return fail("no runbook #" + std::to_string(runbookId));
  const auto events = store_.runbooks().runbookEvents(runbookId);
  return confirmationText(runbookId, record->version, record->events, events.empty() ? "" : events.back().digest, "confirm",
                          0, operatorName);
}

Result<RunbookView> RunbookService::confirm(std::int64_t runbookId, const Actor& who, const Confirmation& signedBy) {
  std::lock_guard lock(moving_);
  const auto record = store_.runbooks().runbook(runbookId);
  if (!record) return fail("no runbook #" + std::to_string(runbookId));
  if (record->state != "finished") return fail("runbook #" + std::to_string(runbookId) + " is not finished: nothing to confirm yet");
  const auto text = wholeConfirmationFor(runbookId, who.operatorName);
  if (!text) return fail(text.error());
  if (auto ok = checkSignature(signedBy, *text, who.operatorName, nowUs_() / 1'000'000); !ok) return fail(ok.error());
  auto e = event(who, "confirmed", 0, "the whole runbook, as recorded");
  e.signature = signedBy.signature;
  e.certificate = signedBy.certificatePem;
  if (!store_.runbooks().appendRunbookEvents(runbookId, record->events, {e}))
    return fail("runbook #" + std::to_string(runbookId) + " moved meanwhile: sign its confirmation again");
  return view(runbookId);
}

Result<RunbookView> RunbookService::act(std::int64_t runbookId, Action action, const Actor& who,
                                        const std::optional<Confirmation>& signedBy) {
  std::lock_guard lock(moving_);
  auto record = store_.runbooks().runbook(runbookId);
  if (!record) return fail("no runbook #" + std::to_string(runbookId));
  if (record->state == "superseded") return fail("runbook #" + std::to_string(runbookId) + " was superseded by a newer version");
  if (record->state == "finished") return fail("runbook #" + std::to_string(runbookId) + " is finished");
  const auto scenario = parseScenario(record->text);
  if (!scenario) return fail("runbook #" + std::to_string(runbookId) + " does not read: " + scenario.error());
  RunbookRun run(*scenario, record->run);
  std::vector<store::RunbookEvent> events;
  const bool begun = record->state != "scheduled";
  // A signed answer: over the text for this runbook as it stands now.
  std::optional<Confirmation> confirmation;
  if (signedBy && begun && action == Action::Step)
    return fail("runbook #" + std::to_string(runbookId) + " has begun: a signed step is its beginning; sign the answer instead");
  if (signedBy) {
    const auto text = confirmationFor(runbookId, action, who.operatorName);
    if (!text) return fail(text.error());
    if (auto ok = checkSignature(*signedBy, *text, who.operatorName, nowUs_() / 1'000'000); !ok) return fail(ok.error());
    confirmation = signedBy;
  }
  if (!begun) {
    if (action != Action::Step) return fail("runbook #" + std::to_string(runbookId) + " has not begun: step begins it");
    const auto now = nowUs_() / 1'000'000;
    if (now < record->startAt)
      return fail("runbook #" + std::to_string(runbookId) + " is scheduled to start in " +
                  std::to_string((record->startAt - now + 59) / 60) + " min: make it again with start now to begin at once");
    run.begin();
    events.push_back(event(who, "begin", 0));
  } else if (action == Action::Step) {
    return view(runbookId);  // begun: only what waits, shown again (a test sent waits for its agents)
  } else {
    const auto at = run.state().line;
    Result<Advance> moved = action == Action::Ok    ? run.ok()
                            : action == Action::Yes ? run.answer(true)
                                                    : run.answer(false);
    if (!moved) return fail(moved.error());
    events.push_back(event(who, actionName(action), at));
  }
  if (confirmation && !events.empty()) {
    events.front().signature = confirmation->signature;
    events.front().certificate = confirmation->certificatePem;
  }
  // Every test reached is run now, its result fed back; one with agents'
  // checks is sent, and the run waits for their answers.
  store::RunbookRecord::AwaitedTest awaited;
  if (auto ok = runTests(run, *record, libraryFor(*record), who, events, awaited); !ok) return fail(ok.error());
  if (run.state().finished) events.push_back(event(who, "finished", run.state().line));
  if (!events.empty()) {
    const auto state = run.state().finished ? "finished" : "running";
    if (!store_.runbooks().advanceRunbook(runbookId, record->events, state, run.state(), awaited, events)) {
      withdraw(awaited.commands);
      return fail("runbook #" + std::to_string(runbookId) + " moved meanwhile (another operator?): look at it again");
    }
    for (const auto& id : awaited.commands)
      if (const auto c = store_.command(id); c && queued_) queued_(c->machineId);
  }
  return view(runbookId);
}

}  // namespace portcullis::runbooks

namespace portcullis::runbooks {

Result<RunbookService::Verification> RunbookService::verify(std::int64_t runbookId) {
  const auto record = store_.runbooks().runbook(runbookId);
  if (!record) return fail("no runbook #" + std::to_string(runbookId));
  const auto events = store_.runbooks().runbookEvents(runbookId);
  const auto scenario = parseScenario(record->text);
  if (!scenario) return fail("runbook #" + std::to_string(runbookId) + " does not read: " + scenario.error());
  Verification v;
  const auto bad = [&](const std::string& line) {
    v.valid = false;
    v.lines.push_back("INVALID " + line);
  };
  // The chain: every digest from the one before it and the event's fields.
  std::string previous;
  std::size_t broken = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    const auto d = chainDigest(previous, {e.atUs, e.operatorName, e.address, e.kind, e.line, e.passed, e.detail, e.signature,
                                          e.certificate});
    if (d != e.digest && broken++ == 0)
      bad("event " + std::to_string(i + 1) + " (" + e.kind + ") does not chain: the record was changed at or before it");
    previous = e.digest;
  }
  if (static_cast<std::int64_t>(events.size()) != record->events)
    bad("the record holds " + std::to_string(events.size()) + " events where the runbook counts " + std::to_string(record->events));
  if (broken == 0) v.lines.push_back("chain: " + std::to_string(events.size()) + " events, each chained to the one before");

  // Every signature, over the text its signer saw.
  std::size_t signedAnswers = 0, unsignedAnswers = 0;
  bool wholeConfirmed = false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    const bool answer = e.kind == "begin" || e.kind == "ok" || e.kind == "yes" || e.kind == "no" || e.kind == "confirmed";
    if (!answer) continue;
    const auto who = "event " + std::to_string(i + 1) + " (" + e.kind + (e.line ? " at line " + std::to_string(e.line) : "") +
                     " by " + e.operatorName + " from " + e.address + ")";
    if (e.signature.empty()) {
      ++unsignedAnswers;
      v.lines.push_back(who + ": not signed");
      continue;
    }
    const auto text = confirmationText(runbookId, record->version, static_cast<std::int64_t>(i),
                                       i == 0 ? "" : events[i - 1].digest, e.kind == "confirmed" ? "confirm" : e.kind,
                                       e.line, e.operatorName);
    if (auto ok = checkSignature({e.certificate, e.signature}, text, e.operatorName, e.atUs / 1'000'000); !ok) {
      bad(who + ": " + ok.error());
      continue;
    }
    ++signedAnswers;
    if (e.kind == "confirmed") wholeConfirmed = true;
    v.lines.push_back(who + ": signed by " + e.operatorName + "'s certificate " +
                      pki::certificateFingerprint(e.certificate).substr(0, 16) + "..., valid");
  }

  // The run replayed from the record's answers and test results.
  RunbookRun run(*scenario);
  bool begun = false;
  for (std::size_t i = 0; i < events.size() && v.valid; ++i) {
    const auto& e = events[i];
    Result<Advance> moved = Advance{};
    if (e.kind == "begin") {
      if (begun) bad("event " + std::to_string(i + 1) + ": a second begin");
      run.begin();
      begun = true;
    } else if (e.kind == "ok" || e.kind == "yes" || e.kind == "no" || e.kind == "test") {
      if (!begun) {
        bad("event " + std::to_string(i + 1) + " (" + e.kind + ") before the run began");
        break;
      }
      if (run.state().line != e.line) {
        bad("event " + std::to_string(i + 1) + " (" + e.kind + ") at line " + std::to_string(e.line) + " where the run was at line " +
            std::to_string(run.state().line));
        break;
      }
      moved = e.kind == "ok" ? run.ok() : e.kind == "test" ? run.testResult(e.passed) : run.answer(e.kind == "yes");
      if (!moved) bad("event " + std::to_string(i + 1) + " (" + e.kind + "): " + moved.error());
    }
  }
  const auto& want = record->run;
  const auto& got = run.state();
  if (v.valid && !begun && (record->state != "scheduled" || want.line != 0)) {
    bad("the record has no begin, but the runbook is " + record->state + (want.line ? " at line " + std::to_string(want.line) : ""));
  } else if (v.valid) {
    if (begun && (got.line != want.line || got.awaiting != want.awaiting || got.finished != want.finished))
      bad("the record replayed ends at line " + std::to_string(got.line) + " waiting for " + awaitingName(got.awaiting) +
          ", the runbook says line " + std::to_string(want.line) + " waiting for " + awaitingName(want.awaiting));
    else
      v.lines.push_back("replay: the answers and test results recorded bring the run to where it stands (" +
                        std::string(record->state) + (want.line ? ", line " + std::to_string(want.line) : "") + ")");
  }
  v.lines.push_back(std::to_string(signedAnswers) + " answers signed, " + std::to_string(unsignedAnswers) + " not; " +
                    (wholeConfirmed ? "the whole runbook confirmed and signed" : "the whole runbook not confirmed"));
  return v;
}

}  // namespace portcullis::runbooks
