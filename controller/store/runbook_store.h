#pragma once
// What runbooks keep: each incident's questionnaire answers, the site's
// service dependency graph (the text an admin imported), the runbooks made
// (versioned per incident: a new one supersedes the last), each with the
// state of its run, and the record of every step: who did what, when, from
// where, and what each test saw. A run's state moves only from the state it
// was read in (two operators clicking at once: the second is told the
// runbook moved), with its events in the same transaction.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/runbooks/questionnaire.h"
#include "controller/runbooks/runbook_library.h"
#include "controller/runbooks/runbook_run.h"

namespace portcullis::store {

struct IncidentAnswers {
  std::int64_t incidentId = 0;
  runbooks::Answers answers;
  std::string answeredBy;
  std::int64_t answeredAt = 0;  // unix seconds
};

struct RunbookRecord {
  std::int64_t id = 0, incidentId = 0;
  int version = 0;
  std::string scenario;  // its name in the library
  std::string text;      // the steps as run, with the reasons as comments
  std::map<std::size_t, std::string> reasons;  // line: why it was added
  std::vector<std::string> notes;
  std::map<std::string, std::string> facts;
  // The damage evaluation.
  std::string failed;
  std::vector<std::string> range, fixOrder;
  double costPerHour = 0;
  std::int64_t createdAt = 0, startAt = 0;  // unix seconds
  std::string createdBy;
  std::string state = "scheduled";  // scheduled, running, finished, superseded
  runbooks::RunState run;
  std::int64_t events = 0;  // how many recorded: the version of its state
  // A test whose checks agents run: the run_checks commands it waits for
  // (none when it waits for nothing), and when it fails without them.
  struct AwaitedTest {
    std::vector<std::string> commands;
    std::int64_t deadlineUs = 0;
  } awaited;
  // The manual entries, test patterns and files this version uses, as they
  // were when it was made (manual and tests in their files' form); empty
  // for a runbook made before they were kept.
  runbooks::LibraryText library;
};

struct RunbookEvent {
  std::int64_t id = 0, runbookId = 0;
  std::int64_t atUs = 0;
  std::string operatorName, address;  // who, from where ("cli", "10.0.0.9")
  std::string kind;    // generated, begin, ok, yes, no, test sent, test, finished, confirmed
  std::size_t line = 0;
  bool passed = false;  // a test's
  std::string detail;   // what a test saw; an answer's step
  std::string signature;    // base64: the operator's over its confirmation text, when signed
  std::string certificate;  // the signer's certificate (PEM), when signed
  std::string digest;       // the record's chain up to it (runbooks/record_chain.h); set by the store
};

class RunbookStore {
 public:
  virtual ~RunbookStore() = default;
  virtual void putAnswers(const IncidentAnswers& answers) = 0;
  virtual std::optional<IncidentAnswers> answers(std::int64_t incidentId) = 0;
  virtual void putServiceGraph(const std::string& text, std::int64_t at, const std::string& by) = 0;
  // The graph's text, "" when none was imported.
  virtual std::string serviceGraph() = 0;
  // Stores a new version for its incident (the last one superseded) with
  // its first event; gives id and version.
  virtual void addRunbook(RunbookRecord& record, const RunbookEvent& created) = 0;
  virtual std::optional<RunbookRecord> runbook(std::int64_t id) = 0;
  // Newest first; one incident's (0: all).
  virtual std::vector<RunbookRecord> runbooks(std::int64_t incidentId, std::size_t limit) = 0;
  // Writes the run's new state, the test it now waits for and its events
  // when the runbook still has `seen` events and is not superseded; false
  // when it moved meanwhile.
  virtual bool advanceRunbook(std::int64_t id, std::int64_t seen, const std::string& state, const runbooks::RunState& run,
                              const RunbookRecord::AwaitedTest& awaited, const std::vector<RunbookEvent>& events) = 0;
  // The newest event of any runbook (0: none): the console's pages refresh when it moves.
  virtual std::int64_t latestRunbookEvent() = 0;
  // Running runbooks whose test waits for agents, oldest first.
  virtual std::vector<std::int64_t> runbooksAwaitingAgents() = 0;
  virtual std::vector<RunbookEvent> runbookEvents(std::int64_t id) = 0;
  // Adds events (a whole runbook's confirmation) when the runbook still has
  // `seen` events; false when it moved meanwhile.
  virtual bool appendRunbookEvents(std::int64_t id, std::int64_t seen, const std::vector<RunbookEvent>& events) = 0;
};

}  // namespace portcullis::store
