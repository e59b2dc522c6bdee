#include "controller/dhcp/gate_verdict.h"

#include <algorithm>

namespace portcullis::dhcp {

const char* poolKindName(PoolKind k) { return k == PoolKind::Production ? "production" : "quarantine"; }

const char* answerName(GateVerdict::Answer a) {
  switch (a) {
    case GateVerdict::Answer::None: return "none";
    case GateVerdict::Answer::Quarantine: return "quarantine";
    case GateVerdict::Answer::Production: return "production";
  }
  return "?";
}

GateVerdict gateVerdict(const DhcpSubnet& subnet, const std::string& mac, const MacStanding& s, std::int64_t now) {
  using A = GateVerdict::Answer;
  auto listed = [&](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), mac) != list.end();
  };
  auto verdict = [&](A a, std::string reason) { return GateVerdict{a, std::move(reason), s.machineId}; };

  if (listed(subnet.denyMacs)) return verdict(A::None, "MAC on the deny list");
  if (listed(subnet.allowMacs)) return verdict(A::Production, "MAC on the allow list");
  if (s.operatorHold == "quarantine") return verdict(A::Quarantine, "quarantined by an operator");
  if (isLocallyAdministered(mac)) {
    if (subnet.randomMac == RandomMacRule::Deny) return verdict(A::None, "randomised MAC refused (random_mac = deny)");
    if (subnet.randomMac == RandomMacRule::Quarantine)
      return verdict(A::Quarantine, "randomised MAC (random_mac = quarantine)");
  }
  // Nothing below can be trusted without the store: fail closed.
  if (s.lookupFailed) return verdict(A::Quarantine, "admission state unavailable: quarantine (fail closed)");
  if (s.machineId.empty()) {
    if (s.operatorHold == "release") return verdict(A::Production, "released by an operator");
    switch (subnet.noAgent) {
      case NoAgentRule::Deny: return verdict(A::None, "no agent known for this MAC (no_agent = deny)");
      case NoAgentRule::Allow: return verdict(A::Production, "no agent known for this MAC (no_agent = allow)");
      case NoAgentRule::Quarantine: break;
    }
    return verdict(A::Quarantine, "no agent known for this MAC (no_agent = quarantine)");
  }
  if (s.revoked) return verdict(A::Quarantine, "its agent's certificate is revoked");
  if (s.state == "admitted") return verdict(A::Production, "diagnosed clean");
  if (s.state == "quarantined") return verdict(A::Quarantine, "machine is quarantined");
  if (s.state == "denied") return verdict(A::None, "machine is denied");
  // pending or unknown: not diagnosed yet.
  if (subnet.mode == GateMode::Hold) {
    if (now - s.pendingSince < static_cast<std::int64_t>(subnet.holdTimeout))
      return verdict(A::None, "held: not diagnosed yet (mode = hold)");
    return verdict(A::Quarantine, "diagnosis pending past hold_timeout: quarantine (fail closed)");
  }
  return verdict(A::Quarantine, "not diagnosed yet (mode = quarantine-first)");
}

}  // namespace portcullis::dhcp
