#include "controller/views/runbook_json.h"

#include <Poco/JSON/Array.h>

#include "common/util/text.h"
#include "controller/views/machine_json.h"
#include "controller/views/traffic_json.h"

namespace portcullis::controller::views {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Array::Ptr arrayOf(const std::vector<std::string>& items) {
  Array::Ptr a = new Array;
  for (const auto& i : items) a->add(i);
  return a;
}

const char* waitsFor(runbooks::StepKind k) {
  switch (k) {
    case runbooks::StepKind::Ok: return "ok";
    case runbooks::StepKind::YesNo: return "yesno";
    case runbooks::StepKind::Execute: return "test";
    case runbooks::StepKind::End: return "nothing";
    default: return "nothing";
  }
}

std::string money(double v) { return std::to_string(static_cast<long long>(v + 0.5)); }

}  // namespace

Object::Ptr answersObject(const store::IncidentAnswers& i) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  const auto& a = i.answers;
  o->set("incident", i.incidentId);
  o->set("problem", a.problem);
  o->set("host", a.host);
  o->set("address", a.address);
  o->set("machine", nullIfEmpty(a.machine));
  o->set("service", a.service);
  o->set("process", a.process);
  o->set("port", a.port);
  o->set("policy", a.policy);
  o->set("start", a.start);
  o->set("answered_by", nullIfEmpty(i.answeredBy));
  o->set("answered", i.answeredAt ? Poco::Dynamic::Var(isoTime(i.answeredAt)) : Poco::Dynamic::Var());
  return o;
}

Object::Ptr runbookObject(const store::RunbookRecord& r) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", r.id);
  o->set("incident", r.incidentId);
  o->set("version", r.version);
  o->set("scenario", r.scenario);
  o->set("state", r.state);
  o->set("created", isoTime(r.createdAt));
  o->set("created_by", r.createdBy);
  o->set("start", isoTime(r.startAt));
  Object::Ptr damage = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  damage->set("failed", nullIfEmpty(r.failed));
  damage->set("range", arrayOf(r.range));
  damage->set("cost_per_hour", r.costPerHour);
  damage->set("fix_order", arrayOf(r.fixOrder));
  o->set("damage", damage);
  Array::Ptr reasons = new Array;
  for (const auto& [line, why] : r.reasons) {
    Object::Ptr reason = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    reason->set("line", line);
    reason->set("why", why);
    reasons->add(reason);
  }
  o->set("added", reasons);
  o->set("notes", arrayOf(r.notes));
  o->set("text", r.text);
  o->set("line", r.run.line);
  o->set("shown_from", r.run.shownFrom);
  o->set("events", r.events);
  return o;
}

Object::Ptr runbookViewObject(const runbooks::RunbookView& v) {
  auto o = runbookObject(v.record);
  if (v.waiting) {
    Object::Ptr w = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    w->set("line", v.waiting->line);
    w->set("step", runbooks::stepKindName(v.waiting->kind));
    w->set("argument", nullIfEmpty(v.waiting->argument));
    w->set("waits_for", waitsFor(v.waiting->kind));
    if (!v.record.awaited.commands.empty()) {
      // A test sent to agents: their commands, and when it fails without them.
      Array::Ptr commands = new Array;
      for (const auto& c : v.record.awaited.commands) commands->add(c);
      w->set("agent_commands", commands);
      w->set("agents_until", isoTimeUs(v.record.awaited.deadlineUs));
    }
    o->set("waiting", w);
  } else {
    o->set("waiting", Poco::Dynamic::Var());
  }
  Array::Ptr shown = new Array;
  for (const auto& s : v.shown) {
    Object::Ptr e = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    e->set("key", s.key);
    e->set("title", s.title);
    e->set("text", s.text);
    e->set("file", s.file);
    shown->add(e);
  }
  o->set("shown", shown);
  Array::Ptr events = new Array;
  for (const auto& e : v.events) {
    Object::Ptr x = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    x->set("at", isoTimeUs(e.atUs));
    x->set("operator", e.operatorName);
    x->set("address", e.address);
    x->set("kind", e.kind);
    x->set("line", e.line);
    if (e.kind == "test") x->set("passed", e.passed);
    x->set("detail", nullIfEmpty(e.detail));
    x->set("signature", nullIfEmpty(e.signature));
    events->add(x);
  }
  o->set("record", events);
  return o;
}

std::string runbooksJson(const std::vector<store::RunbookRecord>& runbooks) {
  Array::Ptr list = new Array;
  for (const auto& r : runbooks) list->add(runbookObject(r));
  return jsonText(list);
}

std::string runbookLine(const store::RunbookRecord& r) {
  return "#" + std::to_string(r.id) + "  incident #" + std::to_string(r.incidentId) + " v" + std::to_string(r.version) + "  " +
         r.scenario + "  " + r.state + "  start " + isoTime(r.startAt) + "  by " + util::escapeForTerminal(r.createdBy) +
         (r.failed.empty() ? "" : "  damage " + util::escapeForTerminal(r.failed) + " +" + std::to_string(r.range.size() - 1) +
                                      ", " + money(r.costPerHour) + " an hour");
}

std::string runbookViewJson(const runbooks::RunbookView& v) { return jsonText(runbookViewObject(v)); }

std::string runbookViewText(const runbooks::RunbookView& v) {
  const auto& r = v.record;
  std::string out = "runbook " + runbookLine(r) + "\n";
  for (const auto& n : r.notes) out += "  note: " + util::escapeForTerminal(n) + "\n";
  if (!r.failed.empty()) {
    out += "  fix in this order:";
    for (const auto& e : r.fixOrder) out += " " + util::escapeForTerminal(e);
    out += "\n";
  }
  if (!v.waiting) {
    out += r.state == "scheduled" ? "  not begun: `runbook step " + std::to_string(r.id) + "` begins it\n" : "";
  } else {
    for (const auto& s : v.shown) {
      out += "\n  [" + s.key + "] " + util::escapeForTerminal(s.title) + "\n";
      std::string text = s.text;
      for (std::size_t at = 0; at < text.size();) {
        const auto nl = text.find('\n', at);
        out += "    " + util::escapeForTerminal(text.substr(at, nl == std::string::npos ? nl : nl - at)) + "\n";
        at = nl == std::string::npos ? text.size() : nl + 1;
      }
      if (const auto why = r.reasons.find(r.run.shownFrom); why != r.reasons.end() && &s == &v.shown.front())
        out += "    (added: " + util::escapeForTerminal(why->second) + ")\n";
    }
    const std::string waits = waitsFor(v.waiting->kind);
    out += "\n  line " + std::to_string(v.waiting->line) + " waits for " +
           (waits == "ok"      ? std::string("your OK (runbook ok ") + std::to_string(r.id) + ")"
            : waits == "yesno" ? std::string("your answer (runbook yes|no ") + std::to_string(r.id) + ")"
            : waits == "test"  ? "the agents' checks (" + std::to_string(r.awaited.commands.size()) + " commands, until " +
                                    isoTimeUs(r.awaited.deadlineUs) + "; runbook show " + std::to_string(r.id) + " again)"
                               : std::string("nothing: the runbook is finished")) +
           "\n";
  }
  // The tests since the last operator's step, with what they saw.
  std::size_t from = v.events.size();
  while (from > 0 && (v.events[from - 1].kind == "test" || v.events[from - 1].kind == "test sent" ||
                      v.events[from - 1].kind == "finished"))
    --from;
  if (from > 0 && from < v.events.size()) {
    out += "\n";
    for (std::size_t i = from; i < v.events.size(); ++i)
      if (v.events[i].kind == "test")
        out += std::string("  test at line ") + std::to_string(v.events[i].line) + (v.events[i].passed ? " passed: " : " failed: ") +
             util::escapeForTerminal(v.events[i].detail) + "\n";
      else if (v.events[i].kind == "test sent")
        out += "  test at line " + std::to_string(v.events[i].line) + " sent: " + util::escapeForTerminal(v.events[i].detail) + "\n";
  }
  return out;
}

}  // namespace portcullis::controller::views
