// The recovery system's findings enter as alerts: a sighting of damage (an
// antivirus detection, a known-bad file) opens an incident tied to its
// machine and address as it begins, once; one that comes back after it
// was cleared is a new alert; sightings from before are not replayed.
#include "controller/incidents_edge/damage_alerts.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <random>

#include <unistd.h>

#include "controller/store/store.h"
#include "tests/unit/controller_store/store_test_support.h"

using namespace portcullis;

TEST_CASE("damage sightings open incidents as they begin, once each, tied to their machine") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("damage-alerts-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  {
    auto store = store::Store::openSqlite(dir / "c.db");
    // m1 reports 10.0.0.5 on eth0 (store_test_support's makeInfo).
    store->writeReports({store::testing::fullReport("m1", store::testing::makeInfo("web-1", 3), 1'000)});
    incidents::DamageAlerts damage(store->sensors(), *store, store->incidents(), 600'000'000, 1000);
    CHECK(damage.run().empty());
    const std::string bad = "sha256:" + std::string(64, 'e');
    store->sensors().recordSightings("m1", {"signature:Win.Test.EICAR_HDB-1", bad}, 2'000);
    const auto opened = damage.run();
    REQUIRE(opened.size() == 2);
    CHECK(opened[0].rule == "portcullis:damage:signature:Win.Test.EICAR_HDB-1");
    CHECK(opened[0].signature == "Malware found by the antivirus: Win.Test.EICAR_HDB-1 on web-1");
    CHECK(opened[0].severity == 1);
    REQUIRE_FALSE(opened[0].hosts.empty());
    CHECK(opened[0].hosts.at(0).address.text() == "10.0.0.5");
    CHECK(opened[0].hosts.at(0).machineId == "m1");
    CHECK(opened[1].signature == "Malware of the known-bad list (sha256 " + std::string(64, 'e') + ") on web-1");
    const auto alerts = store->incidents().incidentAlerts(opened[0].id, 10);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].destinationMachine == "m1");
    CHECK(alerts[0].alert.atUs == 2'000LL * 1'000'000);

    // Seen again at the next scan: nothing new.
    store->sensors().recordSightings("m1", {"signature:Win.Test.EICAR_HDB-1", bad}, 2'100);
    CHECK(damage.run().empty());
    // Cleaned, then back: a new alert, joining the incident still within the window.
    store->sensors().recordSightings("m1", {bad}, 2'200);
    CHECK(damage.run().empty());
    store->sensors().recordSightings("m1", {"signature:Win.Test.EICAR_HDB-1", bad}, 2'300);
    CHECK(damage.run().empty());
    CHECK(store->incidents().incident(opened[0].id)->alerts == 2);
    // Much later, back again: an incident of its own.
    store->sensors().recordSightings("m1", {bad}, 3'000);
    store->sensors().recordSightings("m1", {"signature:Win.Test.EICAR_HDB-1", bad}, 9'000);
    const auto later = damage.run();
    REQUIRE(later.size() == 1);
    CHECK(later[0].id != opened[0].id);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a detection's name from an agent reaches an incident as one clean line") {
  store::BegunSighting b;
  b.seq = 4;
  b.sighting.sign = "signature:Evil\nrule\tname\x1b[31m";
  b.sighting.machineId = "m1";
  b.sighting.firstSeen = 10;
  const auto a = incidents::alertOfSighting(b, "web-1", {});
  CHECK(a.signature.find('\n') == std::string::npos);
  CHECK(a.signature.find('\t') == std::string::npos);
  CHECK(a.signature.find('\x1b') == std::string::npos);
  CHECK(a.ruleName.find('\n') == std::string::npos);
  CHECK(a.origin == "sighting:4:m1");
}
