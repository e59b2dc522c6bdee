// Many agents at once, a controller killed without warning, a clean stop.
#include <doctest/doctest.h>

#include <signal.h>

#include <atomic>
#include <set>
#include <thread>

#include "tests/integration/controller_fixture.h"

using namespace portcullis;
using namespace portcullis::testing;

namespace {

std::vector<agent::AgentConfig> enrollMany(const ControllerFixture& c, int count, const std::string& prefix) {
  std::vector<agent::AgentConfig> configs;
  for (int i = 0; i < count; ++i)
    configs.push_back(c.enroll(c.root() + "/" + prefix + std::to_string(i), prefix + std::to_string(i)));
  return configs;
}

}  // namespace

TEST_CASE("200 agents reporting at once are all stored") {
  ControllerFixture c;
  constexpr int kAgents = 200;
  auto configs = enrollMany(c, kAgents, "agent-");
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kAgents; ++i)
    threads.emplace_back([&, i] {
      agent::AgentRunner runner(configs[i], fakeMachine("agent-" + std::to_string(i), 200));
      if (runner.runOnce()) ++acknowledged;
    });
  for (auto& t : threads) t.join();
  CHECK(acknowledged == kAgents);
  auto machines = c.openStore()->machines();
  CHECK(machines.size() == kAgents);
  std::set<std::string> hosts;
  for (const auto& m : machines) {
    hosts.insert(m.hostname);
    CHECK(m.packageCount == 200);
  }
  CHECK(hosts.size() == kAgents);
}

TEST_CASE("kill -9 of the controller loses no acknowledged report") {
  ControllerFixture c;
  constexpr int kAgents = 40;
  auto configs = enrollMany(c, kAgents, "crash-");
  std::vector<std::atomic<bool>> acked(kAgents);
  std::vector<std::thread> threads;
  std::atomic<int> started{0};
  for (int i = 0; i < kAgents; ++i)
    threads.emplace_back([&, i] {
      ++started;
      agent::AgentRunner runner(configs[i], fakeMachine("crash-" + std::to_string(i), 500));
      acked[i] = runner.runOnce();
    });
  // Kill while reports are in flight: once some are acknowledged, before all are.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int n = 0;
    for (auto& a : acked) n += a ? 1 : 0;
    if (n >= 5) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(c.stop(SIGKILL) == -SIGKILL);
  for (auto& t : threads) t.join();

  auto store = c.openStore();
  int ackedCount = 0;
  for (int i = 0; i < kAgents; ++i) {
    if (!acked[i]) continue;
    ++ackedCount;
    auto m = store->machine("crash-" + std::to_string(i));
    CHECK_MESSAGE(m.has_value(), "acknowledged report of crash-" << i << " is missing");
    if (m) CHECK(m->summary.packageCount == 500);
  }
  MESSAGE(ackedCount << " of " << kAgents << " reports were acknowledged before the kill");
  CHECK(ackedCount >= 5);

  // The controller comes back on the same store and the rest report.
  c.start();
  int late = 0;
  for (int i = 0; i < kAgents; ++i) {
    if (acked[i]) continue;
    agent::AgentRunner runner(configs[i], fakeMachine("crash-" + std::to_string(i), 500));
    late += runner.runOnce() ? 1 : 0;
  }
  CHECK(late == kAgents - ackedCount);
  CHECK(c.openStore()->machines().size() == static_cast<std::size_t>(kAgents));
}

TEST_CASE("SIGTERM stops the controller cleanly") {
  ControllerFixture c;
  auto config = c.enroll(c.root() + "/agent", "calm");
  agent::AgentRunner runner(config, fakeMachine("calm"));
  REQUIRE(runner.runOnce());
  CHECK(c.stop(SIGTERM) == 0);
  const auto log = c.log();
  CHECK(log.find("CONTROLLER_STOPPING signal=15") != std::string::npos);
  CHECK(log.find("CONTROLLER_STOPPED reports_stored=1") != std::string::npos);
}

TEST_CASE("an agent that cannot reach the controller keeps its report and sends it later") {
  ControllerFixture c;
  auto config = c.enroll(c.root() + "/agent", "patient");
  c.stop(SIGTERM);
  {
    agent::AgentRunner runner(config, fakeMachine("patient"));
    CHECK_FALSE(runner.runOnce());
    CHECK(runner.lastError().find("connect") != std::string::npos);
  }
  c.start();
  agent::AgentRunner runner(config, fakeMachine("patient"));
  CHECK(runner.runOnce());
  CHECK(c.openStore()->machine("patient").has_value());
}
