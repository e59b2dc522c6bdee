// `signatures`: the payload signatures the network monitors match, imported
// per source under the trust rules of feeds, listed, exported (signed with a
// key of the operator's when asked) and removed; `findings`: what judging
// the network found, and resolving it; `profiles`: the machines' traffic
// profiles; `isolations`: segments cut off and the monitors' checks.
#include <algorithm>
#include <iostream>

#include "common/io/files.h"
#include "common/pki/pki.h"
#include "common/util/digest.h"
#include "common/util/text.h"
#include "controller/cli/command_support.h"
#include "controller/cli/commands.h"
#include "controller/cli/traffic_support.h"
#include "controller/monitor/signature_sources.h"
#include "controller/monitor_edge/signature_book.h"
#include "controller/views/network_json.h"

namespace portcullis::controller::cli {
namespace {

constexpr const char* kSignaturesUsage =
    "portcullis-controller signatures [list] --config FILE [--json]\n"
    "       portcullis-controller signatures import PATH [--source NAME] (--signature SIG --publisher NAME | --insecure) "
    "--config FILE\n"
    "       portcullis-controller signatures export [--out FILE [--sign-key KEY.pem]] --config FILE\n"
    "       portcullis-controller signatures remove SOURCE --config FILE";
constexpr const char* kFindingsUsage =
    "portcullis-controller findings [ID_OR_HOSTNAME] [--all] [--limit N] --config FILE [--json]\n"
    "       portcullis-controller findings resolve (FINDING_ID | --machine ID_OR_HOSTNAME) --config FILE";
constexpr const char* kIsolationsUsage =
    "portcullis-controller isolations [ID_OR_HOSTNAME] [--limit N] --config FILE [--json]";
constexpr const char* kProfilesUsage =
    "portcullis-controller profiles [ID_OR_HOSTNAME] --config FILE [--json]\n"
    "       portcullis-controller profiles reset ID_OR_HOSTNAME --config FILE";

// The sources as they would be with `replacing` in place of its namesake.
std::vector<monitor::SourceText> sourcesWith(store::Store& store, const monitor::SourceText& replacing) {
  std::vector<monitor::SourceText> out{replacing};
  for (const auto& s : store.network().signatureSources())
    if (s.source != replacing.source) out.push_back({s.source, s.text, s.importedAt});
  return out;
}

int importSignatures(const portcullis::cli::Arguments& args, const ControllerConfig& config) {
  if (args.positional().size() != 2) return usageError("signatures import needs the file PATH");
  const std::string path = args.positional()[1];
  if (auto problem = signatureOptionsProblem(args)) return usageError(*problem);
  const auto text = io::readTextFile(path, "signature file");
  if (!text) return runtimeError(text.error());
  const auto set = packet::parseSignatures(*text);
  if (!set) {
    std::cerr << "portcullis-controller: " << path << " does not read; nothing imported:\n" << set.error() << "\n";
    return 1;
  }
  auto store = openStore(config);
  const auto signer = verifiedPublisher(args, config, *store, path, *text, "SIGNATURES");
  if (!signer) return runtimeError(signer.error());
  const std::string source = args.value("source").value_or(signer->empty() ? "local" : *signer);
  const auto now = unixNow();
  const auto combined = monitor::signaturesInForce(sourcesWith(*store, {source, *text, now}));
  if (!combined) return runtimeError(combined.error() + "; nothing imported");
  const auto digest = util::sha256Hex(*text);
  store->network().putSignatureSource({source, *text, *signer, digest, set->signatures.size(), now});
  recordOperatorAction(config, *store, "SIGNATURES_IMPORTED", "signatures", source,
                       std::to_string(set->signatures.size()) + " signatures, sha256 " + digest.substr(0, 16) +
                           (signer->empty() ? ", unsigned (--insecure)" : ", signed by " + *signer));
  std::cout << "imported " << set->signatures.size() << " payload signatures as source '" << shown(source) << "'"
            << (signer->empty() ? " (unsigned)" : " (signed by " + shown(*signer) + ")") << "; "
            << combined->set.signatures.size() << " in force; the monitors named in [monitor] agents get them "
            << "within " << config.diagnosisTickSeconds << " s\n";
  return 0;
}

int listSignatures(const portcullis::cli::Arguments& args, const ControllerConfig& config) {
  auto store = openStore(config);
  monitor::SignatureBook book(store->network());
  if (auto read = book.refresh(); !read) return runtimeError(read.error());
  const auto sources = store->network().signatureSources();
  const auto& inForce = book.current()->compiled->set();
  if (args.flag("json")) {
    std::cout << views::signatureSourcesJson(sources, inForce);
    return 0;
  }
  for (const auto& s : sources)
    if (!s.text.empty())
      std::cout << "source " << shown(s.source) << ": " << s.signatures << " signatures, "
                << (s.publisher.empty() ? std::string("unsigned") : "signed by " + shown(s.publisher)) << ", imported "
                << isoTime(s.importedAt) << ", sha256 " << s.digest.substr(0, 16) << "\n";
  for (const auto& sig : inForce.signatures)
    std::cout << "  " << shown(sig.id) << "  " << sig.severity << "  " << packet::directionName(sig.direction) << "  "
              << shown(sig.name) << "\n";
  if (inForce.signatures.empty()) std::cout << "(no payload signatures)\n";
  return 0;
}

int exportSignatures(const portcullis::cli::Arguments& args, const ControllerConfig& config) {
  auto store = openStore(config);
  monitor::SignatureBook book(store->network());
  if (auto read = book.refresh(); !read) return runtimeError(read.error());
  const auto& text = book.current()->text;
  const auto count = book.current()->compiled->set().signatures.size();
  return writeExport(args, text, [&](const std::string& path, bool isSigned) {
    return "wrote " + std::to_string(count) + " payload signatures to " + path +
           (isSigned ? " and its signature to " + path + ".sig" : "");
  });
}

int removeSignatures(const portcullis::cli::Arguments& args, const ControllerConfig& config) {
  if (args.positional().size() != 2) return usageError("signatures remove needs the SOURCE");
  const auto& source = args.positional()[1];
  auto store = openStore(config);
  if (!store->network().removeSignatureSource(source, unixNow()))
    return runtimeError("no signature source '" + source + "' holds signatures");
  recordOperatorAction(config, *store, "SIGNATURES_REMOVED", "signatures", source);
  std::cout << "removed the signatures of source '" << shown(source) << "'; the monitors are told\n";
  return 0;
}

int resolveFindings(const portcullis::cli::Arguments& args, const ControllerConfig& config, int& exitCode) {
  auto store = openStore(config);
  const auto machine = args.value("machine");
  const bool byId = args.positional().size() == 2;
  if (byId == machine.has_value()) return usageError(std::string("name one finding or --machine: ") + kFindingsUsage);
  std::int64_t id = 0;
  std::string machineId;
  if (byId) {
    const auto& word = args.positional()[1];
    const auto number = util::recordNumber(word);
    if (!number) return usageError("'" + word + "' is not a finding's number");
    id = *number;
  } else {
    auto found = machineIdFor(*store, *machine, exitCode);
    if (!found) return exitCode;
    machineId = *found;
  }
  const auto n = store->network().resolveFindings(id, machineId, unixNow(), "cli");
  if (n == 0) return runtimeError(byId ? "no open finding #" + std::to_string(id) : "no open finding of " + machineId);
  recordOperatorAction(config, *store, "FINDINGS_RESOLVED", byId ? "finding" : "machine",
                       byId ? std::to_string(id) : machineId, std::to_string(n) + " resolved");
  std::cout << "resolved " << n << (n == 1 ? " finding" : " findings")
            << "; the machine is decided again within " << config.diagnosisTickSeconds << " s\n";
  return 0;
}

}  // namespace

int signaturesCommand(const Words& words) {
  auto args = parseOrReport(words, {{"config", "signature", "publisher", "source", "out", "sign-key"}, {"insecure", "json"}, {}, 0, 2},
                            kSignaturesUsage);
  if (!args) return 2;
  const std::string verb = args->positional().empty() ? "list" : args->positional()[0];
  if (verb != "list" && verb != "import" && verb != "export" && verb != "remove")
    return usageError("unknown signatures command '" + verb + "' (usage: " + kSignaturesUsage + ")");
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    if (verb == "import") return importSignatures(*args, *config);
    if (verb == "export") return exportSignatures(*args, *config);
    if (verb == "remove") return removeSignatures(*args, *config);
    return listSignatures(*args, *config);
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

int findingsCommand(const Words& words) {
  auto args = parseOrReport(words, {{"config", "limit", "machine"}, {"all", "json"}, {}, 0, 2}, kFindingsUsage);
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    if (!args->positional().empty() && args->positional()[0] == "resolve") return resolveFindings(*args, *config, exitCode);
    if (args->positional().size() > 1) return usageError(kFindingsUsage);
    const auto limit = countOption(*args, "limit", 200, 1'000'000);
    if (!limit) return 2;
    auto store = openStore(*config);
    const auto machine = machineOrAll(*store, args->positional(), exitCode);
    if (!machine) return exitCode;
    return printListing(args->flag("json"), store->network().findings(*machine, args->flag("all"), *limit),
                        views::findingsJson, views::findingLine, args->flag("all") ? "(no findings)" : "(no open findings)");
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

int profilesCommand(const Words& words) {
  auto args = parseOrReport(words, {{"config"}, {"json"}, {}, 0, 2}, kProfilesUsage);
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    auto store = openStore(*config);
    const auto& words = args->positional();
    if (!words.empty() && words[0] == "reset") {
      if (words.size() != 2) return usageError(kProfilesUsage);
      auto machine = machineIdFor(*store, words[1], exitCode);
      if (!machine) return exitCode;
      // From the window now open: what came before is not learned again.
      const auto windowUs = config->profileWindowSeconds * 1'000'000;
      const auto now = unixNowUs();
      if (!store->profiles().resetProfile(*machine, now - now % windowUs))
        return runtimeError("no traffic profile of " + *machine);
      recordOperatorAction(*config, *store, "PROFILE_RESET", "machine", *machine, "a new baseline from now");
      std::cout << "the traffic profile of " << *machine << " is forgotten: a new baseline is gathered from now\n";
      return 0;
    }
    if (words.size() > 1) return usageError(kProfilesUsage);
    const auto machine = machineOrAll(*store, words, exitCode);
    if (!machine) return exitCode;
    return printListing(args->flag("json"), store->profiles().profiles(*machine), views::profilesJson, views::profileLine,
                        "(no traffic profiles)");
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

int isolationsCommand(const Words& words) {
  auto args = parseOrReport(words, {{"config", "limit"}, {"json"}, {}, 0, 1}, kIsolationsUsage);
  if (!args) return 2;
  const auto limit = countOption(*args, "limit", 100, 100'000);
  if (!limit) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    auto store = openStore(*config);
    const auto machine = machineOrAll(*store, args->positional(), exitCode);
    if (!machine) return exitCode;
    const auto checks = store->network().isolationChecks(*machine, *limit);
    auto segments = store->network().segmentIsolations();
    if (!machine->empty())  // the segments cut for this machine
      segments.erase(std::remove_if(segments.begin(), segments.end(),
                                    [&](const auto& g) { return ("," + g.machines + ",").find("," + *machine + ",") == std::string::npos; }),
                     segments.end());
    if (args->flag("json")) {
      std::cout << views::isolationsJson(segments, checks);
      return 0;
    }
    for (const auto& g : segments) std::cout << views::segmentIsolationLine(g) << "\n";
    for (const auto& c : checks) std::cout << views::isolationCheckLine(c) << "\n";
    if (checks.empty() && segments.empty()) std::cout << "(no segment cut off, no isolation checked yet)\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

}  // namespace portcullis::controller::cli
