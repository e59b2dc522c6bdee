#include <doctest/doctest.h>

#include <map>

#include "controller/diagnosis/fleet_diagnosis.h"

using namespace portcullis::diagnosis;
namespace feeds = portcullis::feeds;

namespace {

feeds::OsvAdvisory advisory(const std::string& id, const std::string& source, const std::string& fixed,
                            const std::string& urgency) {
  feeds::OsvAdvisory a;
  a.id = id;
  feeds::OsvAffected aff;
  aff.ecosystem = "Debian:12";
  aff.package = source;
  aff.urgency = urgency;
  feeds::OsvRange r{"ECOSYSTEM", {{feeds::OsvEvent::Kind::Introduced, "0"}}};
  if (!fixed.empty()) r.events.push_back({feeds::OsvEvent::Kind::Fixed, fixed});
  aff.ranges.push_back(r);
  a.affected.push_back(aff);
  return a;
}

MachineFacts machine(const std::string& id, const std::string& host, const std::string& opensslVersion) {
  MachineFacts m;
  m.identity = {id, host, {}};
  m.ecosystem = "Debian:12";
  m.packages = {{"libssl3", opensslVersion, "openssl", opensslVersion},
                {"openssl", opensslVersion, "openssl", opensslVersion},
                {"nginx", "1.22.1-9", "nginx", "1.22.1-9"},
                {"zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1"}};
  m.listening = {{"nginx", "nginx", 80, false}};
  return m;
}

Policy policy() {
  auto p = parsePolicy("[group db]\nhosts = db*\npatching = approve\nnever_patch = zlib*\n", "p");
  REQUIRE(p.ok());
  return *p;
}

}  // namespace

TEST_CASE("the fleet engine gives each machine the same diagnosis as diagnosing it alone") {
  FleetDiagnosis fleet(policy());
  AdvisoryIndex alone;
  for (auto a : {advisory("DSA-1", "openssl", "3.0.11-1", "high"), advisory("DSA-2", "nginx", "", "high"),
                 advisory("DSA-3", "zlib", "1:1.2.13.dfsg-1+deb12u1", "medium"),
                 advisory("DSA-4", "openssl", "", "unimportant")}) {
    fleet.loadAdvisory(a);
    alone.upsert(a);
  }
  const std::vector<MachineFacts> machines{machine("a", "web1", "3.0.9-1"), machine("b", "db1", "3.0.9-1"),
                                           machine("c", "web2", "3.0.11-1")};
  for (const auto& m : machines) fleet.setMachine(m);
  CHECK(fleet.tupleCount() == 6);  // a and b share all four tuples; c adds two

  std::map<std::string, DiagnosisCounts> counts;
  fleet.countAll(0, [&](const std::string& id, const DiagnosisCounts& c) { counts[id] = c; });
  REQUIRE(counts.size() == 3);
  for (const auto& m : machines) {
    const Diagnosis expected = diagnose(m, alone, fleet.policy(), 0);
    const auto got = fleet.diagnosis(m.identity.id, 0);
    REQUIRE(got);
    CHECK(got->vulnerabilities.size() == expected.vulnerabilities.size());
    CHECK(got->measures.size() == expected.measures.size());
    CHECK(got->group == expected.group);
    const auto& c = counts[m.identity.id];
    CHECK(c.vulnerabilities == expected.vulnerabilities.size());
    CHECK(c.ignoredUnimportant == expected.ignoredUnimportant);
    std::size_t patches = 0, protections = 0;
    for (const auto& x : expected.measures) {
      patches += x.kind == Measure::Kind::Patch;
      protections += x.kind == Measure::Kind::Filter || x.kind == Measure::Kind::StopService;
    }
    CHECK(c.patchesNow + c.patchesWaiting == patches);
    CHECK(c.protections == protections);
    CHECK(c.unmeasured == expected.unmeasured.size());
  }
  CHECK(counts["a"].patchesNow == 2);     // openssl, zlib
  CHECK(counts["b"].patchesWaiting == 1);  // openssl waits for approval; zlib is never patched on db*
  CHECK(counts["c"].vulnerabilities == 2);  // nginx, zlib: openssl is fixed there
}

TEST_CASE("a new advisory reaches exactly the machines holding an affected version") {
  FleetDiagnosis fleet(policy());
  fleet.setMachine(machine("a", "web1", "3.0.9-1"));
  fleet.setMachine(machine("b", "db1", "3.0.9-1"));
  fleet.setMachine(machine("c", "web2", "3.0.11-1"));
  std::map<std::string, Diagnosis> told;
  fleet.upsertAdvisory(advisory("DSA-9", "openssl", "3.0.10-1", "high"), 0,
                       [&](const std::string& id, const Diagnosis& d) { told[id] = d; });
  REQUIRE(told.size() == 2);
  CHECK(told.count("a"));
  CHECK(told.count("b"));
  CHECK(told["a"].vulnerabilities.size() == 2);  // libssl3 and openssl
  REQUIRE(told["a"].measures.size() == 1);
  CHECK(told["a"].measures[0].kind == Measure::Kind::Patch);
  CHECK(told["b"].measures[0].waitsFor == "approval");

  // Replaced with a later fix: now c is affected too, and its full diagnosis shows it.
  told.clear();
  fleet.upsertAdvisory(advisory("DSA-9", "openssl", "3.0.12-1", "high"), 0,
                       [&](const std::string& id, const Diagnosis& d) { told[id] = d; });
  CHECK(told.size() == 3);
  CHECK(fleet.diagnosis("c", 0)->vulnerabilities.size() == 2);

  fleet.removeMachine("c");
  CHECK_FALSE(fleet.diagnosis("c", 0));
}

TEST_CASE("a policy change regroups machines") {
  FleetDiagnosis fleet(policy());
  fleet.loadAdvisory(advisory("DSA-1", "openssl", "3.0.11-1", "high"));
  fleet.setMachine(machine("a", "web1", "3.0.9-1"));
  CHECK(fleet.diagnosis("a", 0)->group == "default");
  auto p = parsePolicy("[group web]\nhosts = web*\npatching = never\n", "p");
  REQUIRE(p.ok());
  fleet.setPolicy(*p);
  const auto d = fleet.diagnosis("a", 0);
  CHECK(d->group == "web");
  CHECK(d->measures.empty());
}

namespace {

// A machine reporting `count` packages no other machine has: fresh names,
// and fresh versions of a package an advisory names.
MachineFacts freshMachine(const std::string& id, int report, int count) {
  MachineFacts m;
  m.identity = {id, id, {}};
  m.ecosystem = "Debian:12";
  const auto tag = std::to_string(report);
  for (int i = 0; i < count; ++i) {
    const auto n = std::to_string(i);
    m.packages.push_back({"pkg-" + tag + "-" + n, "1." + n, "src-" + tag + "-" + n, "1." + n});
    m.packages.push_back({"libssl3", "3.0.1." + tag + "." + n, "openssl", "3.0.1." + tag + "." + n});
  }
  return m;
}

}  // namespace

TEST_CASE("names no machine reports any more are let go, and what machines share is kept") {
  FleetDiagnosis fleet(policy());
  fleet.loadAdvisory(advisory("DSA-1", "openssl", "3.0.11-1", "high"));
  fleet.setMachine(machine("keeper", "web1", "3.0.9-1"));
  const auto tuples = fleet.tupleCount(), pooled = fleet.pooledCount();
  const auto remembered = fleet.index().rememberedVersions();
  const auto keeperBefore = fleet.diagnosis("keeper", 0)->vulnerabilities.size();

  // One machine sends reports of fresh names, one after the other: only its
  // latest report's names are held.
  for (int report = 0; report < 5; ++report) {
    fleet.setMachine(freshMachine("churner", report, 500));
    CHECK(fleet.tupleCount() == tuples + 1000);
    CHECK(fleet.index().rememberedVersions() == remembered + 500);
  }
  // Its latest names are diagnosed (every fresh openssl version is affected).
  CHECK(fleet.diagnosis("churner", 0)->vulnerabilities.size() == 500);

  fleet.removeMachine("churner");
  CHECK(fleet.tupleCount() == tuples);
  CHECK(fleet.pooledCount() == pooled);
  CHECK(fleet.index().rememberedVersions() == remembered);
  CHECK(fleet.machineCount() == 1);

  // The machine that stayed lost nothing, and its matches still point at live memory.
  CHECK(fleet.diagnosis("keeper", 0)->vulnerabilities.size() == keeperBefore);
  std::map<std::string, Diagnosis> told;
  fleet.upsertAdvisory(advisory("DSA-2", "openssl", "3.0.12-1", "high"), 0,
                       [&](const std::string& id, const Diagnosis& d) { told[id] = d; });
  CHECK(told.size() == 1);
  CHECK(told.count("keeper"));

  // A replaced machine keeps the tuples its old and new reports share.
  fleet.setMachine(machine("keeper", "web1", "3.0.9-1"));
  CHECK(fleet.tupleCount() == tuples);
  fleet.setMachine(machine("second", "web2", "3.0.9-1"));
  CHECK(fleet.tupleCount() == tuples);
  fleet.removeMachine("keeper");
  CHECK(fleet.tupleCount() == tuples);  // second holds them all
  CHECK(fleet.diagnosis("second", 0)->vulnerabilities.size() == told["keeper"].vulnerabilities.size() + keeperBefore);
  fleet.removeMachine("second");
  CHECK(fleet.tupleCount() == 0);
  CHECK(fleet.pooledCount() == 0);
  CHECK(fleet.index().rememberedVersions() == 0);
}
