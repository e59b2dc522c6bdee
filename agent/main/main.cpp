// portcullis-agent: parses the subcommand and hands over. Nothing else.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "agent/cli/commands.h"

namespace {

const char* kHelp =
    "portcullis-agent " PORTCULLIS_VERSION " - Portcullis endpoint agent\n"
    "\n"
    "Usage:\n"
    "  portcullis-agent enroll --controller HOST:PORT --token TOKEN --ca-sha256 HEX --dir DIR\n"
    "  portcullis-agent enroll --controller HOST:PORT --token TOKEN --ca-sha256 HEX --config FILE\n"
    "      (--controller HOST:PORT,HOST:PORT...: a site's several controllers, tried in turn)\n"
    "  portcullis-agent default-config [--state-dir DIR] [--sandboxed]\n"
    "  portcullis-agent run --config DIR/agent.conf [--once | --check-config]\n"
    "  portcullis-agent inventory [--json] [--root PATH]\n"
    "  portcullis-agent files --config DIR/agent.conf [--json] [--full]\n"
    "  portcullis-agent dhcp-proof --config DIR/agent.conf (--interface NAME | --mac MAC)\n"
    "                   [--format hex|udhcpc|dhclient]\n"
    "  portcullis-agent --help | --version\n"
    "\n"
    "Exit status: 0 success, 1 failure (one line on stderr says why), 2 usage error.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace portcullis::agent::cli;
  Words words(argv + 1, argv + argc);
  if (words.empty()) {
    std::cerr << kHelp;
    return 2;
  }
  const std::string command = words.front();
  for (const auto& w : words)
    if (w == "--help" || w == "-h" || w == "help") {
      std::cout << kHelp;
      return 0;
    }
  if (command == "--version") {
    std::cout << "portcullis-agent " << PORTCULLIS_VERSION << "\n";
    return 0;
  }
  static const std::map<std::string, int (*)(const Words&)> commands = {
      {"enroll", enrollCommand},       {"default-config", defaultConfigCommand}, {"run", runCommand},
      {"inventory", inventoryCommand}, {"files", filesCommand},
      {"dhcp-proof", dhcpProofCommand},
  };
  auto it = commands.find(command);
  if (it == commands.end()) return usageError("unknown command '" + command + "' (see --help)");
  return it->second(Words(words.begin() + 1, words.end()));
}
