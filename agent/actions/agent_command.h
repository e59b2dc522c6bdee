#pragma once
// A command as the agent carries it out: read from the wire and checked (see
// command_decoder.h), one typed order per action. Every path, package,
// version, address and hash in an order is known to be well formed.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "agent/actions/filter_rules.h"
#include "agent/actions/operation_checks.h"
#include "agent/actions/patch_plan.h"

namespace portcullis::agent::actions {

struct PatchOrder {
  std::string advisory;
  std::vector<PackageTarget> packages;  // at least one
  std::vector<CheckSpec> checks;
};
struct FilterAddOrder {
  std::string advisory;
  std::string package;
  std::vector<std::string> allow;  // IPv4 addresses or CIDR blocks
};
struct FilterRemoveOrder {
  std::string advisory;
};
struct ServiceOrder {
  std::string package;
  bool restart = false;  // restart_service (try-restart); else stop_service
};
struct IsolateOrder {
  std::string reason;
  std::vector<std::string> allow;  // IPv4 addresses or CIDR blocks
  IsolationMode mode = IsolationMode::Complete;
  std::vector<FlowDrop> drops;            // mode drop
  std::uint64_t limitBytesPerSecond = 0;  // mode limit
};
struct ReleaseIsolationOrder {};
struct RestoreFileOrder {
  std::string path;    // absolute and normal
  std::string sha256;  // the version to put back
  std::string package; // "" when none ships it
  std::string version;
};
struct RemoveFileOrder {
  std::string path;
  std::string sha256;
};
struct SendFileListOrder {};
// Checks run and reported, nothing changed (a runbook's test).
struct RunChecksOrder {
  std::string reason;
  std::vector<CheckSpec> checks;  // 1 to 32
};
struct RenewLeaseOrder {
  std::string state;  // admitted or quarantined, for the log
};
struct SetSignaturesOrder {
  std::string text;    // parses as a signature set
  std::string digest;  // SHA-256 of text, checked
  std::size_t signatures = 0;
};

struct IsolateSegmentOrder {
  SegmentIsolation segment;
};
struct ReleaseSegmentOrder {
  std::string segment;  // CIDR
};

using Order = std::variant<PatchOrder, FilterAddOrder, FilterRemoveOrder, ServiceOrder, IsolateOrder,
                           ReleaseIsolationOrder, RestoreFileOrder, RemoveFileOrder, SendFileListOrder,
                           RenewLeaseOrder, SetSignaturesOrder, IsolateSegmentOrder, ReleaseSegmentOrder,
                           RunChecksOrder>;

struct AgentCommand {
  std::string id;
  std::string kind;  // the action's name on the wire ("patch", ...)
  std::int64_t issuedAt = 0;
  Order order;
};

}  // namespace portcullis::agent::actions
