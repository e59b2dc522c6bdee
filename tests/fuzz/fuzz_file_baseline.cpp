// Outside input: the file baseline the agent keeps on disk (a full disk, a
// crash or a hand edit can leave anything there). An accepted baseline holds
// absolute paths and lower-case SHA-256 digests, is written back as text that
// reads as the same baseline, and compares with itself as unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/sensors/file_baseline.h"
#include "common/util/text.h"
#include "agent/sensors/state_text.h"

using namespace portcullis::agent::sensors;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

bool same(const FileRecord& a, const FileRecord& b) {
  return a.path == b.path && a.sha256 == b.sha256 && a.size == b.size && a.mtimeNs == b.mtimeNs &&
         a.ctimeNs == b.ctimeNs && a.inode == b.inode && a.mode == b.mode && a.uid == b.uid && a.gid == b.gid;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto baseline = parseBaseline(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!baseline) {
    require(!baseline.error().empty());
    return 0;
  }
  for (auto it = baseline->begin(); it != baseline->end(); ++it) {
    const auto r = *it;
    require(it.path() == r.path && !r.path.empty() && r.path.front() == '/');
    require(portcullis::util::isSha256Hex(r.sha256));
  }
  const auto text = formatBaseline(*baseline);
  const auto again = parseBaseline(text);
  require(again && again->size() == baseline->size());
  for (auto a = baseline->begin(), b = again->begin(); a != baseline->end(); ++a, ++b) require(same(*a, *b));
  require(formatBaseline(*again) == text);
  require(diffBaselines(*baseline, *again).empty());
  return 0;
}
