#pragma once
#include <iostream>
#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/Logger.h>

#include "common/cli/arguments.h"
#include "common/util/result.h"
#include "common/util/text.h"
#include "controller/config/controller_config.h"
#include "controller/store/store.h"
#include "controller/views/diagnosis_json.h"
#include "controller/views/machine_damage_view.h"
#include "controller/views/machine_json.h"

namespace portcullis::controller::cli {

// What the commands print, in the shapes the console serves too.
using views::agentsJson;
using views::commandsJson;
using views::DiagnosedMachine;
using views::diagnosisJson;
using views::isoTime;
using views::jsonText;
using views::loadDamageView;
using views::MachineDamageView;
using views::machineJson;
using views::machinesJson;
using views::printDamageView;

// Parses words against spec, printing the usage error itself; nullopt on error.
std::optional<portcullis::cli::Arguments> parseOrReport(const std::vector<std::string>& words,
                                                        portcullis::cli::OptionSpec spec,
                                                        const char* usage);

// --config FILE loaded and validated, or an error line printed and exitCode
// set: 2 when --config is missing, 1 when the file is bad. Run as root on a
// state directory owned by another user (the packages' layout), the process
// becomes that user unless actAsStateOwner is false (serve: systemd chooses).
std::optional<ControllerConfig> configFrom(const portcullis::cli::Arguments& args, int& exitCode,
                                           bool actAsStateOwner = true);

std::unique_ptr<store::Store> openStore(const ControllerConfig& config);

// Text output shows every text the controller did not write itself (what
// agents, DHCP clients and feeds said, kept in the store) through this:
// escaped, so it cannot act on the terminal or start a line of its own.
// JSON output carries it exactly instead (util::terminalSafeJson).
inline std::string shown(std::string_view text) { return util::escapeForTerminal(text); }

// The id of the machine an operator's word names: its id, else a host name
// only one machine has (chooseMachine). Otherwise nullopt, with exitCode 1
// and the reason on stderr: no machine fits, or several machines have that
// host name, each listed with its id, host name, last report and state so
// that the operator names one by its id.
// notFoundHint is added to the line that says no machine fits.
std::optional<std::string> machineIdFor(store::Store& store, const std::string& idOrHostname, int& exitCode,
                                        const std::string& notFoundHint = "");

// The machine the first of words names (as machineIdFor), "" when there is
// no word: a command about one machine or all of them.
std::optional<std::string> machineOrAll(store::Store& store, const std::vector<std::string>& words, int& exitCode);

// --NAME N, a count from 1 to most; fallback without it; nullopt, with the
// usage error printed, when it is not such a number.
// A listing as the command line prints it: --json as one document, else a
// line an item, or `none` when there is nothing. 0.
template <typename Item, typename AsJson, typename AsLine>
int printListing(bool json, const std::vector<Item>& items, AsJson asJson, AsLine asLine, const char* none) {
  if (json) {
    std::cout << asJson(items);
    return 0;
  }
  for (const auto& item : items) std::cout << asLine(item) << "\n";
  if (items.empty()) std::cout << none << "\n";
  return 0;
}

std::optional<std::size_t> countOption(const portcullis::cli::Arguments& args, const std::string& name,
                                       std::size_t fallback, std::size_t most);

// The logger administrative commands record their actions with: the audit
// file of the configuration, never the terminal.
Poco::Logger& auditLog(const ControllerConfig& config);

// What an operator did from the command line, in both histories: the audit
// file ("ACTION KIND=TARGET DETAIL by=operator") and the store's operators'
// audit, beside what the console's operators did.
void recordOperatorAction(const ControllerConfig& config, store::Store& store, const std::string& action,
                          const std::string& targetKind, const std::string& target, const std::string& detail = "");

// A usage error in --signature, --publisher and --insecure, if any.
std::optional<std::string> signatureOptionsProblem(const portcullis::cli::Arguments& args);

// Who signed a file the operator imports (a feed, a known-bad list): the
// publisher named by --publisher, when --signature verifies with its key and
// its trust level is high enough; "" with --insecure (logged as such).
// logName prefixes the audit lines: FEED_REJECTED, FEED_INSECURE_IMPORT.
// Failure: the reason, for one line on stderr. The options are checked
// (signatureOptionsProblem) before.
Result<std::string> verifiedPublisher(const portcullis::cli::Arguments& args, const ControllerConfig& config,
                                      store::Store& store, const std::string& path, const std::string& bytes,
                                      const std::string& logName);

// Bytes as one line of base64 (a detached signature written for another site, or sent).
std::string base64Line(const std::string& bytes);

// An export for other sites: the text printed; or with --out FILE written
// there and, with --sign-key KEY (Ed25519 or ECDSA, PEM), its detached
// signature beside it (FILE.sig, base64 on one line: what --signature takes
// where it is imported), an older FILE.sig removed when the new file is not
// signed. `wrote` (given the path and whether it was signed) says what was
// written, for the line printed and the audit. The command's exit status.
int writeExport(const portcullis::cli::Arguments& args, const std::string& text,
                const std::function<std::string(const std::string& path, bool isSigned)>& wrote);

// Seconds since the epoch, the store's unit of time.
std::int64_t unixNow();

}  // namespace portcullis::controller::cli
