#include "controller/views/machine_damage_view.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "common/util/text.h"
#include "controller/views/machine_json.h"
#include "controller/enforcement/enforcement.h"

namespace portcullis::controller::views {
namespace {

// What an agent, a list or a mail server said, safe on a terminal.
std::string shown(std::string_view text) { return util::escapeForTerminal(text); }

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr std::size_t kRecentChanges = 10;

}  // namespace

MachineDamageView loadDamageView(store::Store& store, const std::string& machineId, std::int64_t now) {
  auto& sensors = store.sensors();
  MachineDamageView v;
  v.files = sensors.fileListStatus(machineId);
  v.recentChanges = sensors.fileChanges(machineId, "", kRecentChanges);
  v.knownBad = sensors.knownBadFiles(machineId);
  const auto window = enforcement::Enforcement::kSpreadWindowSeconds;
  for (const auto& own : sensors.machineSightings(machineId)) {
    SignRange r;
    r.own = own;
    r.all = sensors.sightings({own.sign});
    std::vector<diagnosis::SpreadSighting> seen;
    for (const auto& s : r.all) seen.push_back({s.machineId, s.firstSeen, s.clearedAt});
    r.judged = diagnosis::judgeSpread(seen, now, window);
    r.summary = diagnosis::describeSpread(r.judged, window);
    v.signs.push_back(std::move(r));
  }
  v.audit = sensors.auditTrail(machineId);
  v.notices = sensors.notifications(machineId);
  return v;
}

// Paths, sign names, audit details and notice errors come from agents,
// known-bad lists and mail servers: each is shown escaped.
void printDamageView(std::ostream& out, const MachineDamageView& v) {
  out << "  files:       " << v.files.files << " watched"
      << (v.files.complete ? ", whole list of " + isoTime(v.files.listedAt) : std::string(", no whole list yet"))
      << "\n";
  for (const auto& c : v.recentChanges)
    out << "    " << isoTime(c.at) << "  " << shown(c.kind) << "  " << shown(c.path) << "  "
        << (c.sha256After.empty() ? "-" : shown(c.sha256After.substr(0, 12))) << "\n";
  for (const auto& k : v.knownBad)
    out << "    KNOWN BAD " << shown(k.file.path) << "  " << shown(k.bad.name) << "  sha256 " << shown(k.file.sha256)
        << "  (" << shown(k.bad.source) << ")\n";
  if (!v.signs.empty()) out << "  damage:\n";
  for (const auto& r : v.signs) {
    out << "    " << shown(r.own.sign) << "  seen " << isoTime(r.own.firstSeen)
        << (r.own.clearedAt ? ", gone " + isoTime(r.own.clearedAt) : std::string(", still")) << "\n"
        << "      range: " << shown(r.summary);
    std::string others;
    for (const auto& s : r.all)
      if (s.machineId != r.own.machineId) others += (others.empty() ? ": " : ", ") + shown(s.machineId);
    out << others << "\n";
  }
  if (!v.audit.empty()) out << "  audit:\n";
  for (const auto& e : v.audit)
    out << "    " << isoTime(e.at) << "  " << shown(e.event) << "  " << shown(e.detail)
        << (e.commandId.empty() ? "" : "  [" + shown(e.commandId) + "]") << "\n";
  if (!v.notices.empty()) out << "  owner notices:\n";
  for (const auto& n : v.notices)
    out << "    " << isoTime(n.createdAt) << "  " << shown(n.event) << "  " << shown(n.state)
        << (n.sentAt ? " " + isoTime(n.sentAt) : std::string())
        << (n.lastError.empty() ? "" : "  (" + shown(n.lastError) + ")") << "\n";
}

void addDamageJson(Object& o, const MachineDamageView& v) {
  Object::Ptr files = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  files->set("watched", static_cast<Poco::UInt64>(v.files.files));
  files->set("listed_at", isoTime(v.files.listedAt));
  Array::Ptr changes = new Array;
  for (const auto& c : v.recentChanges) {
    Object::Ptr x = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    x->set("at", isoTime(c.at));
    x->set("kind", c.kind);
    x->set("path", c.path);
    x->set("sha256_before", c.sha256Before);
    x->set("sha256_after", c.sha256After);
    changes->add(x);
  }
  files->set("recent_changes", changes);
  Array::Ptr bad = new Array;
  for (const auto& k : v.knownBad) {
    Object::Ptr x = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    x->set("path", k.file.path);
    x->set("sha256", k.file.sha256);
    x->set("name", k.bad.name);
    x->set("source", k.bad.source);
    bad->add(x);
  }
  files->set("known_bad", bad);
  o.set("files", files);

  Array::Ptr damage = new Array;
  for (const auto& r : v.signs) {
    Object::Ptr x = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    x->set("sign", r.own.sign);
    x->set("first_seen", isoTime(r.own.firstSeen));
    x->set("cleared_at", isoTime(r.own.clearedAt));
    Array::Ptr machines = new Array;
    for (const auto& s : r.all) {
      Object::Ptr m = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      m->set("machine", s.machineId);
      m->set("first_seen", isoTime(s.firstSeen));
      m->set("cleared_at", isoTime(s.clearedAt));
      machines->add(m);
    }
    x->set("range", machines);
    x->set("machines", static_cast<Poco::UInt64>(r.judged.machines));
    x->set("new_in_window", static_cast<Poco::UInt64>(r.judged.newInWindow));
    x->set("spreading", r.judged.spreading);
    x->set("summary", r.summary);
    damage->add(x);
  }
  o.set("damage", damage);

  Array::Ptr audit = new Array;
  for (const auto& e : v.audit) {
    Object::Ptr x = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    x->set("at", isoTime(e.at));
    x->set("event", e.event);
    x->set("detail", e.detail);
    x->set("command", e.commandId);
    audit->add(x);
  }
  o.set("audit", audit);

  Array::Ptr notices = new Array;
  for (const auto& n : v.notices) {
    Object::Ptr x = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    x->set("event", n.event);
    x->set("state", n.state);
    x->set("attempts", n.attempts);
    x->set("created", isoTime(n.createdAt));
    x->set("sent", isoTime(n.sentAt));
    x->set("last_error", n.lastError);
    try {
      x->set("notice", Poco::JSON::Parser().parse(n.body));
    } catch (const std::exception&) {
      x->set("notice", n.body);
    }
    notices->add(x);
  }
  o.set("owner_notices", notices);
}

}  // namespace portcullis::controller::views
