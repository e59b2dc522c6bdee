// A page of machines from the store: filtered by state and by a plain-text
// part of the host name or id, ordered by host name then id, with the total
// of all that match.
#include <doctest/doctest.h>

#include "tests/unit/controller_store/store_test_support.h"

using namespace portcullis;
using namespace portcullis::store;
using namespace portcullis::store::testing;

TEST_CASE("machines come a page at a time, filtered in the store, with the total") {
  StoreFixture f;
  for (int i = 0; i < 25; ++i) {
    const auto n = std::to_string(100 + i);
    f.store->writeReports({fullReport("id-" + n, makeInfo(i % 2 ? "web-" + n : "db_" + n, 1), 1000)});
  }
  f.store->setOperatorHold("id-101", true);
  f.store->recordTransition({"id-101", admission::AdmissionState::Unknown, admission::AdmissionState::Quarantined,
                             "test", "", 1001});

  auto first = f.store->machinePage({std::nullopt, "", 0, 10});
  CHECK(first.total == 25);
  REQUIRE(first.machines.size() == 10);
  CHECK(first.machines.front().hostname == "db_100");
  auto last = f.store->machinePage({std::nullopt, "", 20, 10});
  CHECK(last.machines.size() == 5);
  CHECK(last.machines.back().hostname == "web-123");

  auto web = f.store->machinePage({std::nullopt, "web-", 0, 100});
  CHECK(web.total == 12);
  // "_" is the text searched for, not a pattern.
  CHECK(f.store->machinePage({std::nullopt, "_", 0, 100}).total == 13);
  CHECK(f.store->machinePage({std::nullopt, "%", 0, 100}).total == 0);
  CHECK(f.store->machinePage({std::nullopt, "id-107", 0, 100}).total == 1);

  const auto state = f.store->machineState("id-101");
  REQUIRE(state);
  auto held = f.store->machinePage({*state, "", 0, 100});
  CHECK(held.total >= 1);
  for (const auto& m : held.machines) CHECK(m.state == *state);
}
