#pragma once
// The recovery system's own findings enter as alerts do: each sighting of
// damage as it begins on a machine (the antivirus's detection, a file of
// the known-bad list) becomes an alert of rule "portcullis:damage:SIGN",
// tied to that machine and its address, opening or joining an incident by
// the same grouping; a sighting that was cleared and comes back is a new
// alert. Taken once each: the last sighting taken is kept with the
// incidents (the input "portcullis:damage"), in the same transaction.
#include <cstdint>
#include <vector>

#include "controller/incidents/eve_alert.h"
#include "controller/store/damage_history.h"
#include "controller/store/incident_store.h"
#include "controller/store/machine_registry.h"

namespace portcullis::incidents {

// The sighting as an alert: its words from the sign, the machine's host name
// and address (unknown: 0.0.0.0) on both sides.
Alert alertOfSighting(const store::BegunSighting& begun, const std::string& hostname, const packet::IpAddress& address);

class DamageAlerts {
 public:
  DamageAlerts(store::DamageHistory& history, store::MachineRegistry& machines, store::IncidentStore& incidents,
               std::int64_t groupWindowUs, std::size_t incidentsKept)
      : history_(history), machines_(machines), incidents_(incidents), windowUs_(groupWindowUs), kept_(incidentsKept) {}
  // Takes the sightings begun since the last run (at most `most`); the incidents opened.
  std::vector<store::IncidentRecord> run(std::size_t most = 1000);

  static constexpr const char* kInput = "portcullis:damage";

 private:
  store::DamageHistory& history_;
  store::MachineRegistry& machines_;
  store::IncidentStore& incidents_;
  std::int64_t windowUs_;
  std::size_t kept_;
};

}  // namespace portcullis::incidents
