#include "agent/cli/command_support.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>

#include "agent/cli/commands.h"
#include "agent/collectors/machine_info_collector.h"
#include "common/config/ini_document.h"

namespace portcullis::agent::cli {

int usageError(const std::string& message) {
  std::cerr << "portcullis-agent: " << message << "\n";
  return 2;
}

int runtimeError(const std::string& message) {
  std::cerr << "portcullis-agent: " << message << "\n";
  return 1;
}

std::optional<portcullis::cli::Arguments> parseOrReport(const std::vector<std::string>& words,
                                                        portcullis::cli::OptionSpec spec) {
  auto args = portcullis::cli::Arguments::parse(words, spec);
  if (!args) {
    usageError(args.error() + " (see --help)");
    return std::nullopt;
  }
  return std::move(args).value();
}

std::string hostName() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  return name;
}

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string underRoot(const AgentConfig& c, const std::string& path) {
  return c.root == "/" ? path : (c.root / std::filesystem::path(path).relative_path()).string();
}

MachineInfoSource sourceFor(const std::filesystem::path& root) {
  auto collector = std::make_shared<collectors::MachineInfoCollector>(root);
  return {[collector] { return collector->collect(); },
          [](const v1::MachineInfo& info) { return collectors::machineInfoDigest(info); }};
}

actions::ActionSettings actionSettings(const AgentConfig& c) {
  auto words = [](const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  };
  actions::ActionSettings s;
  s.patchCommand = c.patchCommand;
  s.rollbackCommand = c.rollbackCommand;
  s.reinstallCommand = c.reinstallCommand;
  s.keepDir = c.filesKeepDir;
  s.nft = words(c.nftCommand);
  s.systemctl = words(c.systemctlCommand);
  s.commandTimeout = std::chrono::seconds(c.commandTimeoutSeconds);
  s.stateDir = c.stateDir / "state";
  s.root = c.root;
  s.checkCommands = c.checkCommands;
  // An isolated host keeps its controllers: every IPv4 address their names have now.
  std::vector<std::string> hosts;
  for (const auto& e : c.controllers) hosts.push_back(e.host);
  if (hosts.empty()) hosts.push_back(c.controllerHost);
  for (const auto& host : hosts) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) continue;
    for (auto* a = found; a; a = a->ai_next) {
      char text[INET_ADDRSTRLEN] = {};
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, text, sizeof text);
      if (std::find(s.isolationKeeps.begin(), s.isolationKeeps.end(), text) == s.isolationKeeps.end())
        s.isolationKeeps.push_back(text);
    }
    ::freeaddrinfo(found);
  }
  return s;
}

sensors::FileWatchSettings fileWatchSettings(const AgentConfig& c) {
  sensors::FileWatchSettings s;
  s.root = c.root;
  s.watch.paths = config::splitList(c.filesPaths);
  s.watch.excludes = config::splitList(c.filesExclude);
  s.cpuShare = static_cast<double>(c.filesCpuPercent) / 100.0;
  s.interval = std::chrono::seconds(c.filesIntervalSeconds);
  s.baselineFile = c.filesBaseline;
  return s;
}

sensors::FileKeeperSettings fileKeeperSettings(const AgentConfig& c) {
  sensors::FileKeeperSettings s;
  s.root = c.root;
  s.paths = config::splitList(c.filesKeep);
  s.maxSize = static_cast<std::uint64_t>(c.filesKeepMaxSize);
  s.versions = static_cast<std::size_t>(c.filesKeepVersions);
  s.dir = c.filesKeepDir;
  return s;
}

sensors::AntivirusWatchSettings antivirusSettings(const AgentConfig& c) {
  sensors::AntivirusWatchSettings s;
  s.engine.clamdSocket = c.clamdSocket;
  s.engine.clamscan = c.clamscan;
  s.engine.database = c.clamDatabase;
  s.engine.timeout = std::chrono::seconds(c.antivirusTimeoutSeconds);
  for (const auto& p : config::splitList(c.antivirusPaths)) s.paths.push_back(underRoot(c, p));
  s.interval = std::chrono::seconds(c.antivirusIntervalSeconds);
  s.stateFile = c.antivirusState;
  return s;
}

}  // namespace portcullis::agent::cli
