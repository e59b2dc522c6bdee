#include "agent/sensors/file_keeper.h"
#include "common/util/text.h"

#include <set>

#include "agent/sensors/file_watch.h"
#include "agent/sensors/state_text.h"
#include "agent/sensors/verified_copy.h"
#include "agent/sensors/watch_list.h"
#include "common/log/logging.h"
#include "common/io/files.h"

namespace portcullis::agent::sensors {
namespace {

constexpr std::string_view kHeader = "portcullis-kept-files 1";

Poco::Logger& logger() { return log::get("agent.files"); }

bool sameVersion(const KeptVersion& a, const KeptVersion& b) {
  return a.sha256 == b.sha256 && a.mode == b.mode && a.uid == b.uid && a.gid == b.gid;
}

}  // namespace

bool addKeptVersion(KeptIndex& index, const std::string& path, const KeptVersion& version, std::size_t maxVersions) {
  auto& versions = index[path];
  if (!versions.empty() && sameVersion(versions.back(), version)) return false;
  versions.push_back(version);
  if (maxVersions > 0 && versions.size() > maxVersions)
    versions.erase(versions.begin(), versions.begin() + static_cast<std::ptrdiff_t>(versions.size() - maxVersions));
  return true;
}

std::string formatKeptIndex(const KeptIndex& index) {
  std::string out(kHeader);
  out += '\n';
  for (const auto& [path, versions] : index)
    for (const auto& v : versions)
      out += v.sha256 + '\t' + std::to_string(v.mode) + '\t' + std::to_string(v.uid) + '\t' + std::to_string(v.gid) +
             '\t' + std::to_string(v.keptAtUnix) + '\t' + escapePath(path) + '\n';
  return out;
}

Result<KeptIndex> parseKeptIndex(std::string_view text) {
  KeptIndex out;
  const auto read = forEachStateLine(text, kHeader, "not an index of kept files (or another version)",
                                      [&](std::string_view line) -> Status {
    std::string_view fields[6];
    if (!splitTabs(line, fields, 6)) return fail("expected 6 tab-separated fields");
    KeptVersion v;
    std::string path;
    if (!util::isSha256Hex(fields[0])) return fail("not a SHA-256 in hex");
    v.sha256 = std::string(fields[0]);
    if (!parseNumber(fields[1], v.mode) || !parseNumber(fields[2], v.uid) || !parseNumber(fields[3], v.gid) ||
        !parseNumber(fields[4], v.keptAtUnix))
      return fail("a number field does not parse");
    if (!unescapePath(fields[5], path) || path.empty() || path.front() != '/') return fail("not an absolute path");
    out[path].push_back(std::move(v));
    return done();
  });
  if (!read) return fail(read.error());
  return out;
}

FileKeeper::FileKeeper(FileKeeperSettings settings) : settings_(std::move(settings)) {}

bool FileKeeper::wanted(std::string_view path) const {
  return matchesAny(settings_.paths, path);
}

KeptIndex FileKeeper::index() const {
  const auto text = io::readFile(indexFile());
  if (!text) return {};
  auto parsed = parseKeptIndex(*text);
  if (!parsed) {
    logger().error("FILE_KEEP_INDEX_DAMAGED file=%s reason=%s", indexFile().string(), parsed.error());
    return {};
  }
  return std::move(parsed).value();
}

std::optional<KeptVersion> FileKeeper::find(const std::string& path, const std::string& sha256) const {
  const auto all = index();
  const auto it = all.find(path);
  if (it == all.end()) return std::nullopt;
  for (auto v = it->second.rbegin(); v != it->second.rend(); ++v)
    if (v->sha256 == sha256) return *v;
  return std::nullopt;
}

std::size_t FileKeeper::prune(const KeptIndex& index) const {
  std::set<std::string> referenced;
  for (const auto& [path, versions] : index)
    for (const auto& v : versions) referenced.insert(v.sha256);
  std::size_t pruned = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(settings_.dir, ec)) {
    const auto name = e.path().filename().string();
    // Copies no version names, and temporary files a crash left behind.
    const bool copy = util::isSha256Hex(name);
    if ((copy && !referenced.count(name)) || (!copy && name.rfind(".", 0) == 0 && name.find(".portcullis-") != std::string::npos)) {
      std::error_code ignored;
      if (std::filesystem::remove(e.path(), ignored) && copy) ++pruned;
    }
  }
  return pruned;
}

KeepStats FileKeeper::keep(const std::vector<FileRecord>& files, std::int64_t now) {
  KeepStats stats;
  auto current = index();
  bool dirty = false;
  bool dirReady = false;
  for (const auto& r : files) {
    if (!wanted(r.path)) continue;
    const KeptVersion v{r.sha256, r.mode, r.uid, r.gid, now};
    const auto known = current.find(r.path);
    if (known != current.end() && !known->second.empty() && sameVersion(known->second.back(), v)) continue;
    if (r.size > settings_.maxSize) {
      ++stats.tooLarge;
      continue;
    }
    if (!dirReady) {
      std::filesystem::create_directories(settings_.dir);
      std::filesystem::permissions(settings_.dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
      dirReady = true;
    }
    std::error_code ec;
    if (!std::filesystem::exists(copyOf(r.sha256), ec)) {
      const auto source = (settings_.root / std::filesystem::path(r.path).relative_path()).string();
      const auto copied = copyVerified(source, {copyOf(r.sha256), 0600, {}, {}}, r.sha256);
      if (!copied) {
        const bool changed = copied.error().rfind("changed:", 0) == 0;
        ++(changed ? stats.changed : stats.failed);
        logger().information("FILE_NOT_KEPT path=%s reason=%s", r.path, copied.error());
        continue;
      }
    }
    dirty = addKeptVersion(current, r.path, v, settings_.versions) || dirty;
    ++stats.kept;
  }
  if (dirty) {
    io::writeFileAtomic(indexFile(), formatKeptIndex(current), 0600);
    stats.pruned = prune(current);
  }
  if (stats.kept || stats.changed || stats.failed)
    logger().information("FILE_COPIES_KEPT kept=%z too_large=%z changed=%z failed=%z pruned=%z", stats.kept,
                         stats.tooLarge, stats.changed, stats.failed, stats.pruned);
  return stats;
}

KeepStats FileKeeper::keepFrom(const FileScanOutcome& scan) {
  if (!scan.baseline) return {};
  std::vector<FileRecord> files;
  if (scan.firstScan || !std::filesystem::exists(indexFile())) {
    for (auto it = scan.baseline->begin(); it != scan.baseline->end(); ++it)
      if (wanted(it.path())) files.push_back(*it);
  } else {
    for (const auto& c : scan.changes)
      if (c.kind != FileDelta::Kind::Deleted) files.push_back(c.after);
  }
  return keep(files, scan.scannedAtUnix);
}

}  // namespace portcullis::agent::sensors
