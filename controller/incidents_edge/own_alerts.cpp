#include "controller/incidents_edge/own_alerts.h"

namespace portcullis::incidents {

std::int64_t lastTaken(store::IncidentStore& incidents, const std::string& input) {
  const auto from = incidents.alertPosition(input);
  return from ? static_cast<std::int64_t>(from->offset) : 0;
}

std::vector<store::IncidentRecord> takeOwnAlerts(store::IncidentStore& incidents, const std::string& input,
                                                 const std::vector<store::IncomingAlert>& alerts, std::int64_t last,
                                                 std::int64_t groupWindowUs, std::size_t incidentsKept) {
  const store::AlertPosition position{input, 0, 0, static_cast<std::uint64_t>(last)};
  const auto taken = incidents.takeAlerts(alerts, groupWindowUs, &position, incidentsKept);
  std::vector<store::IncidentRecord> opened;
  for (const auto id : taken.opened)
    if (auto r = incidents.incident(id)) opened.push_back(std::move(*r));
  return opened;
}

}  // namespace portcullis::incidents
