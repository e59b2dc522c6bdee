// `leases`, `release`, `quarantine`: the DHCP gate from the operator's side.
// release and quarantine act on a machine (its admission state, recorded as
// an operator's transition) or, for a MAC no agent reports, on the MAC itself.
#include <iostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "controller/cli/command_support.h"
#include "controller/cli/commands.h"
#include "controller/views/lease_json.h"
#include "controller/views/machine_json.h"
#include "controller/dhcp/dhcp_packet.h"
#include "controller/enforcement/operator_hold.h"

namespace portcullis::controller::cli {
namespace {

int gateAction(const Words& words, const char* usage, admission::AdmissionState toState) {
  auto args = parseOrReport(words, {{"config"}, {}, {}, 1, 1}, usage);
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  const bool release = toState == admission::AdmissionState::Admitted;
  const std::string toName = admission::admissionName(toState);
  try {
    auto store = openStore(*config);
    const std::string& target = args->positional()[0];
    const auto now = unixNow();
    std::string machineId;
    const auto mac = dhcp::parseMac(target);
    if (mac) {
      machineId = store->macStanding(*mac).machineId;
    } else {
      // A host name several machines have names none: the operator gives an id.
      const auto id = machineIdFor(*store, target, exitCode, " (a MAC is aa:bb:cc:dd:ee:ff)");
      if (!id) return exitCode;
      machineId = *id;
    }

    if (machineId.empty()) {
      // A MAC no agent reports: the hold is on the MAC.
      enforcement::holdMac(*store, *mac, release, now);
      recordOperatorAction(*config, *store, release ? "GATE_RELEASED" : "GATE_QUARANTINED", "mac", *mac);
      std::cout << "MAC " << shown(*mac) << (release ? " released: production lease" : " quarantined: quarantine lease")
                << " from its next DHCP request\n";
      return 0;
    }
    const auto outcome =
        enforcement::holdMachine(*store, machineId, release,
                                 release ? "operator: released by hand" : "operator: quarantined by hand",
                                 !config->dhcp.subnets.empty() || config->kea.enabled, now);
    recordOperatorAction(*config, *store, release ? "MACHINE_RELEASED" : "MACHINE_QUARANTINED", "machine", machineId,
                         std::string("from=") + admission::admissionName(outcome.before));
    std::cout << "machine " << shown(machineId) << " " << (outcome.changed() ? "is now " : "was already ") << toName
              << (release ? ": production lease" : ": quarantine lease") << " from its next DHCP request\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

}  // namespace

int leasesCommand(const Words& words) {
  auto args = parseOrReport(words, {{"config"}, {"json"}, {}, 0, 0}, "portcullis-controller leases --config FILE [--json]");
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    const auto leases = openStore(*config)->leases();
    const auto now = unixNow();
    if (args->flag("json")) {
      std::cout << views::leasesJson(leases, now);
      return 0;
    }
    for (const auto& l : leases)
      std::cout << dhcp::formatIpv4(l.address) << "  " << shown(l.mac) << "  " << dhcp::poolKindName(l.pool) << "  "
                << views::shownLeaseState(l, now) << "  " << isoTime(l.expires) << "  "
                << (l.machineId.empty() ? "-" : shown(l.machineId)) << "  "
                << (l.hostname.empty() ? "-" : shown(l.hostname)) << "  [" << shown(l.subnet) << "]\n";
    if (leases.empty()) std::cout << "(no leases)\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

int releaseCommand(const Words& words) {
  return gateAction(words, "portcullis-controller release ID_OR_MAC --config FILE",
                    admission::AdmissionState::Admitted);
}

int quarantineCommand(const Words& words) {
  return gateAction(words, "portcullis-controller quarantine ID_OR_MAC --config FILE",
                    admission::AdmissionState::Quarantined);
}

}  // namespace portcullis::controller::cli
