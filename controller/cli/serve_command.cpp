// `serve`: the controller daemon. Signals are taken synchronously by the main
// thread (sigwait), so no work happens inside a signal handler.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>

#include "common/log/logging.h"
#include "common/tls/tls_context.h"
#include "common/io/files.h"
#include "common/pki/pki.h"
#include "common/util/digest.h"
#include "controller/dhcp/admission_query.h"
#include "controller/cli/archive_sync.h"
#include "controller/cli/command_support.h"
#include "controller/cli/commands.h"
#include "controller/cli/runbook_support.h"
#include "controller/runbooks_edge/agent_test_watch.h"
#include "controller/cli/traffic_support.h"
#include "controller/incidents_edge/alert_receiver.h"
#include "controller/incidents_edge/damage_alerts.h"
#include "controller/incidents_edge/finding_alerts.h"
#include "controller/monitor_edge/isolation_watch.h"
#include "controller/monitor_edge/segment_isolation.h"
#include "controller/server/agent_listener.h"
#include "controller/server/agent_service.h"
#include "controller/server/descriptor_budget.h"
#include "controller/dhcp_edge/admission_query_server.h"
#include "controller/dhcp_edge/dhcp_server.h"
#include "controller/enforcement/enforcement.h"
#include "controller/enforcement/owner_notifier.h"
#include "controller/web_edge/console_api.h"
#include "controller/web_edge/console_server.h"
#include "controller/web/metrics_text.h"
#include "controller/diagnosis/machine_facts.h"
#include "controller/views/diagnosis_json.h"
#include "common/util/text.h"

namespace portcullis::controller::cli {
namespace {

std::int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The key Kea's hook and the controller share. Made on first use, readable
// by its owner alone: the operator copies it to where Kea can read it.
Result<std::string> keaQueryKey(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) {
    io::writePrivateFile(file, util::randomToken() + "\n");
    log::get("controller.kea").notice("KEA_KEY_CREATED file=%s (give kea-dhcp4's hook a copy: its key-file parameter)",
                                      file.string());
  }
  auto text = io::readTextFile(file, "Kea hook key");
  if (!text) return fail(text.error());
  auto key = dhcp::parseQueryKey(*text);
  if (!key) return fail(file.string() + ": " + key.error());
  return *key;
}

// The DHCP gate: a socket on each interface it serves, one more for relays
// when a subnet is reached through them, announces heard on the same links,
// and isolation rules where this host can apply them (or a file for the
// site's router).
Result<std::unique_ptr<dhcp_edge::DhcpServer>> startDhcpGate(const ControllerConfig& config, store::Store& store,
                                                        const std::string& caCert) {
  std::vector<std::unique_ptr<dhcp_edge::DhcpSocket>> sockets;
  std::vector<std::string> served;
  bool relayed = false;
  for (const auto& subnet : config.dhcp.subnets) {
    const auto& name = subnet.interfaceName;
    relayed = relayed || name.empty();
    if (name.empty() || std::find(served.begin(), served.end(), name) != served.end()) continue;
    auto socket = dhcp_edge::openDhcpSocket(name, config.dhcp.serverPort);
    if (!socket) return fail(socket.error());
    sockets.push_back(std::move(socket.value()));
    served.push_back(name);
  }
  if (relayed) {
    auto socket = dhcp_edge::openRelaySocket(config.dhcp.serverPort, served);
    if (!socket) return fail(socket.error());
    sockets.push_back(std::move(socket.value()));
  }
  auto server = std::make_unique<dhcp_edge::DhcpServer>(store, config.dhcp, std::move(sockets), unixNow, steadyMs);
  if (auto ready = server->prepare(); !ready) return fail(ready.error());

  // Announces from machines with no address yet come on the served links only.
  std::vector<std::unique_ptr<dhcp_edge::DhcpSocket>> announceSockets;
  for (const auto& name : served) {
    auto socket = dhcp_edge::openDhcpSocket(name, config.dhcp.announcePort);
    if (!socket) return fail("announces: " + socket.error());
    announceSockets.push_back(std::move(socket.value()));
  }
  auto revoked = [&store](const std::string& agentId) {
    try {
      auto agent = store.agent(agentId);
      return !agent || agent->revokedAt != 0;  // unknown to this controller: not trusted
    } catch (const std::exception&) {
      return true;  // cannot tell: not trusted (fail closed)
    }
  };
  server->hearAnnounces(std::move(announceSockets),
                        std::make_unique<dhcp_edge::AnnounceVerifier>(caCert, revoked, config.dhcp.announceWindow));
  auto certificateOf = [&store](const std::string& agentId) {
    try {
      return store.agentCertificate(agentId);
    } catch (const std::exception&) {
      return std::string();  // cannot tell: no proof verifies (fail closed)
    }
  };
  server->checkProofs(std::make_unique<dhcp_edge::ProofVerifier>(caCert, revoked, certificateOf));

  std::string mode = config.dhcp.isolation;
  if (mode == "auto") mode = server->routesASubnet() ? "nft" : "file";
  if (mode == "nft") {
    std::vector<std::string> nft;
    std::istringstream words(config.dhcp.nftCommand);
    for (std::string w; words >> w;) nft.push_back(w);
    server->setFirewall(dhcp_edge::nftGateFirewall(nft));
  } else if (mode == "file") {
    server->setFirewall(dhcp_edge::fileGateFirewall(config.dhcp.rulesFile));
  }
  server->refreshIsolation();
  return server;
}

// Every agent connection is a descriptor: the soft limit goes up to the hard
// one, and the log says what it is, and warns when even that is short of what
// max_connections needs (then the listener pauses and sheds at the limit).
void raiseDescriptorLimit(Poco::Logger& logger, std::int64_t maxConnections) {
  rlimit current{};
  if (getrlimit(RLIMIT_NOFILE, &current) != 0) {
    logger.warning("DESCRIPTOR_LIMIT_UNKNOWN reason=%s", std::string(std::strerror(errno)));
    return;
  }
  const std::uint64_t hard = current.rlim_max == RLIM_INFINITY ? ~std::uint64_t{0} : current.rlim_max;
  const auto plan = server::planDescriptors({current.rlim_cur, hard}, static_cast<std::uint64_t>(maxConnections));
  std::uint64_t soft = current.rlim_cur;
  if (plan.raiseTo > soft) {
    rlimit raised{static_cast<rlim_t>(plan.raiseTo), current.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      soft = plan.raiseTo;
    else
      logger.warning("DESCRIPTOR_LIMIT_NOT_RAISED soft=%Lu wanted=%Lu reason=%s", static_cast<Poco::UInt64>(soft),
                     static_cast<Poco::UInt64>(plan.raiseTo), std::string(std::strerror(errno)));
  }
  const std::string hardText = current.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(hard);
  logger.notice("DESCRIPTOR_LIMIT soft=%Lu hard=%s needed=%Lu max_connections=%Ld", static_cast<Poco::UInt64>(soft),
                hardText, static_cast<Poco::UInt64>(plan.needed), static_cast<Poco::Int64>(maxConnections));
  if (soft < plan.needed)
    logger.warning("DESCRIPTOR_LIMIT_LOW soft=%Lu needed=%Lu reason=below [listen] max_connections (%Ld) and %Lu "
                   "for the rest of the controller: raise LimitNOFILE (systemd) or the hard limit, or lower "
                   "max_connections",
                   static_cast<Poco::UInt64>(soft), static_cast<Poco::UInt64>(plan.needed),
                   static_cast<Poco::Int64>(maxConnections), static_cast<Poco::UInt64>(server::kDescriptorsBesideAgents));
}

// What GET /metrics shows of the agents' door and the gate.
std::vector<web::MetricFamily> controllerMetrics(server::AgentListener& listener, server::AgentService& service,
                                                 enforcement::Enforcement& enforcer, dhcp_edge::DhcpServer* gate) {
  const auto l = listener.stats();
  const auto s = service.stats();
  const auto e = enforcer.stats();
  auto n = [](std::uint64_t v) { return static_cast<double>(v); };
  std::vector<web::MetricFamily> out = {
      {"portcullis_agents_connected", "Agent connections open.", "gauge", {{{}, n(l.open)}}},
      {"portcullis_connections_accepted_total", "Agent connections accepted.", "counter", {{{}, n(l.accepted)}}},
      {"portcullis_reports_stored_total", "Agent reports stored.", "counter", {{{}, n(s.reportsStored)}}},
      {"portcullis_enrollments_total", "Agents enrolled.", "counter", {{{}, n(s.enrollments)}}},
      {"portcullis_rejections_total", "What the agents' door refused, by reason.", "counter",
       {{{{"reason", "handshake"}}, n(l.handshakeFailures)},
        {{{"reason", "frame"}}, n(l.frameRejections)},
        {{{"reason", "first_message_timeout"}}, n(l.firstMessageTimeouts)},
        {{{"reason", "connection_limit"}}, n(l.rejectedAtLimit)},
        {{{"reason", "shed"}}, n(l.shed)},
        {{{"reason", "message"}}, n(s.rejections)}}},
      // Summaries without quantiles: rate(_sum) / rate(_count) is the mean.
      {"portcullis_diagnosis_seconds", "Diagnosing and deciding one machine (after its report or a change).",
       "summary", {{{{"__suffix", "_sum"}}, e.machineDiagnosisSeconds}, {{{"__suffix", "_count"}}, n(e.machineDiagnoses)}}},
      {"portcullis_fleet_diagnosis_seconds", "Diagnosing and deciding the whole fleet (at start, a new policy...).",
       "summary", {{{{"__suffix", "_sum"}}, e.fleetPassSeconds}, {{{"__suffix", "_count"}}, n(e.fleetPasses)}}},
      {"portcullis_store_write_seconds", "Store transactions, by writer: agents' reports (group commits) and "
       "enforcement's decisions (batches).", "summary",
       {{{{"__suffix", "_sum"}, {"writer", "reports"}}, s.reportCommitSeconds},
        {{{"__suffix", "_count"}, {"writer", "reports"}}, n(s.reportCommits)},
        {{{"__suffix", "_sum"}, {"writer", "decisions"}}, e.decisionWriteSeconds},
        {{{"__suffix", "_count"}, {"writer", "decisions"}}, n(e.decisionWrites)}}},
  };
  if (gate) {
    const auto c = gate->counters();
    out.push_back({"portcullis_dhcp_packets_total", "DHCP messages by outcome.", "counter",
                   {{{{"outcome", "received"}}, n(c.received)},
                    {{{"outcome", "malformed"}}, n(c.malformed)},
                    {{{"outcome", "no_subnet"}}, n(c.noSubnet)},
                    {{{"outcome", "rate_limited"}}, n(c.rateLimited)},
                    {{{"outcome", "offer"}}, n(c.offers)},
                    {{{"outcome", "ack"}}, n(c.acks)},
                    {{{"outcome", "nak"}}, n(c.naks)},
                    {{{"outcome", "unanswered"}}, n(c.unanswered)},
                    {{{"outcome", "store_failure"}}, n(c.storeFailures)},
                    {{{"outcome", "send_failure"}}, n(c.sendFailures)}}});
    out.push_back({"portcullis_announces_total", "Agents' announces by outcome.", "counter",
                   {{{{"outcome", "trusted"}}, n(c.announcesTrusted)},
                    {{{"outcome", "rejected"}}, n(c.announcesRejected)}}});
    std::map<std::pair<std::string, std::string>, double> leases;
    const auto now = unixNow();
    for (const auto& lease : gate->leases()) {
      const bool live = (lease.state == dhcp::LeaseState::Bound || lease.state == dhcp::LeaseState::Offered) &&
                        lease.expires > now;
      leases[{dhcp::poolKindName(lease.pool), live ? dhcp::leaseStateName(lease.state) : "expired"}] += 1;
    }
    web::MetricFamily family{"portcullis_leases", "Leases the gate holds, by pool and state.", "gauge", {}};
    for (const auto& [key, count] : leases) family.samples.push_back({{{"pool", key.first}, {"state", key.second}}, count});
    out.push_back(std::move(family));
  }
  return out;
}

// The payload signatures in force, read again when an import changed them,
// and queued for each monitor agent that has not had them.
void shareSignatures(monitor::SignatureBook& signatures, store::Store& store, const std::vector<std::string>& monitors) {
  auto& logger = log::get("controller.monitor");
  try {
    if (auto changed = signatures.refresh(); !changed)
      logger.error("SIGNATURES_NOT_READ reason=%s", changed.error());
    else if (*changed)
      logger.notice("SIGNATURES_IN_FORCE signatures=%z version=%s", signatures.current()->compiled->set().signatures.size(),
                    signatures.current()->version);
    for (const auto& agent : signatures.distribute(store, monitors, unixNow()))
      logger.notice("SIGNATURES_QUEUED agent=%s version=%s", agent, signatures.current()->version);
  } catch (const std::exception& e) {
    logger.error("SIGNATURES_NOT_SHARED reason=%s", std::string(e.what()));
  }
}

// The communication log's closed windows judged; true when it found something.
bool judgeTraffic(monitor::TrafficJudging& judging) {
  auto& logger = log::get("controller.monitor");
  try {
    const auto events = judging.run(unixNowUs());
    for (const auto& line : judgingLines(events)) {
      if (line.rfind("PROFILE_LEARNED", 0) == 0) logger.information("%s", line);
      else logger.warning("%s", line);
    }
    return !events.anomalies.empty() || !events.spreads.empty();
  } catch (const std::exception& e) {
    logger.error("TRAFFIC_NOT_JUDGED reason=%s", std::string(e.what()));
    return false;
  }
}

// The isolation point: a router's segment with several damaged machines
// proposed, or cut off and released, as the policy says.
void placeIsolation(monitor::SegmentIsolation& segments, const enforcement::Enforcement::SegmentPolicy& policy) {
  auto& logger = log::get("controller.monitor");
  try {
    const auto events = segments.run(unixNowUs(), policy.apply, policy.allow);
    if (!events.plan.empty())
      logger.notice("DAMAGE_ISOLATION_POINT %s plan=\"%s\"", std::string(policy.apply ? "applied" : "proposed"), events.plan);
    for (const auto& o : events.ordered) logger.warning("SEGMENT_ISOLATION_ORDERED %s", o);
    for (const auto& r : events.released) logger.notice("SEGMENT_RELEASE_ORDERED %s", r);
  } catch (const std::exception& e) {
    logger.error("ISOLATION_POINT_NOT_PLACED reason=%s", std::string(e.what()));
  }
}

// Isolations the network's findings brought, checked against what the monitors saw since.
// Incidents for the network's new findings and the damage sightings begun
// (the recovery system's findings), each opened one logged.
template <typename Findings>
void openIncidentsFor(Findings& findings) {
  try {
    for (const auto& r : findings.run())
      log::get("controller.alerts")
          .notice("INCIDENT_OPENED id=%Ld rule=%s signature=\"%s\" severity=%d input=%s", static_cast<Poco::Int64>(r.id),
                  util::escapeForTerminal(r.rule), util::escapeForTerminal(r.signature), r.severity,
                  std::string(Findings::kInput));
  } catch (const std::exception& e) {
    log::get("controller.alerts")
        .error("FINDINGS_NOT_TAKEN input=%s reason=%s (taken at the next tick)", std::string(Findings::kInput),
               std::string(e.what()));
  }
}

void watchIsolations(monitor::IsolationWatch& watch) {
  auto& logger = log::get("controller.monitor");
  try {
    for (const auto& c : watch.run(unixNowUs())) {
      if (c.holding)
        logger.notice("ISOLATION_HOLDS machine=%s mode=%s command=%s %s", c.machineId, c.mode, c.commandId, c.detail);
      else
        logger.warning("ISOLATION_NOT_HOLDING machine=%s mode=%s command=%s %s", c.machineId, c.mode, c.commandId, c.detail);
    }
  } catch (const std::exception& e) {
    logger.error("ISOLATION_NOT_CHECKED reason=%s", std::string(e.what()));
  }
}

}  // namespace

int serveCommand(const Words& words) {
  static const char* usage = "portcullis-controller serve --config FILE [--check-config]";
  auto args = parseOrReport(words, {{"config"}, {"check-config"}, {}, 0, 0}, usage);
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode, /*actAsStateOwner=*/false);
  if (!config) return exitCode;

  // Block the signals before any thread starts, so every thread inherits it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    log::setup(config->logLevel, config->logFile.string(), static_cast<unsigned>(config->logRepeatLimit));
    auto& logger = log::get("controller");
    auto caCert = io::readFile(config->caCert);
    auto caKey = io::readFile(config->caKey);
    if (!caCert) return runtimeError("cannot read CA certificate " + config->caCert.string());
    if (!caKey) return runtimeError("cannot read CA key " + config->caKey.string());

    tls::ContextOptions opts;
    opts.certChainFile = config->serverCert.string();
    opts.keyFile = config->serverKey.string();
    opts.caFile = config->caCert.string();
    // A certificate is asked for, not required: enrollment comes without one,
    // and the service allows nothing else to such a client.
    opts.verify = tls::PeerVerification::Optional;
    auto context = tls::TlsContext::server(opts);
    // Read before anything starts: a bad file stops serve before it serves.
    std::string metricsToken;
    if (config->consoleEnabled && !config->consoleMetricsTokenFile.empty()) {
      auto token = io::readFile(config->consoleMetricsTokenFile);
      if (!token) return runtimeError("[console] metrics_token_file: cannot read " + config->consoleMetricsTokenFile.string());
      metricsToken = std::string(util::trim(*token));
      if (metricsToken.size() < 16)
        return runtimeError("[console] metrics_token_file: the token is shorter than 16 characters");
    }
    auto store = openStore(*config);
    if (args->flag("check-config")) {
      std::cout << "configuration " << config->file.string() << " is valid\n";
      return 0;
    }
    raiseDescriptorLimit(logger, config->maxConnections);

    server::EnrollmentAuthority authority(*store, *caCert, *caKey,
                                          static_cast<int>(config->certificateValidityDays));
    server::ServiceOptions serviceOptions;
    serviceOptions.reportIntervalSeconds = static_cast<std::uint32_t>(config->reportIntervalSeconds);
    serviceOptions.workers = static_cast<std::size_t>(config->workers);
    serviceOptions.limits.packages = static_cast<std::size_t>(config->maxPackages);
    serviceOptions.limits.files = static_cast<std::size_t>(config->maxFiles);
    serviceOptions.limits.hardware = static_cast<std::size_t>(config->maxHardware);
    serviceOptions.limits.interfaces = static_cast<std::size_t>(config->maxInterfaces);
    serviceOptions.enrollFailuresPerMinute = static_cast<unsigned>(config->enrollFailuresPerMinute);
    server::AgentService service({*store, *store, *store, store->sensors()}, authority, serviceOptions, unixNow);
    enforcement::NotifierSettings notify;
    notify.command = config->notifyCommand;
    notify.webhook = config->notifyWebhook;
    notify.timeout = std::chrono::seconds(config->notifyTimeoutSeconds);
    notify.maxAttempts = static_cast<int>(config->notifyMaxAttempts);
    enforcement::EnforcementSettings enforcementSettings;
    enforcementSettings.policyFile = config->policyFile;
    enforcementSettings.renewLeases = !config->dhcp.subnets.empty() || config->kea.enabled;
    enforcementSettings.notifyOwners = notify.configured();
    enforcement::Enforcement enforcer({*store, *store, *store, store->sensors(), *store, *store, store->network()},
                                      enforcementSettings, unixNow);
    std::atomic<dhcp_edge::DhcpServer*> isolation{nullptr};  // set once the DHCP server exists
    enforcer.onAdmission([&isolation](const std::string&, admission::AdmissionState) {
      if (auto* gate = isolation.load()) gate->refreshIsolation();
    });
    // Commands a decision queued go to the machine's agent at once when it is connected.
    enforcer.onCommandsQueued([&service](const std::string& machineId) { service.deliverQueuedTo(machineId); });
    enforcement::OwnerNotifier notifier(store->sensors(), store->sensors(), notify, unixNow);
    if (auto started = enforcer.start(); !started) return runtimeError("policy: " + started.error());
    service.onMachineStored([&enforcer](const std::string& agentId, const v1::MachineInfo& info) {
      enforcer.machineReported(agentId, info);
    });
    service.onFilesStored([&enforcer](const std::string& agentId) { enforcer.filesReported(agentId); });
    service.onHardwareChange([&enforcer](const std::string& agentId, const v1::HardwareChange& change) {
      enforcer.hardwareChanged(agentId, change);
    });
    // Incidents' runbooks: a site library that does not read stops serve.
    auto runbookRead = runbookPartsOf(*config, *store);
    if (!runbookRead) return runtimeError(runbookRead.error());
    auto& runbookParts = runbookRead.value();
    // Tests whose checks agents run: sent at once, taken when answered.
    runbookParts.service->onCommandsQueued([&service](const std::string& machineId) { service.deliverQueuedTo(machineId); });
    runbooks::AgentTestWatch agentTests(*runbookParts.service);
    service.onCommandFinished([&enforcer, &agentTests](const store::OutboxCommand& c, const v1::CommandResult& result) {
      if (c.kind == "run_checks") agentTests.wake();
      enforcer.commandFinished(c, result);
    });
    monitor::SignatureBook signatures(store->network());
    if (auto read = signatures.refresh(); !read) logger.error("SIGNATURES_NOT_READ reason=%s", read.error());
    logger.notice("SIGNATURES_IN_FORCE signatures=%z version=%s", signatures.current()->compiled->set().signatures.size(),
                  signatures.current()->version.empty() ? std::string("-") : signatures.current()->version);
    monitor::TrafficIntake traffic(*store, *store, &store->network(), &signatures, trafficSettingsOf(*config), unixNowUs);
    monitor::TrafficJudging judging(store->profiles(), store->network(), judgingSettingsOf(*config), spreadSettingsOf(*config));
    service.takeTraffic([&traffic, &enforcer](const std::string& agentId, const v1::TrafficFlows& flows) -> Result<std::string> {
      auto kept = traffic.fromMonitor(agentId, flows);
      if (!kept) return fail(kept.error());
      for (const auto& c : flows.counters())
        if (c.kernel_dropped() > 0 || c.flows_unsent() > 0 || c.flows_evicted() > 0 || c.hits_unsent() > 0)
          log::get("controller.monitor")
              .warning("MONITOR_LOSING agent=%s link=%s kernel_dropped=%Lu flows_evicted=%Lu flows_unsent=%Lu "
                       "matches_unsent=%Lu",
                       agentId, util::escapeForTerminal(c.interface()), static_cast<Poco::UInt64>(c.kernel_dropped()),
                       static_cast<Poco::UInt64>(c.flows_evicted()), static_cast<Poco::UInt64>(c.flows_unsent()),
                       static_cast<Poco::UInt64>(c.hits_unsent()));
      if (!kept->blamed.empty()) enforcer.networkFindings();
      return intakeWords(*kept);
    });
    // IDS alerts into incidents. A configured socket that cannot be made
    // stops serve: alerts written to nobody would be lost without a word.
    incidents::AlertIntake alertIntake(store->incidents(), *store, *store, alertSettingsOf(*config), unixNowUs);
    incidents::AlertReceiver alerts(alertIntake, store->incidents(), {config->eveFile, config->eveSocket});
    if (auto opened = alerts.open(); !opened) return runtimeError(opened.error());
    // The network's findings enter as alerts do.
    incidents::FindingAlerts findingAlerts(store->network(), store->incidents(), config->alertGroupSeconds * 1'000'000,
                                           static_cast<std::size_t>(config->incidentsKept));
    // And the recovery system's: damage sightings as they begin.
    incidents::DamageAlerts damageAlerts(store->sensors(), *store, store->incidents(), config->alertGroupSeconds * 1'000'000,
                                         static_cast<std::size_t>(config->incidentsKept));
    if (notify.configured()) notifier.start();
    server::ListenerOptions listenerOptions;
    listenerOptions.host = config->listenHost;
    listenerOptions.port = config->listenPort;
    listenerOptions.maxFrame = static_cast<std::size_t>(config->maxFrameBytes);
    listenerOptions.handshakeTimeoutSeconds = static_cast<int>(config->handshakeTimeoutSeconds);
    listenerOptions.firstMessageTimeoutSeconds = static_cast<int>(config->enrollTimeoutSeconds);
    listenerOptions.maxConnections = static_cast<std::size_t>(config->maxConnections);
    // The DHCP gate, when configured.
    std::unique_ptr<dhcp_edge::DhcpServer> dhcpServer;
    if (!config->dhcp.subnets.empty()) {
      auto started = startDhcpGate(*config, *store, *caCert);
      if (!started) return runtimeError("dhcp: " + started.error());
      dhcpServer = std::move(started.value());
    }
    // Admission queries from a Kea hook, when configured.
    std::unique_ptr<dhcp_edge::AdmissionQueryServer> keaQueries;
    if (config->kea.enabled) {
      dhcp_edge::AdmissionQuerySettings q;
      q.host = config->kea.host;
      q.port = config->kea.port;
      q.allowFrom = config->kea.allowFrom;
      q.policy.allowMacs = config->kea.allowMacs;
      q.policy.denyMacs = config->kea.denyMacs;
      auto key = keaQueryKey(config->kea.keyFile);
      if (!key) return runtimeError("kea: " + key.error());
      q.key = *key;
      keaQueries = std::make_unique<dhcp_edge::AdmissionQueryServer>(*store, q, unixNow);
      if (auto ready = keaQueries->open(); !ready) return runtimeError("kea: " + ready.error());
    }
    server::AgentListener listener(listenerOptions, context->native(), service);
    service.attach(listener);
    listener.start();
    if (dhcpServer) {
      isolation = dhcpServer.get();
      dhcpServer->start();
    }
    if (keaQueries) keaQueries->start();
    ArchiveSchedule archiveFeed(*config, *store);
    archiveFeed.start();
    alerts.start();
    agentTests.start();
    // The operators' console. Not reaching its port stops nothing else: the
    // agents and the gate matter more than the page that shows them.
    std::unique_ptr<web_edge::ConsoleApi> consoleApi;
    std::unique_ptr<web_edge::ConsolePages> consolePages;
    std::unique_ptr<web_edge::ConsoleServer> console;
    if (config->consoleEnabled) {
      log::routeToFile("controller.audit", config->auditFile.string());
      web_edge::ConsoleSettings settings;
      settings.idleMs = config->consoleIdleSeconds * 1000;
      settings.lifetimeMs = config->consoleLifetimeSeconds * 1000;
      settings.renewLeases = enforcementSettings.renewLeases;
      settings.policyFile = config->policyFile.string();
      settings.minTrustLevel = config->minTrustLevel;
      settings.agentHost = config->listenHost;
      settings.agentPort = listener.port();
      settings.caFingerprint = pki::certificateFingerprint(*caCert);
      settings.tokenTtlSeconds = config->defaultTokenTtlSeconds;
      settings.metricsToken = metricsToken;
      consoleApi = std::make_unique<web_edge::ConsoleApi>(*store, settings, log::get("controller.audit"), unixNow, [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
      });
      consoleApi->showMetrics([&] { return controllerMetrics(listener, service, enforcer, dhcpServer.get()); });
      consoleApi->showDiagnoses([&enforcer](const store::MachineRecord& m) -> std::optional<std::string> {
        auto diagnosed = enforcer.diagnosisOf(m.summary.id, std::chrono::seconds(2));
        if (!diagnosed) return std::nullopt;
        const auto facts = diagnosis::factsFrom(m.info, m.summary.id);
        return views::diagnosisJson({m.summary.id, m.summary.hostname, facts.ecosystem}, *diagnosed);
      });
      consoleApi->showExposure(enforcer.exposure());
      consoleApi->syncFeedsWith([&archiveFeed] { return archiveFeed.syncNow(); });
      consoleApi->runbookApi().runWith(*runbookParts.service);
      web_edge::PagesSettings pages;
      pages.maxStreams = std::max<int>(1, static_cast<int>(config->consoleThreads) / 2);
      consolePages = std::make_unique<web_edge::ConsolePages>(*consoleApi, *store, pages);
      console = std::make_unique<web_edge::ConsoleServer>(
          *consoleApi, consolePages.get(), web_edge::ConsoleListen{config->consoleHost, config->consolePort, config->consoleCert.string(),
                                               config->consoleKey.string(), config->caCert.string(),
                                               static_cast<int>(config->consoleThreads)});
      if (auto up = console->start(); !up) {
        logger.error("CONSOLE_NOT_STARTED reason=%s", up.error());
        console.reset();
      }
    }
    logger.notice("CONTROLLER_STARTED version=%s listen=%s:%hu store=%s", std::string(PORTCULLIS_VERSION),
                  config->listenHost, listener.port(), config->storePath.string());
    // Enough for whoever reads the journal to enroll an agent.
    if (auto ca = io::readFile(config->caCert))
      logger.notice("ENROLL_WITH ca_sha256=%s token='portcullis-controller enroll-token --config %s'",
                    pki::certificateFingerprint(*ca), config->file.string());

    // The main thread waits for signals; between them (every few seconds) it
    // lets enforcement see new advisories and opened maintenance windows.
    monitor::IsolationWatchSettings watchSettings{config->isolationVerifySeconds * 1'000'000, listener.port(), std::nullopt};
    if (const auto listenOn = net::parseIpv4(config->listenHost); listenOn && *listenOn != 0)
      watchSettings.controllerAddress = *listenOn;
    monitor::IsolationWatch isolationWatch(*store, watchSettings);
    std::vector<monitor::SegmentRouter> routers;
    for (const auto& r : config->routers) routers.push_back({r.name, r.agentId, r.segments});
    monitor::SegmentIsolation segments(*store, std::move(routers));
    shareSignatures(signatures, *store, config->monitorAgents);
    const timespec tick{static_cast<time_t>(config->diagnosisTickSeconds), 0};
    for (;;) {
      siginfo_t info{};
      const int sig = sigtimedwait(&signals, &info, &tick);
      if (sig < 0) {
        shareSignatures(signatures, *store, config->monitorAgents);
        if (judgeTraffic(judging)) enforcer.networkFindings();
        openIncidentsFor(findingAlerts);
        openIncidentsFor(damageAlerts);
        watchIsolations(isolationWatch);
        placeIsolation(segments, enforcer.segmentPolicy());
        enforcer.tick();
        // Operator actions (release, quarantine, approve) come through the store.
        if (dhcpServer) dhcpServer->refreshIsolation();
        service.deliverQueuedToConnected();
        continue;
      }
      if (sig == SIGHUP) {
        logger.notice("RELOAD signal=SIGHUP file=%s", config->policyFile.string());
        enforcer.reloadPolicy();
        continue;
      }
      logger.notice("CONTROLLER_STOPPING signal=%d", sig);
      break;
    }
    archiveFeed.stop();
    alerts.stop();
    agentTests.stop();  // a wake after this is a flag nobody reads
    if (console) console->stop();
    if (keaQueries) keaQueries->stop();
    notifier.stop();
    if (dhcpServer) {
      isolation = nullptr;  // enforcement may still decide until it stops
      dhcpServer->stop();
      const auto c = dhcpServer->counters();
      logger.notice("DHCP_STOPPED received=%Lu malformed=%Lu offers=%Lu acks=%Lu naks=%Lu unanswered=%Lu "
                    "rate_limited=%Lu",
                    static_cast<Poco::UInt64>(c.received), static_cast<Poco::UInt64>(c.malformed),
                    static_cast<Poco::UInt64>(c.offers), static_cast<Poco::UInt64>(c.acks),
                    static_cast<Poco::UInt64>(c.naks), static_cast<Poco::UInt64>(c.unanswered),
                    static_cast<Poco::UInt64>(c.rateLimited));
    }
    // Stop taking frames, finish and acknowledge what was taken, decide on
    // what was stored, then close.
    listener.quiesce();
    service.stop();
    enforcer.stop();
    listener.stop();
    const auto stats = service.stats();
    logger.notice("CONTROLLER_STOPPED reports_stored=%Lu enrollments=%Lu rejections=%Lu",
                  static_cast<Poco::UInt64>(stats.reportsStored),
                  static_cast<Poco::UInt64>(stats.enrollments),
                  static_cast<Poco::UInt64>(stats.rejections));
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(std::string("serve: ") + e.what());
  }
}

}  // namespace portcullis::controller::cli
