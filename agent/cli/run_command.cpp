// `run`: the agent's daemon. It wires the libraries together (reports, the
// announcer, the hash watch, the antivirus, the equipment watch and the
// actions) and runs each on its own thread until SIGTERM or SIGINT.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/actions/command_executor.h"
#include "agent/actions/lease_renewal.h"
#include "agent/cli/command_support.h"
#include "agent/cli/commands.h"
#include "agent/sensors/antivirus.h"
#include "agent/sensors/antivirus_watch.h"
#include "agent/sensors/file_keeper.h"
#include "agent/sensors/file_reporter.h"
#include "agent/sensors/file_watch.h"
#include "agent/sensors/hardware_watch.h"
#include "agent/sensors/traffic_monitor.h"
#include "agent/transport/agent_runner.h"
#include "agent/transport/announce_builder.h"
#include "agent/transport/announcer.h"
#include "common/capture/packet_source.h"
#include "common/config/ini_document.h"
#include "common/log/guarded_thread.h"
#include "common/log/logging.h"
#include "common/io/files.h"
#include "common/io/subprocess.h"
#include "common/packet/signature_set.h"
#include "common/util/digest.h"

namespace portcullis::agent::cli {
namespace {

// [antivirus] enabled = auto: on when clamd's socket or a clamscan program is there.
std::unique_ptr<sensors::AntivirusWatch> makeAntivirus(const AgentConfig& c, std::function<void()> changed) {
  const auto settings = antivirusSettings(c);
  const bool wanted = c.antivirus == "auto" ? sensors::antivirusEngineInstalled(settings.engine) : c.antivirus == "yes";
  if (!wanted) return nullptr;
  return std::make_unique<sensors::AntivirusWatch>(settings, std::move(changed), unixNow);
}

// The announcer of `run`: announces on links without an address, signed with
// the enrolled key. The machine information behind the package digest is
// collected again once a minute, and at once when dpkg's status file changed
// (a patch): an announce with the old digest would cost the machine its
// production lease.
std::unique_ptr<Announcer> makeAnnouncer(const AgentConfig& config, const MachineInfoSource& source) {
  AnnouncerOptions options;
  options.port = config.announcePort;
  options.max = std::chrono::seconds(config.announceMaxIntervalSeconds);
  options.interfaces = config::splitList(config.announceInterfaces);
  struct Cache {
    std::mutex mutex;  // the announcing thread and a renew_lease command share it
    v1::MachineInfo info;
    std::int64_t collectedAt = -1;
    std::filesystem::file_time_type packagesChanged{};
  };
  const auto dpkgStatus = config.root / "var/lib/dpkg/status";
  auto cache = std::make_shared<Cache>();
  return std::make_unique<Announcer>(options, [cache, source, config, dpkgStatus](const std::string& mac) {
    std::lock_guard lock(cache->mutex);
    std::error_code ignored;
    const auto packagesChanged = std::filesystem::last_write_time(dpkgStatus, ignored);
    if (cache->collectedAt < 0 || unixNow() - cache->collectedAt > 60 || packagesChanged != cache->packagesChanged) {
      cache->info = source.collect();
      cache->collectedAt = unixNow();
      cache->packagesChanged = packagesChanged;
    }
    // Read each time: a re-enrollment replaces them.
    const auto cert = io::readFile(config.cert).value_or("");
    const auto key = io::readFile(config.key).value_or("");
    return buildAnnounce(mac, cache->info, cert, key, unixNow());
  });
}

// renew_lease goes through the announcer's links, announcing only where
// [announce] allows (see LeaseRenewal).
std::unique_ptr<actions::LeaseRenewal> makeRenewal(const AgentConfig& config, Announcer& announcer) {
  return std::make_unique<actions::LeaseRenewal>(
      actions::LeaseRenewalSettings{config.announce, config.renewCommand},
      actions::RenewalLinks{[&announcer] { return announcer.wantedLinks(); },
                            [&announcer](const std::string& link) { return announcer.announceOn(link); }},
      [](const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
        return io::runProcess(argv, "", timeout);
      });
}

// The hash watch of `run` and what hangs on its scans: the reports (changes,
// the whole list after a first scan or when the controller asks), the kept
// copies, and the antivirus scan of what was added or modified. The list on
// request comes from the baseline last saved, which the watch replaces whole.
std::unique_ptr<sensors::FileWatch> makeFileWatch(const AgentConfig& config, AgentRunner& runner,
                                                  sensors::AntivirusWatch* antivirus,
                                                  actions::CommandExecutor& executor) {
  using namespace sensors;
  auto reporter = std::make_shared<FileReporter>(config.root, [&runner](v1::Report r) { runner.submit(std::move(r)); });
  auto keeper = std::make_shared<FileKeeper>(fileKeeperSettings(config));
  auto watch = std::make_unique<FileWatch>(
      fileWatchSettings(config), [reporter, keeper, antivirus, &config](const FileScanOutcome& scan) {
        reporter->afterScan(scan);
        try {
          keeper->keepFrom(scan);
        } catch (const std::exception& e) {
          log::get("agent.files").error("FILE_KEEP_FAILED reason=%s", std::string(e.what()));
        }
        if (!antivirus || !config.antivirusScanChanged) return;
        std::vector<std::string> files;
        for (const auto& c : scan.changes)
          if (c.kind == FileDelta::Kind::Added || c.kind == FileDelta::Kind::Modified)
            files.push_back(underRoot(config, c.after.path));
        if (!files.empty()) antivirus->scanSoon(std::move(files));
      });
  auto sendList = [reporter, watch = watch.get()]() -> Result<FileListSent> {
    auto saved = watch->savedBaseline();
    if (!saved) return fail("no file scan has finished yet: the first one sends the whole list");
    return reporter->sendFullList(saved->files, saved->savedAtUnix);
  };
  executor.onSendFileList(sendList);
  runner.onFileListRequested([sendList] {
    const auto sent = sendList();
    auto& logger = log::get("agent.files");
    if (sent)
      logger.information("FILE_LIST_SENT files=%z parts=%z list=%Lu reason=the controller asked", sent->files,
                         sent->parts, static_cast<Poco::UInt64>(sent->listId));
    else
      logger.information("FILE_LIST_NOT_SENT reason=%s", sent.error());
  });
  return watch;
}

// The network monitor of `run`: its reports wait while a quarter of the
// spool is taken, so a flood of flows never pushes the file, antivirus and
// equipment reports out.
std::unique_ptr<sensors::TrafficMonitor> makeMonitor(const AgentConfig& config, AgentRunner& runner) {
  sensors::TrafficMonitorSettings settings;
  settings.interfaces = config::splitList(config.monitorInterfaces);
  settings.limits.idleUs = config.monitorIdleSeconds * 1'000'000;
  settings.limits.activeUs = config.monitorActiveSeconds * 1'000'000;
  settings.limits.maxFlows = static_cast<std::size_t>(config.monitorMaxFlows);
  settings.reportInterval = std::chrono::seconds(config.monitorReportSeconds);
  settings.maxUnsent = static_cast<std::size_t>(config.monitorMaxUnsent);
  const auto room = std::max<std::size_t>(1, static_cast<std::size_t>(config.spoolMaxReports) / 4);
  return std::make_unique<sensors::TrafficMonitor>(
      settings,
      sensors::liveOpener(config.monitorFilter, static_cast<int>(config.monitorSnaplen),
                          static_cast<int>(config.monitorBufferBytes), config.monitorPromiscuous),
      [&runner, room](v1::Report& report) {
        if (runner.backlog() >= room) return false;
        runner.submit(std::move(report));
        return true;
      },
      [] {
        return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
      });
}

// The payload signatures of the monitor: the set the controller sent last,
// read at start and replaced (on disk first) by each set_signatures. A kept
// file that no longer reads is left aside with the reason: the monitor then
// matches nothing until the controller sends a set again.
void keepSignatures(const AgentConfig& config, sensors::TrafficMonitor& monitor, actions::CommandExecutor& executor) {
  auto& logger = log::get("agent.monitor");
  auto use = [&monitor](const std::string& text) -> Result<std::size_t> {
    auto set = packet::parseSignatures(text);
    if (!set) return fail(set.error().substr(0, set.error().find('\n')));
    const auto count = set->signatures.size();
    monitor.useSignatures(std::make_shared<const packet::CompiledSignatures>(std::move(*set)), util::sha256Hex(text));
    return count;
  };
  if (auto kept = io::readFile(config.monitorSignatures)) {
    if (auto used = use(*kept))
      logger.notice("MONITOR_SIGNATURES_LOADED file=%s signatures=%z", config.monitorSignatures.string(), *used);
    else
      logger.error("MONITOR_SIGNATURES_UNREADABLE file=%s reason=%s", config.monitorSignatures.string(), used.error());
  }
  executor.onSetSignatures([use, file = config.monitorSignatures](const actions::SetSignaturesOrder& o) -> Result<std::string> {
    try {
      io::writeFileMakingDir(file, o.text, 0600);
    } catch (const std::exception& e) {
      return fail(std::string("cannot keep the set: ") + e.what());
    }
    auto used = use(o.text);
    if (!used) return fail(used.error());
    return std::to_string(*used) + " signatures in force (set " + o.digest.substr(0, 16) + ")";
  });
}

// What the enrollment left for a start: the key and the certificates.
int checkConfig(const AgentConfig& config) {
  for (const auto& needed : {config.key, config.cert, config.caCert})
    if (::access(needed.c_str(), R_OK) != 0)
      return runtimeError("cannot read " + needed.string() + ": " + std::strerror(errno));
  if (auto filter = capture::checkFilter(config.monitorFilter); !filter)
    return runtimeError(config.file.string() + ": monitor." + filter.error());
  std::string controllers;
  for (const auto& e : config.controllers) controllers += (controllers.empty() ? "" : ", ") + e.host + ":" + std::to_string(e.port);
  std::cout << "configuration OK: " << config.file.string() << " (controller" << (config.controllers.size() > 1 ? "s " : " ")
            << controllers << ", agent " << config.agentId << ")\n";
  return 0;
}

// The daemon idles for hours between bursts (a scan, a file list): glibc's
// defaults suit the opposite. Fixed thresholds stop it raising them after a
// large block is freed (it then kept up to twice that block free in each
// thread's arena: 25 MiB of an idle agent's 39 were free memory), large
// blocks go straight back to the system, and two arenas serve the threads.
void keepMemoryLean() {
  ::mallopt(M_MMAP_THRESHOLD, 64 << 10);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 10);
  ::mallopt(M_ARENA_MAX, 2);
}

}  // namespace

int runCommand(const Words& words) {
  auto args = parseOrReport(words, {{"config"}, {"once", "check-config"}, {}, 0, 0});
  if (!args) return 2;
  auto file = args->value("config");
  if (!file) return usageError("--config FILE is required");
  auto config = loadAgentConfig(*file);
  if (!config) return runtimeError(config.error());
  if (args->flag("check-config")) return checkConfig(*config);
  if (config->monitor)
    if (auto filter = capture::checkFilter(config->monitorFilter); !filter)
      return runtimeError(config->file.string() + ": monitor." + filter.error());
  const bool once = args->flag("once");
  keepMemoryLean();

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  try {
    log::setup(config->logLevel, config->logFile.string());
    // The antivirus' standing goes into every report; a new one is reported at once.
    std::atomic<AgentRunner*> reporting{nullptr};
    auto antivirus = once ? nullptr : makeAntivirus(*config, [&reporting] {
      if (auto* r = reporting.load()) r->lookNow();
    });
    auto source = sourceFor(config->root);
    if (antivirus)
      source.collect = [base = source.collect, av = antivirus.get()] {
        auto info = base();
        *info.mutable_antivirus() = av->current();
        return info;
      };
    const auto settings = actionSettings(*config);
    auto executor = std::make_shared<actions::CommandExecutor>(settings, source.collect, actions::hostEdges(settings));
    if (!once)
      if (auto restored = executor->restoreFilters(); !restored)
        log::get("agent").error("FILTERS_NOT_RESTORED reason=%s", restored.error());
    auto announcer = makeAnnouncer(*config, source);
    executor->setLeaseRenewal(makeRenewal(*config, *announcer));
    AgentRunner runner(*config, source, [executor](const v1::Command& command) { return executor->execute(command); });
    // Before the first session: a set_signatures may come in it.
    auto monitor = config->monitor && !once ? makeMonitor(*config, runner) : nullptr;
    if (monitor) keepSignatures(*config, *monitor, *executor);
    if (once) {
      if (runner.runOnce()) return 0;
      return runtimeError("report not acknowledged: " + runner.lastError());
    }
    auto fileWatch = config->files ? makeFileWatch(*config, runner, antivirus.get(), *executor) : nullptr;
    // A restored or removed file is hashed and scanned again soon.
    executor->onFilesChanged([&fileWatch, &antivirus, &config](std::vector<std::string> paths) {
      if (fileWatch) fileWatch->rescanSoon();
      if (!antivirus) return;
      for (auto& p : paths) p = underRoot(*config, p);
      antivirus->scanSoon(std::move(paths));
    });
    std::atomic<bool> stop{false};
    reporting = &runner;
    std::vector<std::thread> threads;
    threads.push_back(log::guardedThread("reports", "agent", [&] { runner.runUntil(stop); }));
    if (config->announce) threads.push_back(log::guardedThread("announce", "agent", [&] { announcer->runUntil(stop); }));
    // Equipment that comes or goes: the change notice, then the new configuration at once.
    threads.push_back(log::guardedThread("equipment", "agent", [&] {
      sensors::HardwareWatch(
          config->root,
          [&runner](const sensors::HardwareDiff& diff) {
            v1::Report notice;
            *notice.mutable_hardware_change() = sensors::hardwareChangeOf(diff);
            runner.submit(std::move(notice));
            runner.lookNow();
          },
          std::chrono::seconds(config->hardwarePollSeconds))
          .runUntil(stop);
    }));
    if (antivirus) threads.push_back(log::guardedThread("antivirus", "agent", [&] { antivirus->runUntil(stop); }));
    if (fileWatch) threads.push_back(log::guardedThread("files", "agent", [&] { fileWatch->runUntil(stop); }));
    if (monitor) threads.push_back(log::guardedThread("monitor", "agent", [&] { monitor->runUntil(stop); }));
    int sig = 0;
    sigwait(&signals, &sig);
    log::get("agent").notice("AGENT_STOPPING signal=%d", sig);
    stop = true;
    for (auto& t : threads) t.join();
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

}  // namespace portcullis::agent::cli
