// Security information: publishers the operator trusts, feeds they sign,
// and the advisories imported from them. Nothing is stored from a feed that
// is not verified, unless the operator says --insecure (and the log says so).
#include <filesystem>
#include <iostream>

#include "common/log/logging.h"
#include "common/pki/detached_signature.h"
#include "common/io/files.h"
#include "controller/cli/archive_sync.h"
#include "controller/cli/command_support.h"
#include "controller/feeds_edge/feed_import.h"
#include "controller/cli/commands.h"
#include "controller/views/feed_json.h"
#include "controller/views/machine_json.h"
#include "controller/feeds/archive_advisory.h"
#include "controller/feeds/feed_archive.h"
#include "controller/feeds/feed_scan.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

namespace portcullis::controller::cli {
namespace {

namespace fs = std::filesystem;

int trust(const portcullis::cli::Arguments& args, const ControllerConfig& config) {
  if (args.positional().size() != 2) return usageError("feed trust needs the publisher NAME");
  const std::string& name = args.positional()[1];
  auto keyFile = args.value("key");
  auto levelText = args.value("level");
  if (!keyFile || !levelText) return usageError("feed trust needs --key PUBKEY.pem and --level N");
  int level = 0;
  try {
    level = std::stoi(*levelText);
  } catch (const std::exception&) {
  }
  if (level < 1 || level > 5) return usageError("--level must be a number from 1 (lowest) to 5 (highest)");
  auto pem = io::readFile(*keyFile);
  if (!pem) return runtimeError("cannot read " + *keyFile);
  auto type = pki::publisherKeyType(*pem);
  if (!type) return runtimeError(*keyFile + ": " + type.error());
  openStore(config)->trustPublisher(store::Publisher{name, *pem, level, unixNow()});
  auditLog(config).notice("PUBLISHER_TRUSTED name=%s level=%d key=%s", name, level, *type);
  std::cout << "publisher " << shown(name) << " trusted at level " << level << " (" << *type << " key)\n";
  return 0;
}

int import(const portcullis::cli::Arguments& args, const ControllerConfig& config) {
  if (args.positional().size() != 2) return usageError("feed import needs the feed PATH");
  const fs::path path = args.positional()[1];
  if (auto problem = signatureOptionsProblem(args)) return usageError(*problem);
  if (!fs::exists(path)) return runtimeError(path.string() + ": no such file or directory");

  std::vector<feeds::FeedFile> files;
  if (fs::is_directory(path)) {
    for (const auto& e : fs::recursive_directory_iterator(path))
      if (e.is_regular_file() && e.path().extension() == ".json")
        files.push_back({e.path().string(), io::readFile(e.path()).value_or("")});
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  } else {
    auto content = io::readFile(path);
    if (!content) return runtimeError("cannot read " + path.string());
    files.push_back({path.string(), *content});
  }
  // The signature covers the file as it is: for a zip, the archive's bytes.
  const std::string signedBytes = files.size() == 1 ? files.front().content : std::string();

  auto& logger = auditLog(config);
  auto store = openStore(config);
  const auto signer = verifiedPublisher(args, config, *store, path.string(), signedBytes, "FEED");
  if (!signer) return runtimeError(signer.error());
  const std::string publisher = *signer;

  if (path.extension() == ".zip") {
    auto unpacked = feeds::readZipFeed(path.string(), signedBytes);
    if (!unpacked) return runtimeError(unpacked.error() + "; nothing imported");
    files = std::move(unpacked).value();
  }
  const auto imported = feeds_edge::importFeedFiles(*store, files, publisher, unixNow());
  const auto& scan = imported.scan;
  const auto& counts = imported.counts;
  for (const auto& bad : scan.unparsable) std::cerr << "portcullis-controller: skipped " << shown(bad) << "\n";
  logger.notice("FEED_IMPORTED path=%s publisher=%s added=%z replaced=%z unchanged=%z withdrawn=%z other=%z "
                "empty=%z unparsable=%z",
                path.string(), publisher.empty() ? std::string("-") : publisher, counts.added, counts.replaced,
                counts.unchanged, scan.withdrawn, scan.otherEcosystems, scan.nothingAffected, scan.unparsable.size());
  std::cout << "imported " << imported.records << " advisories: " << counts.added << " new, " << counts.replaced
            << " replaced by a newer version, " << counts.unchanged << " unchanged\n"
            << "skipped: " << scan.withdrawn << " withdrawn, " << scan.otherEcosystems << " for other ecosystems, "
            << scan.nothingAffected << " with no affected package, " << scan.unparsable.size() << " unparsable\n";
  return 0;
}

int sync(const ControllerConfig& config) {
  auto suites = archiveSuites(config);
  if (!suites) return runtimeError(suites.error());
  if (suites->empty())
    return runtimeError(config.aptSources.empty()
                            ? "no archive feed: set [feeds] apt_sources (system, or URL SUITE [COMPONENT...])"
                            : "no security suite in " + config.aptEtc.string() +
                                  "'s apt sources (a suite named *-security or */updates)");
  auto store = openStore(config);
  const auto results = syncArchive(config, *suites, *store, auditLog(config), unixNow());
  int failures = 0;
  for (const auto& r : results) {
    std::cout << shown(r.name) << ": ";
    if (!r.ok) {
      ++failures;
      std::cout << "FAILED: " << shown(r.error) << "; nothing stored\n";
    } else if (r.unchanged) {
      std::cout << "unchanged since the last sync (" << shown(r.ecosystem) << ", key " << shown(r.fingerprint) << ", "
                << r.sources << " source packages)\n";
    } else {
      std::cout << "fetched, " << shown(r.ecosystem) << ", signed by key " << shown(r.fingerprint) << "; "
                << r.sources << " source packages: " << r.counts.added << " new, " << r.counts.replaced
                << " replaced by a newer version, " << r.counts.unchanged << " unchanged\n";
    }
  }
  if (failures) std::cerr << "portcullis-controller: " << failures << " of " << results.size() << " suites failed\n";
  return failures ? 1 : 0;
}

// When each archive fix appeared, newest first.
int history(const portcullis::cli::Arguments& args, const ControllerConfig& config) {
  const std::string source = args.positional().size() == 2 ? args.positional()[1] : std::string();
  const auto changes = openStore(config)->archive().archiveHistory(source);
  if (args.flag("json")) {
    Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
    for (const auto& c : changes) a->add(views::archiveChangeObject(c));
    std::cout << jsonText(a);
    return 0;
  }
  for (const auto& c : changes)
    std::cout << isoTime(c.appearedAt) << "  " << shown(c.suite) << "  " << shown(c.source) << " "
              << shown(c.version) << (c.previous.empty() ? "" : " (was " + shown(c.previous) + ")") << "\n";
  if (changes.empty()) std::cout << "(no archive fix synced" << (source.empty() ? "" : " for " + shown(source)) << ")\n";
  return 0;
}

}  // namespace

int feedCommand(const Words& words) {
  static const char* usage =
      "portcullis-controller feed trust NAME --key PUBKEY.pem --level N --config FILE | "
      "feed import PATH --config FILE [--signature SIG] [--publisher NAME] [--insecure] | "
      "feed sync --config FILE | feed history [SOURCE] --config FILE [--json]";
  auto args = parseOrReport(words, {{"config", "key", "level", "signature", "publisher"}, {"insecure", "json"}, {}, 1, 2},
                            usage);
  if (!args) return 2;
  const std::string verb = args->positional()[0];
  if (verb != "trust" && verb != "import" && verb != "sync" && verb != "history")
    return usageError("unknown feed command '" + verb + "' (usage: " + usage + ")");
  if (verb == "sync" && args->positional().size() != 1) return usageError("feed sync takes no PATH");
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    if (verb == "sync") return sync(*config);
    if (verb == "history") return history(*args, *config);
    return verb == "trust" ? trust(*args, *config) : import(*args, *config);
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

namespace {

}  // namespace

int advisoriesCommand(const Words& words) {
  static const char* usage =
      "portcullis-controller advisories --config FILE [--json] | advisories export --config FILE [--out FILE [--sign-key KEY]]";
  auto args = parseOrReport(words, {{"config", "out", "sign-key"}, {"json"}, {}, 0, 1}, usage);
  if (!args) return 2;
  const std::string verb = args->positional().empty() ? "list" : args->positional()[0];
  if (verb != "list" && verb != "export") return usageError("unknown advisories command '" + verb + "' (usage: " + usage + ")");
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    auto store = openStore(*config);
    if (verb == "export") {
      // Every record as it was received, one JSON list: the feed another
      // site imports (`feed import --signature FILE.sig --publisher NAME`),
      // this site acting as its information provider.
      const auto records = store->advisoryRecords();
      std::string text = "[\n";
      for (std::size_t i = 0; i < records.size(); ++i) text += records[i] + (i + 1 < records.size() ? ",\n" : "\n");
      text += "]\n";
      return writeExport(*args, text, [&](const std::string& path, bool isSigned) {
        auditLog(*config).notice("ADVISORIES_EXPORTED path=%s records=%z signed=%b", path, records.size(), isSigned);
        return "exported " + std::to_string(records.size()) + " advisories to " + path +
               (isSigned ? " (signed: " + path + ".sig)" : "");
      });
    }
    const auto list = store->advisories();
    if (args->flag("json")) {
      Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
      for (const auto& x : list) a->add(views::advisoryObject(x));
      std::cout << jsonText(a);
      return 0;
    }
    for (const auto& x : list)
      std::cout << shown(x.id) << "  " << views::advisoryOrigin(x) << "  " << shown(x.modified) << "  "
                << (x.publisher.empty() ? "(insecure)" : shown(x.publisher)) << "  " << shown(x.summary) << "\n";
    if (list.empty()) std::cout << "(no advisories imported)\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

}  // namespace portcullis::controller::cli
