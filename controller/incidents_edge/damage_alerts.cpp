#include "controller/incidents_edge/damage_alerts.h"

#include "controller/incidents_edge/own_alerts.h"

namespace portcullis::incidents {
namespace {

// The machine's first address that is not loopback, as its agent reports it ("10.0.0.5/24").
packet::IpAddress addressOf(const store::MachineRecord& m) {
  for (const auto& nic : m.info.interfaces())
    for (const auto& a : nic.ipv4()) {
      const auto ip = packet::IpAddress::parse(a.substr(0, a.find('/')));
      if (ip && ip->bytes[0] != 127) return *ip;
    }
  return {};
}

}  // namespace

Alert alertOfSighting(const store::BegunSighting& begun, const std::string& hostname, const packet::IpAddress& address) {
  const auto& s = begun.sighting;
  const bool virus = s.sign.rfind("signature:", 0) == 0;
  const auto what = s.sign.substr(s.sign.find(':') + 1);
  Alert a;
  a.atUs = s.firstSeen * 1'000'000;
  a.source = address;
  a.destination = address;
  a.action = "found";
  // The sign's words come from an agent (a detection's name): cleaned as an EVE alert's are.
  a.ruleName = cleanText("portcullis:damage:" + s.sign, 256);
  a.signature = cleanText(virus ? "Malware found by the antivirus: " + what + " on " + hostname
                                : "Malware of the known-bad list (sha256 " + what + ") on " + hostname,
                          512);
  a.category = virus ? "Portcullis damage: antivirus" : "Portcullis damage: known-bad file";
  a.severity = 1;
  a.origin = "sighting:" + std::to_string(begun.seq) + ":" + cleanText(s.machineId, 128);
  return a;
}

std::vector<store::IncidentRecord> DamageAlerts::run(std::size_t most) {
  const auto begun = history_.sightingsBegunAfter(lastTaken(incidents_, kInput), most);
  if (begun.empty()) return {};
  std::vector<store::IncomingAlert> alerts;
  for (const auto& b : begun) {
    const auto machine = machines_.machine(b.sighting.machineId);
    store::IncomingAlert in;
    in.alert = alertOfSighting(b, machine ? machine->summary.hostname : b.sighting.machineId,
                               machine ? addressOf(*machine) : packet::IpAddress{});
    in.sourceMachine = b.sighting.machineId;
    in.destinationMachine = b.sighting.machineId;
    alerts.push_back(std::move(in));
  }
  return takeOwnAlerts(incidents_, kInput, alerts, begun.back().seq, windowUs_, kept_);
}

}  // namespace portcullis::incidents
