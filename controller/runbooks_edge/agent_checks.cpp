#include "controller/runbooks_edge/agent_checks.h"

namespace portcullis::runbooks {

namespace pb = ::portcullis::v1;

std::string agentCheckName(std::size_t index) { return "check-" + std::to_string(index); }

pb::OperationCheck agentCheckOf(const TestCheck& c, std::size_t index) {
  pb::OperationCheck o;
  o.set_name(agentCheckName(index));
  switch (c.kind) {
    case TestCheck::Kind::Process:
      o.set_type(c.expectOpen ? pb::OperationCheck::PROCESS : pb::OperationCheck::STOPPED);
      o.set_process(c.name);
      break;
    case TestCheck::Kind::File:
      o.set_type(pb::OperationCheck::FILE);
      o.set_target(c.path);
      o.set_sha256(c.sha256);
      break;
    case TestCheck::Kind::Command:
      o.set_type(pb::OperationCheck::COMMAND);
      o.set_command(c.name);
      o.set_expect_exit(c.exitCode);
      break;
    default: {  // a port from the machine: an IPv6 address in brackets before the port
      o.set_type(c.expectOpen ? pb::OperationCheck::TCP : pb::OperationCheck::REJECTED);
      const bool v6 = c.target.find(':') != std::string::npos;
      o.set_target((v6 ? "[" + c.target + "]" : c.target) + ":" + std::to_string(c.port));
      break;
    }
  }
  return o;
}

std::optional<pb::CheckResult> agentResultOf(const pb::CommandResult& result, std::size_t index) {
  if (!result.has_checks()) return std::nullopt;
  const auto name = agentCheckName(index);
  for (const auto& r : result.checks().results())
    if (r.name() == name) return r;
  return std::nullopt;
}

}  // namespace portcullis::runbooks
