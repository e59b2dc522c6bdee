#include "controller/enforcement/operator_hold.h"

namespace portcullis::enforcement {

HoldOutcome holdMachine(store::Store& store, const std::string& machineId, bool release, const std::string& cause,
                        bool renewLease, std::int64_t now) {
  using admission::AdmissionState;
  HoldOutcome out;
  out.before = store.machineState(machineId).value_or(AdmissionState::Unknown);
  out.after = release ? AdmissionState::Admitted : AdmissionState::Quarantined;
  for (const auto& m : store.machineMacs(machineId)) store.setGateHold(m, "", "", now);
  store.setOperatorHold(machineId, !release);
  if (out.changed()) {
    store.recordTransition({machineId, out.before, out.after, cause, "", now});
    // The agent renews its lease now rather than at its renewal time.
    if (renewLease) {
      v1::Command renew;
      renew.mutable_renew_lease()->set_state(admission::admissionName(out.after));
      store.enqueueCommand(machineId, renew, now);
    }
  }
  return out;
}

void holdMac(store::Store& store, const std::string& mac, bool release, std::int64_t now) {
  store.setGateHold(mac, release ? "release" : "quarantine", "operator", now);
}

}  // namespace portcullis::enforcement
