#pragma once
// An operator's release or quarantine of a machine, or of a MAC no agent
// reports, written to the store the one way, whoever asks: the command line
// or the console. A machine so held keeps its state until an operator
// changes it (no diagnosis releases it); its agent is told to renew its
// lease at once when a gate serves it. The running gate sees the change at
// its next look at the store's change log.
#include <cstdint>
#include <string>

#include "controller/admission/admission_state.h"
#include "controller/store/store.h"

namespace portcullis::enforcement {

struct HoldOutcome {
  admission::AdmissionState before = admission::AdmissionState::Unknown;
  admission::AdmissionState after = admission::AdmissionState::Unknown;
  bool changed() const { return before != after; }
};

// release: production (Admitted); else quarantine. cause: the transition's
// cause as recorded ("operator: released by hand"). renewLease: a DHCP gate
// or the Kea hook serves the fleet.
HoldOutcome holdMachine(store::Store& store, const std::string& machineId, bool release, const std::string& cause,
                        bool renewLease, std::int64_t now);

// A MAC no agent reports: the hold is on the MAC itself.
void holdMac(store::Store& store, const std::string& mac, bool release, std::int64_t now);

}  // namespace portcullis::enforcement
