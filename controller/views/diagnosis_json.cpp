#include "controller/views/diagnosis_json.h"

#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include "common/util/text.h"
#include "controller/feeds/archive_advisory.h"

namespace portcullis::controller::views {

using Poco::JSON::Array;
using Poco::JSON::Object;
namespace dx = portcullis::diagnosis;

namespace {

Poco::Dynamic::Var nullable(const std::optional<std::string>& v) {
  if (!v) return Poco::Dynamic::Var();
  return *v;
}

Array::Ptr servicesJson(const std::vector<dx::ListeningService>& services) {
  Array::Ptr a = new Array;
  for (const auto& s : services) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("process", s.process);
    o->set("protocol", s.udp ? "udp" : "tcp");
    o->set("port", s.port);
    a->add(o);
  }
  return a;
}

}  // namespace

std::string diagnosisJson(const DiagnosedMachine& machine, const dx::Diagnosis& d) {
  Object::Ptr root = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  root->set("machine", machine.id);
  root->set("hostname", machine.hostname);
  root->set("ecosystem", machine.ecosystem);
  root->set("group", d.group);
  root->set("group_rule", d.groupRule);
  if (!d.note.empty()) root->set("note", d.note);
  Array::Ptr vulns = new Array;
  for (const auto& v : d.vulnerabilities) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("advisory", v.advisory);
    Array::Ptr aliases = new Array;
    for (const auto& a : v.aliases) aliases->add(a);
    o->set("aliases", aliases);
    o->set("package", v.package);
    o->set("source", v.source);
    o->set("installed", v.installed);
    o->set("source_version", v.sourceVersion);
    o->set("fixed", nullable(v.fixed));
    o->set("severity", dx::severityName(v.severity));
    o->set("listening", v.listening);
    o->set("origin", v.fromArchive ? std::string(feeds::kArchiveOrigin) : std::string("osv"));
    if (!v.sameFix.empty()) o->set("same_fix", v.sameFix);
    vulns->add(o);
  }
  root->set("vulnerabilities", vulns);
  Array::Ptr sources = new Array;
  for (const auto& s : dx::vulnerableSources(d.vulnerabilities)) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("source", s.source);
    o->set("installed", s.sourceVersion);
    o->set("fixed", nullable(s.fixed));
    Array::Ptr binaries = new Array;
    for (const auto& b : s.binaries) binaries->add(b);
    o->set("binaries", binaries);
    Array::Ptr advisories = new Array;
    for (const auto& a : s.advisories) advisories->add(a);
    o->set("advisories", advisories);
    sources->add(o);
  }
  root->set("sources", sources);
  Array::Ptr measures = new Array;
  for (const auto& m : d.measures) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("kind", dx::measureKindName(m.kind));
    o->set("advisory", m.advisory);
    o->set("package", m.package);
    o->set("reason", m.reason);
    o->set("severity", dx::severityName(m.severity));
    if (m.kind == dx::Measure::Kind::Patch) {
      o->set("fixed", m.fixed);
      Array::Ptr pkgs = new Array;
      for (const auto& p : m.packages) pkgs->add(p);
      o->set("packages", pkgs);
      o->set("waits_for", m.waitsFor.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(m.waitsFor));
    } else {
      o->set("services", servicesJson(m.services));
    }
    measures->add(o);
  }
  root->set("measures", measures);
  Array::Ptr unmeasured = new Array;
  for (const auto& u : d.unmeasured) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("advisory", u.advisory);
    o->set("package", u.package);
    o->set("reason", u.reason);
    unmeasured->add(o);
  }
  root->set("unmeasured", unmeasured);
  root->set("ignored_unimportant", d.ignoredUnimportant);
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(root, out, 2);
  return util::terminalSafeJson(out.str());
}

}  // namespace portcullis::controller::views
