// The long-running agent: it notices a change and reports it, comes back
// after the controller was away, answers commands from the outbox (each one
// carried out once, however often it is delivered), and when stopped still
// has the report in flight acknowledged.
#include <doctest/doctest.h>

#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <fstream>
#include <optional>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "common/wire/command_json.h"
#include "common/wire/command_kind.h"
#include "tests/integration/controller_fixture.h"
#include "tests/support/typed_command.h"
#include "tests/unit/agent_collectors/fake_sysfs.h"

using portcullis::admission::AdmissionState;

using namespace portcullis;
using namespace portcullis::testing;
using Clock = std::chrono::steady_clock;

namespace {

// Machine information a test can change while the agent runs.
struct MutableMachine {
  std::mutex m;
  std::string kernel = "6.1.0-1";
  agent::MachineInfoSource source(const std::string& host) {
    auto base = fakeMachine(host);
    return {[this, base] {
              auto info = base.collect();
              std::lock_guard l(m);
              info.set_kernel_release(kernel);
              return info;
            },
            base.digest};
  }
  void setKernel(const std::string& k) {
    std::lock_guard l(m);
    kernel = k;
  }
};

agent::AgentConfig quick(agent::AgentConfig c) {
  c.checkIntervalSeconds = 1;
  c.backoffInitialSeconds = 1;
  c.backoffMaxSeconds = 2;
  c.timeoutSeconds = 5;
  return c;
}

}  // namespace

TEST_CASE("a running agent reports a change without being asked") {
  ControllerFixture c;
  auto config = quick(c.enroll(c.root() + "/agent", "changing"));
  MutableMachine machine;
  std::atomic<bool> stop{false};
  agent::AgentRunner runner(config, machine.source("changing"));
  std::thread t([&] { runner.runUntil(stop); });

  auto kernel = [&] {
    auto m = c.openStore()->machine("changing");
    return m ? m->summary.kernel : std::string();
  };
  CHECK(eventually([&] { return kernel() == "6.1.0-1"; }));
  machine.setKernel("6.1.0-2");
  CHECK(eventually([&] { return kernel() == "6.1.0-2"; }));
  stop = true;
  t.join();
}

TEST_CASE("an agent comes back by itself after the controller was away") {
  ControllerFixture c;
  auto config = quick(c.enroll(c.root() + "/agent", "returning"));
  MutableMachine machine;
  std::atomic<bool> stop{false};
  agent::AgentRunner runner(config, machine.source("returning"));
  std::thread t([&] { runner.runUntil(stop); });
  auto kernel = [&] {
    auto m = c.openStore()->machine("returning");
    return m ? m->summary.kernel : std::string();
  };
  CHECK(eventually([&] { return kernel() == "6.1.0-1"; }));

  c.stop(SIGTERM);
  machine.setKernel("6.1.0-9");  // changes while the controller is away
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the agent fail and back off
  c.start();
  CHECK(eventually([&] { return kernel() == "6.1.0-9"; }, std::chrono::seconds(30)));
  stop = true;
  t.join();
  CHECK(c.logShows("AGENT_CONNECTED"));
}

TEST_CASE("an agent tries its site's controllers in turn: one that does not answer is passed over") {
  ControllerFixture c;
  auto config = c.enroll(c.root() + "/agent", "two-controllers");
  // The first controller of the list is down (nothing listens there).
  const auto down = freePort();
  config.controllers = {{"127.0.0.1", down}, {"127.0.0.1", c.port()}};
  agent::AgentRunner runner(config, fakeMachine("two-controllers"));
  REQUIRE_MESSAGE(runner.runOnce(), runner.lastError());
  CHECK(c.logShows("AGENT_CONNECTED"));
  // All of them down: the session fails, naming each.
  c.stop(SIGTERM);
  agent::AgentRunner alone(config, fakeMachine("two-controllers"));
  CHECK_FALSE(alone.runOnce());
  CHECK(alone.lastError().find("no controller answered (127.0.0.1:" + std::to_string(down)) != std::string::npos);
  CHECK(alone.lastError().find("; 127.0.0.1:" + std::to_string(c.port()) + ": ") != std::string::npos);
}

TEST_CASE("a queued command is delivered to its agent and finished by the agent's result") {
  ControllerFixture c;
  auto config = c.enroll(c.root() + "/agent", "commanded");
  {
    agent::AgentRunner first(config, fakeMachine("commanded"));
    REQUIRE(first.runOnce());
  }
  const auto id = c.openStore()->enqueueCommand(config.agentId, typedCommand("send_file_list"), 1);
  // Queued while the agent is away: it waits in the outbox, across a controller restart.
  c.stop(SIGTERM);
  c.start();
  auto state = [&] {
    for (const auto& cmd : c.openStore()->commands())
      if (cmd.id == id) return std::string(store::stateName(cmd.state));
    return std::string();
  };
  // Not finished. "delivered" is possible too: the controller sends queued
  // commands to connected agents each tick, and may have sent it to the first
  // session just as it closed; an unfinished delivered command is sent again
  // at the next Hello, so it is not lost either way.
  const auto waiting = state();
  CHECK_MESSAGE((waiting == "queued" || waiting == "delivered"), waiting);

  // A --once session ends when its report is acknowledged; a command that
  // reaches it after that waits as delivered and is sent again at the next
  // Hello. Under load that ordering happens: a few sessions, bounded.
  agent::AgentRunner runner(config, fakeMachine("commanded"));
  bool finished = false;
  for (int session = 0; session < 5 && !finished; ++session) {
    REQUIRE(runner.runOnce());
    finished = eventually([&] { return state() == "failed"; }, std::chrono::seconds(4));
  }
  CHECK_MESSAGE(finished, c.log());
  for (const auto& cmd : c.openStore()->commands())
    if (cmd.id == id) CHECK(cmd.resultDetail.find("not supported") != std::string::npos);

  auto list = c.cli({"commands", "--json"});
  CHECK(list.exitCode == 0);
  CHECK(list.out.find(id) != std::string::npos);
}

TEST_CASE("a command whose result was lost is sent again at the next Hello and answered from the journal, not run twice") {
  ControllerFixture c;
  auto config = c.enroll(c.root() + "/agent", "journaled");
  {
    agent::AgentRunner first(config, fakeMachine("journaled"));
    REQUIRE(first.runOnce());
  }
  const auto id = c.openStore()->enqueueCommand(
      config.agentId, typedCommand("stop_service", R"({"package": "nginx", "advisory": "DSA-0000-1"})"), 1);
  auto command = [&]() -> std::optional<store::OutboxCommand> {
    for (auto& cmd : c.openStore()->commands())
      if (cmd.id == id) return cmd;
    return std::nullopt;
  };
  auto state = [&] {
    auto cmd = command();
    return cmd ? std::string(store::stateName(cmd->state)) : std::string();
  };
  std::atomic<int> runs{0};
  std::string stateAtKill;
  auto carryOut = [&](const v1::Command& cmd) {
    const int run = ++runs;
    if (run == 1) {
      // The controller dies after delivering the command and before the
      // result can reach it: the command stays delivered and unfinished.
      eventually([&] { return state() == "delivered"; });
      stateAtKill = state();
      c.stop(SIGKILL);
    }
    v1::CommandResult r;
    r.set_command_id(cmd.command_id());
    r.set_ok(true);
    r.set_detail("stopped nginx.service (run " + std::to_string(run) + ")");
    return r;
  };
  {
    agent::AgentRunner lost(config, fakeMachine("journaled"), carryOut);
    lost.runOnce();  // its result went nowhere; whether its report was acknowledged does not matter here
  }
  REQUIRE(runs == 1);
  REQUIRE(stateAtKill == "delivered");
  REQUIRE(state() == "delivered");

  // Back again: the Hello of the agent's next session brings the unfinished
  // command a second time, and the agent answers it from its journal.
  const auto restartedAt = c.log().size();
  c.start();
  agent::AgentRunner again(config, fakeMachine("journaled"), carryOut);
  REQUIRE(again.runOnce());
  CHECK(eventually([&] { return state() == "done"; }));
  CHECK(c.log().find("COMMAND_DELIVERED agent=" + config.agentId + " command=" + id, restartedAt) !=
        std::string::npos);
  CHECK(runs == 1);
  CHECK(command()->resultDetail == "stopped nginx.service (run 1)");
}

namespace {

// Bytes that arrived on connections to this local port and that the program
// holding them has not read yet. This namespace is the test's own, so
// /proc/net/tcp lists only the sockets of the test and what it started.
std::size_t unreadAt(std::uint16_t port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // the header
  std::size_t total = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    fields >> slot >> local >> remote >> state >> queues;
    if (local.empty() || queues.empty() || state != "01") continue;  // 01: established
    if (std::stoul(local.substr(local.find(':') + 1), nullptr, 16) != port) continue;
    total += std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16);  // tx_queue:rx_queue
  }
  return total;
}

}  // namespace

TEST_CASE("SIGTERM while a report is in flight: the agent has it acknowledged before it exits") {
  ControllerFixture c;
  FakeSys sys("-sigterm");  // the agent reads this tree as its machine's root
  std::ofstream(sys.root / "etc/hostname") << "stopping-host\n";
  const std::string agentDir = c.root() + "/agent";
  // A plugged stick makes the report; no announces, file hashing or antivirus.
  const auto conf = c.enrollAgentProgram(
      agentDir, "s|^root = .*|root = " + sys.root.string() + "|; s|^poll_interval = .*|poll_interval = 1s|; "
                "s|^enabled = yes|enabled = no|; s|^enabled = auto|enabled = no|");
  const auto spool = agentDir + "/spool";
  const auto agentLog = c.root() + "/agent.log";
  Background agent({agentBinary(), "run", "--config", conf}, agentLog);
  const auto acknowledged = [&] { return occurrences(readText(agentLog), "REPORT_ACKNOWLEDGED"); };
  REQUIRE_MESSAGE(eventually([&] { return acknowledged() >= 1 && spooledReports(spool) == 0; }), readText(agentLog));

  // The controller stops reading (its socket still takes what the agent
  // sends); a stopped process is still killed by the fixture if a check fails.
  REQUIRE(kill(c.serverPid(), SIGSTOP) == 0);
  const auto acknowledgedBefore = acknowledged();
  sys.plugStick();
  // The equipment notice has left the agent and waits, unread, at the controller.
  REQUIRE_MESSAGE(eventually([&] { return unreadAt(c.port()) > 0; }, std::chrono::seconds(15)), readText(agentLog));
  REQUIRE(acknowledged() == acknowledgedBefore);
  REQUIRE(spooledReports(spool) >= 1);

  REQUIRE(kill(agent.pid(), SIGTERM) == 0);
  REQUIRE_MESSAGE(eventually([&] { return readText(agentLog).find("AGENT_STOPPING") != std::string::npos; }),
                  readText(agentLog));
  CHECK_MESSAGE(agent.running(), "the agent left without its acknowledgement");
  REQUIRE(kill(c.serverPid(), SIGCONT) == 0);
  REQUIRE_MESSAGE(eventually([&] { return !agent.running(); }), readText(agentLog));
  CHECK(agent.stop(SIGTERM) == 0);  // gone already: its exit status

  const auto log = readText(agentLog);
  INFO(log);
  CHECK(log.find("REPORT_ACKNOWLEDGED", log.find("AGENT_STOPPING")) != std::string::npos);
  CHECK(spooledReports(spool) == 0);  // nothing left to send at the next start
  CHECK(c.logShows("HARDWARE_CHANGE_NOTICE agent="));
}

TEST_CASE("a report handed in as the agent stops waits in its spool and goes out at the next start") {
  ControllerFixture c;
  auto config = quick(c.enroll(c.root() + "/agent", "stopped-early"));
  {
    std::atomic<bool> stop{false};
    agent::AgentRunner runner(config, fakeMachine("stopped-early"));
    std::thread t([&] { runner.runUntil(stop); });
    REQUIRE(eventually([&] { return c.openStore()->machine("stopped-early").has_value(); }));
    REQUIRE(eventually([&] { return spooledReports(config.spoolDir) == 0; }));
    // The equipment watch saw a stick come just as the daemon was told to
    // stop: its notice must not go with the process.
    stop = true;
    v1::Report notice;
    auto* stick = notice.mutable_hardware_change()->add_added();
    stick->set_kind("usb");
    stick->set_name("1-1");
    stick->set_mass_storage(true);
    runner.submit(notice);
    t.join();
  }
  CHECK(spooledReports(config.spoolDir) == 1);
  agent::AgentRunner next(config, fakeMachine("stopped-early"));
  REQUIRE(next.runOnce());
  CHECK(c.logShows("HARDWARE_CHANGE_NOTICE agent=" + config.agentId + " added=1"));
  CHECK(spooledReports(config.spoolDir) == 0);
}

TEST_CASE("a USB stick plugged in reaches the controller within seconds, not at the next check") {
  ControllerFixture c;
  FakeSys sys;  // the agent reads this tree as its machine's root
  std::ofstream(sys.root / "etc/hostname") << "stick-host\n";
  // check_interval stays at 60 s: only the equipment watch can make it quick.
  // No announces and no file hashing here: neither is under test.
  const auto conf = c.enrollAgentProgram(
      c.root() + "/agent", "s|^root = .*|root = " + sys.root.string() + "|; s|^poll_interval = .*|poll_interval = 1s|; "
                           "s|^enabled = yes|enabled = no|");
  Background agent({agentBinary(), "run", "--config", conf}, c.root() + "/agent.log");
  auto usbDevices = [&] {
    auto show = c.cli({"machine", "show", "stick-host", "--json"});
    if (show.exitCode != 0) return -1;
    auto hw = Poco::JSON::Parser().parse(show.out).extract<Poco::JSON::Object::Ptr>()->getArray("hardware");
    int n = 0;
    for (std::size_t i = 0; i < hw->size(); ++i)
      if (hw->getObject(static_cast<unsigned>(i))->getValue<std::string>("kind") == "usb" &&
          hw->getObject(static_cast<unsigned>(i))->getValue<bool>("mass_storage"))
        ++n;
    return n;
  };
  REQUIRE_MESSAGE(eventually([&] { return usbDevices() == 0; }), readText(c.root() + "/agent.log"));
  sys.plugStick();
  const auto plugged = Clock::now();
  REQUIRE_MESSAGE(eventually([&] { return usbDevices() == 1; }, std::chrono::seconds(15)),
                  readText(c.root() + "/agent.log"));
  const auto seconds = std::chrono::duration<double>(Clock::now() - plugged).count();
  MESSAGE("stick seen by the controller " << seconds << " s after it appeared");
  CHECK(seconds < 10);
  CHECK(readText(c.root() + "/agent.log").find("HARDWARE_CHANGED added=block:sdb[0781:5567],usb:1-1[0781:5567] removed=-") != std::string::npos);
}

TEST_CASE("an antivirus detection quarantines the machine and isolates it through its agent; once clean, both are undone") {
  ControllerFixture c;
  auto config = quick(c.enroll(c.root() + "/agent", "infected"));
  std::mutex m;
  bool infected = true;
  std::vector<std::pair<std::string, std::string>> received;  // kind, action as JSON
  auto base = fakeMachine("infected");
  agent::MachineInfoSource source{[&] {
                                    auto info = base.collect();
                                    auto* av = info.mutable_antivirus();
                                    av->set_engine("ClamAV 1.4.6");
                                    av->set_via("clamd");
                                    std::lock_guard l(m);
                                    if (infected) {
                                      auto* f = av->add_findings();
                                      f->set_path("/home/u/invoice.pdf.exe");
                                      f->set_signature("Win.Test.EICAR_HDB-1");
                                      f->set_sha256(std::string(64, 'e'));
                                      f->set_detected_at_unix(1700000000);
                                    }
                                    return info;
                                  },
                                  base.digest};
  std::atomic<bool> stop{false};
  agent::AgentRunner runner(config, source, [&](const v1::Command& cmd) {
    std::lock_guard l(m);
    received.emplace_back(wire::commandKind(cmd), wire::actionJson(cmd));
    v1::CommandResult r;
    r.set_command_id(cmd.command_id());
    r.set_ok(true);
    r.set_detail("done in the test");
    return r;
  });
  std::thread t([&] { runner.runUntil(stop); });
  auto got = [&](const std::string& kind) {
    std::lock_guard l(m);
    for (const auto& [k, payload] : received)
      if (k == kind) return payload;
    return std::string();
  };
  auto state = [&] { return c.openStore()->machineState(config.agentId).value_or(AdmissionState::Unknown); };

  REQUIRE(eventually([&] { return !got("isolate").empty(); }));
  CHECK(state() == AdmissionState::Quarantined);
  CHECK(got("isolate").find("damaged: Win.Test.EICAR_HDB-1 at /home/u/invoice.pdf.exe") != std::string::npos);
  CHECK(c.logShows("DAMAGE_FOUND machine=" + config.agentId));
  auto show = c.cli({"machine", "show", config.agentId});
  CHECK(show.out.find("FOUND Win.Test.EICAR_HDB-1  /home/u/invoice.pdf.exe") != std::string::npos);
  CHECK(show.out.find("damaged: Win.Test.EICAR_HDB-1") != std::string::npos);  // the transition's cause
  CHECK(show.out.find("damage range: 0 other machines") != std::string::npos);

  // A second machine with the same file, elsewhere: each is in the other's damage range.
  auto second = c.enroll(c.root() + "/agent2", "infected-too");
  auto secondBase = fakeMachine("infected-too");
  agent::MachineInfoSource secondSource{[&] {
                                          auto info = secondBase.collect();
                                          auto* f = info.mutable_antivirus()->add_findings();
                                          f->set_path("/tmp/other-name.exe");
                                          f->set_signature("Win.Test.EICAR_HDB-1");
                                          f->set_sha256(std::string(64, 'e'));
                                          return info;
                                        },
                                        secondBase.digest};
  REQUIRE(agent::AgentRunner(second, secondSource).runOnce());
  show = c.cli({"machine", "show", config.agentId});
  CHECK_MESSAGE(show.out.find("damage range: 1 other machine: " + second.agentId) != std::string::npos, show.out);
  auto json = Poco::JSON::Parser().parse(c.cli({"machine", "show", second.agentId, "--json"}).out)
                  .extract<Poco::JSON::Object::Ptr>();
  CHECK(json->getObject("antivirus")->getArray("damage_range")->getElement<std::string>(0) == config.agentId);

  {
    std::lock_guard l(m);
    infected = false;  // cleaned, and a rescan found nothing
  }
  REQUIRE(eventually([&] { return !got("release_isolation").empty(); }));
  CHECK(eventually([&] { return state() == AdmissionState::Admitted; }));
  CHECK(c.logShows("ISOLATION_LIFT_ORDERED machine=" + config.agentId));
  stop = true;
  t.join();
}
