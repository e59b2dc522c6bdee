#include "controller/cli/runbook_support.h"

#include <ctime>

#include "common/io/files.h"
#include "controller/cli/traffic_support.h"
#include "controller/runbooks_edge/library_files.h"

namespace portcullis::controller::cli {

Result<RunbookParts> runbookPartsOf(const ControllerConfig& config, store::Store& store) {
  auto library = runbooks::loadRunbookLibrary(config.runbookLibrary);
  if (!library) return fail(library.error());
  auto hours = runbooks::parseBusinessHours(config.businessHours);
  if (!hours) return fail(hours.error());
  runbooks::RunbookSettings settings;
  settings.businessHours = *hours;
  settings.agentTestTimeout = std::chrono::seconds(config.agentTestSeconds);
  // Operators' signatures are checked against the CA; a reader who may not
  // read its certificate cannot check or sign, and is told so.
  if (auto ca = io::readFile(config.caCert)) settings.caCertificatePem = *ca;
  settings.utcOffset = [](std::int64_t at) {
    const std::time_t t = static_cast<std::time_t>(at);
    std::tm local{};
    localtime_r(&t, &local);
    return static_cast<std::int64_t>(local.tm_gmtoff);
  };
  RunbookParts parts;
  parts.checks = std::make_unique<runbooks::NetworkChecks>(store);
  parts.service = std::make_unique<runbooks::RunbookService>(store, std::move(*library), *parts.checks, std::move(settings), unixNowUs);
  return parts;
}

}  // namespace portcullis::controller::cli
