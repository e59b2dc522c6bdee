#pragma once
// The checks of a runbook's test that agents run (a process running or
// stopped, a file's SHA-256, a command from the agent's own list, a port
// tried from that machine): each as the agent's OperationCheck, named by
// its place in the test pattern so that the answer finds its check; one
// run_checks command a machine.
#include <cstddef>
#include <optional>
#include <string>

#include "controller/runbooks/runbook_library.h"
#include "portcullis/v1/portcullis.pb.h"

namespace portcullis::runbooks {

// "check-3": the name the check at that place goes by.
std::string agentCheckName(std::size_t index);
// The check as the agent takes it: filled (filledCheck) and byAgent().
::portcullis::v1::OperationCheck agentCheckOf(const TestCheck& filled, std::size_t index);
// The result of the check at index in an agent's answer, if it holds one.
std::optional<::portcullis::v1::CheckResult> agentResultOf(const ::portcullis::v1::CommandResult& result, std::size_t index);

}  // namespace portcullis::runbooks
