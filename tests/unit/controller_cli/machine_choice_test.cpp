#include <doctest/doctest.h>

#include "controller/cli/machine_choice.h"

using namespace portcullis::controller::cli;
using portcullis::store::MachineSummary;

namespace {

MachineSummary machine(const std::string& id, const std::string& hostname, std::int64_t lastSeen) {
  MachineSummary m;
  m.id = id;
  m.hostname = hostname;
  m.lastSeen = lastSeen;
  return m;
}

std::vector<std::string> ids(const MachineChoice& c) {
  std::vector<std::string> out;
  for (const auto& m : c.fits) out.push_back(m.id);
  return out;
}

const std::vector<MachineSummary> kFleet = {
    machine("id-a", "web", 100), machine("id-b", "twin", 200), machine("id-c", "twin", 300),
    machine("id-d", "db", 50),   machine("web", "other", 10),
};

}  // namespace

TEST_CASE("a machine is chosen by its id, or by a host name only it has") {
  CHECK(ids(chooseMachine("id-b", kFleet)) == std::vector<std::string>{"id-b"});
  CHECK(chooseMachine("id-b", kFleet).chosen());
  CHECK(ids(chooseMachine("db", kFleet)) == std::vector<std::string>{"id-d"});
}

TEST_CASE("an id wins over a host name that happens to be the same word") {
  CHECK(ids(chooseMachine("web", kFleet)) == std::vector<std::string>{"web"});
}

TEST_CASE("a host name several machines share chooses none: all of them, most recently seen first") {
  const auto c = chooseMachine("twin", kFleet);
  CHECK_FALSE(c.chosen());
  CHECK(ids(c) == std::vector<std::string>{"id-c", "id-b"});
}

TEST_CASE("a word no machine has chooses none") {
  const auto c = chooseMachine("nobody", kFleet);
  CHECK_FALSE(c.chosen());
  CHECK(c.fits.empty());
  CHECK(chooseMachine("", kFleet).fits.empty());
  CHECK(chooseMachine("TWIN", kFleet).fits.empty());  // host names are compared exactly
}
