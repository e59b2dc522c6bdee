// The packages' layout with the real programs: configuration printed by
// default-config in one directory, keys, store and enrollment in state
// directories; the controller's first start (init --config), an agent
// enrolled with --config, and root acting as the state's owner.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

#include "tests/integration/process.h"

using namespace portcullis::testing;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// etc/controller.conf and etc/policy.conf as the package ships them, with
// state under root/state and the listener on loopback.
std::string packagedController(const std::string& root, std::uint16_t port) {
  fs::create_directories(root + "/etc");
  auto conf = run({controllerBinary(), "default-config", "--listen", "127.0.0.1:" + std::to_string(port),
                   "--state-dir", root + "/state"});
  REQUIRE_MESSAGE(conf.exitCode == 0, conf.err);
  writeText(root + "/etc/controller.conf", conf.out);
  auto policy = run({controllerBinary(), "default-config", "--policy"});
  REQUIRE(policy.exitCode == 0);
  writeText(root + "/etc/policy.conf", policy.out);
  return root + "/etc/controller.conf";
}

}  // namespace

TEST_CASE("init --config makes what the configuration names, once; a lost server certificate is issued again") {
  TempDir t;
  const auto conf = packagedController(t.path, 9443);
  const auto state = t.path + "/state";

  auto first = run({controllerBinary(), "init", "--config", conf, "--if-missing"});
  REQUIRE_MESSAGE(first.exitCode == 0, first.err);
  CHECK(has(first.out, "CA:              new " + state + "/ca.crt"));
  CHECK(has(first.out, "To enroll an agent:"));
  CHECK(has(first.out, "portcullis-controller enroll-token --config " + conf));
  CHECK(has(first.out, "portcullis-agent enroll --controller 127.0.0.1:9443 --token TOKEN --ca-sha256 "));
  for (const char* made : {"/ca.crt", "/server.crt", "/private/ca.key", "/private/server.key", "/controller.db"})
    CHECK_MESSAGE(fs::exists(state + made), made);
  CHECK((fs::status(state + "/private/ca.key").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK_FALSE(fs::exists(t.path + "/etc/ca.crt"));  // nothing generated beside the configuration
  const std::string ca = readText(state + "/ca.crt");

  // The unit's ExecStartPre on every later start: nothing to do, nothing said.
  auto again = run({controllerBinary(), "init", "--config", conf, "--if-missing"});
  CHECK(again.exitCode == 0);
  CHECK(again.out.empty());
  CHECK(readText(state + "/ca.crt") == ca);
  auto refused = run({controllerBinary(), "init", "--config", conf});
  CHECK(refused.exitCode == 1);
  CHECK(has(refused.err, "refusing to overwrite"));

  // A name agents use that the certificate lacks: remove it, init again with --san.
  fs::remove(state + "/server.crt");
  auto reissued = run({controllerBinary(), "init", "--config", conf, "--if-missing", "--san", "ctl.example.org"});
  REQUIRE_MESSAGE(reissued.exitCode == 0, reissued.err);
  CHECK(has(reissued.out, "CA:              kept"));
  CHECK(has(reissued.out, "ctl.example.org"));
  CHECK(readText(state + "/ca.crt") == ca);
  auto fp = run({controllerBinary(), "ca-fingerprint", "--config", conf});
  CHECK(has(reissued.out, fp.out.substr(0, 64)));

  fs::remove(state + "/private/ca.key");
  auto half = run({controllerBinary(), "init", "--config", conf, "--if-missing"});
  CHECK(half.exitCode == 1);
  CHECK(has(half.err, "only half of the CA"));
  CHECK(readText(state + "/ca.crt") == ca);
  // Both halves gone: a new CA, and a server certificate from it, not the old one.
  fs::remove(state + "/ca.crt");
  auto fresh = run({controllerBinary(), "init", "--config", conf, "--if-missing"});
  REQUIRE_MESSAGE(fresh.exitCode == 0, fresh.err);
  CHECK(has(fresh.out, "CA:              new"));
  CHECK(has(fresh.out, "server names:"));
  CHECK(readText(state + "/ca.crt") != ca);
  CHECK(has(readText(state + "/server.crt"), readText(state + "/ca.crt")));

  CHECK(run({controllerBinary(), "init", "--config", conf, "--dir", t.path}).exitCode == 2);
  CHECK(run({controllerBinary(), "default-config", "--state-dir", "relative"}).exitCode == 2);
}

TEST_CASE("an agent enrolled with --config keeps its configuration as shipped and reports") {
  TempDir t;
  const std::uint16_t port = freePort();
  const auto conf = packagedController(t.path, port);
  REQUIRE(run({controllerBinary(), "init", "--config", conf, "--if-missing"}).exitCode == 0);
  Background server({controllerBinary(), "serve", "--config", conf}, t.path + "/controller.log");
  REQUIRE_MESSAGE(waitForPort(port, std::chrono::seconds(10)), readText(t.path + "/controller.log"));
  // Logged just after the port opens.
  CHECK(eventually([&] { return has(readText(t.path + "/controller.log"), "ENROLL_WITH ca_sha256="); },
                   std::chrono::seconds(10)));

  auto shipped = run({agentBinary(), "default-config", "--state-dir", t.path + "/agent-state"});
  REQUIRE(shipped.exitCode == 0);
  const std::string agentConf = t.path + "/etc/agent.conf";
  writeText(agentConf, shipped.out);

  auto early = run({agentBinary(), "run", "--config", agentConf, "--check-config"});
  CHECK(early.exitCode == 1);
  CHECK(has(early.err, "not enrolled"));

  const auto token = run({controllerBinary(), "enroll-token", "--config", conf});
  const auto fingerprint = run({controllerBinary(), "ca-fingerprint", "--config", conf});
  REQUIRE(token.exitCode == 0);
  auto enrolled = run({agentBinary(), "enroll", "--controller", "127.0.0.1:" + std::to_string(port), "--token",
                       token.out.substr(0, token.out.find_last_not_of("\n") + 1), "--ca-sha256",
                       fingerprint.out.substr(0, 64), "--config", agentConf});
  REQUIRE_MESSAGE(enrolled.exitCode == 0, enrolled.err);
  CHECK(has(enrolled.out, "Recorded in: " + t.path + "/agent-state/enrollment.conf"));
  CHECK(readText(agentConf) == shipped.out);
  CHECK(fs::exists(t.path + "/agent-state/private/agent.key"));

  auto check = run({agentBinary(), "run", "--config", agentConf, "--check-config"});
  CHECK_MESSAGE(check.exitCode == 0, check.err);
  CHECK(has(check.out, "configuration OK"));
  auto once = run({agentBinary(), "run", "--config", agentConf, "--once"});
  CHECK_MESSAGE(once.exitCode == 0, once.err);
  // The decision follows the acknowledged report on its own thread.
  CHECK(eventually([&] { return has(run({controllerBinary(), "machines", "--config", conf}).out, "admitted"); },
                   std::chrono::seconds(10)));

  auto twice = run({agentBinary(), "enroll", "--controller", "127.0.0.1:" + std::to_string(port), "--token", "x",
                    "--ca-sha256", fingerprint.out.substr(0, 64), "--config", agentConf});
  CHECK(twice.exitCode == 1);
  CHECK(has(twice.err, "already enrolled"));
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("root acting on a controller whose state belongs to another user acts as that user") {
  if (::geteuid() != 0) {
    MESSAGE("!!! needs root to act as root on another user's state: NOT RUN, counted as a failure");
    FAIL("not root");
  }
  TempDir t;
  ::chmod(t.path.c_str(), 0755);
  const auto conf = packagedController(t.path, 9443);
  const uid_t nobody = 65534;
  fs::create_directories(t.path + "/state");
  REQUIRE(::chown((t.path + "/state").c_str(), nobody, nobody) == 0);

  auto made = run({controllerBinary(), "init", "--config", conf, "--if-missing"});
  REQUIRE_MESSAGE(made.exitCode == 0, made.err);
  for (const auto& entry : fs::recursive_directory_iterator(t.path + "/state")) {
    struct stat st{};
    REQUIRE(::stat(entry.path().c_str(), &st) == 0);
    CHECK_MESSAGE(st.st_uid == nobody, entry.path().string());
  }
  auto token = run({controllerBinary(), "enroll-token", "--config", conf});
  CHECK_MESSAGE(token.exitCode == 0, token.err);
}
