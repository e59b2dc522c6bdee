#include "controller/store/sqlite_runbook_store.h"

#include <charconv>

#include "controller/runbooks/record_chain.h"

namespace portcullis::store {
namespace {

#define RUNBOOK_COLUMNS                                                                                        \
  "SELECT id, incident_id, version, scenario, text, reasons, notes, facts, failed, damage_range, fix_order,"   \
  " cost_per_hour, created_at, created_by, start_at, state, run_line, run_awaiting, run_tested, run_passed," \
  " run_finished, run_shown_from, events, test_commands, test_deadline_us FROM runbooks"

// Lists and maps as lines ("KEY\tVALUE"); a tab or a line break inside a
// value (cleaned before it gets here; this is the last guard) becomes a
// space, so that no value can pass for another key's line.
std::string oneLine(std::string v) {
  for (auto& c : v)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return v;
}

std::string linesOf(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += oneLine(i) + "\n";
  return out;
}

std::vector<std::string> itemsOf(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    out.emplace_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return out;
}

template <typename Map>
std::string pairsOf(const Map& map) {
  std::string out;
  for (const auto& [k, v] : map) {
    if constexpr (std::is_integral_v<std::decay_t<decltype(k)>>) out += std::to_string(k);
    else out += oneLine(k);
    out += "\t" + oneLine(v) + "\n";
  }
  return out;
}

std::map<std::string, std::string> textPairs(std::string_view text) {
  std::map<std::string, std::string> out;
  for (const auto& line : itemsOf(text)) {
    const auto tab = line.find('\t');
    if (tab != std::string::npos) out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

runbooks::Awaiting awaitingOf(std::int64_t v) {
  return v >= 0 && v <= 3 ? static_cast<runbooks::Awaiting>(v) : runbooks::Awaiting::Nothing;
}

RunbookRecord recordOf(const SqliteStatement& s) {
  RunbookRecord r;
  r.id = s.integer(0);
  r.incidentId = s.integer(1);
  r.version = static_cast<int>(s.integer(2));
  r.scenario = std::string(s.text(3));
  r.text = std::string(s.text(4));
  for (const auto& [line, why] : textPairs(s.text(5))) {
    std::size_t n = 0;
    std::from_chars(line.data(), line.data() + line.size(), n);
    r.reasons[n] = why;
  }
  r.notes = itemsOf(s.text(6));
  r.facts = textPairs(s.text(7));
  r.failed = std::string(s.text(8));
  r.range = itemsOf(s.text(9));
  r.fixOrder = itemsOf(s.text(10));
  r.costPerHour = static_cast<double>(s.integer(11)) / 100;
  r.createdAt = s.integer(12);
  r.createdBy = std::string(s.text(13));
  r.startAt = s.integer(14);
  r.state = std::string(s.text(15));
  r.run.line = static_cast<std::size_t>(s.integer(16));
  r.run.awaiting = awaitingOf(s.integer(17));
  r.run.tested = s.integer(18) != 0;
  r.run.lastTestPassed = s.integer(19) != 0;
  r.run.finished = s.integer(20) != 0;
  r.run.shownFrom = static_cast<std::size_t>(s.integer(21));
  r.events = s.integer(22);
  r.awaited.commands = itemsOf(s.text(23));
  r.awaited.deadlineUs = s.integer(24);
  return r;
}

class SqliteRunbookStore final : public RunbookStore {
 public:
  explicit SqliteRunbookStore(SqliteConnection& db) : db_(db) {}

  void putAnswers(const IncidentAnswers& i) override {
    db_.writeTransaction("store answers", [&] {
      const auto& a = i.answers;
      db_.statement("INSERT OR REPLACE INTO incident_answers(incident_id, problem, host, address, machine, service, process,"
                    " port, policy, start, answered_by, answered_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .bind(1, i.incidentId).bind(2, a.problem).bind(3, a.host).bind(4, a.address).bind(5, a.machine)
          .bind(6, a.service).bind(7, a.process).bind(8, std::int64_t{a.port}).bind(9, a.policy).bind(10, a.start)
          .bind(11, i.answeredBy).bind(12, i.answeredAt)
          .run();
      return 0;
    });
  }

  std::optional<IncidentAnswers> answers(std::int64_t incidentId) override {
    return db_.guard("read answers", [&]() -> std::optional<IncidentAnswers> {
      auto& s = db_.statement("SELECT problem, host, address, machine, service, process, port, policy, start, answered_by,"
                              " answered_at FROM incident_answers WHERE incident_id = ?");
      s.bind(1, incidentId);
      if (!s.step()) return std::nullopt;
      IncidentAnswers i;
      i.incidentId = incidentId;
      auto& a = i.answers;
      a.problem = std::string(s.text(0));
      a.host = std::string(s.text(1));
      a.address = std::string(s.text(2));
      a.machine = std::string(s.text(3));
      a.service = std::string(s.text(4));
      a.process = std::string(s.text(5));
      a.port = static_cast<std::uint16_t>(s.integer(6));
      a.policy = std::string(s.text(7));
      a.start = std::string(s.text(8));
      i.answeredBy = std::string(s.text(9));
      i.answeredAt = s.integer(10);
      s.reset();
      return i;
    });
  }

  void putServiceGraph(const std::string& text, std::int64_t at, const std::string& by) override {
    db_.writeTransaction("store service graph", [&] {
      db_.statement("INSERT OR REPLACE INTO service_graph(id, text, imported_at, imported_by) VALUES(1, ?, ?, ?)")
          .bind(1, text).bind(2, at).bind(3, by)
          .run();
      return 0;
    });
  }

  std::string serviceGraph() override {
    return db_.guard("read service graph", [&] {
      auto& s = db_.statement("SELECT text FROM service_graph WHERE id = 1");
      if (!s.step()) return std::string();
      std::string text(s.text(0));
      s.reset();
      return text;
    });
  }

  void addRunbook(RunbookRecord& r, const RunbookEvent& created) override {
    db_.writeTransaction("store runbook", [&] {
      {
        auto& v = db_.statement("SELECT COALESCE(MAX(version), 0) FROM runbooks WHERE incident_id = ?");
        v.bind(1, r.incidentId);
        r.version = v.step() ? static_cast<int>(v.integer(0)) + 1 : 1;
        v.reset();
      }
      db_.statement("UPDATE runbooks SET state = 'superseded' WHERE incident_id = ? AND state != 'superseded'")
          .bind(1, r.incidentId)
          .run();
      db_.statement(
             "INSERT INTO runbooks(incident_id, version, scenario, text, reasons, notes, facts, failed, damage_range,"
             " fix_order, cost_per_hour, created_at, created_by, start_at, state, run_line, run_awaiting, run_tested,"
             " run_passed, run_finished, run_shown_from, events) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")
          .bind(1, r.incidentId).bind(2, std::int64_t{r.version}).bind(3, r.scenario).bind(4, r.text)
          .bind(5, pairsOf(r.reasons)).bind(6, linesOf(r.notes)).bind(7, pairsOf(r.facts)).bind(8, r.failed)
          .bind(9, linesOf(r.range)).bind(10, linesOf(r.fixOrder))
          .bind(11, static_cast<std::int64_t>(r.costPerHour * 100 + 0.5)).bind(12, r.createdAt).bind(13, r.createdBy)
          .bind(14, r.startAt).bind(15, r.state).bind(16, static_cast<std::int64_t>(r.run.line))
          .bind(17, static_cast<std::int64_t>(r.run.awaiting)).bind(18, std::int64_t{r.run.tested})
          .bind(19, std::int64_t{r.run.lastTestPassed}).bind(20, std::int64_t{r.run.finished})
          .bind(21, static_cast<std::int64_t>(r.run.shownFrom))
          .run();
      r.id = db_.lastInsertId();
      const auto keep = [&](const std::string& name, const std::string& text) {
        db_.statement("INSERT INTO runbook_library(runbook_id, name, text) VALUES(?, ?, ?)")
            .bind(1, r.id).bind(2, name).bind(3, text)
            .run();
      };
      if (!r.library.manual.empty()) keep("manual.txt", r.library.manual);
      if (!r.library.tests.empty()) keep("tests.txt", r.library.tests);
      for (const auto& [name, text] : r.library.files) keep("files/" + name, text);
      auto event = created;
      event.runbookId = r.id;
      insertEvent(event);
      bump(r.id, 1);
      r.events = 1;
      return 0;
    });
  }

  std::optional<RunbookRecord> runbook(std::int64_t id) override {
    return db_.guard("read runbook", [&]() -> std::optional<RunbookRecord> {
      auto& s = db_.statement(RUNBOOK_COLUMNS " WHERE id = ?");
      s.bind(1, id);
      if (!s.step()) return std::nullopt;
      auto r = recordOf(s);
      s.reset();
      auto& kept = db_.statement("SELECT name, text FROM runbook_library WHERE runbook_id = ?");
      kept.bind(1, id);
      while (kept.step()) {
        const std::string name(kept.text(0));
        if (name == "manual.txt") r.library.manual = std::string(kept.text(1));
        else if (name == "tests.txt") r.library.tests = std::string(kept.text(1));
        else if (name.rfind("files/", 0) == 0) r.library.files[name.substr(6)] = std::string(kept.text(1));
      }
      return r;
    });
  }

  std::vector<RunbookRecord> runbooks(std::int64_t incidentId, std::size_t limit) override {
    return db_.guard("read runbooks", [&] {
      std::vector<RunbookRecord> out;
      auto& s = db_.statement(RUNBOOK_COLUMNS " WHERE ? = 0 OR incident_id = ? ORDER BY id DESC LIMIT ?");
      s.bind(1, incidentId).bind(2, incidentId).bind(3, static_cast<std::int64_t>(limit));
      while (s.step()) out.push_back(recordOf(s));
      return out;
    });
  }

  bool advanceRunbook(std::int64_t id, std::int64_t seen, const std::string& state, const runbooks::RunState& run,
                      const RunbookRecord::AwaitedTest& awaited, const std::vector<RunbookEvent>& events) override {
    return db_.writeTransaction("advance runbook", [&] {
      db_.statement(
             "UPDATE runbooks SET state = ?, run_line = ?, run_awaiting = ?, run_tested = ?, run_passed = ?,"
             " run_finished = ?, run_shown_from = ?, test_commands = ?, test_deadline_us = ?"
             " WHERE id = ? AND events = ? AND state != 'superseded'")
          .bind(1, state).bind(2, static_cast<std::int64_t>(run.line)).bind(3, static_cast<std::int64_t>(run.awaiting))
          .bind(4, std::int64_t{run.tested}).bind(5, std::int64_t{run.lastTestPassed}).bind(6, std::int64_t{run.finished})
          .bind(7, static_cast<std::int64_t>(run.shownFrom)).bind(8, linesOf(awaited.commands))
          .bind(9, awaited.deadlineUs).bind(10, id).bind(11, seen)
          .run();
      if (db_.changes() == 0) return false;
      for (auto e : events) {
        e.runbookId = id;
        insertEvent(e);
      }
      bump(id, static_cast<std::int64_t>(events.size()));
      return true;
    });
  }

  bool appendRunbookEvents(std::int64_t id, std::int64_t seen, const std::vector<RunbookEvent>& events) override {
    return db_.writeTransaction("append runbook events", [&] {
      auto& s = db_.statement("SELECT events FROM runbooks WHERE id = ?");
      s.bind(1, id);
      const bool current = s.step() && s.integer(0) == seen;
      s.reset();
      if (!current) return false;
      for (auto e : events) {
        e.runbookId = id;
        insertEvent(e);
      }
      bump(id, static_cast<std::int64_t>(events.size()));
      return true;
    });
  }

  std::int64_t latestRunbookEvent() override {
    return db_.guard("read latest runbook event", [&] {
      auto& s = db_.statement("SELECT COALESCE(MAX(id), 0) FROM runbook_events");
      const auto id = s.step() ? s.integer(0) : 0;
      s.reset();
      return id;
    });
  }

  std::vector<std::int64_t> runbooksAwaitingAgents() override {
    return db_.guard("read runbooks awaiting agents", [&] {
      std::vector<std::int64_t> out;
      auto& s = db_.statement("SELECT id FROM runbooks WHERE state = 'running' AND test_commands != '' ORDER BY id");
      while (s.step()) out.push_back(s.integer(0));
      return out;
    });
  }

  std::vector<RunbookEvent> runbookEvents(std::int64_t id) override {
    return db_.guard("read runbook events", [&] {
      std::vector<RunbookEvent> out;
      auto& s = db_.statement("SELECT id, at_us, operator, address, kind, line, passed, detail, signature, certificate, digest"
                              " FROM runbook_events WHERE runbook_id = ? ORDER BY id");
      s.bind(1, id);
      while (s.step()) {
        RunbookEvent e;
        e.id = s.integer(0);
        e.runbookId = id;
        e.atUs = s.integer(1);
        e.operatorName = std::string(s.text(2));
        e.address = std::string(s.text(3));
        e.kind = std::string(s.text(4));
        e.line = static_cast<std::size_t>(s.integer(5));
        e.passed = s.integer(6) != 0;
        e.detail = std::string(s.text(7));
        e.signature = std::string(s.text(8));
        e.certificate = std::string(s.text(9));
        e.digest = std::string(s.text(10));
        out.push_back(std::move(e));
      }
      return out;
    });
  }

 private:
  // Each event chained after the runbook's last (runbooks/record_chain.h).
  void insertEvent(const RunbookEvent& e) {
    std::string previous;
    {
      auto& last = db_.statement("SELECT digest FROM runbook_events WHERE runbook_id = ? ORDER BY id DESC LIMIT 1");
      last.bind(1, e.runbookId);
      if (last.step()) previous = std::string(last.text(0));
      last.reset();
    }
    const auto digest = runbooks::chainDigest(
        previous, {e.atUs, e.operatorName, e.address, e.kind, e.line, e.passed, e.detail, e.signature, e.certificate});
    db_.statement("INSERT INTO runbook_events(runbook_id, at_us, operator, address, kind, line, passed, detail, signature,"
                  " certificate, digest) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, e.runbookId).bind(2, e.atUs).bind(3, e.operatorName).bind(4, e.address).bind(5, e.kind)
        .bind(6, static_cast<std::int64_t>(e.line)).bind(7, std::int64_t{e.passed}).bind(8, e.detail).bind(9, e.signature)
        .bind(10, e.certificate).bind(11, digest)
        .run();
  }

  void bump(std::int64_t id, std::int64_t by) {
    db_.statement("UPDATE runbooks SET events = events + ? WHERE id = ?").bind(1, by).bind(2, id).run();
  }

  SqliteConnection& db_;
};

}  // namespace

std::unique_ptr<RunbookStore> openSqliteRunbookStore(SqliteConnection& db) {
  return std::make_unique<SqliteRunbookStore>(db);
}

}  // namespace portcullis::store
