#include "controller/server/descriptor_budget.h"

#include <algorithm>

namespace portcullis::server {

DescriptorPlan planDescriptors(DescriptorLimits limits, std::uint64_t maxConnections) {
  DescriptorPlan plan;
  plan.needed = maxConnections + kDescriptorsBesideAgents;
  // The soft limit goes up to the hard one: raising it needs no privilege,
  // and a limit below what the connections need makes the accept loop hit
  // EMFILE with agents still waiting.
  plan.raiseTo = std::max(limits.soft, std::min(limits.hard, kDescriptorCeiling));
  plan.enough = plan.raiseTo >= plan.needed;
  return plan;
}

}  // namespace portcullis::server
