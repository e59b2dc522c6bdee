#include "controller/incidents_edge/finding_alerts.h"

#include "controller/incidents_edge/own_alerts.h"

namespace portcullis::incidents {
namespace {

const char* protocolName(std::uint8_t p) {
  switch (p) {
    case 6: return "TCP";
    case 17: return "UDP";
    case 1: return "ICMP";
    case 58: return "IPv6-ICMP";
    default: return "";
  }
}

int severityOf(const std::string& s) {
  if (s == "critical" || s == "high") return 1;
  if (s == "medium") return 2;
  if (s == "low") return 3;
  return 0;
}

}  // namespace

Alert alertOfFinding(const store::NetworkFinding& f) {
  Alert a;
  a.atUs = f.atUs;
  a.timestamp = "";
  a.source = f.source;
  a.destination = f.destination;
  a.sourcePort = f.sourcePort;
  a.destinationPort = f.destinationPort;
  a.protocol = protocolName(f.protocol);
  a.action = "found";
  // A finding's words come from a signature file or a monitor: cleaned as an EVE alert's are.
  a.ruleName = cleanText("portcullis:" + f.kind + ":" + f.rule, 256);
  a.signature = cleanText(f.summary, 512);
  a.category = cleanText("Portcullis " + f.kind, 128);
  a.severity = severityOf(f.severity);
  a.origin = cleanText("finding:" + std::to_string(f.id) + ":" + f.origin, 256);
  return a;
}

std::vector<store::IncidentRecord> FindingAlerts::run(std::size_t most) {
  const auto found = findings_.findingsAfter(lastTaken(incidents_, kInput), most);
  if (found.empty()) return {};
  std::vector<store::IncomingAlert> alerts;
  for (const auto& f : found) {
    store::IncomingAlert in;
    in.alert = alertOfFinding(f);
    // The finding blames the machine that sent: its source.
    in.sourceMachine = f.machineId;
    alerts.push_back(std::move(in));
  }
  return takeOwnAlerts(incidents_, kInput, alerts, found.back().id, windowUs_, kept_);
}

}  // namespace portcullis::incidents
