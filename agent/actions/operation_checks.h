#pragma once
// The checks that confirm a machine still works after a patch, or that a
// runbook's step was done: a process runs (or none does); a TCP port accepts
// connections (or refuses them); an HTTP URL answers with the expected status
// (and text); an SMTP server greets and refuses to relay for an outside
// domain; a file has a SHA-256 (or is absent); a command from this agent's
// own list exits as expected. The verdicts on replies are pure; talking to
// the services, reading files and running the commands is the edge.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::agent::actions {

struct CheckSpec {
  std::string name;
  std::string type;  // process, stopped, tcp, http, smtp, rejected, file, command
  std::string process;
  std::string target;  // HOST:PORT, or the URL for http
  int expectStatus = 200;
  std::string expectText;
  std::string relayDomain = "example.net";
  int timeoutMs = 5000;
  std::string command;  // command: its name in CheckPlace::commands
  int expectExit = 0;
  std::string sha256;   // file: lower-case hex, or "absent"
};

// Where the checks run: /proc, the root files are read below, and the
// commands a check may name, each a program and its arguments (an agent's
// [check_commands]: the controller names one, it never sends a program).
struct CheckPlace {
  std::filesystem::path procRoot = "/proc";
  std::filesystem::path root = "/";
  std::map<std::string, std::vector<std::string>> commands;
};

struct CheckOutcome {
  std::string name;
  bool ok = false;
  std::string detail;
};

// Pure verdicts.
struct HttpUrl {
  std::string host;
  int port = 80;
  std::string path = "/";
};
bool parseHttpUrl(std::string_view url, HttpUrl& out);  // http:// only
// "HTTP/1.1 200 OK\r\n..." -> 200; -1 if it is not an HTTP status line.
int httpStatus(std::string_view response);
// The reply code of an SMTP response ("250-..\r\n250 ok" -> 250), -1 if none.
int smtpCode(std::string_view reply);
bool splitHostPort(std::string_view target, std::string& host, int& port);

// Which checks passed before and fail after.
std::vector<std::string> regressions(const std::vector<CheckOutcome>& before, const std::vector<CheckOutcome>& after);

// The edge: runs one check now.
CheckOutcome runCheck(const CheckSpec& spec, const CheckPlace& place);
std::vector<CheckOutcome> runChecks(const std::vector<CheckSpec>& specs, const CheckPlace& place);

}  // namespace portcullis::agent::actions
