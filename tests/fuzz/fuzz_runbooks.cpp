// Outside input: a scenario and a service dependency graph, as an admin
// writes or imports them. Whatever comes in: a scenario that parses starts
// with start, jumps only to its steps, and runs (any answers, any test
// results) without ever passing more steps than it has between two waits; a
// graph that parses has no cycle, a damage range within it, and a fix order
// that never puts an element before one it needs; test patterns that read
// name their machine for every check an agent runs, and only paths and
// names an agent takes. No crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <unordered_map>

#include "controller/runbooks/runbook_library.h"
#include "controller/runbooks/runbook_run.h"
#include "controller/runbooks/service_graph.h"

using namespace portcullis::runbooks;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

void runScenario(std::string_view text, const std::uint8_t* choices, std::size_t count) {
  const auto s = parseScenario(text);
  if (!s) {
    require(!s.error().empty());
    return;
  }
  require(!s->steps.empty() && s->steps.front().kind == StepKind::Start);
  for (const auto& step : s->steps) {
    if (step.kind == StepKind::YesNo) require(s->at(step.yes) && s->at(step.no));
    if (step.kind == StepKind::Check) require(s->at(step.onFailure) && s->at(step.onFailure)->kind == StepKind::Include);
  }
  RunbookRun run(*s);
  auto a = run.begin();
  for (std::size_t i = 0; i < count && !run.state().finished; ++i) {
    require(a.waitingAt != nullptr);
    const bool bit = choices[i] & 1;
    portcullis::Result<Advance> next = portcullis::fail("none");
    switch (run.state().awaiting) {
      case Awaiting::Ok: next = run.ok(); break;
      case Awaiting::YesNo: next = run.answer(bit); break;
      case Awaiting::TestResult: next = run.testResult(bit); break;
      case Awaiting::Nothing: require(false);
    }
    require(static_cast<bool>(next));
    a = *next;
  }
}

void readGraph(std::string_view text) {
  const auto g = ServiceGraph::parse(text);
  if (!g) {
    require(!g.error().empty());
    return;
  }
  if (g->elements().empty()) return;
  const auto range = damageRange(*g, {0});
  require(range.elements.size() <= g->elements().size());
  for (const auto order : {FixOrder::UpstreamFirst, FixOrder::CostFirst}) {
    const auto fix = fixOrder(*g, range, order);
    require(fix.size() == range.elements.size());  // no cycle left anything out
    std::unordered_map<std::size_t, std::size_t> position;
    for (std::size_t i = 0; i < fix.size(); ++i) position[fix[i]] = i;
    for (const auto e : fix)
      for (const auto need : g->elements()[e].needs)
        if (position.count(need)) require(position[need] < position[e]);
  }
}

void readTests(std::string_view text) {
  LibraryText layer;
  layer.origin = "fuzz";
  layer.tests = std::string(text);
  const auto lib = buildLibrary({layer});
  if (!lib) {
    require(!lib.error().empty());
    return;
  }
  const Facts facts = {{"machine", "m-1"}, {"address", "10.0.0.5"}, {"port", "80"}, {"process", "httpd"}};
  for (const auto& [key, t] : lib->tests)
    for (const auto& c : t.checks) {
      const bool agent = c.kind == TestCheck::Kind::Process || c.kind == TestCheck::Kind::File || c.kind == TestCheck::Kind::Command;
      if (agent) require(c.byAgent());
      if (c.kind == TestCheck::Kind::File) require(c.path.size() > 1 && c.path.front() == '/' && c.path.find("/../") == std::string::npos);
      const auto filled = filledCheck(c, facts);
      if (filled && filled->byAgent()) require(filled->machine.find_first_of(" \n\t{}") == std::string::npos);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first 16 bytes are the operator's answers and the tests' results.
  const std::size_t choices = size < 16 ? size : 16;
  const std::string_view text(reinterpret_cast<const char*>(data) + choices, size - choices);
  runScenario(text, data, choices);
  readGraph(text);
  readTests(text);
  return 0;
}
