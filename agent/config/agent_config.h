#pragma once
// agent.conf, parsed into a plain struct and validated before use. Relative
// paths are taken from the file's own directory.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/util/result.h"

namespace portcullis::agent {

struct AgentConfig {
  std::filesystem::path file;
  std::filesystem::path dir;
  // [state] dir: keys, certificates, spool and sensor state (default: dir)
  std::filesystem::path stateDir;
  // enrollment.conf the identity came from, when agent.conf does not hold it
  std::filesystem::path enrolledBy;

  // [controller]
  std::string controllerHost;  // the first of controllers
  std::uint16_t controllerPort = 9443;
  // Every controller of the site, tried in turn ("address = a:9443, b:9443").
  struct Endpoint {
    std::string host;
    std::uint16_t port = 9443;
  };
  std::vector<Endpoint> controllers;
  // The name checked in every controller's certificate when the file gives
  // one (a site-wide name); else each controller's own host (serverName is
  // then the first's, for messages).
  std::string serverName;
  bool serverNameGiven = false;
  std::int64_t timeoutSeconds = 30;
  std::int64_t maxFrameBytes = 4 * 1024 * 1024;

  // [tls]
  std::filesystem::path caCert;
  std::filesystem::path cert;
  std::filesystem::path key;

  // [agent]
  std::string agentId;  // for people; the certificate is what counts
  std::filesystem::path root = "/";
  std::int64_t reportIntervalSeconds = 300;  // the controller's HelloAck may override
  std::int64_t checkIntervalSeconds = 60;    // how often to look for changes

  // [spool]
  std::filesystem::path spoolDir;
  std::int64_t spoolMaxReports = 1024;  // a full file list comes in parts of 2,000 files
  std::int64_t spoolMaxBytes = 64LL * 1024 * 1024;

  // [reconnect]
  std::int64_t backoffInitialSeconds = 1;
  std::int64_t backoffMaxSeconds = 300;

  // [measures] command templates: see docs/measures.md
  std::string patchCommand = "apt-get install -y --only-upgrade {packages}";
  std::string rollbackCommand = "apt-get install -y --allow-downgrades {packages}";
  // restore_file when no copy was kept: the file's package installed again
  std::string reinstallCommand = "apt-get install -y --reinstall {packages}";
  std::string nftCommand = "nft";
  std::string systemctlCommand = "systemctl";
  // [check_commands] NAME = /absolute/program [arguments]: the only programs a
  // runbook's check may have this agent run, by name (no shell).
  std::map<std::string, std::vector<std::string>> checkCommands;
  std::int64_t commandTimeoutSeconds = 1800;

  // [announce] broadcasts on links with no address yet (the DHCP gate)
  bool announce = true;
  std::uint16_t announcePort = 4767;
  std::string announceInterfaces;  // comma-separated; empty: every link with a MAC
  std::int64_t announceMaxIntervalSeconds = 30;
  // Renews the DHCP lease of a link now ({interface}); empty: leases move at
  // their own renewal time.
  std::string renewCommand;

  // [files] SHA-256 of watched files, compared with a baseline kept on disk
  bool files = true;
  std::string filesPaths = "/usr/bin, /usr/sbin, /usr/lib, /usr/libexec, /etc";
  std::string filesExclude =
      "/etc/ld.so.cache, /etc/adjtime, /etc/mtab, */__pycache__/*, *.pyc, /usr/lib/locale/locale-archive";
  std::int64_t filesCpuPercent = 10;  // of one CPU, while hashing
  std::int64_t filesIntervalSeconds = 3600;
  std::filesystem::path filesBaseline;  // default state/file-baseline
  // Copies of the watched files in these paths (or globs), kept for restore_file
  std::string filesKeep = "/etc";
  std::int64_t filesKeepMaxSize = 1024 * 1024;  // larger files are not kept
  std::int64_t filesKeepVersions = 3;           // per path
  std::filesystem::path filesKeepDir;           // default state/file-copies

  // [antivirus] ClamAV: clamd over its socket, clamscan when no daemon answers
  std::string antivirus = "auto";  // auto: on when clamd's socket or clamscan is there
  std::string clamdSocket = "/var/run/clamav/clamd.ctl";
  std::string clamscan = "clamscan";
  std::string clamDatabase;  // clamscan --database; empty: its default
  std::string antivirusPaths = "/home, /root, /tmp, /var/tmp, /srv, /opt, /usr/local";
  std::int64_t antivirusIntervalSeconds = 86400;
  std::int64_t antivirusTimeoutSeconds = 3600;
  bool antivirusScanChanged = true;  // files the hash watch saw added or modified
  std::filesystem::path antivirusState;  // default state/antivirus

  // [hardware] uevents wake the equipment check; a poll reads it all the same
  std::int64_t hardwarePollSeconds = 60;

  // [monitor] the network monitor: flows seen on these links, sent as reports
  bool monitor = false;
  std::string monitorInterfaces;        // comma-separated, required when enabled
  std::string monitorFilter;            // BPF, as tcpdump takes it; empty: everything
  std::int64_t monitorSnaplen = 65535;  // bytes kept of each packet
  std::int64_t monitorBufferBytes = 32LL * 1024 * 1024;  // the kernel's ring, per link
  bool monitorPromiscuous = false;
  std::int64_t monitorIdleSeconds = 60;      // a flow without packets this long has ended
  std::int64_t monitorActiveSeconds = 1800;  // a longer flow is reported in pieces
  std::int64_t monitorMaxFlows = 262144;     // per link: about 40 MiB at most
  std::int64_t monitorReportSeconds = 30;    // ended flows are sent this often
  std::int64_t monitorMaxUnsent = 100000;    // flows held while the report backlog is full
  std::filesystem::path monitorSignatures;   // the set the controller sent; default state/signatures

  // [log]
  std::string logLevel = "information";
  std::filesystem::path logFile;
};

// Required: a configuration with no controller address (in the file or in
// the state directory's enrollment.conf) is an error that says how to enroll.
enum class Enrollment { Required, NotYet };
Result<AgentConfig> loadAgentConfig(const std::filesystem::path& file, Enrollment need = Enrollment::Required);

// Where `enroll --config` records the identity: beside the keys.
std::filesystem::path enrollmentFileOf(const std::filesystem::path& stateDir);

struct AgentConfigTemplate {
  std::string controller;  // HOST:PORT; empty: left to enrollment.conf
  std::string serverName;
  std::string agentId;
  std::string stateDir;    // empty: the file's own directory
  bool sandboxed = false;  // package changes through systemd-run (the packaged unit)
};
// Every key with its default and a comment: what `enroll --dir` writes and
// `default-config` prints.
std::string agentConfigText(const AgentConfigTemplate& t);
// enrollment.conf: the controller's address, the name in its certificate, the id.
std::string enrollmentText(const std::string& controller, const std::string& serverName, const std::string& agentId);

}  // namespace portcullis::agent
