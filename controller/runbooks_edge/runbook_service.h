#pragma once
// Runbooks for incidents, for the console, the REST API and the command
// line alike: the questionnaire (stored answers, or the guess from the
// incident's first alert and the machine's inventory), the runbook made
// from it (the library, the site's dependency graph, the policy, business
// hours), and its run, one input at a time: each OK, YES or NO moves the
// interpreter, every test it reaches is run for real with what it saw
// recorded, and every step is recorded with the operator, the time and
// the address. A test with checks agents run sends them (run_checks, one
// command a machine) and waits, "test sent"; the agents' answers, or the
// time running out, give its result and the run goes on. A run moves only
// from the state it was read in. A runbook runs with the library entries
// and tests it was made with, kept beside it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <tuple>
#include <string>
#include <vector>

#include "common/util/result.h"
#include "controller/runbooks/business_hours.h"
#include "controller/runbooks/runbook_library.h"
#include "controller/monitor/address_owners.h"
#include "controller/runbooks/runbook_run.h"
#include "controller/runbooks_edge/runbook_checks.h"
#include "controller/store/store.h"

namespace portcullis::runbooks {

struct Actor {
  std::string operatorName;  // "alice", "cli:root"
  std::string address;       // where the click came from; "local" for the command line
};

// An operator's signature over a confirmation text (record_chain.h), with
// the certificate the controller's CA issued the operator (`operator cert`).
struct Confirmation {
  std::string certificatePem;
  std::string signature;  // base64 or raw: ECDSA over SHA-256 (openssl dgst -sha256 -sign)
};

struct RunbookSettings {
  // The controller's CA, which issues operators' certificates: without it,
  // no confirmation can be signed (or verified).
  std::string caCertificatePem;
  BusinessHours businessHours;
  std::function<std::int64_t(std::int64_t)> utcOffset = [](std::int64_t) { return std::int64_t{0}; };
  // How long a test waits for the agents that run its checks: a check with
  // no answer by then fails (an agent away, a machine down).
  std::chrono::seconds agentTestTimeout{120};
};

// A runbook as shown: the work for the step that waits, and its record.
struct RunbookView {
  store::RunbookRecord record;
  std::optional<Step> waiting;  // the step that waits (ok, yesno, execute, end); none before the start
  struct Shown {
    std::string key, title, text;  // a manual entry (facts filled), or a file
    bool file = false;
  };
  std::vector<Shown> shown;
  std::vector<store::RunbookEvent> events;
};

class RunbookService {
 public:
  using Clock = std::function<std::int64_t()>;  // microseconds since the epoch
  RunbookService(store::Store& store, RunbookLibrary library, CheckRunner& checks, RunbookSettings settings, Clock nowUs);

  // The incident's answers: the stored ones, else the guess.
  Result<store::IncidentAnswers> answersFor(std::int64_t incidentId);
  // Stores the answers (checked) and makes the incident's next runbook.
  Result<store::RunbookRecord> answer(std::int64_t incidentId, const Answers& answers, const Actor& who);
  Result<RunbookView> view(std::int64_t runbookId);

  enum class Action { Step, Ok, Yes, No };
  // Step begins a run that has not begun (not before its start time) and
  // shows what waits; Ok, Yes and No answer the step that waits. With a
  // confirmation, the answer is signed: refused unless the signature is the
  // acting operator's over confirmationFor's text.
  Result<RunbookView> act(std::int64_t runbookId, Action action, const Actor& who,
                          const std::optional<Confirmation>& signedBy = std::nullopt);
  // The text an operator signs to give that answer now.
  Result<std::string> confirmationFor(std::int64_t runbookId, Action action, const std::string& operatorName);
  // The operator's signed confirmation of a finished runbook, as recorded.
  Result<std::string> wholeConfirmationFor(std::int64_t runbookId, const std::string& operatorName);
  Result<RunbookView> confirm(std::int64_t runbookId, const Actor& who, const Confirmation& signedBy);

  // The record checked afterwards: its chain of digests, every signature
  // (the signer's certificate from this CA, issued to that operator, valid
  // then, over the right text), and the run replayed from its answers and
  // test results to the state stored. Each line says what was checked.
  struct Verification {
    bool valid = true;
    std::vector<std::string> lines;
  };
  Result<Verification> verify(std::int64_t runbookId);

  // When the agents' checks a runbook's test waits for have all answered,
  // or its time is up: the result recorded, and the run goes on to what
  // waits next. False while it still waits (or waits for nothing).
  Result<bool> collectAgentTests(std::int64_t runbookId);
  // The same for every runbook that waits for agents; how many moved. A
  // runbook that cannot move (its text no longer reads...) is told to
  // problem with the reason and the others go on.
  std::size_t collectAgentTests(const std::function<void(std::int64_t, const std::string&)>& problem = {});
  // Called with a machine's id when a test queued a command for it (so
  // that a connected agent gets it at once).
  void onCommandsQueued(std::function<void(const std::string&)> queued) { queued_ = std::move(queued); }

  const RunbookLibrary& library() const { return library_; }

 private:
  store::RunbookEvent event(const Actor& who, const std::string& kind, std::size_t line, std::string detail = "") const;
  // The library a runbook runs with: the part kept with it, else (made
  // before parts were kept) the service's.
  RunbookLibrary libraryFor(const store::RunbookRecord& record) const;
  // A machine named by its id or by an address it holds now (owners: read
  // from the store at the first address, then kept for the caller).
  Result<std::string> machineOf(const std::string& idOrAddress, std::optional<monitor::AddressOwners>& owners);
  // The test the execute step names: its controller checks run now, or,
  // when some are an agent's, those sent and nothing run yet.
  struct TestStart {
    std::optional<CheckOutcome> outcome;  // the test's result; none when sent
    store::RunbookRecord::AwaitedTest awaited;
    std::string sent;  // what went where
  };
  TestStart startTest(const Step& step, const store::RunbookRecord& record, const RunbookLibrary& library);
  // Every check of the test, all to pass: the agents' from their answers
  // (none by the deadline: failed), the controller's run now.
  CheckOutcome finishTest(const Step& step, const store::RunbookRecord& record, const RunbookLibrary& library,
                          const std::vector<std::string>& commands);
  // Feeds every test the run reaches until it waits for someone (or sends one).
  Status runTests(RunbookRun& run, const store::RunbookRecord& record, const RunbookLibrary& library, const Actor& who,
                  std::vector<store::RunbookEvent>& events, store::RunbookRecord::AwaitedTest& awaited);
  // The commands a test sent, withdrawn where not yet delivered (the test is over, or never stored).
  void withdraw(const std::vector<std::string>& commands);
  Result<bool> collectLocked(std::int64_t runbookId);
  // The signer's certificate and signature over text, for operatorName at a time; why not.
  Status checkSignature(const Confirmation& c, const std::string& text, const std::string& operatorName, std::int64_t at);

  store::Store& store_;
  RunbookLibrary library_;
  CheckRunner& checks_;
  RunbookSettings settings_;
  Clock nowUs_;
  std::function<void(const std::string&)> queued_;
  // One run moves at a time in this process (the console's threads, the
  // collector); the store's conditional write guards across processes.
  std::mutex moving_;
};

}  // namespace portcullis::runbooks
