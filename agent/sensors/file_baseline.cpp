#include "agent/sensors/file_baseline.h"
#include "common/util/text.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "agent/sensors/state_text.h"
#include "common/util/digest.h"

namespace portcullis::agent::sensors {
namespace {

constexpr std::string_view kHeader = "portcullis-file-baseline 1";
constexpr std::size_t kEntriesPerChunk = 1024;
constexpr std::size_t kPathBlock = 64 << 10;
constexpr std::uint32_t kHasDigest = 0x8000'0000u;  // in Entry::pathLength

// The content may have changed unless size, mtime, ctime and inode are all
// the same: for records and compact entries alike.
template <typename A, typename B>
bool stampsMatch(const A& a, const B& b) {
  return a.size == b.size && a.mtimeNs == b.mtimeNs && a.ctimeNs == b.ctimeNs && a.inode == b.inode;
}

// The stamp, mode and owner, between a record and its compact entry either way.
template <typename From, typename To>
void copyStamp(const From& from, To& to) {
  to.size = from.size;
  to.mtimeNs = from.mtimeNs;
  to.ctimeNs = from.ctimeNs;
  to.inode = from.inode;
  to.mode = from.mode;
  to.uid = from.uid;
  to.gid = from.gid;
}

}  // namespace

struct FileBaseline::Entry {
  std::array<unsigned char, 32> digest;
  std::uint64_t size;
  std::int64_t mtimeNs;
  std::int64_t ctimeNs;
  std::uint64_t inode;
  std::uint32_t mode;
  std::uint32_t uid;
  std::uint32_t gid;
  std::uint32_t pathBlock;
  std::uint32_t pathOffset;
  std::uint32_t pathLength;  // with kHasDigest
};
// Fixed-size chunks and blocks: growing never copies what is held, so a
// baseline being built never needs twice its size.
struct FileBaseline::Store {
  static_assert(sizeof(Entry) == 88);
  std::vector<std::unique_ptr<Entry[]>> chunks;
  std::size_t entries = 0;
  std::vector<std::shared_ptr<char[]>> blocks;  // shared with the baseline of the scan before
  std::size_t blockUsed = kPathBlock;  // the last block is full: the first path opens one

  Entry& entry(std::size_t i) { return chunks[i / kEntriesPerChunk][i % kEntriesPerChunk]; }
  const Entry& entry(std::size_t i) const { return chunks[i / kEntriesPerChunk][i % kEntriesPerChunk]; }

  Entry& append() {
    if (entries % kEntriesPerChunk == 0) chunks.push_back(std::make_unique<Entry[]>(kEntriesPerChunk));
    return entry(entries++);
  }

  void keepPath(Entry& e, std::string_view path) {
    if (blocks.empty() || blockUsed + path.size() > kPathBlock) {
      // A path longer than a block (deep trees can pass PATH_MAX) gets one of its own.
      blocks.push_back(std::make_shared<char[]>(std::max(kPathBlock, path.size())));
      blockUsed = 0;
    }
    std::memcpy(blocks.back().get() + blockUsed, path.data(), path.size());
    e.pathBlock = static_cast<std::uint32_t>(blocks.size() - 1);
    e.pathOffset = static_cast<std::uint32_t>(blockUsed);
    e.pathLength = static_cast<std::uint32_t>(path.size());
    blockUsed = path.size() > kPathBlock ? kPathBlock : blockUsed + path.size();
  }
};

bool sameStamp(const FileRecord& a, const FileRecord& b) { return stampsMatch(a, b); }

FileBaseline::FileBaseline() : store_(std::make_unique<Store>()) {}
FileBaseline::FileBaseline(FileBaseline&&) noexcept = default;
FileBaseline& FileBaseline::operator=(FileBaseline&&) noexcept = default;
FileBaseline::~FileBaseline() = default;

const FileBaseline::Entry& FileBaseline::entryAt(std::size_t at) const { return store_->entry(order_[at]); }

std::string_view FileBaseline::pathOf(const Entry& e) const {
  return {store_->blocks[e.pathBlock].get() + e.pathOffset, e.pathLength & ~kHasDigest};
}

FileRecord FileBaseline::recordOf(const Entry& e) const {
  FileRecord r;
  r.path = std::string(pathOf(e));
  if (e.pathLength & kHasDigest)
    r.sha256 = util::hexEncode(std::string_view(reinterpret_cast<const char*>(e.digest.data()), e.digest.size()));
  copyStamp(e, r);
  return r;
}

FileRecord FileBaseline::const_iterator::operator*() const { return baseline_->recordOf(baseline_->entryAt(at_)); }

std::string_view FileBaseline::const_iterator::path() const { return baseline_->pathOf(baseline_->entryAt(at_)); }

const FileBaseline::Entry* FileBaseline::entryFor(std::string_view path) const {
  const auto it = std::lower_bound(order_.begin(), order_.end(), path, [this](std::uint32_t i, std::string_view p) {
    return pathOf(store_->entry(i)) < p;
  });
  if (it == order_.end() || pathOf(store_->entry(*it)) != path) return nullptr;
  return &store_->entry(*it);
}

std::optional<FileRecord> FileBaseline::find(std::string_view path) const {
  const auto* e = entryFor(path);
  if (!e) return std::nullopt;
  return recordOf(*e);
}

FileRecord FileBaseline::at(std::string_view path) const {
  auto found = find(path);
  if (!found) throw std::out_of_range("not in the baseline: " + std::string(path));
  return std::move(*found);
}

std::size_t FileBaseline::memoryBytes() const {
  if (!store_) return 0;
  return store_->chunks.size() * kEntriesPerChunk * sizeof(Entry) + store_->blocks.size() * kPathBlock +
         order_.capacity() * sizeof(std::uint32_t);
}

FileBaselineBuilder::FileBaselineBuilder() = default;

FileBaselineBuilder::FileBaselineBuilder(const FileBaseline& previous) : previous_(&previous) {
  // The same blocks at the same indexes: a shared path keeps its location.
  if (previous.store_) made_.store_->blocks = previous.store_->blocks;
}
FileBaselineBuilder::FileBaselineBuilder(FileBaselineBuilder&&) noexcept = default;
FileBaselineBuilder::~FileBaselineBuilder() = default;

bool FileBaselineBuilder::add(const FileRecord& r) {
  std::array<unsigned char, 32> digest{};
  if (!r.sha256.empty()) {
    if (!util::isSha256Hex(r.sha256)) return false;
    for (std::size_t i = 0; i < 32; ++i)
      digest[i] = static_cast<unsigned char>(util::hexDigitValue(r.sha256[2 * i]) << 4 |
                                             util::hexDigitValue(r.sha256[2 * i + 1]));
  }
  if (r.path.empty() || r.path.size() >= kHasDigest) return false;
  auto& store = *made_.store_;
  auto& e = store.append();
  e.digest = digest;
  copyStamp(r, e);
  if (const auto* known = previous_ ? previous_->entryFor(r.path) : nullptr) {
    e.pathBlock = known->pathBlock;
    e.pathOffset = known->pathOffset;
    e.pathLength = known->pathLength & ~kHasDigest;
  } else {
    store.keepPath(e, r.path);
  }
  if (!r.sha256.empty()) e.pathLength |= kHasDigest;
  return true;
}

bool FileBaselineBuilder::addUnchanged(const FileRecord& r) {
  const auto* known = previous_ ? previous_->entryFor(r.path) : nullptr;
  if (!known || !(known->pathLength & kHasDigest) || !stampsMatch(*known, r)) return false;
  auto& e = made_.store_->append();
  e.digest = known->digest;
  copyStamp(r, e);
  e.pathBlock = known->pathBlock;
  e.pathOffset = known->pathOffset;
  e.pathLength = known->pathLength;  // with its digest flag
  return true;
}

void FileBaselineBuilder::addAll(const FileBaseline& baseline) {
  for (const auto& r : baseline) add(r);
}

std::size_t FileBaselineBuilder::size() const { return made_.store_->entries; }

FileBaseline FileBaselineBuilder::build() && {
  auto& b = made_;
  const auto& store = *b.store_;
  b.order_.resize(store.entries);
  for (std::size_t i = 0; i < store.entries; ++i) b.order_[i] = static_cast<std::uint32_t>(i);
  // Stable: of the records for one path, the last added ends its run.
  std::stable_sort(b.order_.begin(), b.order_.end(), [&](std::uint32_t x, std::uint32_t y) {
    return b.pathOf(store.entry(x)) < b.pathOf(store.entry(y));
  });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < b.order_.size(); ++i) {
    const bool lastOfRun = i + 1 == b.order_.size() ||
                           b.pathOf(store.entry(b.order_[i])) != b.pathOf(store.entry(b.order_[i + 1]));
    if (lastOfRun) b.order_[kept++] = b.order_[i];
  }
  b.order_.resize(kept);
  b.order_.shrink_to_fit();
  return std::move(b);
}

const char* deltaKindName(FileDelta::Kind kind) {
  switch (kind) {
    case FileDelta::Kind::Added: return "added";
    case FileDelta::Kind::Modified: return "modified";
    case FileDelta::Kind::Deleted: return "deleted";
    case FileDelta::Kind::Permissions: return "permissions";
  }
  return "?";
}

std::vector<FileDelta> diffBaselines(const FileBaseline& before, const FileBaseline& after) {
  std::vector<FileDelta> out;
  auto b = before.begin();
  auto a = after.begin();
  // A merge of two sorted lists: one pass, path order.
  while (b != before.end() || a != after.end()) {
    if (a == after.end() || (b != before.end() && b.path() < a.path())) {
      out.push_back({FileDelta::Kind::Deleted, *b, {}});
      ++b;
    } else if (b == before.end() || a.path() < b.path()) {
      out.push_back({FileDelta::Kind::Added, {}, *a});
      ++a;
    } else {
      auto x = *b;
      auto y = *a;
      if (x.sha256 != y.sha256) out.push_back({FileDelta::Kind::Modified, std::move(x), std::move(y)});
      else if (x.mode != y.mode || x.uid != y.uid || x.gid != y.gid)
        out.push_back({FileDelta::Kind::Permissions, std::move(x), std::move(y)});
      ++a;
      ++b;
    }
  }
  return out;
}

std::string formatBaseline(const FileBaseline& baseline) {
  std::string out;
  auto at = baseline.begin();
  formatBaselinePiece(baseline, at, out, std::string::npos);
  return out;
}

bool formatBaselinePiece(const FileBaseline& baseline, FileBaseline::const_iterator& at, std::string& piece,
                         std::size_t size) {
  if (at == baseline.begin()) {
    piece += kHeader;
    piece += '\n';
  }
  for (; at != baseline.end() && piece.size() < size; ++at) {
    const auto r = *at;
    piece += r.sha256 + '\t' + std::to_string(r.size) + '\t' + std::to_string(r.mtimeNs) + '\t' +
             std::to_string(r.ctimeNs) + '\t' + std::to_string(r.inode) + '\t' + std::to_string(r.mode) + '\t' +
             std::to_string(r.uid) + '\t' + std::to_string(r.gid) + '\t' + escapePath(r.path) + '\n';
  }
  return at != baseline.end();
}

struct BaselineParser::State {
  FileBaselineBuilder builder;
  FileRecord record;  // reused: one line's fields
  StateLineReader lines;

  State()
      : lines(kHeader, "not a Portcullis file baseline (or another version)",
              [this](std::string_view line) { return take(line); }) {}

  Status take(std::string_view line) {
    std::string_view fields[9];
    if (!splitTabs(line, fields, 9)) return fail("expected 9 tab-separated fields");
    auto& r = record;
    if (!util::isSha256Hex(fields[0])) return fail("not a SHA-256 in hex");
    r.sha256.assign(fields[0]);
    if (!parseNumber(fields[1], r.size) || !parseNumber(fields[2], r.mtimeNs) || !parseNumber(fields[3], r.ctimeNs) ||
        !parseNumber(fields[4], r.inode) || !parseNumber(fields[5], r.mode) || !parseNumber(fields[6], r.uid) ||
        !parseNumber(fields[7], r.gid))
      return fail("a number field does not parse");
    if (!unescapePath(fields[8], r.path) || r.path.empty() || r.path.front() != '/') return fail("not an absolute path");
    if (!builder.add(r)) return fail("a record that cannot be kept");
    return done();
  }
};

BaselineParser::BaselineParser() : state_(std::make_unique<State>()) {}
BaselineParser::~BaselineParser() = default;

Status BaselineParser::feed(std::string_view piece) { return state_->lines.feed(piece); }

Result<FileBaseline> BaselineParser::finish() && {
  if (auto read = state_->lines.finish(); !read) return fail(read.error());
  return std::move(state_->builder).build();
}

Result<FileBaseline> parseBaseline(std::string_view text) {
  BaselineParser parser;
  if (auto fed = parser.feed(text); !fed) return fail(fed.error());
  return std::move(parser).finish();
}

}  // namespace portcullis::agent::sensors
