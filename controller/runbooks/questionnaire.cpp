#include "controller/runbooks/questionnaire.h"

#include <algorithm>
#include <cctype>

namespace portcullis::runbooks {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool has(const std::string& text, const char* word) { return text.find(word) != std::string::npos; }

bool oneOf(const std::string& v, const std::vector<std::string>& list) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// Names as an operator types them into a form: a bounded word of letters,
// digits and - _ . (a process, a service, a host name).
bool plainWord(const std::string& v, std::size_t most) {
  return v.size() <= most && std::all_of(v.begin(), v.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':' || c == '@';
         });
}

}  // namespace

const std::vector<std::string>& problemKinds() {
  static const std::vector<std::string> kinds = {"defacement", "open-relay", "brute-force", "malware",
                                                 "unpatched-hole", "function-stopped", "unauthorised-access"};
  return kinds;
}

const std::vector<std::string>& policies() {
  static const std::vector<std::string> list = {"stop-first", "least-impact", "restore-first"};
  return list;
}

const std::vector<std::string>& startTimes() {
  static const std::vector<std::string> list = {"now", "after-notice", "off-hours"};
  return list;
}

std::string serviceOfPort(std::uint16_t port) {
  switch (port) {
    case 80: case 443: case 8080: case 8443: return "http";
    case 25: case 465: case 587: return "smtp";
    case 22: return "ssh";
    case 53: return "dns";
    case 110: case 995: return "pop3";
    case 143: case 993: return "imap";
    case 3306: return "mysql";
    case 5432: return "postgresql";
    case 445: case 139: return "smb";
    default: return "";
  }
}

Answers prefill(const AlertFacts& alert, const MachineFacts* machine) {
  Answers a;
  // The machine hit: the destination when known, else the source.
  const bool outward = alert.destinationMachine.empty() && !alert.sourceMachine.empty();
  a.address = outward ? alert.source : alert.destination;
  if (a.address == "0.0.0.0" || a.address == "::") a.address.clear();  // no address known: none guessed
  a.machine = outward ? alert.sourceMachine : alert.destinationMachine;
  a.port = outward ? alert.sourcePort : alert.destinationPort;
  if (machine) {
    a.machine = machine->machineId;
    a.host = machine->hostname;
    for (const auto& l : machine->listening)
      if (l.port == a.port && !l.process.empty()) a.process = l.process;
  }
  a.service = serviceOfPort(a.port);
  if (a.service.empty()) a.service = lower(alert.appProto);
  if (a.service == "tls") a.service = "http";
  const auto words = lower(alert.signature + " " + alert.category);
  if (a.service == "smtp" && has(words, "relay")) a.problem = "open-relay";
  else if (a.service == "ssh" && (has(words, "scan") || has(words, "brute") || has(words, "login")))
    a.problem = "brute-force";
  else if (has(words, "trojan") || has(words, "malware") || has(words, "virus") || has(words, "worm") || has(words, "cnc"))
    a.problem = "malware";
  else if (has(words, "deface")) a.problem = "defacement";
  else if (has(words, "cve-") || has(words, "exploit")) a.problem = "unpatched-hole";
  else if (has(words, "denial of service") || has(words, " dos ") || has(words, "flood")) a.problem = "function-stopped";
  else if (has(words, "privilege gain") || has(words, "unauthorized") || has(words, "unauthorised"))
    a.problem = "unauthorised-access";
  else if (a.service == "http") a.problem = "defacement";
  else a.problem = "function-stopped";
  // Stopping first is the safe guess for what spreads or is already inside.
  a.policy = a.problem == "malware" || a.problem == "unauthorised-access" ? "stop-first" : "restore-first";
  return a;
}

Status checkAnswers(const Answers& a) {
  if (!oneOf(a.problem, problemKinds())) return fail("problem '" + a.problem + "' is not one of the kinds known");
  if (!oneOf(a.policy, policies())) return fail("policy '" + a.policy + "' is not stop-first, least-impact or restore-first");
  if (!oneOf(a.start, startTimes())) return fail("start '" + a.start + "' is not now, after-notice or off-hours");
  if (!plainWord(a.host, 253)) return fail("host '" + a.host + "' is not a host name");
  if (!plainWord(a.address, 64)) return fail("address '" + a.address + "' is not an address");
  if (!plainWord(a.machine, 128)) return fail("machine '" + a.machine + "' is not a machine id");
  if (!plainWord(a.service, 32)) return fail("service '" + a.service + "' is not a service name");
  if (!plainWord(a.process, 64)) return fail("process '" + a.process + "' is not a process name");
  return done();
}

}  // namespace portcullis::runbooks
