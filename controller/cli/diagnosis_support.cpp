#include "controller/cli/diagnosis_support.h"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include "common/util/text.h"
#include "controller/cli/command_support.h"
#include "controller/config/policy_file.h"
#include "controller/feeds/archive_advisory.h"
#include "controller/feeds/osv_advisory.h"

namespace portcullis::controller::cli {

using Poco::JSON::Array;
using Poco::JSON::Object;
namespace dx = portcullis::diagnosis;

Result<dx::Policy> policyFor(const ControllerConfig& config) {
  if (!std::filesystem::exists(config.policyFile)) {
    std::cerr << "portcullis-controller: warning: policy file " << config.policyFile.string()
              << " does not exist; using the built-in defaults\n";
    dx::Policy p;
    p.source = "(built-in defaults)";
    return p;
  }
  return loadPolicyFile(config.policyFile);
}

void loadIndex(store::Store& store, dx::AdvisoryIndex& index, std::size_t& skipped) {
  skipped = 0;
  for (const auto& record : store.advisoryRecords()) {
    auto adv = feeds::parseOsvAdvisory(record);
    if (!adv) {
      ++skipped;
      continue;
    }
    index.upsert(std::move(*adv));
  }
}


// Advisory ids, packages, versions and reasons come from feeds and agents:
// each is shown escaped, padded to its column after escaping.
void printDiagnosis(std::ostream& out, const dx::Diagnosis& d, const std::string& in) {
  // The advisory column as wide as its longest id (an archive record's
  // "APT:bookworm-security/ca-certificates" is longer than a DSA's), within reason.
  std::size_t idWidth = 22;
  for (const auto& v : d.vulnerabilities) idWidth = std::max(idWidth, std::min<std::size_t>(shown(v.advisory).size(), 44));
  const int w = static_cast<int>(idWidth);
  out << in << "group:       " << shown(d.group) << " (" << shown(d.groupRule) << ")\n";
  if (!d.note.empty()) out << in << "note:        " << shown(d.note) << "\n";
  out << in << "vulnerabilities: " << d.vulnerabilities.size();
  if (d.ignoredUnimportant) out << " (" << d.ignoredUnimportant << " marked unimportant not shown)";
  out << "\n";
  for (const auto& v : d.vulnerabilities) {
    out << in << "  " << std::left << std::setw(w) << shown(v.advisory) << " " << std::setw(24) << shown(v.package)
        << " " << std::setw(20) << shown(v.installed) << " fixed " << std::setw(20)
        << (v.fixed ? shown(*v.fixed) : "(none yet)") << " " << dx::severityName(v.severity);
    if (v.source != v.package) out << "  source " << shown(v.source) << " " << shown(v.sourceVersion);
    std::string aliases;
    for (const auto& a : v.aliases) aliases += (aliases.empty() ? "" : ",") + a;
    if (!aliases.empty()) out << "  " << shown(aliases);
    if (!v.sameFix.empty()) out << "  same fix: " << shown(v.sameFix);
    out << "\n";
  }
  const auto sources = dx::vulnerableSources(d.vulnerabilities);
  if (!sources.empty()) out << in << "vulnerable source packages: " << sources.size() << "\n";
  for (const auto& s : sources) {
    std::string binaries;
    for (const auto& b : s.binaries) binaries += (binaries.empty() ? "" : ", ") + b;
    out << in << "  " << std::left << std::setw(24) << shown(s.source) << " " << std::setw(20) << shown(s.sourceVersion)
        << " fixed " << std::setw(20) << (s.fixed ? shown(*s.fixed) : "(none yet)") << " binaries: " << shown(binaries)
        << "\n";
  }
  out << in << "measures: " << d.measures.size() << "\n";
  for (const auto& m : d.measures)
    out << in << "  " << std::left << std::setw(12) << dx::measureKindName(m.kind) << " " << std::setw(w)
        << shown(m.advisory) << " " << std::setw(20) << shown(m.package) << " " << shown(m.reason) << "\n";
  if (!d.unmeasured.empty()) {
    out << in << "no measure: " << d.unmeasured.size() << "\n";
    for (const auto& u : d.unmeasured)
      out << in << "  " << std::left << std::setw(w) << shown(u.advisory) << " " << std::setw(20) << shown(u.package)
          << " " << shown(u.reason) << "\n";
  }
}

}  // namespace portcullis::controller::cli
