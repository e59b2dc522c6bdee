#include "controller/config/controller_config.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/config/ini_document.h"
#include "common/io/files.h"
#include "common/util/text.h"
#include "controller/feeds/apt_sources.h"
#include "controller/runbooks/business_hours.h"

namespace portcullis::controller {
Result<ControllerConfig> loadControllerConfig(const std::filesystem::path& file) {
  auto text = io::readTextFile(file, "configuration file");
  if (!text) return fail(text.error());
  auto doc = config::IniDocument::parse(*text, file.string());
  if (!doc) return fail(doc.error());
  ControllerConfig c;
  c.file = std::filesystem::absolute(file);
  c.dir = c.file.parent_path();
  config::ConfigReader r(*doc);

  // What the controller makes and keeps (keys, store, logs) is found from the
  // state directory; what people write (the policy) from the file's own.
  c.stateDir = config::resolvePath(c.dir.string(), r.text("state.dir", ""));
  if (c.stateDir.empty()) c.stateDir = c.dir;
  const std::string state = c.stateDir.string();

  auto [host, port] = r.endpoint("listen.address", "127.0.0.1:9443");
  c.listenHost = host;
  c.listenPort = port;
  c.maxFrameBytes = r.bytes("listen.max_frame", c.maxFrameBytes);
  if (c.maxFrameBytes < 1024 || c.maxFrameBytes > 256LL * 1024 * 1024)
    r.addError("listen.max_frame", "must be between 1KiB and 256MiB");
  c.handshakeTimeoutSeconds = r.seconds("listen.handshake_timeout", c.handshakeTimeoutSeconds);
  c.enrollTimeoutSeconds = r.seconds("listen.enroll_timeout", c.enrollTimeoutSeconds);
  if (c.enrollTimeoutSeconds < 1 || c.enrollTimeoutSeconds > 600)
    r.addError("listen.enroll_timeout", "must be between 1s and 10m");
  c.maxConnections = r.integer("listen.max_connections", c.maxConnections, 1, 1000000);

  c.caCert = config::resolvePath(state, r.text("tls.ca_cert", "ca.crt"));
  c.caKey = config::resolvePath(state, r.text("tls.ca_key", "private/ca.key"));
  c.serverCert = config::resolvePath(state, r.text("tls.cert", "server.crt"));
  c.serverKey = config::resolvePath(state, r.text("tls.key", "private/server.key"));

  c.storePath = config::resolvePath(state, r.text("store.path", "controller.db"));
  if (const auto sync = r.text("store.synchronous", "full"); sync == "normal") c.storeSyncEachCommit = false;
  else if (sync != "full") r.addError("store.synchronous", "'" + sync.substr(0, 40) + "' is not one of full, normal");

  c.reportIntervalSeconds = r.seconds("agents.report_interval", c.reportIntervalSeconds);
  if (c.reportIntervalSeconds < 5) r.addError("agents.report_interval", "must be at least 5s");
  c.certificateValidityDays = r.integer("agents.certificate_days", c.certificateValidityDays, 1, 3650);
  c.defaultTokenTtlSeconds = r.seconds("agents.token_ttl", c.defaultTokenTtlSeconds);
  c.enrollFailuresPerMinute = r.integer("agents.enroll_failures_per_minute", c.enrollFailuresPerMinute, 1, 10000);
  c.maxPackages = r.integer("agents.max_packages", c.maxPackages, 1, 10000000);
  c.maxFiles = r.integer("agents.max_files", c.maxFiles, 1, 100000000);
  c.maxHardware = r.integer("agents.max_hardware", c.maxHardware, 1, 1000000);
  c.maxInterfaces = r.integer("agents.max_interfaces", c.maxInterfaces, 1, 100000);

  c.minTrustLevel = r.integer("feeds.min_trust_level", c.minTrustLevel, 1, 5);
  c.aptSources = std::string(util::trim(r.text("feeds.apt_sources", "")));
  if (!c.aptSources.empty() && c.aptSources != "system")
    if (auto list = feeds::parseArchiveList(c.aptSources); !list) r.addError("feeds.apt_sources", list.error());
  c.aptSuites = config::splitList(r.text("feeds.apt_suites", ""));
  for (const auto& suite : c.aptSuites)
    if (!feeds::isPlainName(suite)) r.addError("feeds.apt_suites", "'" + suite.substr(0, 60) + "' is not a suite name");
  c.aptKeyring = config::resolvePath(c.dir.string(), r.text("feeds.apt_keyring", c.aptKeyring.string()));
  c.aptTrustLevel = r.integer("feeds.apt_trust_level", c.aptTrustLevel, 1, 5);
  c.aptIntervalSeconds = r.seconds("feeds.apt_interval", c.aptIntervalSeconds);
  if (c.aptIntervalSeconds < 60) r.addError("feeds.apt_interval", "must be at least 1m");
  c.aptEtc = config::resolvePath(c.dir.string(), r.text("feeds.apt_etc", c.aptEtc.string()));
  c.aptLists = config::resolvePath(c.dir.string(), r.text("feeds.apt_lists", c.aptLists.string()));

  c.policyFile = config::resolvePath(c.dir.string(), r.text("policy.file", "policy.conf"));
  c.diagnosisTickSeconds = r.seconds("policy.check_interval", c.diagnosisTickSeconds);
  if (c.diagnosisTickSeconds < 1 || c.diagnosisTickSeconds > 3600)
    r.addError("policy.check_interval", "must be between 1s and 1h");

  c.dhcp = readDhcpSettings(*doc, r);
  c.kea = readKeaSettings(r);
  c.kea.keyFile = config::resolvePath(state, c.kea.keyFile.string());
  c.dhcp.rulesFile = config::resolvePath(state, c.dhcp.rulesFile.string());

  c.notifyCommand = r.text("notify.command", "");
  c.notifyWebhook = r.text("notify.webhook", "");
  if (!c.notifyWebhook.empty() && c.notifyWebhook.rfind("http://", 0) != 0)
    r.addError("notify.webhook", "'" + c.notifyWebhook + "' is not an http:// URL (https is not supported yet)");
  c.notifyTimeoutSeconds = r.seconds("notify.timeout", c.notifyTimeoutSeconds);
  if (c.notifyTimeoutSeconds < 1 || c.notifyTimeoutSeconds > 600) r.addError("notify.timeout", "must be between 1s and 10m");
  c.notifyMaxAttempts = r.integer("notify.max_attempts", c.notifyMaxAttempts, 1, 100);

  c.workers = r.integer("server.workers", c.workers, 1, 64);

  const std::string consoleListen = r.text("console.listen", "127.0.0.1:8443");
  c.consoleEnabled = consoleListen != "off" && !consoleListen.empty();
  if (c.consoleEnabled) {
    auto [consoleHost, consolePort] = r.endpoint("console.listen", "127.0.0.1:8443");
    c.consoleHost = consoleHost;
    c.consolePort = consolePort;
  }
  c.consoleCert = config::resolvePath(state, r.text("console.cert", ""));
  c.consoleKey = config::resolvePath(state, r.text("console.key", ""));
  if (c.consoleCert.empty() != c.consoleKey.empty())
    r.addError("console.cert", "console.cert and console.key go together (neither: the agent listener's)");
  if (c.consoleCert.empty()) {
    c.consoleCert = c.serverCert;
    c.consoleKey = c.serverKey;
  }
  c.consoleIdleSeconds = r.seconds("console.session_idle", c.consoleIdleSeconds);
  if (c.consoleIdleSeconds < 60 || c.consoleIdleSeconds > 24 * 3600)
    r.addError("console.session_idle", "must be between 1m and 24h");
  c.consoleLifetimeSeconds = r.seconds("console.session_lifetime", c.consoleLifetimeSeconds);
  if (c.consoleLifetimeSeconds < c.consoleIdleSeconds || c.consoleLifetimeSeconds > 30 * 24 * 3600)
    r.addError("console.session_lifetime", "must be between session_idle and 30d");
  c.consoleThreads = r.integer("console.threads", c.consoleThreads, 2, 256);
  c.consoleMetricsTokenFile = config::resolvePath(state, r.text("console.metrics_token_file", ""));

  c.monitorAgents = config::splitList(r.text("monitor.agents", ""));
  c.routerMacs = config::splitList(r.text("monitor.routers", ""));
  for (auto& mac : c.routerMacs) {
    std::transform(mac.begin(), mac.end(), mac.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    const bool shaped = mac.size() == 17 && std::all_of(mac.begin(), mac.end(), [](char ch) {
      return std::isxdigit(static_cast<unsigned char>(ch)) || ch == ':';
    });
    if (!shaped) r.addError("monitor.routers", "'" + mac + "' is not a MAC address (aa:bb:cc:dd:ee:ff)");
  }
  c.trafficKeepSeconds = r.seconds("monitor.keep", c.trafficKeepSeconds);
  if (c.trafficKeepSeconds < 3600 || c.trafficKeepSeconds > 3650LL * 86400)
    r.addError("monitor.keep", "must be between 1h and 3650d");
  c.trafficMaxRows = r.integer("monitor.max_flows", c.trafficMaxRows, 1000, 2'000'000'000);
  c.profileWindowSeconds = r.seconds("monitor.window", c.profileWindowSeconds);
  if (c.profileWindowSeconds < 10 || c.profileWindowSeconds > 86'400 || 86'400 % c.profileWindowSeconds != 0)
    r.addError("monitor.window", "must be between 10s and 1d and divide a day");
  c.profileBaselineSeconds = r.seconds("monitor.baseline", c.profileBaselineSeconds);
  if (c.profileBaselineSeconds < c.profileWindowSeconds || c.profileBaselineSeconds > 90LL * 86'400)
    r.addError("monitor.baseline", "must be between window and 90d");
  c.profileSettleSeconds = r.seconds("monitor.settle", c.profileSettleSeconds);
  if (c.profileSettleSeconds < 0 || c.profileSettleSeconds > 3600) r.addError("monitor.settle", "must be between 0s and 1h");
  c.profileDeviations = r.integer("monitor.deviations", c.profileDeviations, 1, 10);
  c.profileMinFlows = r.integer("monitor.min_flows", c.profileMinFlows, 1, 1'000'000);
  c.spreadWindows = r.integer("monitor.spread_windows", c.spreadWindows, 1, 100);
  // [router NAME]: the isolating routers, each by its agent and segments.
  std::set<std::string> routerSections;
  for (const auto& [key, value] : doc->values())
    if (key.rfind("router ", 0) == 0 && key.find('.') != std::string::npos) routerSections.insert(key.substr(0, key.find('.')));
  for (const auto& section : routerSections) {
    RouterPoint point;
    point.name = section.substr(7);
    if (point.name.empty() || point.name.find_first_of(" .") != std::string::npos)
      r.addError(section + ".agent", "a router's name is one word without dots");
    point.agentId = r.text(section + ".agent", "");
    if (point.agentId.empty()) r.addError(section + ".agent", "names the router's agent (its id); required");
    for (const auto& item : config::splitList(r.text(section + ".segments", ""))) {
      auto net = net::parseIpv4Net(item);
      if (!net) r.addError(section + ".segments", net.error());
      else point.segments.push_back(*net);
    }
    if (point.segments.empty()) r.addError(section + ".segments", "names the networks behind the router; required");
    c.routers.push_back(std::move(point));
  }
  c.isolationVerifySeconds = r.seconds("monitor.verify_after", c.isolationVerifySeconds);
  if (c.isolationVerifySeconds < 1 || c.isolationVerifySeconds > 86'400)
    r.addError("monitor.verify_after", "must be between 1s and 1d");

  c.eveFile = config::resolvePath(state, r.text("alerts.eve_file", ""));
  c.eveSocket = config::resolvePath(state, r.text("alerts.eve_socket", ""));
  if (c.eveSocket.string().size() >= 108) r.addError("alerts.eve_socket", "a Unix socket's path is shorter than 108 bytes");
  c.alertGroupSeconds = r.seconds("alerts.group_window", c.alertGroupSeconds);
  if (c.alertGroupSeconds < 1 || c.alertGroupSeconds > 86'400) r.addError("alerts.group_window", "must be between 1s and 1d");
  c.alertMaxAgeSeconds = r.seconds("alerts.max_age", c.alertMaxAgeSeconds);
  if (c.alertMaxAgeSeconds < 60 || c.alertMaxAgeSeconds > 365LL * 86'400) r.addError("alerts.max_age", "must be between 1m and 365d");
  c.incidentsKept = r.integer("alerts.keep_incidents", c.incidentsKept, 100, 100'000'000);
  c.runbookLibrary = config::resolvePath(state, r.text("runbooks.library", ""));
  c.businessHours = r.text("runbooks.business_hours", c.businessHours);
  if (!runbooks::parseBusinessHours(c.businessHours))
    r.addError("runbooks.business_hours", "'" + c.businessHours + "' is not business hours (Mon-Fri 08:00-18:00)");
  c.agentTestSeconds = r.seconds("runbooks.agent_test_timeout", c.agentTestSeconds);
  if (c.agentTestSeconds < 5 || c.agentTestSeconds > 86400)
    r.addError("runbooks.agent_test_timeout", "must be between 5s and 1d");

  c.logLevel = r.text("log.level", c.logLevel);
  static const char* levels[] = {"fatal", "critical", "error", "warning", "notice", "information", "debug", "trace"};
  bool known = false;
  for (const char* l : levels) known = known || c.logLevel == l;
  if (!known) r.addError("log.level", "'" + c.logLevel + "' is not a log level (error, warning, notice, information, debug)");
  c.logFile = config::resolvePath(state, r.text("log.file", ""));
  c.logRepeatLimit = r.integer("log.repeat_limit", c.logRepeatLimit, 0, 1000000);
  c.auditFile = config::resolvePath(state, r.text("log.audit_file", "audit.log"));

  auto errors = r.finish();
  if (!errors.empty()) return fail(config::joinLines(errors));
  return c;
}

std::string defaultControllerConfigText(const std::string& listen, const std::string& stateDir) {
  const std::string state =
      stateDir.empty()
          ? ""
          : "\n[state]\n"
            "# Keys, certificates, the store and logs: relative paths below are taken\n"
            "# from here (the policy file's from this file's directory).\n"
            "dir = " + stateDir + "\n";
  return "# Portcullis controller configuration. Relative paths are from this file's directory.\n" + state +
         "\n[listen]\n"
         "# Where agents connect (mutually authenticated TLS).\n"
         "address = " + listen + "\n"
         "# Largest frame accepted from an agent; a bigger one closes that connection.\n"
         "max_frame = 4MiB\n"
         "handshake_timeout = 10s\n"
         "# A client without a certificate must send its enrollment request (an agent\n"
         "# its Hello) this soon after the handshake, or it is closed.\n"
         "enroll_timeout = 10s\n"
         "# Each connection is a file descriptor: serve raises its soft limit to the\n"
         "# hard one and warns when that is below max_connections + 64.\n"
         "max_connections = 20000\n"
         "\n[tls]\n"
         "ca_cert = ca.crt\n"
         "ca_key = private/ca.key\n"
         "cert = server.crt\n"
         "key = private/server.key\n"
         "\n[store]\n"
         "# SQLite file (WAL mode).\n"
         "path = controller.db\n"
         "# full: each commit (a lease, a report) is on disk before it is answered;\n"
         "# normal: in the OS only, as Kea's memfile leaves its leases: a crash of\n"
         "# the controller loses nothing, a power cut may lose the last commits.\n"
         "synchronous = full\n"
         "\n[agents]\n"
         "# How often agents re-report when nothing changed.\n"
         "report_interval = 5m\n"
         "# Validity of the certificates issued at enrollment.\n"
         "certificate_days = 365\n"
         "# Default lifetime of an enrollment token.\n"
         "token_ttl = 1h\n"
         "# Failed enrollments (a wrong token, say) one address may make a minute;\n"
         "# past that its enrollments are refused until the minute is over.\n"
         "enroll_failures_per_minute = 10\n"
         "# What one machine may hold; a report over a limit is rejected, and the\n"
         "# agent and the log say which.\n"
         "max_packages = 20000\n"
         "max_files = 200000\n"
         "max_hardware = 2000\n"
         "max_interfaces = 4096\n"
         "\n[feeds]\n"
         "# Trust level (1 lowest .. 5 highest) a feed's publisher needs for its signed feed to be imported.\n"
         "min_trust_level = 3\n"
         "# The security suites of an apt archive, verified by their InRelease signature:\n"
         "# 'system' reads this machine's apt sources and what apt-get update fetched;\n"
         "# or 'URL SUITE [COMPONENT...], ...' over http:// or file://. Off when empty.\n"
         "# apt_sources = system\n"
         "# With 'system', suites read besides those named *-security: apt_suites = SUITE, ...\n"
         "# apt_keyring = /usr/share/keyrings/debian-archive-keyring.gpg\n"
         "# apt_trust_level = 4\n"
         "# apt_interval = 6h\n"
         "\n[policy]\n"
         "# Machine groups and their patching, filtering, quarantine and checks (reloaded on SIGHUP).\n"
         "file = policy.conf\n"
         "# How often the running controller looks for imported advisories and opened maintenance windows.\n"
         "check_interval = 5s\n"
         "\n# The DHCP gate (off while no [dhcp] section is set). One directly attached\n"
         "# subnet; more as [dhcp NAME] sections. See portcullis-controller(8) for every key.\n"
         "# [dhcp]\n"
         "# interface = eth1\n"
         "# subnet = 10.20.0.0/24\n"
         "# production_pool = 10.20.0.100-10.20.0.199\n"
         "# quarantine_pool = 10.20.0.200-10.20.0.250\n"
         "# router = 10.20.0.1\n"
         "# dns = 10.20.0.1\n"
         "# lease_time = 1h\n"
         "# quarantine_lease_time = 1m\n"
         "# quarantine-first or hold\n"
         "# mode = quarantine-first\n"
         "# machines with no agent: quarantine, deny or allow\n"
         "# no_agent = quarantine\n"
         "\n[notify]\n"
         "# Tells a machine's owner (the policy's owner key) that it was isolated or\n"
         "# released. A command gets the notice as JSON on standard input, with\n"
         "# PORTCULLIS_EVENT, PORTCULLIS_MACHINE, PORTCULLIS_HOSTNAME and PORTCULLIS_OWNER set;\n"
         "# a webhook (http://) gets it POSTed. Failed notices are tried again later.\n"
         "# command = /usr/local/bin/portcullis-notify\n"
         "# webhook = http://127.0.0.1:8025/portcullis\n"
         "timeout = 10s\n"
         "max_attempts = 8\n"
         "\n[server]\n"
         "# Threads that parse and answer agent messages.\n"
         "workers = 2\n"
         "\n[console]\n"
         "# The operators' web console and REST API (HTTPS). off: none. Operators are\n"
         "# made with: portcullis-controller operator add NAME --role admin --config FILE\n"
         "listen = 127.0.0.1:8443\n"
         "# Its certificate and key; unset: the agent listener's ([tls] cert, key).\n"
         "# cert =\n"
         "# key =\n"
         "session_idle = 30m\n"
         "session_lifetime = 12h\n"
         "threads = 16\n"
         "# GET /metrics (Prometheus) needs the token in this file as a Bearer token;\n"
         "# unset: from loopback only.\n"
         "# metrics_token_file = private/metrics.token\n"
         "\n[monitor]\n"
         "# The communication log. Agents whose flows are taken (comma-separated ids):\n"
         "# a monitor's word can blame a machine, so only those named here are heard.\n"
         "agents =\n"
         "# MACs of routers, whose frames carry other hosts' addresses. A flow from a\n"
         "# MAC that is neither a known machine's nor listed here is kept with no\n"
         "# machine blamed: anyone on a link can write another's address.\n"
         "routers =\n"
         "# Flows are kept this long, and at most this many (the oldest go first).\n"
         "keep = 30d\n"
         "max_flows = 5000000\n"
         "# Each machine's flows are counted by destination in windows of this\n"
         "# length; over the baseline (from its first busy window) its profile is\n"
         "# learned, then each window is judged against it, this long after its end.\n"
         "window = 10m\n"
         "baseline = 1d\n"
         "settle = 2m\n"
         "# A window is an anomaly past the mean of the machine's own baseline\n"
         "# windows plus this many standard deviations (never below 0.2); windows\n"
         "# with fewer flows are not judged.\n"
         "deviations = 3\n"
         "min_flows = 5\n"
         "# The same damage on more machines in this many windows in a row: spreading.\n"
         "spread_windows = 2\n"
         "# An isolation for damage the monitor found is checked against the log\n"
         "# this long after it went in (past a report interval and an idle timeout).\n"
         "verify_after = 3m\n"
         "\n# A router whose agent can cut off the segments behind it, when two damaged\n"
         "# machines or more are there (policy.conf isolate_segments: propose or apply).\n"
         "# [router edge-1]\n"
         "# agent = AGENT_ID\n"
         "# segments = 10.20.0.0/24, 10.21.0.0/24\n"
         "\n[alerts]\n"
         "# IDS alerts (Suricata's EVE JSON, event_type alert) open incidents. A file\n"
         "# followed across rotation and truncation (read from where the last run\n"
         "# stopped), and a Unix stream socket Suricata writes to (eve-log filetype\n"
         "# unix_stream), made mode 0660: whoever can write to either can open incidents.\n"
         "eve_file =\n"
         "eve_socket =\n"
         "# Alerts of one rule naming a shared address this close in time join one incident.\n"
         "group_window = 10m\n"
         "# Alerts older than this (a long file read from its start) are counted, not taken.\n"
         "max_age = 1d\n"
         "# Incidents kept; past it the oldest closed go first.\n"
         "keep_incidents = 100000\n"
         "\n[runbooks]\n"
         "# A directory of the site's own runbook library (manual.txt, tests.txt,\n"
         "# catalogue.txt, NAME.scenario, files/), read over the product's: its entries\n"
         "# replace the product's of the same key. Empty: the product's only.\n"
         "library =\n"
         "# When an incident's runbook may start outside business hours (local time).\n"
         "business_hours = Mon-Fri 08:00-18:00\n"
         "# How long a test waits for the agents that run its checks (a process, a\n"
         "# file's hash, a command, a port from that machine); unanswered ones fail.\n"
         "agent_test_timeout = 2m\n"
         "\n[log]\n"
         "# error, warning, notice, information or debug\n"
         "level = information\n"
         "# Empty: standard error.\n"
         "file =\n"
         "# Lines a second each kind of message may write (LEASE_BOUND, FRAME_REJECTED...)\n"
         "# before the rest are counted in one LOG_SUPPRESSED line, so a flood cannot\n"
         "# drown the log; 0 writes every line.\n"
         "repeat_limit = 20\n"
         "# What administrative commands did (agents revoke, feed trust and import,\n"
         "# known-bad import, approve, release, quarantine).\n"
         "audit_file = audit.log\n";
}

std::string defaultPolicyText() {
  return "# Portcullis policy: what the controller does about the advisories that\n"
         "# affect a machine. Groups are matched by `machines` (explicit ids or host\n"
         "# names) first, then by `hosts` patterns or `subnets` in file order; a\n"
         "# machine in no group follows [defaults]. A group inherits every key it\n"
         "# does not set from [defaults]. Reloaded on SIGHUP. See portcullis-controller(8).\n"
         "\n[defaults]\n"
         "# auto: patch at once (inside a maintenance window, if any are set);\n"
         "# approve: the patch waits for `portcullis-controller approve ID`; never.\n"
         "patching = auto\n"
         "# Package patterns never patched automatically, e.g. linux-image-*\n"
         "never_patch =\n"
         "# e.g. Sat 02:00-04:00, Mon-Fri 22:00-23:00 (UTC); empty: any time\n"
         "maintenance_windows =\n"
         "include_unimportant = no\n"
         "# While a hole stays open, a listening service of the package gets a\n"
         "# temporary filter rule from this severity on (never to turn it off).\n"
         "filter_from = high\n"
         "# yes: stop the vulnerable service instead of filtering it\n"
         "stop_service = no\n"
         "# Addresses a filter rule still lets in (management hosts), CIDR list\n"
         "management_allow =\n"
         "# Quarantine from this severity on; by default only for holes with no\n"
         "# fix in a package that listens on the network.\n"
         "quarantine_from = critical\n"
         "quarantine_unfixed_only = yes\n"
         "quarantine_listening_only = yes\n"
         "# The DHCP gate admits a new or quarantined machine to production once no\n"
         "# finding from this severity on has a fix it has not applied (none: only\n"
         "# quarantine findings keep it out).\n"
         "gate_from = high\n"
         "# Damage (an antivirus detection, a watched file whose hash is known bad):\n"
         "# the machine is quarantined at the gate and, with isolate_damaged, cut off\n"
         "# by its agent but for the controller, DHCP and these peers (CIDR list).\n"
         "isolate_damaged = yes\n"
         "isolation_allow =\n"
         "# Damage the network monitor found: a payload signature's match, a traffic\n"
         "# anomaly. complete: cut off as above; drop: only the bad conversation (or\n"
         "# a fan-out's port) is dropped; limit: all its traffic held to\n"
         "# isolation_limit (bytes a second, each way).\n"
         "isolate_signature = complete\n"
         "isolate_anomaly = complete\n"
         "isolation_limit = 128KiB\n"
         "# A router's segment ([router NAME] in controller.conf) that holds two\n"
         "# damaged machines or more: propose cutting it off (logged), or apply it.\n"
         "isolate_segments = propose\n"
         "# Restore damaged files from the agent's kept copy (or their package),\n"
         "# remove ones that appeared bad; released once a rescan is clean.\n"
         "recover_damaged = yes\n"
         "# Equipment, one rule a word: kind:usb|block|optical|net|input|floppy,\n"
         "# mass_storage, removable, id:VVVV:PPPP, class:CC, serial:S, any. A device\n"
         "# matching a forbidden rule, or none of the permitted ones when they are\n"
         "# given, isolates the machine. Empty: every device is permitted.\n"
         "permitted_equipment =\n"
         "forbidden_equipment =\n"
         "# isolate: cut off at every change notice until the new configuration is\n"
         "# verified permitted; check: only a device that breaks the rules does.\n"
         "equipment_change = check\n"
         "# Who hears of this group's isolations and releases ([notify] in controller.conf).\n"
         "owner =\n"
         "# Operation checks run before and after a patch: names of [check NAME]\n"
         "checks =\n"
         "\n# [group databases]\n"
         "# hosts = db-*\n"
         "# patching = approve\n"
         "# never_patch = linux-image-*, postgresql-*\n"
         "# checks = postgres\n"
         "#\n"
         "# [check postgres]\n"
         "# type = tcp\n"
         "# target = 127.0.0.1:5432\n";
}

}  // namespace portcullis::controller
