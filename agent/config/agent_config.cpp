#include "agent/config/agent_config.h"

#include <sstream>

#include "common/config/ini_document.h"
#include "common/io/files.h"
#include "common/util/text.h"

namespace portcullis::agent {
std::filesystem::path enrollmentFileOf(const std::filesystem::path& stateDir) {
  return stateDir / "enrollment.conf";
}

Result<AgentConfig> loadAgentConfig(const std::filesystem::path& file, Enrollment need) {
  auto text = io::readTextFile(file, "configuration file");
  if (!text) return fail(text.error());
  auto doc = config::IniDocument::parse(*text, file.string());
  if (!doc) return fail(doc.error());
  AgentConfig c;
  c.file = std::filesystem::absolute(file);
  c.dir = c.file.parent_path();
  config::ConfigReader r(*doc);

  // Keys, certificates, the spool and every state file are found from the
  // state directory; by default the file's own, where `enroll --dir` puts them.
  c.stateDir = config::resolvePath(c.dir.string(), r.text("state.dir", ""));
  if (c.stateDir.empty()) c.stateDir = c.dir;
  const std::string state = c.stateDir.string();

  // Who this agent is and where its controller is: this file, or else what
  // `enroll --config` wrote beside the state.
  std::string address = r.text("controller.address", "");
  std::string serverName = r.text("controller.server_name", "");
  c.agentId = r.text("agent.id", "");
  const auto enrollmentFile = enrollmentFileOf(c.stateDir);
  if (address.empty() && std::filesystem::exists(enrollmentFile)) {
    auto enrolledText = io::readTextFile(enrollmentFile, "configuration file");
    if (!enrolledText) return fail(enrolledText.error());
    auto enrolled = config::IniDocument::parse(*enrolledText, enrollmentFile.string());
    if (!enrolled) return fail(enrolled.error());
    config::ConfigReader e(*enrolled);
    address = e.text("controller.address", "");
    const std::string enrolledName = e.text("controller.server_name", "");
    const std::string enrolledId = e.text("agent.id", "");
    if (serverName.empty()) serverName = enrolledName;
    if (c.agentId.empty()) c.agentId = enrolledId;
    if (auto errors = e.finish(); !errors.empty()) return fail(config::joinLines(errors));
    c.enrolledBy = enrollmentFile;
  }
  if (address.empty()) {
    if (need == Enrollment::Required)
      r.addError("controller.address",
                 "not enrolled: no address here and no " + enrollmentFile.string() +
                     " (run: portcullis-agent enroll --controller HOST:PORT --token TOKEN --ca-sha256 HEX --config " +
                     c.file.string() + ")");
  } else {
    // Several controllers of one site: each tried in turn.
    for (const auto& one : config::splitList(address)) {
      auto ep = config::parseEndpoint(one);
      if (!ep) r.addError("controller.address", ep.error());
      else c.controllers.push_back({ep->first, ep->second});
    }
    if (c.controllers.size() > 16) r.addError("controller.address", "at most 16 controllers");
    if (c.controllers.empty()) r.addError("controller.address", "'" + address + "' names no controller (HOST:PORT, comma-separated)");
    if (!c.controllers.empty()) {
      c.controllerHost = c.controllers.front().host;
      c.controllerPort = c.controllers.front().port;
    }
  }
  c.serverNameGiven = !serverName.empty();
  c.serverName = serverName.empty() ? c.controllerHost : serverName;
  c.timeoutSeconds = r.seconds("controller.timeout", c.timeoutSeconds);
  c.maxFrameBytes = r.bytes("controller.max_frame", c.maxFrameBytes);

  c.caCert = config::resolvePath(state, r.text("tls.ca_cert", "ca.crt"));
  c.cert = config::resolvePath(state, r.text("tls.cert", "agent.crt"));
  c.key = config::resolvePath(state, r.text("tls.key", "private/agent.key"));

  c.root = r.text("agent.root", "/");
  c.reportIntervalSeconds = r.seconds("agent.report_interval", c.reportIntervalSeconds);
  c.checkIntervalSeconds = r.seconds("agent.check_interval", c.checkIntervalSeconds);
  if (c.checkIntervalSeconds < 1) r.addError("agent.check_interval", "must be at least 1s");

  c.spoolDir = config::resolvePath(state, r.text("spool.dir", "spool"));
  c.spoolMaxReports = r.integer("spool.max_reports", c.spoolMaxReports, 1, 100000);
  c.spoolMaxBytes = r.bytes("spool.max_bytes", c.spoolMaxBytes);

  c.backoffInitialSeconds = r.seconds("reconnect.initial", c.backoffInitialSeconds);
  c.backoffMaxSeconds = r.seconds("reconnect.max", c.backoffMaxSeconds);
  if (c.backoffInitialSeconds < 1) r.addError("reconnect.initial", "must be at least 1s");
  if (c.backoffMaxSeconds < c.backoffInitialSeconds)
    r.addError("reconnect.max", "must not be below reconnect.initial");

  c.patchCommand = r.text("measures.patch_command", c.patchCommand);
  c.rollbackCommand = r.text("measures.rollback_command", c.rollbackCommand);
  c.reinstallCommand = r.text("measures.reinstall_command", c.reinstallCommand);
  c.nftCommand = r.text("measures.nft", c.nftCommand);
  c.systemctlCommand = r.text("measures.systemctl", c.systemctlCommand);
  c.commandTimeoutSeconds = r.seconds("measures.command_timeout", c.commandTimeoutSeconds);
  for (const auto& [key, t] : {std::pair<const char*, const std::string&>{"measures.patch_command", c.patchCommand},
                               {"measures.rollback_command", c.rollbackCommand},
                               {"measures.reinstall_command", c.reinstallCommand}}) {
    if (t.find("{packages}") == std::string::npos && t.find("{name}") == std::string::npos)
      r.addError(key, "the template names no package: use {packages}, or {name} and {version}");
  }

  for (const auto& [name, line] : r.section("check_commands")) {
    std::vector<std::string> argv;
    std::istringstream words(line);
    for (std::string w; words >> w;) argv.push_back(w);
    if (!util::isPlainName(name)) r.addError("check_commands." + name, "'" + name + "' is not a name a check can use (letters, digits, . _ : + -)");
    else if (argv.empty() || argv.front().front() != '/')
      r.addError("check_commands." + name, "give the program by its absolute path, then its arguments (no shell)");
    else c.checkCommands[name] = std::move(argv);
  }

  c.announce = r.boolean("announce.enabled", c.announce);
  c.announcePort = static_cast<std::uint16_t>(r.integer("announce.port", c.announcePort, 1, 65535));
  c.announceInterfaces = r.text("announce.interfaces", "");
  c.announceMaxIntervalSeconds = r.seconds("announce.max_interval", c.announceMaxIntervalSeconds);
  c.renewCommand = r.text("announce.renew_command", "");
  if (!c.renewCommand.empty() && c.renewCommand.find("{interface}") == std::string::npos)
    r.addError("announce.renew_command", "the template names no link: use {interface}");
  if (c.announceMaxIntervalSeconds < 1 || c.announceMaxIntervalSeconds > 3600)
    r.addError("announce.max_interval", "must be between 1s and 1h");

  c.files = r.boolean("files.enabled", c.files);
  c.filesPaths = r.text("files.paths", c.filesPaths);
  c.filesExclude = r.text("files.exclude", c.filesExclude);
  c.filesCpuPercent = r.integer("files.cpu_percent", c.filesCpuPercent, 1, 100);
  c.filesIntervalSeconds = r.seconds("files.interval", c.filesIntervalSeconds);
  if (c.filesIntervalSeconds < 1 || c.filesIntervalSeconds > 7 * 86400)
    r.addError("files.interval", "must be between 1s and 7d");
  c.filesBaseline = config::resolvePath(state, r.text("files.baseline", "state/file-baseline"));
  for (const auto& p : config::splitList(c.filesPaths))
    if (p.empty() || p.front() != '/') r.addError("files.paths", "'" + p + "' is not an absolute path");
  c.filesKeep = r.text("files.keep", c.filesKeep);
  for (const auto& p : config::splitList(c.filesKeep))
    if (p.empty() || (p.front() != '/' && p.front() != '*'))
      r.addError("files.keep", "'" + p + "' is not an absolute path or a glob");
  c.filesKeepMaxSize = r.bytes("files.keep_max_size", c.filesKeepMaxSize);
  if (c.filesKeepMaxSize < 0 || c.filesKeepMaxSize > 1024LL * 1024 * 1024)
    r.addError("files.keep_max_size", "must be between 0 and 1GiB");
  c.filesKeepVersions = r.integer("files.keep_versions", c.filesKeepVersions, 1, 100);
  c.filesKeepDir = config::resolvePath(state, r.text("files.keep_dir", "state/file-copies"));

  c.antivirus = r.text("antivirus.enabled", c.antivirus);
  if (c.antivirus != "auto" && c.antivirus != "yes" && c.antivirus != "no")
    r.addError("antivirus.enabled", "'" + c.antivirus + "' is not one of auto, yes, no");
  c.clamdSocket = r.text("antivirus.clamd_socket", c.clamdSocket);
  c.clamscan = r.text("antivirus.clamscan", c.clamscan);
  c.clamDatabase = r.text("antivirus.database", "");
  c.antivirusPaths = r.text("antivirus.paths", c.antivirusPaths);
  c.antivirusIntervalSeconds = r.seconds("antivirus.interval", c.antivirusIntervalSeconds);
  if (c.antivirusIntervalSeconds < 60 || c.antivirusIntervalSeconds > 30 * 86400)
    r.addError("antivirus.interval", "must be between 1m and 30d");
  c.antivirusTimeoutSeconds = r.seconds("antivirus.timeout", c.antivirusTimeoutSeconds);
  c.antivirusScanChanged = r.boolean("antivirus.scan_changed", c.antivirusScanChanged);
  c.antivirusState = config::resolvePath(state, r.text("antivirus.state", "state/antivirus"));
  for (const auto& p : config::splitList(c.antivirusPaths))
    if (p.empty() || p.front() != '/') r.addError("antivirus.paths", "'" + p + "' is not an absolute path");

  c.hardwarePollSeconds = r.seconds("hardware.poll_interval", c.hardwarePollSeconds);
  if (c.hardwarePollSeconds < 1 || c.hardwarePollSeconds > 3600)
    r.addError("hardware.poll_interval", "must be between 1s and 1h");

  c.monitor = r.boolean("monitor.enabled", c.monitor);
  c.monitorInterfaces = r.text("monitor.interfaces", "");
  c.monitorFilter = r.text("monitor.filter", "");
  c.monitorSnaplen = r.integer("monitor.snaplen", c.monitorSnaplen, 64, 262144);
  c.monitorBufferBytes = r.bytes("monitor.buffer", c.monitorBufferBytes);
  if (c.monitorBufferBytes < 1024 * 1024 || c.monitorBufferBytes > 1024LL * 1024 * 1024)
    r.addError("monitor.buffer", "must be between 1MiB and 1GiB");
  c.monitorPromiscuous = r.boolean("monitor.promiscuous", c.monitorPromiscuous);
  c.monitorIdleSeconds = r.seconds("monitor.idle_timeout", c.monitorIdleSeconds);
  if (c.monitorIdleSeconds < 1 || c.monitorIdleSeconds > 3600)
    r.addError("monitor.idle_timeout", "must be between 1s and 1h");
  c.monitorActiveSeconds = r.seconds("monitor.active_timeout", c.monitorActiveSeconds);
  if (c.monitorActiveSeconds < c.monitorIdleSeconds || c.monitorActiveSeconds > 86400)
    r.addError("monitor.active_timeout", "must be between monitor.idle_timeout and 24h");
  c.monitorMaxFlows = r.integer("monitor.max_flows", c.monitorMaxFlows, 1024, 16 * 1024 * 1024);
  c.monitorReportSeconds = r.seconds("monitor.report_interval", c.monitorReportSeconds);
  if (c.monitorReportSeconds < 1 || c.monitorReportSeconds > 3600)
    r.addError("monitor.report_interval", "must be between 1s and 1h");
  c.monitorMaxUnsent = r.integer("monitor.max_unsent", c.monitorMaxUnsent, 1000, 10'000'000);
  c.monitorSignatures = config::resolvePath(state, r.text("monitor.signatures", "state/signatures"));
  if (c.monitor && config::splitList(c.monitorInterfaces).empty())
    r.addError("monitor.interfaces", "name the links to watch (comma-separated) when the monitor is enabled");

  c.logLevel = r.text("log.level", c.logLevel);
  c.logFile = config::resolvePath(state, r.text("log.file", ""));

  auto errors = r.finish();
  if (!errors.empty()) return fail(config::joinLines(errors));
  return c;
}

std::string enrollmentText(const std::string& controller, const std::string& serverName, const std::string& agentId) {
  return "# Written by 'portcullis-agent enroll': who this agent is and where its\n"
         "# controller is. A value set in agent.conf takes precedence.\n"
         "\n[controller]\n"
         "address = " + controller + "\n"
         "# Empty: each controller's own host is the name checked in its certificate.\n"
         "server_name = " + serverName + "\n"
         "\n[agent]\n"
         "id = " + agentId + "\n";
}

std::string agentConfigText(const AgentConfigTemplate& t) {
  const bool enrolled = !t.controller.empty();
  const std::string state =
      t.stateDir.empty()
          ? ""
          : "\n[state]\n"
            "# Keys, certificates, the spool and what the sensors remember: relative\n"
            "# paths below are taken from here. 'enroll --config' writes here too.\n"
            "dir = " + t.stateDir + "\n";
  const std::string controller =
      enrolled ? "address = " + t.controller + "\n"
                 "# Name checked in every controller's certificate; empty: each one's own host.\n"
                 "server_name = " + t.serverName + "\n"
               : "# 'portcullis-agent enroll --config' writes the controller's address, the\n"
                 "# name checked in its certificate and this agent's id to enrollment.conf\n"
                 "# in the state directory; values set here take precedence.\n"
                 "# address = controller.example.org:9443\n"
                 "# server_name = controller.example.org\n";
  const std::string id = enrolled ? "# The identity that counts is the one in agent.crt.\n"
                                    "id = " + t.agentId + "\n"
                                  : "";
  // Under the packaged, sandboxed service the file system is read-only to the
  // agent; package changes run as transient units of systemd, outside it.
  const std::string outside = t.sandboxed ? "systemd-run --quiet --wait --pipe --collect "
                                            "--setenv=DEBIAN_FRONTEND=noninteractive -- "
                                          : "";
  return std::string(enrolled ? "# Portcullis agent configuration, written by 'portcullis-agent enroll'.\n"
                              : "# Portcullis agent configuration.\n") +
         "# Relative paths are from this file's directory" + (t.stateDir.empty() ? "" : ", or [state] dir") +
         ".\n" + state +
         "\n[controller]\n" + controller +
         "timeout = 30s\n"
         "\n[tls]\n"
         "ca_cert = ca.crt\n"
         "cert = agent.crt\n"
         "key = private/agent.key\n"
         "\n[agent]\n" + id +
         "# Root of the tree the collectors read.\n"
         "root = /\n"
         "# Re-report at least this often; the controller may ask for another interval.\n"
         "report_interval = 5m\n"
         "# Look for changes this often; a change is reported at once.\n"
         "check_interval = 60s\n"
         "\n[spool]\n"
         "# Reports not yet acknowledged wait here, oldest dropped past the limits.\n"
         "dir = spool\n"
         "max_reports = 1024\n"
         "max_bytes = 64MiB\n"
         "\n[reconnect]\n"
         "# Exponential backoff with jitter between these bounds.\n"
         "initial = 1s\n"
         "max = 5m\n"
         "\n[measures]\n"
         "# How patches are installed and rolled back. {packages} becomes name=version\n"
         "# words; a template with {name} and {version} runs once per package.\n"
         "patch_command = " + outside + "apt-get install -y --only-upgrade {packages}\n"
         "rollback_command = " + outside + "apt-get install -y --allow-downgrades {packages}\n"
         "# restore_file of a file no copy was kept of: its package installed again.\n"
         "reinstall_command = " + outside + "apt-get install -y --reinstall {packages}\n"
         "# Filter rules go into the table 'inet portcullis' through this command.\n"
         "nft = nft\n"
         "systemctl = systemctl\n"
         "command_timeout = 30m\n"
         "\n[check_commands]\n"
         "# The programs a runbook's test may have this agent run, by name: NAME =\n"
         "# /absolute/program and its arguments (no shell). Only its exit status and\n"
         "# the end of its output go back. None by default. For example:\n"
         "# nginx-config = /usr/sbin/nginx -t\n" +
         std::string(t.sandboxed ? "# They run inside this service's sandbox (the system read-only); one that must\n"
                                   "# write elsewhere runs outside it: site-check = /usr/bin/" + outside + "/usr/local/bin/site-check\n"
                                 : "") +
         "\n[announce]\n"
         "# On a link that is up with no IPv4 address, broadcast a signed announce so\n"
         "# the DHCP gate can admit this machine before it has an address.\n"
         "enabled = yes\n"
         "port = 4767\n"
         "# Only these links (comma-separated); empty: every link with a MAC.\n"
         "interfaces =\n"
         "# Repeats start after 1s and double up to this.\n"
         "max_interval = 30s\n"
         "# When the controller admits or quarantines this machine it asks for a new\n"
         "# lease at once: this command renews the lease of {interface} (for example\n"
         "# 'networkctl renew {interface}' or 'dhclient -1 {interface}'). Empty: the\n"
         "# machine moves at its lease's own renewal time.\n" +
         std::string(t.sandboxed ? "# From the sandboxed service a DHCP client of its own runs outside it:\n"
                                   "# " + outside + "dhclient -1 {interface}\n"
                                 : "") +
         "renew_command =\n"
         "\n[files]\n"
         "# SHA-256 of these files and directory trees (comma-separated), compared\n"
         "# with the baseline at each scan; a file is read again only when its size,\n"
         "# mtime, ctime or inode changed. Exclusions: paths, or globs with * and ?.\n"
         "enabled = yes\n"
         "paths = /usr/bin, /usr/sbin, /usr/lib, /usr/libexec, /etc\n"
         "exclude = /etc/ld.so.cache, /etc/adjtime, /etc/mtab, */__pycache__/*, *.pyc, "
         "/usr/lib/locale/locale-archive\n"
         "# Hashing keeps to this share of one CPU, at the lowest priority.\n"
         "cpu_percent = 10\n"
         "interval = 1h\n"
         "baseline = state/file-baseline\n"
         "# Copies of the watched files in these paths (or globs) are kept, a few\n"
         "# versions each, so that the controller can have a damaged file restored.\n"
         "keep = /etc\n"
         "keep_max_size = 1MiB\n"
         "keep_versions = 3\n"
         "keep_dir = state/file-copies\n"
         "\n[antivirus]\n"
         "# ClamAV: clamd over its socket, clamscan when no daemon answers. auto: on\n"
         "# when either is installed.\n"
         "enabled = auto\n"
         "clamd_socket = /var/run/clamav/clamd.ctl\n"
         "clamscan = clamscan\n"
         "# clamscan --database (empty: its default).\n"
         "database =\n"
         "# A full scan of these at start and every interval; the files [files] sees\n"
         "# added or modified are scanned as soon as they are seen.\n"
         "paths = /home, /root, /tmp, /var/tmp, /srv, /opt, /usr/local\n"
         "interval = 24h\n"
         "timeout = 1h\n"
         "scan_changed = yes\n"
         "\n[hardware]\n"
         "# USB, block, optical, network, input and floppy devices are read from sysfs\n"
         "# when the kernel says one came or went (uevents), and every poll_interval.\n"
         "poll_interval = 60s\n"
         "\n[monitor]\n"
         "# The network monitor, for a host that sees the traffic to watch (a gateway,\n"
         "# a switch's mirror port, the gate's own link): conversations on these links\n"
         "# go to the controller as flows, never whole packets. Needs CAP_NET_RAW, and\n"
         "# the controller must name this agent in its [monitor] agents.\n"
         "enabled = no\n"
         "interfaces =\n"
         "# A BPF filter as tcpdump takes it (empty: everything).\n"
         "filter =\n"
         "snaplen = 65535\n"
         "# The kernel's buffer per link: what a burst may fill before packets drop.\n"
         "buffer = 32MiB\n"
         "promiscuous = no\n"
         "# A flow ends after idle_timeout without packets; a longer one than\n"
         "# active_timeout is reported in pieces. max_flows bounds each link's table\n"
         "# (about 160 bytes a flow): past it the flow idle longest is sent early.\n"
         "idle_timeout = 60s\n"
         "active_timeout = 30m\n"
         "max_flows = 262144\n"
         "# Ended flows are sent this often. While the controller is away and the\n"
         "# reports already waiting fill a quarter of the spool, up to max_unsent\n"
         "# flows wait in memory; past that they are counted, not sent.\n"
         "report_interval = 30s\n"
         "max_unsent = 100000\n"
         "# The payload signatures the controller sent (set_signatures), kept here so\n"
         "# that a restart matches the same.\n"
         "signatures = state/signatures\n"
         "\n[log]\n"
         "level = information\n"
         "file =\n";
}

}  // namespace portcullis::agent
