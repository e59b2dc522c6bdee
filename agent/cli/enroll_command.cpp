#include <filesystem>
#include <iostream>

#include "agent/cli/command_support.h"
#include "agent/cli/commands.h"
#include "agent/transport/enrollment_client.h"
#include "common/config/ini_document.h"

namespace portcullis::agent::cli {

int enrollCommand(const Words& words) {
  auto args = parseOrReport(words, {{"controller", "token", "ca-sha256", "dir", "config"}, {}, {}, 0, 0});
  if (!args) return 2;
  for (const char* required : {"controller", "token", "ca-sha256"})
    if (!args->value(required)) return usageError(std::string("--") + required + " is required");
  if (args->value("dir").has_value() == args->value("config").has_value())
    return usageError("give either --dir DIR (a new directory) or --config FILE (an installed agent.conf)");
  // HOST:PORT, or a site's several controllers comma-separated.
  EnrollRequestOptions o;
  for (const auto& one : config::splitList(*args->value("controller"))) {
    auto endpoint = config::parseEndpoint(one);
    if (!endpoint) return usageError("--controller: " + endpoint.error());
    o.controllers.push_back({endpoint->first, endpoint->second});
  }
  if (o.controllers.empty() || o.controllers.size() > 16) return usageError("--controller: one to 16 HOST:PORT, comma-separated");
  o.controllerHost = o.controllers.front().host;
  o.controllerPort = o.controllers.front().port;
  o.token = *args->value("token");
  o.caSha256 = *args->value("ca-sha256");
  if (auto dir = args->value("dir")) o.dir = std::filesystem::absolute(*dir);
  if (auto file = args->value("config")) o.configFile = std::filesystem::absolute(*file);
  o.hostname = hostName();
  auto outcome = enrollAgent(o);
  if (!outcome) return runtimeError("enrollment failed: " + outcome.error());
  std::cout << "Enrolled as agent " << outcome->agentId << "\n"
            << "Recorded in: " << outcome->written.string() << "\n";
  if (o.configFile.empty())
    std::cout << "Next: portcullis-agent run --config " << outcome->configFile.string() << "\n";
  else
    std::cout << "Next: systemctl restart portcullis-agent (or: portcullis-agent run --config "
              << outcome->configFile.string() << ")\n";
  return 0;
}

// The documented defaults, for a new installation or to compare an edited
// file with after an upgrade.
int defaultConfigCommand(const Words& words) {
  auto args = parseOrReport(words, {{"state-dir"}, {"sandboxed"}, {}, 0, 0});
  if (!args) return 2;
  const std::string state = args->value("state-dir").value_or("");
  if (!state.empty() && state.front() != '/') return usageError("--state-dir must be an absolute path");
  std::cout << agentConfigText({"", "", "", state, args->flag("sandboxed")});
  return 0;
}

}  // namespace portcullis::agent::cli
