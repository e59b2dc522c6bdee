#include "common/wire/command_kind.h"

#include <utility>

namespace portcullis::wire {
namespace {

// Spelled out rather than read from the descriptor: an agent that looks its
// commands' names up would build protobuf's descriptor pool (about 400 KiB
// kept for good). A unit test holds this list to the proto's oneof.
constexpr std::pair<ActionCase, std::string_view> kKinds[] = {
    {pb::Command::kPatch, "patch"},
    {pb::Command::kFilterAdd, "filter_add"},
    {pb::Command::kFilterRemove, "filter_remove"},
    {pb::Command::kStopService, "stop_service"},
    {pb::Command::kRestartService, "restart_service"},
    {pb::Command::kIsolate, "isolate"},
    {pb::Command::kReleaseIsolation, "release_isolation"},
    {pb::Command::kRestoreFile, "restore_file"},
    {pb::Command::kRemoveFile, "remove_file"},
    {pb::Command::kSendFileList, "send_file_list"},
    {pb::Command::kRenewLease, "renew_lease"},
    {pb::Command::kSetSignatures, "set_signatures"},
    {pb::Command::kIsolateSegment, "isolate_segment"},
    {pb::Command::kReleaseSegment, "release_segment"},
    {pb::Command::kRunChecks, "run_checks"},
};

}  // namespace

std::string commandKind(ActionCase action) {
  for (const auto& [a, name] : kKinds)
    if (a == action) return std::string(name);
  return {};
}

std::string commandKind(const pb::Command& command) { return commandKind(command.action_case()); }

std::optional<ActionCase> actionNamed(std::string_view kind) {
  for (const auto& [action, name] : kKinds)
    if (kind == name) return action;
  return std::nullopt;
}

pb::Command commandWith(const pb::Command& action, const std::string& id, std::int64_t issuedAt) {
  pb::Command out = action;
  out.set_command_id(id);
  out.set_issued_at_unix(issuedAt);
  return out;
}

}  // namespace portcullis::wire
