#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "agent/config/agent_config.h"

namespace fs = std::filesystem;
using namespace portcullis::agent;

namespace {
fs::path writeTemp(const std::string& text) {
  auto dir = fs::temp_directory_path() / ("agentconf-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "agent.conf") << text;
  return dir / "agent.conf";
}
}  // namespace

TEST_CASE("the configuration enroll writes loads back with its defaults") {
  auto file = writeTemp(agentConfigText({"127.0.0.1:9443", "127.0.0.1", "abc", "", false}));
  auto c = loadAgentConfig(file);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error()));
  CHECK(c->controllerHost == "127.0.0.1");
  CHECK(c->controllerPort == 9443);
  CHECK(c->key == file.parent_path() / "private" / "agent.key");
  CHECK(c->spoolMaxReports == 1024);
  CHECK(c->reportIntervalSeconds == 300);
  fs::remove_all(file.parent_path());
}

TEST_CASE("a bad agent configuration names file, line and key") {
  auto file = writeTemp("[controller]\naddress = nohost\n[agent]\ncheck_interval = 0s\n[spool]\nmax_reports = -3\n");
  auto c = loadAgentConfig(file);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().find("agent.conf:2: controller.address") != std::string::npos);
  CHECK(c.error().find("agent.check_interval: must be at least 1s") != std::string::npos);
  CHECK(c.error().find("agent.conf:6: spool.max_reports") != std::string::npos);
  fs::remove_all(file.parent_path());
}

TEST_CASE("a missing configuration file is a clear error") {
  auto c = loadAgentConfig("/nonexistent/agent.conf");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error() == "/nonexistent/agent.conf: cannot open configuration file");
}

TEST_CASE("kept copies and the reinstall command: defaults, values and refusals") {
  auto file = writeTemp(agentConfigText({"127.0.0.1:9443", "127.0.0.1", "abc", "", false}));
  auto c = loadAgentConfig(file);
  REQUIRE(c.ok());
  CHECK(c->filesKeep == "/etc");
  CHECK(c->filesKeepMaxSize == 1024 * 1024);
  CHECK(c->filesKeepVersions == 3);
  CHECK(c->filesKeepDir == file.parent_path() / "state" / "file-copies");
  CHECK(c->reinstallCommand == "apt-get install -y --reinstall {packages}");
  fs::remove_all(file.parent_path());

  file = writeTemp("[controller]\naddress = 127.0.0.1:9443\n[files]\nkeep = /etc, *.conf\nkeep_max_size = 4MiB\n"
                   "keep_versions = 5\nkeep_dir = /var/lib/copies\n[measures]\nreinstall_command = reinstall {name}\n");
  c = loadAgentConfig(file);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error()));
  CHECK(c->filesKeep == "/etc, *.conf");
  CHECK(c->filesKeepMaxSize == 4 * 1024 * 1024);
  CHECK(c->filesKeepVersions == 5);
  CHECK(c->filesKeepDir == "/var/lib/copies");
  CHECK(c->reinstallCommand == "reinstall {name}");
  fs::remove_all(file.parent_path());

  file = writeTemp("[controller]\naddress = 127.0.0.1:9443\n[files]\nkeep = etc\nkeep_versions = 0\n"
                   "[measures]\nreinstall_command = apt-get install\n");
  c = loadAgentConfig(file);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().find("files.keep: 'etc' is not an absolute path or a glob") != std::string::npos);
  CHECK(c.error().find("files.keep_versions") != std::string::npos);
  CHECK(c.error().find("measures.reinstall_command: the template names no package") != std::string::npos);
  fs::remove_all(file.parent_path());
}

TEST_CASE("the packaged layout: settings in one directory, keys and identity in the state directory") {
  auto file = writeTemp(agentConfigText({"", "", "", "/var/lib/portcullis-test/agent", true}));
  auto stateDir = file.parent_path() / "state";
  {
    // The template names an absolute state directory; point it at a scratch one.
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text.replace(text.find("/var/lib/portcullis-test/agent"), 30, stateDir.string());
    std::ofstream(file) << text;
  }

  auto before = loadAgentConfig(file);
  REQUIRE_FALSE(before.ok());
  CHECK(before.error().find("not enrolled") != std::string::npos);
  CHECK(before.error().find("portcullis-agent enroll") != std::string::npos);
  CHECK(before.error().find("--config " + file.string()) != std::string::npos);

  auto notYet = loadAgentConfig(file, Enrollment::NotYet);
  REQUIRE_MESSAGE(notYet.ok(), (notYet.ok() ? "" : notYet.error()));
  CHECK(notYet->controllerHost.empty());
  CHECK(notYet->key == stateDir / "private" / "agent.key");
  CHECK(notYet->spoolDir == stateDir / "spool");
  CHECK(notYet->filesBaseline == stateDir / "state" / "file-baseline");
  CHECK(notYet->filesKeepDir == stateDir / "state" / "file-copies");
  // Package changes leave the sandbox through systemd.
  CHECK(notYet->patchCommand.rfind("systemd-run ", 0) == 0);
  CHECK(notYet->reinstallCommand.find("apt-get install -y --reinstall {packages}") != std::string::npos);

  fs::create_directories(stateDir);
  std::ofstream(enrollmentFileOf(stateDir)) << enrollmentText("ctl.example:9555", "ctl.example", "id-1");
  auto after = loadAgentConfig(file);
  REQUIRE_MESSAGE(after.ok(), (after.ok() ? "" : after.error()));
  CHECK(after->controllerHost == "ctl.example");
  CHECK(after->controllerPort == 9555);
  CHECK(after->serverName == "ctl.example");
  CHECK(after->agentId == "id-1");
  CHECK(after->enrolledBy == enrollmentFileOf(stateDir));
  fs::remove_all(file.parent_path());
}

TEST_CASE("an address in agent.conf wins over enrollment.conf; a broken enrollment.conf is named") {
  auto dir = writeTemp("").parent_path();
  std::ofstream(dir / "agent.conf") << "[controller]\naddress = other:9000\n";
  std::ofstream(enrollmentFileOf(dir)) << enrollmentText("ctl.example:9555", "ctl.example", "id-1");
  auto c = loadAgentConfig(dir / "agent.conf");
  REQUIRE(c.ok());
  CHECK(c->controllerHost == "other");
  CHECK(c->enrolledBy.empty());

  std::ofstream(dir / "agent.conf") << "[agent]\nroot = /\n";
  std::ofstream(enrollmentFileOf(dir)) << "[controller]\naddress = ctl:9555\nport = 3\n";
  auto broken = loadAgentConfig(dir / "agent.conf");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().find("enrollment.conf:3") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a server name or id in agent.conf wins over enrollment.conf, which still gives the address") {
  auto dir = writeTemp("").parent_path();
  std::ofstream(dir / "agent.conf") << "[controller]\nserver_name = ctl-alias.example\n[agent]\nid = chosen\n";
  std::ofstream(enrollmentFileOf(dir)) << enrollmentText("ctl.example:9555", "ctl.example", "id-1");
  auto c = loadAgentConfig(dir / "agent.conf");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error()));
  CHECK(c->controllerHost == "ctl.example");
  CHECK(c->serverName == "ctl-alias.example");
  CHECK(c->agentId == "chosen");
  fs::remove_all(dir);
}

TEST_CASE("the network monitor: off by default, its values read, a monitor without links refused") {
  const std::string base = agentConfigText({"127.0.0.1:9443", "127.0.0.1", "abc", "", false});
  auto file = writeTemp(base);
  auto c = loadAgentConfig(file);
  REQUIRE(c.ok());
  CHECK_FALSE(c->monitor);
  CHECK(c->monitorSnaplen == 65535);
  CHECK(c->monitorBufferBytes == 32LL * 1024 * 1024);
  CHECK(c->monitorIdleSeconds == 60);
  CHECK(c->monitorReportSeconds == 30);
  fs::remove_all(file.parent_path());
  file = writeTemp("[controller]\naddress = 127.0.0.1:9443\n[monitor]\nenabled = yes\ninterfaces = eth1, eth2\n"
                   "filter = tcp or udp\nsnaplen = 128\nbuffer = 64MiB\npromiscuous = yes\nidle_timeout = 30s\n"
                   "active_timeout = 10m\nreport_interval = 5s\n");
  c = loadAgentConfig(file);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error()));
  CHECK(c->monitor);
  CHECK(c->monitorInterfaces == "eth1, eth2");
  CHECK(c->monitorFilter == "tcp or udp");
  CHECK(c->monitorSnaplen == 128);
  CHECK(c->monitorBufferBytes == 64LL * 1024 * 1024);
  CHECK(c->monitorPromiscuous);
  CHECK(c->monitorActiveSeconds == 600);
  fs::remove_all(file.parent_path());

  file = writeTemp("[controller]\naddress = 127.0.0.1:9443\n[monitor]\nenabled = yes\nidle_timeout = 2h\n"
                   "active_timeout = 1s\nsnaplen = 10\n");
  c = loadAgentConfig(file);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().find("monitor.interfaces: name the links") != std::string::npos);
  CHECK(c.error().find("monitor.idle_timeout: must be between 1s and 1h") != std::string::npos);
  CHECK(c.error().find("monitor.active_timeout") != std::string::npos);
  CHECK(c.error().find("monitor.snaplen") != std::string::npos);
  fs::remove_all(file.parent_path());
}

TEST_CASE("the commands a runbook's check may run: none by default, each an absolute program, no shell") {
  auto file = writeTemp(agentConfigText({"127.0.0.1:9443", "127.0.0.1", "abc", "", false}));
  auto c = loadAgentConfig(file);
  REQUIRE(c.ok());
  CHECK(c->checkCommands.empty());
  fs::remove_all(file.parent_path());

  file = writeTemp("[controller]\naddress = 127.0.0.1:9443\n[check_commands]\nnginx-config = /usr/sbin/nginx -t\n"
                   "site.up = /usr/local/bin/site-ok --quick\n");
  c = loadAgentConfig(file);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error()));
  CHECK(c->checkCommands.at("nginx-config") == std::vector<std::string>{"/usr/sbin/nginx", "-t"});
  CHECK(c->checkCommands.at("site.up") == std::vector<std::string>{"/usr/local/bin/site-ok", "--quick"});
  fs::remove_all(file.parent_path());

  file = writeTemp("[controller]\naddress = 127.0.0.1:9443\n[check_commands]\nrelative = nginx -t\nbad name = /bin/true\n");
  c = loadAgentConfig(file);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().find("agent.conf:4: check_commands.relative: give the program by its absolute path") != std::string::npos);
  CHECK(c.error().find("check_commands.bad name: 'bad name' is not a name a check can use") != std::string::npos);
  fs::remove_all(file.parent_path());
}

TEST_CASE("several controllers of a site, tried in turn: each address read, a bad one named") {
  auto file = writeTemp("[controller]\naddress = 10.0.0.5:9443, ctl-b.example.org:9444 ,[fd00::7]:9445\n");
  auto c = loadAgentConfig(file);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error()));
  REQUIRE(c->controllers.size() == 3);
  CHECK(c->controllers[1].host == "ctl-b.example.org");
  CHECK(c->controllers[1].port == 9444);
  CHECK(c->controllers[2].host == "fd00::7");
  CHECK(c->controllerHost == "10.0.0.5");  // the first
  CHECK_FALSE(c->serverNameGiven);
  fs::remove_all(file.parent_path());

  file = writeTemp("[controller]\naddress = ,\n");
  c = loadAgentConfig(file);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().find("names no controller") != std::string::npos);
  fs::remove_all(file.parent_path());

  file = writeTemp("[controller]\naddress = 10.0.0.5:9443, nohost\n");
  c = loadAgentConfig(file);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().find("agent.conf:2: controller.address") != std::string::npos);
  fs::remove_all(file.parent_path());
}
