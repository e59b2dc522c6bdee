// Diagnosis against records shaped as Debian publishes them: source package
// names, one entry per Debian release, ECOSYSTEM ranges in dpkg versions.
#include <doctest/doctest.h>

#include <algorithm>

#include "controller/diagnosis/diagnosis.h"

using namespace portcullis::diagnosis;
namespace feeds = portcullis::feeds;

namespace {

std::string record(const std::string& id, const std::string& ecosystem, const std::string& source,
                   const std::string& fixed, const std::string& urgency) {
  std::string events = R"({"introduced": "0"})";
  if (!fixed.empty()) events += R"(, {"fixed": ")" + fixed + "\"}";
  return R"({"id": ")" + id + R"(", "modified": "2026-01-01T00:00:00Z", "aliases": ["CVE-)" + id.substr(id.size() - 4) +
         R"("], "affected": [{"package": {"ecosystem": ")" + ecosystem + R"(", "name": ")" + source +
         R"("}, "ranges": [{"type": "ECOSYSTEM", "events": [)" + events +
         R"(]}], "ecosystem_specific": {"urgency": ")" + urgency + R"("}}]})";
}

void add(AdvisoryIndex& index, const std::string& json) {
  auto adv = feeds::parseOsvAdvisory(json);
  REQUIRE_MESSAGE(adv.ok(), (adv.ok() ? "" : adv.error()));
  index.upsert(std::move(*adv));
}

MachineFacts machine() {
  MachineFacts m;
  m.identity = {"m1", "web1", {"10.0.0.5/24"}};
  m.ecosystem = "Debian:12";
  m.packages = {
      {"libssl3", "3.0.9-1", "openssl", "3.0.9-1"},
      {"openssl", "3.0.9-1", "openssl", "3.0.9-1"},
      {"nginx", "1.22.1-9", "nginx", "1.22.1-9"},
      {"libexample1", "5.0", "example", "1.4-2"},  // Source: example (1.4-2)
      {"bash", "5.2.15-2+b2", "bash", "5.2.15-2"},
  };
  m.listening = {{"nginx", "nginx", 80, false}, {"nginx", "nginx", 443, false}};
  return m;
}

Policy policy(const std::string& text) {
  auto p = parsePolicy(text, "policy.conf");
  REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error()));
  return *p;
}

const Measure* find(const Diagnosis& d, Measure::Kind kind, const std::string& advisory) {
  for (const auto& m : d.measures)
    if (m.kind == kind && m.advisory == advisory) return &m;
  return nullptr;
}

}  // namespace

TEST_CASE("binary packages are matched through their source package and its version") {
  AdvisoryIndex index;
  add(index, record("DSA-0001", "Debian:12", "openssl", "3.0.11-1~deb12u2", "high"));
  add(index, record("DSA-0002", "Debian:12", "example", "1.4-3", "medium"));
  add(index, record("DSA-0003", "Debian:11", "nginx", "1.18.0-6.1+deb11u3", "high"));
  add(index, record("DSA-0004", "Debian:12", "bash", "5.2.15-2", "low"));  // fixed = installed source

  auto v = findVulnerabilities(machine(), index);
  REQUIRE(v.size() == 3);
  CHECK(v[0].source == "example");
  CHECK(v[0].package == "libexample1");
  CHECK(v[0].installed == "5.0");  // the binary's own version is shown...
  CHECK(v[0].sourceVersion == "1.4-2");  // ...but the source version is compared
  CHECK(v[1].package == "libssl3");
  CHECK(v[2].package == "openssl");
  CHECK(*v[1].fixed == "3.0.11-1~deb12u2");
  CHECK(v[1].aliases == std::vector<std::string>{"CVE-0001"});
  CHECK(v[1].severity == Severity::High);
  // Debian:11's nginx record does not apply to a Debian 12 machine.
  CHECK(std::none_of(v.begin(), v.end(), [](auto& x) { return x.source == "nginx"; }));
}

TEST_CASE("no fixed event means no patch; a critical hole in a listening service quarantines") {
  AdvisoryIndex index;
  add(index, record("DEBIAN-CVE-2026-0100", "Debian:12", "nginx", "", "high"));
  auto adv = feeds::parseOsvAdvisory(R"({"id": "DEBIAN-CVE-2026-0101", "severity": [{"type": "CVSS_V3",
    "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}], "affected": [{"package": {"ecosystem": "Debian:12",
    "name": "nginx"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]})");
  REQUIRE(adv.ok());
  index.upsert(std::move(*adv));

  const auto d = diagnose(machine(), index, policy(""), 0);
  REQUIRE(d.vulnerabilities.size() == 2);
  CHECK_FALSE(d.vulnerabilities[0].fixed.has_value());
  CHECK(d.vulnerabilities[0].listening);
  CHECK(find(d, Measure::Kind::Patch, "DEBIAN-CVE-2026-0100") == nullptr);
  const Measure* filter = find(d, Measure::Kind::Filter, "DEBIAN-CVE-2026-0100");
  REQUIRE(filter);
  CHECK(filter->package == "nginx");
  CHECK(filter->services.size() == 2);
  CHECK(filter->reason.find("no fix published") != std::string::npos);
  CHECK(filter->reason.find("nginx on tcp/80") != std::string::npos);
  // Only the critical one (CVSS 9.8) quarantines; urgency high does not.
  CHECK(find(d, Measure::Kind::Quarantine, "DEBIAN-CVE-2026-0101"));
  CHECK_FALSE(find(d, Measure::Kind::Quarantine, "DEBIAN-CVE-2026-0100"));
  CHECK(d.group == "default");
}

TEST_CASE("unimportant advisories are ignored unless the group includes them") {
  AdvisoryIndex index;
  add(index, record("DEBIAN-CVE-2026-0200", "Debian:12", "openssl", "", "unimportant"));
  auto d = diagnose(machine(), index, policy(""), 0);
  CHECK(d.vulnerabilities.empty());
  CHECK(d.ignoredUnimportant == 2);
  d = diagnose(machine(), index, policy("[group all]\nhosts = *\ninclude_unimportant = yes\n"), 0);
  CHECK(d.vulnerabilities.size() == 2);
  REQUIRE(d.unmeasured.size() == 1);
  CHECK(d.unmeasured[0].reason.find("no fix published") != std::string::npos);
}

TEST_CASE("the group's patching mode, never-patch list and windows shape the patch") {
  AdvisoryIndex index;
  add(index, record("DSA-0300", "Debian:12", "openssl", "3.0.11-1~deb12u2", "high"));
  add(index, record("DSA-0301", "Debian:12", "nginx", "1.22.1-9+deb12u1", "high"));

  SUBCASE("auto, no window: patch now, no filter needed") {
    const auto d = diagnose(machine(), index, policy(""), 0);
    const Measure* patch = find(d, Measure::Kind::Patch, "DSA-0300");
    REQUIRE(patch);
    CHECK(patch->waitsFor.empty());
    CHECK(patch->packages == std::vector<std::string>{"libssl3", "openssl"});
    CHECK(patch->fixed == "3.0.11-1~deb12u2");
    CHECK_FALSE(find(d, Measure::Kind::Filter, "DSA-0301"));
  }
  SUBCASE("approve: the patch waits and the listening service is filtered meanwhile") {
    const auto d = diagnose(machine(), index, policy("[group web]\nhosts = web*\npatching = approve\n"), 0);
    const Measure* patch = find(d, Measure::Kind::Patch, "DSA-0301");
    REQUIRE(patch);
    CHECK(patch->waitsFor == "approval");
    CHECK(patch->reason.find("group web (hosts = web*)") != std::string::npos);
    REQUIRE(find(d, Measure::Kind::Filter, "DSA-0301"));
    CHECK_FALSE(find(d, Measure::Kind::Filter, "DSA-0300"));  // openssl has no listener
  }
  SUBCASE("never_patch by pattern blocks the patch; stop_service replaces the filter") {
    const auto d = diagnose(machine(), index,
                            policy("[group web]\nhosts = web*\nnever_patch = ngin*\nstop_service = yes\n"), 0);
    CHECK_FALSE(find(d, Measure::Kind::Patch, "DSA-0301"));
    const Measure* stop = find(d, Measure::Kind::StopService, "DSA-0301");
    REQUIRE(stop);
    CHECK(stop->reason.find("never_patch = ngin*") != std::string::npos);
    CHECK(find(d, Measure::Kind::Patch, "DSA-0300"));
  }
  SUBCASE("outside the maintenance window the patch waits") {
    // 2026-11-23 was a Monday; the window is on Saturdays.
    const auto d = diagnose(machine(), index,
                            policy("[defaults]\nmaintenance_windows = Sat 02:00-04:00\n"), 1795435200);
    const Measure* patch = find(d, Measure::Kind::Patch, "DSA-0300");
    REQUIRE(patch);
    CHECK(patch->waitsFor == "maintenance window");
    CHECK(find(d, Measure::Kind::Filter, "DSA-0301"));
  }
  SUBCASE("below the filter threshold nothing but the reason") {
    const auto d = diagnose(machine(), index, policy("[defaults]\npatching = never\nfilter_from = critical\n"), 0);
    CHECK(d.measures.empty());
    REQUIRE(d.unmeasured.size() == 2);
    CHECK(d.unmeasured[0].reason.find("patching = never") != std::string::npos);
  }
}

TEST_CASE("a new or replaced advisory is seen at once and names the packages it touches") {
  AdvisoryIndex index;
  add(index, record("DSA-0400", "Debian:12", "openssl", "3.0.8-1", "high"));
  CHECK(findVulnerabilities(machine(), index).empty());  // 3.0.9-1 is past the fix
  auto replaced = feeds::parseOsvAdvisory(record("DSA-0400", "Debian:12", "openssl", "3.0.10-1", "high"));
  REQUIRE(replaced.ok());
  const auto touched = index.upsert(std::move(*replaced));
  REQUIRE(touched.size() == 1);
  CHECK(touched[0].package == "openssl");
  CHECK(findVulnerabilities(machine(), index).size() == 2);
  CHECK(index.remove("DSA-0400").size() == 1);
  CHECK(findVulnerabilities(machine(), index).empty());
  CHECK(index.size() == 0);
}

TEST_CASE("an OS with no advisory ecosystem is said so, not reported clean") {
  AdvisoryIndex index;
  MachineFacts m = machine();
  m.ecosystem = ecosystemFor("fedora", "40");
  const auto d = diagnose(m, index, policy(""), 0);
  CHECK_FALSE(d.note.empty());
  CHECK(ecosystemFor("debian", "12") == "Debian:12");
  CHECK(ecosystemFor("debian", "11.9") == "Debian:11");
  CHECK(ecosystemFor("debian", "") == "");
}
