#include "controller/cli/command_support.h"

#include <chrono>
#include <iostream>

#include "common/log/logging.h"
#include "controller/cli/commands.h"

namespace portcullis::controller::cli {

int usageError(const std::string& message) {
  std::cerr << "portcullis-controller: " << message << "\n";
  return 2;
}

int runtimeError(const std::string& message) {
  std::cerr << "portcullis-controller: " << message << "\n";
  return 1;
}

std::optional<portcullis::cli::Arguments> parseOrReport(const std::vector<std::string>& words,
                                                        portcullis::cli::OptionSpec spec,
                                                        const char* usage) {
  auto args = portcullis::cli::Arguments::parse(words, spec);
  if (!args) {
    usageError(args.error() + " (usage: " + usage + ")");
    return std::nullopt;
  }
  return std::move(args).value();
}

std::optional<ControllerConfig> configFrom(const portcullis::cli::Arguments& args, int& exitCode) {
  auto file = args.value("config");
  if (!file) {
    exitCode = usageError("--config FILE is required");
    return std::nullopt;
  }
  auto config = loadControllerConfig(*file);
  if (!config) {
    exitCode = runtimeError(config.error());
    return std::nullopt;
  }
  return std::move(config).value();
}

std::unique_ptr<store::Store> openStore(const ControllerConfig& config) {
  return store::Store::openSqlite(config.storePath);
}

Poco::Logger& auditLog(const ControllerConfig& config) {
  log::setup("information", config.auditFile.string());
  return log::get("controller.audit");
}

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace portcullis::controller::cli
