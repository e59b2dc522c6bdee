#include "agent/actions/command_executor.h"

#include <algorithm>

#include "agent/actions/command_decoder.h"
#include "agent/actions/action_result.h"
#include "common/wire/command_kind.h"

namespace portcullis::agent::actions {
namespace {

namespace pb = ::portcullis::v1;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

ActionEdges hostEdges(const ActionSettings& s) {
  ActionEdges edges;
  edges.nft = std::make_unique<NftCommand>(s.nft);
  edges.packages = std::make_unique<DpkgPackageManager>(s.root, s.commandTimeout);
  edges.services = std::make_unique<Systemctl>(s.systemctl);
  edges.files = std::make_unique<MachineFiles>(s.root, s.stateDir, s.keepDir);
  edges.checks = [place = CheckPlace{s.procRoot, s.root, s.checkCommands}](const std::vector<CheckSpec>& checks) {
    return runChecks(checks, place);
  };
  return edges;
}

CommandExecutor::CommandExecutor(ActionSettings settings, std::function<pb::MachineInfo()> collect, ActionEdges edges)
    : settings_(std::move(settings)),
      collect_(std::move(collect)),
      edges_(std::move(edges)),
      firewall_(*edges_.nft, settings_.stateDir, settings_.isolationKeeps),
      patcher_({settings_.patchCommand, settings_.rollbackCommand}, *edges_.packages, edges_.checks, firewall_),
      services_(settings_.root, *edges_.services),
      recovery_(*edges_.files, *edges_.packages, settings_.reinstallCommand) {}

std::vector<FilterPort> CommandExecutor::listeningPorts(const std::string& package) const {
  std::vector<FilterPort> ports;
  const auto info = collect_();
  for (const auto& l : info.listening()) {
    if (l.package() != package) continue;
    const FilterPort port{l.port(), l.protocol() == pb::ListeningSocket::UDP};
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
  }
  return ports;
}

pb::CommandResult CommandExecutor::execute(const pb::Command& command) {
  auto decoded = decodeCommand(command);
  if (const auto* refused = std::get_if<CommandRefusal>(&decoded)) {
    actionsLog()
        .warning("COMMAND_REFUSED command=%s refusal=%s reason=%s", command.command_id(),
                 std::string(refusalName(refused->code)), refused->reason);
    return refusedResult(command.command_id(), wire::commandKind(command), *refused);
  }
  return execute(std::get<AgentCommand>(decoded));
}

pb::CommandResult CommandExecutor::execute(const AgentCommand& command) {
  const auto& id = command.id;
  auto result = std::visit(
      Overloaded{
          [&](const PatchOrder& o) { return patcher_.patch(o, id); },
          [&](const FilterAddOrder& o) { return firewall_.addFilter(o, listeningPorts(o.package)); },
          [&](const FilterRemoveOrder& o) { return firewall_.removeFilter(o); },
          [&](const ServiceOrder& o) { return services_.apply(o, id); },
          [&](const IsolateOrder& o) { return firewall_.isolate(o); },
          [&](const IsolateSegmentOrder& o) { return firewall_.isolateSegment(o); },
          [&](const ReleaseSegmentOrder& o) { return firewall_.releaseSegment(o); },
          [&](const ReleaseIsolationOrder&) { return firewall_.releaseIsolation(); },
          [&](const RestoreFileOrder& o) { return recovery_.restore(o, id); },
          [&](const RemoveFileOrder& o) { return recovery_.remove(o, id); },
          [&](const SendFileListOrder&) { return sendFileList(id); },
          [&](const RenewLeaseOrder& o) {
            return renewal_ ? renewal_->renew(o, id) : actionResult(false, "this agent does not renew leases");
          },
          [&](const RunChecksOrder& o) { return runChecks(o, id); },
          [&](const SetSignaturesOrder& o) {
            if (!setSignatures_) return actionResult(false, "this agent runs no network monitor ([monitor] enabled = no)");
            const auto taken = setSignatures_(o);
            return taken ? actionResult(true, *taken) : actionResult(false, taken.error());
          },
      },
      command.order);
  result.set_command_id(id);
  return result;
}

pb::CommandResult CommandExecutor::runChecks(const RunChecksOrder& order, const std::string& id) {
  // One at a time within a budget: the agent's other commands (an
  // isolation...) wait behind these, so a slow set is cut short.
  constexpr auto kBudget = std::chrono::seconds(60);
  const auto until = std::chrono::steady_clock::now() + kBudget;
  std::vector<CheckOutcome> outcomes;
  for (const auto& check : order.checks) {
    if (std::chrono::steady_clock::now() >= until) {
      outcomes.push_back({check.name, false, "not run: the checks' 60 s were used up"});
      continue;
    }
    auto one = edges_.checks({check});
    outcomes.push_back(one.empty() ? CheckOutcome{check.name, false, "not run"} : std::move(one.front()));
  }
  auto result = actionResult(true, "");
  std::size_t passed = 0;
  for (const auto& o : outcomes) {
    auto* r = result.mutable_checks()->add_results();
    r->set_name(o.name);
    r->set_ok(o.ok);
    r->set_detail(o.detail);
    passed += o.ok ? 1 : 0;
  }
  result.set_detail("ran " + std::to_string(outcomes.size()) + " checks: " + std::to_string(passed) + " passed");
  actionsLog()
      .notice("CHECKS_RUN command=%s reason=%s checks=%z passed=%z", id, order.reason, outcomes.size(), passed);
  return result;
}

pb::CommandResult CommandExecutor::sendFileList(const std::string& id) {
  if (!sendFileList_) return actionResult(false, "file hashing is off on this agent ([files] enabled = no): no list to send");
  const auto sent = sendFileList_();
  if (!sent) return actionResult(false, sent.error());
  actionsLog()
      .notice("FILE_LIST_SENT command=%s files=%z parts=%z list=%Lu", id, sent->files, sent->parts,
              static_cast<Poco::UInt64>(sent->listId));
  return actionResult(true, "sent the full file list: " + std::to_string(sent->files) + " files in " +
                           std::to_string(sent->parts) + (sent->parts == 1 ? " part" : " parts") + " (list " +
                           std::to_string(sent->listId) + ")");
}

}  // namespace portcullis::agent::actions
