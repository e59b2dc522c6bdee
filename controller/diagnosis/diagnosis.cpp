#include "controller/diagnosis/diagnosis.h"

#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <set>

namespace portcullis::diagnosis {
namespace {

bool neverPatched(const GroupPolicy& g, const std::string& package, std::string* pattern) {
  for (const auto& p : g.neverPatch)
    if (fnmatch(p.c_str(), package.c_str(), 0) == 0) {
      *pattern = p;
      return true;
    }
  return false;
}

std::string describeServices(const std::vector<ListeningService>& services) {
  std::string out;
  for (const auto& s : services) {
    if (!out.empty()) out += ", ";
    out += s.process + " on " + (s.udp ? "udp/" : "tcp/") + std::to_string(s.port);
  }
  return out;
}

}  // namespace

std::string ecosystemFor(const std::string& osId, const std::string& versionId) {
  if (versionId.empty()) return {};
  if (osId == "debian") return "Debian:" + versionId.substr(0, versionId.find('.'));
  if (osId == "ubuntu") return "Ubuntu:" + versionId;
  return {};
}

const char* measureKindName(Measure::Kind k) {
  switch (k) {
    case Measure::Kind::Patch: return "patch";
    case Measure::Kind::Filter: return "filter";
    case Measure::Kind::StopService: return "stop_service";
    case Measure::Kind::Quarantine: return "quarantine";
  }
  return "patch";
}

std::vector<Vulnerability> findVulnerabilities(const MachineFacts& machine, const AdvisoryIndex& index,
                                               const std::string& onlySource) {
  std::vector<Vulnerability> out;
  if (machine.ecosystem.empty()) return out;
  std::set<std::string> listening;
  for (const auto& s : machine.listening) listening.insert(s.package);
  for (const auto& p : machine.packages) {
    if (!onlySource.empty() && p.source != onlySource) continue;
    for (const auto& m : index.matches(machine.ecosystem, p.source, p.sourceVersion)) {
      Vulnerability v;
      v.advisory = m.entry->advisory->id;
      v.aliases = m.entry->advisory->aliases;
      v.package = p.name;
      v.source = p.source;
      v.installed = p.version;
      v.sourceVersion = p.sourceVersion;
      v.fixed = m.fixed;
      v.severity = m.entry->severity;
      v.summary = m.entry->advisory->summary;
      v.listening = listening.count(p.name) > 0;
      out.push_back(std::move(v));
    }
  }
  std::sort(out.begin(), out.end(), [](const Vulnerability& a, const Vulnerability& b) {
    return std::tie(a.source, a.advisory, a.package) < std::tie(b.source, b.advisory, b.package);
  });
  return out;
}

void chooseMeasures(const MachineFacts& machine, const GroupPolicy& g, const std::string& label,
                    std::int64_t now, Diagnosis& d) {
  // One decision per (advisory, source package): a patch upgrades every
  // binary package built from that source.
  std::map<std::pair<std::string, std::string>, std::vector<const Vulnerability*>> bySource;
  for (const auto& v : d.vulnerabilities) bySource[{v.advisory, v.source}].push_back(&v);

  bool inWindow = g.windows.empty();
  for (const auto& w : g.windows) inWindow = inWindow || insideWindow(w, now);

  for (const auto& [key, vulns] : bySource) {
    const auto& [advisory, source] = key;
    const Vulnerability& first = *vulns.front();
    const Severity severity = first.severity;
    const std::string sev = severityName(severity);
    std::vector<ListeningService> services;
    std::vector<std::string> binaries;
    for (const auto* v : vulns) {
      binaries.push_back(v->package);
      for (const auto& s : machine.listening)
        if (s.package == v->package) services.push_back(s);
    }
    bool measured = false;
    bool patchedNow = false;
    std::string whyNoPatch;

    if (first.fixed) {
      std::string pattern;
      bool blocked = neverPatched(g, source, &pattern);
      for (const auto& b : binaries) blocked = blocked || neverPatched(g, b, &pattern);
      if (blocked) {
        whyNoPatch = "never_patch = " + pattern + " in " + label;
      } else if (g.patching == Patching::Never) {
        whyNoPatch = "patching = never in " + label;
      } else {
        Measure m;
        m.kind = Measure::Kind::Patch;
        m.advisory = advisory;
        m.package = source;
        m.source = source;
        m.fixed = *first.fixed;
        m.packages = binaries;
        m.severity = severity;
        m.reason = "fixed in " + *first.fixed + "; " + label + ": patching = " + patchingName(g.patching);
        if (g.patching == Patching::Approve) {
          m.waitsFor = "approval";
          m.reason += ", waits for approval";
        } else if (!inWindow) {
          m.waitsFor = "maintenance window";
          m.reason += ", waits for a maintenance window (";
          for (std::size_t i = 0; i < g.windows.size(); ++i)
            m.reason += (i ? ", " : "") + g.windows[i].text;
          m.reason += " UTC)";
        }
        patchedNow = m.waitsFor.empty();
        if (!patchedNow) whyNoPatch = "the patch " + std::string(m.waitsFor == "approval" ? "waits for approval" : "waits for a maintenance window");
        d.measures.push_back(std::move(m));
        measured = true;
      }
    } else {
      whyNoPatch = "no fix published";
    }

    // Temporary protection while the hole stays open.
    if (!patchedNow && !services.empty() && g.filterFrom && severity >= *g.filterFrom) {
      for (const auto* v : vulns) {
        std::vector<ListeningService> own;
        for (const auto& s : services)
          if (s.package == v->package) own.push_back(s);
        if (own.empty()) continue;
        Measure m;
        m.kind = g.stopService ? Measure::Kind::StopService : Measure::Kind::Filter;
        m.advisory = advisory;
        m.package = v->package;
        m.source = source;
        m.services = own;
        m.severity = severity;
        m.reason = whyNoPatch + "; severity " + sev + " >= filter_from = " + severityName(*g.filterFrom) +
                   " in " + label + "; listening: " + describeServices(own) +
                   (g.stopService ? "; stop_service = yes" : "");
        d.measures.push_back(std::move(m));
        measured = true;
      }
    }

    if (g.quarantineFrom && severity >= *g.quarantineFrom &&
        (!g.quarantineUnfixedOnly || !first.fixed) && (!g.quarantineListeningOnly || !services.empty())) {
      Measure m;
      m.kind = Measure::Kind::Quarantine;
      m.advisory = advisory;
      m.package = services.empty() ? first.package : services.front().package;
      m.source = source;
      m.services = services;
      m.severity = severity;
      m.reason = "severity " + sev + " >= quarantine_from = " + severityName(*g.quarantineFrom) + " in " + label;
      if (!first.fixed) m.reason += "; no fix published";
      if (!services.empty()) m.reason += "; listening: " + describeServices(services);
      d.measures.push_back(std::move(m));
      measured = true;
    }

    if (!measured) {
      std::string reason = whyNoPatch;
      if (services.empty()) reason += "; no service of it listens";
      else if (!g.filterFrom) reason += "; filter_from = never in " + label;
      else reason += "; severity " + sev + " is below filter_from = " + severityName(*g.filterFrom);
      d.unmeasured.push_back(Unmeasured{advisory, source, reason});
    }
  }
}

Diagnosis diagnose(const MachineFacts& machine, const AdvisoryIndex& index, const Policy& policy,
                   std::int64_t now) {
  Diagnosis d;
  const GroupMatch match = groupFor(policy, machine.identity);
  d.group = match.group->name;
  d.groupRule = match.rule;
  if (machine.ecosystem.empty()) {
    d.note = "no advisory ecosystem for this OS release; only Debian and Ubuntu are matched";
    return d;
  }
  auto all = findVulnerabilities(machine, index);
  for (auto& v : all) {
    if (v.severity == Severity::Unimportant && !match.group->includeUnimportant) {
      ++d.ignoredUnimportant;
      continue;
    }
    d.vulnerabilities.push_back(std::move(v));
  }
  const std::string label = match.group == &policy.defaults ? std::string("[defaults]")
                                                           : "group " + d.group + " (" + d.groupRule + ")";
  chooseMeasures(machine, *match.group, label, now, d);
  return d;
}

}  // namespace portcullis::diagnosis
