// The known-bad hash database: lists imported from a source the operator
// trusts (signed like feeds, or --insecure), what the controller learned from
// antivirus detections, and an export other sites and ClamAV can read.
#include <filesystem>
#include <iostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "common/io/files.h"
#include "common/pki/pki.h"
#include "controller/cli/command_support.h"
#include "controller/cli/commands.h"
#include "controller/feeds_edge/feed_import.h"
#include "controller/views/feed_json.h"
#include "controller/views/machine_json.h"
#include "controller/feeds/known_bad_list.h"

namespace portcullis::controller::cli {
namespace {

int importList(const portcullis::cli::Arguments& args, const ControllerConfig& config) {
  if (args.positional().size() != 2) return usageError("known-bad import needs the list PATH");
  const std::string path = args.positional()[1];
  if (auto problem = signatureOptionsProblem(args)) return usageError(*problem);
  if (args.value("source").value_or("").rfind("learned:", 0) == 0)
    return usageError("--source may not begin with 'learned:' (this site's own detections)");
  auto text = io::readFile(path);
  if (!text) return runtimeError("cannot read " + path);
  auto store = openStore(config);
  const auto signer = verifiedPublisher(args, config, *store, path, *text, "KNOWN_BAD_LIST");
  if (!signer) return runtimeError(signer.error());
  const std::string source = args.value("source").value_or(signer->empty() ? path : *signer);
  // "learned:" names what this site's own antivirus found (export --learned): no import may pass for it.
  if (source.rfind("learned:", 0) == 0) return usageError("the source may not begin with 'learned:' (this site's own detections)");
  const auto imported = feeds_edge::importKnownBadText(store->sensors(), *text, source, unixNow());
  if (!imported) return runtimeError(path + ": " + imported.error() + "; nothing imported");
  auditLog(config).notice("KNOWN_BAD_IMPORTED path=%s source=%s entries=%z added=%z skipped_other_hashes=%z", path,
                          source, imported->entries, imported->added, imported->skippedOtherHashes);
  std::cout << "imported " << imported->entries << " known-bad hashes from " << shown(source) << ": "
            << imported->added << " new, " << imported->entries - imported->added << " known already";
  if (imported->skippedOtherHashes > 0)
    std::cout << "; skipped " << imported->skippedOtherHashes << " MD5/SHA-1 entries (agents report SHA-256)";
  std::cout << "\n";
  return 0;
}

int listAll(const portcullis::cli::Arguments& args, const ControllerConfig& config) {
  const auto all = openStore(config)->sensors().knownBad();
  if (args.flag("json")) {
    Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
    for (const auto& k : all) a->add(views::knownBadObject(k));
    std::cout << jsonText(a);
    return 0;
  }
  for (const auto& k : all)
    std::cout << shown(k.sha256) << "  " << shown(k.name) << "  " << shown(k.source) << "  " << isoTime(k.addedAt)
              << "\n";
  if (all.empty()) std::cout << "(no known-bad hashes)\n";
  return 0;
}

// The list for other sites (and ClamAV): every hash, or with --learned only
// the damage this site confirmed itself (its antivirus's detections). With
// --out it is written to a file, and with --sign-key signed beside it
// (FILE.sig: the detached signature, base64), so that the sites that trust
// this one (`feed trust`) import it with --signature and --publisher.
int exportAll(const portcullis::cli::Arguments& args, const ControllerConfig& config) {
  std::vector<feeds::KnownBadEntry> entries;
  for (const auto& k : openStore(config)->sensors().knownBad())
    if (!args.flag("learned") || k.source.rfind("learned:", 0) == 0) entries.push_back({k.sha256, k.name, k.size});
  return writeExport(args, feeds::formatKnownBadList(entries), [&](const std::string& path, bool isSigned) {
    auditLog(config).notice("KNOWN_BAD_EXPORTED path=%s entries=%z learned_only=%b signed=%b", path, entries.size(),
                            args.flag("learned"), isSigned);
    return "exported " + std::to_string(entries.size()) + " known-bad hashes to " + path +
           (isSigned ? " (signed: " + path + ".sig)" : "");
  });
}

}  // namespace

int knownBadCommand(const Words& words) {
  static const char* usage =
      "portcullis-controller known-bad [list] --config FILE [--json] | "
      "known-bad import PATH --config FILE [--signature SIG --publisher NAME | --insecure] [--source NAME] | "
      "known-bad export --config FILE [--learned] [--out FILE [--sign-key KEY]]";
  auto args = parseOrReport(words, {{"config", "signature", "publisher", "source", "out", "sign-key"}, {"insecure", "json", "learned"}, {}, 0, 2},
                            usage);
  if (!args) return 2;
  const std::string verb = args->positional().empty() ? "list" : args->positional()[0];
  if (verb != "list" && verb != "import" && verb != "export")
    return usageError("unknown known-bad command '" + verb + "' (usage: " + usage + ")");
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    if (verb == "import") return importList(*args, *config);
    if (verb == "export") return exportAll(*args, *config);
    return listAll(*args, *config);
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

}  // namespace portcullis::controller::cli
