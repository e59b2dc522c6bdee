#include "controller/incidents/incident_grouping.h"

#include <algorithm>

namespace portcullis::incidents {

std::int64_t incidentToJoin(const Alert& alert, const std::vector<OpenIncident>& open, std::int64_t windowUs,
                            RuleActivity activity) {
  const auto rule = alert.rule();
  const OpenIncident* best = nullptr;
  for (const auto& i : open) {
    if (i.rule != rule) continue;
    const auto gap = alert.atUs > i.lastAtUs ? alert.atUs - i.lastAtUs : i.lastAtUs - alert.atUs;
    if (gap > windowUs) continue;
    // The unspecified address (an alert of a machine with no address known) is shared by nobody.
    const packet::IpAddress none{}, noneV6{true, {}};
    const bool names = std::any_of(i.addresses.begin(), i.addresses.end(), [&](const packet::IpAddress& a) {
      return a != none && a != noneV6 && (a == alert.source || a == alert.destination);
    });
    if (!names) continue;
    if (!best || i.lastAtUs > best->lastAtUs) best = &i;
  }
  if (best) return best->id;
  return activity.active >= kMostActivePerRule ? activity.latestId : 0;
}

}  // namespace portcullis::incidents
