#pragma once
// Where Portcullis' own findings (the network's, the damage sightings)
// enter the incidents: read on from the last one taken, which is kept as
// the input's position in the same transaction as the alerts, so that each
// is taken once across restarts.
#include <cstdint>
#include <string>
#include <vector>

#include "controller/store/incident_store.h"

namespace portcullis::incidents {

// The last finding an input took (0: none yet).
std::int64_t lastTaken(store::IncidentStore& incidents, const std::string& input);

// Takes the alerts, the input now at `last`; the incidents they opened.
std::vector<store::IncidentRecord> takeOwnAlerts(store::IncidentStore& incidents, const std::string& input,
                                                 const std::vector<store::IncomingAlert>& alerts, std::int64_t last,
                                                 std::int64_t groupWindowUs, std::size_t incidentsKept);

}  // namespace portcullis::incidents
