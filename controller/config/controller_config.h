#pragma once
// controller.conf, parsed into a plain struct and validated completely before
// anything uses it. Relative paths are taken from the file's own directory, or,
// for the files the controller makes, from [state] dir when it is set.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/util/result.h"
#include "controller/config/dhcp_config.h"

namespace portcullis::controller {

// A router that can cut off the segments behind it: its agent applies the
// cut ([router NAME] agent, segments).
struct RouterPoint {
  std::string name;
  std::string agentId;
  std::vector<net::Ipv4Net> segments;
};

struct ControllerConfig {
  std::filesystem::path file;  // where it was read from
  std::filesystem::path dir;   // its directory
  // [state] dir: where keys, the store and logs live (default: dir)
  std::filesystem::path stateDir;

  // [listen]
  std::string listenHost = "127.0.0.1";
  std::uint16_t listenPort = 9443;
  std::int64_t maxFrameBytes = 4 * 1024 * 1024;
  std::int64_t handshakeTimeoutSeconds = 10;
  // A client without a certificate that has not sent its enrollment request
  // (an agent: its Hello) this long after the handshake is closed.
  std::int64_t enrollTimeoutSeconds = 10;
  std::int64_t maxConnections = 20000;

  // [tls]
  std::filesystem::path caCert;
  std::filesystem::path caKey;
  std::filesystem::path serverCert;  // own certificate followed by the CA
  std::filesystem::path serverKey;

  // [store]
  std::filesystem::path storePath;
  bool storeSyncEachCommit = true;  // [store] synchronous = full (normal: false)

  // [agents]
  std::int64_t reportIntervalSeconds = 300;
  std::int64_t certificateValidityDays = 365;
  std::int64_t defaultTokenTtlSeconds = 3600;
  // Failed enrollments one address may make a minute; then it waits.
  std::int64_t enrollFailuresPerMinute = 10;
  // What one machine may hold: a report over a limit is rejected.
  std::int64_t maxPackages = 20000;
  std::int64_t maxFiles = 200000;
  std::int64_t maxHardware = 2000;
  std::int64_t maxInterfaces = 4096;

  // [feeds]
  std::int64_t minTrustLevel = 3;  // a signed feed's publisher needs at least this level
  // The archive feed: "" (off), "system" (this machine's apt sources and
  // lists), or "URL SUITE [COMPONENT...], ..." fetched over http:// or file://.
  std::string aptSources;
  std::filesystem::path aptKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
  std::int64_t aptTrustLevel = 4;
  std::int64_t aptIntervalSeconds = 6 * 3600;  // serve syncs on this schedule
  std::vector<std::string> aptSuites;  // system: suites read besides those named *-security
  std::filesystem::path aptEtc = "/etc/apt";             // for apt_sources = system
  std::filesystem::path aptLists = "/var/lib/apt/lists";  // idem

  // [policy]
  std::filesystem::path policyFile;  // groups, patching, filtering, quarantine, checks
  std::int64_t diagnosisTickSeconds = 5;  // how often new advisories and open windows are looked for

  // [dhcp], [dhcp NAME], [dhcp_server]
  DhcpSettings dhcp;
  // [kea]
  KeaSettings kea;

  // [notify] how a machine's owner hears that it was isolated or released:
  // a command (the notice as JSON on its standard input) and/or an http:// URL
  // the notice is POSTed to. Neither: nobody is told (the audit history still is).
  std::string notifyCommand;
  std::string notifyWebhook;
  std::int64_t notifyTimeoutSeconds = 10;
  std::int64_t notifyMaxAttempts = 8;

  // [server]
  std::int64_t workers = 2;

  // [console]: the operators' web console and REST API over HTTPS.
  bool consoleEnabled = true;
  std::string consoleHost = "127.0.0.1";
  std::uint16_t consolePort = 8443;
  std::filesystem::path consoleCert;  // default: the agent listener's (tls.cert, tls.key)
  std::filesystem::path consoleKey;
  std::int64_t consoleIdleSeconds = 30 * 60;
  std::int64_t consoleLifetimeSeconds = 12 * 3600;
  std::int64_t consoleThreads = 16;
  // GET /metrics needs the token this file holds; unset: loopback only.
  std::filesystem::path consoleMetricsTokenFile;

  // [monitor] the communication log
  std::vector<std::string> monitorAgents;  // agents whose traffic reports are taken; none by default
  std::vector<std::string> routerMacs;     // MACs that carry other hosts' addresses (lowercase)
  std::int64_t trafficKeepSeconds = 30LL * 86400;
  std::int64_t trafficMaxRows = 5'000'000;
  // The judging: each machine's windows against its learned profile.
  std::int64_t profileWindowSeconds = 600;
  std::int64_t profileBaselineSeconds = 86'400;
  std::int64_t profileSettleSeconds = 120;
  std::int64_t profileDeviations = 3;
  std::int64_t profileMinFlows = 5;
  std::int64_t spreadWindows = 2;  // windows in a row, each with more machines damaged
  std::vector<RouterPoint> routers;  // [router NAME] sections
  std::int64_t isolationVerifySeconds = 180;  // an isolation is checked against the log this long after it went in

  // [alerts] IDS alerts in (Suricata EVE), opening incidents
  std::filesystem::path eveFile;    // followed across rotation and truncation; empty: none
  std::filesystem::path eveSocket;  // a Unix stream socket EVE lines are written to; empty: none
  std::int64_t alertGroupSeconds = 600;      // a burst's alerts this close join one incident
  std::int64_t alertMaxAgeSeconds = 86'400;  // older alerts (a file read from its start) are counted, not taken
  std::int64_t incidentsKept = 100'000;

  // [runbooks]
  std::filesystem::path runbookLibrary;  // a site's library over the product's; empty: the product's only
  std::string businessHours = "Mon-Fri 08:00-18:00";  // local time, for start = off-hours
  std::int64_t agentTestSeconds = 120;  // how long a test waits for the agents running its checks

  // [log]
  std::string logLevel = "information";
  std::filesystem::path logFile;  // empty: stderr
  // Lines a second per message id before the rest are summed up; 0: all.
  std::int64_t logRepeatLimit = 20;
  // Administrative commands (revoke, trust, import) record what they did here,
  // so stderr keeps its one line for the person at the terminal.
  std::filesystem::path auditFile;
};

// Every problem in one message, one per line, each naming file, line and key.
Result<ControllerConfig> loadControllerConfig(const std::filesystem::path& file);

// The text `init` writes: every key with its default and a comment. With a
// state directory, the generated files are looked for there (the packages'
// layout: configuration in /etc, state in /var/lib).
std::string defaultControllerConfigText(const std::string& listen, const std::string& stateDir = "");
// The policy file `init` writes next to it: the defaults, spelled out.
std::string defaultPolicyText();

}  // namespace portcullis::controller
