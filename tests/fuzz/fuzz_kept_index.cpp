// Outside input: the index of kept file copies on the agent's disk. Its
// digests name the copies a restore reads, so an accepted index must hold
// only lower-case SHA-256 digests (never a path) for absolute paths, and be
// written back as text that reads as the same index.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/sensors/file_keeper.h"
#include "common/util/text.h"
#include "agent/sensors/state_text.h"

using namespace portcullis::agent::sensors;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

bool same(const KeptVersion& a, const KeptVersion& b) {
  return a.sha256 == b.sha256 && a.mode == b.mode && a.uid == b.uid && a.gid == b.gid && a.keptAtUnix == b.keptAtUnix;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto index = parseKeptIndex(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!index) {
    require(!index.error().empty());
    return 0;
  }
  for (const auto& [path, versions] : *index) {
    require(!path.empty() && path.front() == '/' && !versions.empty());
    for (const auto& v : versions) require(portcullis::util::isSha256Hex(v.sha256));
  }
  const auto text = formatKeptIndex(*index);
  const auto again = parseKeptIndex(text);
  require(again && again->size() == index->size());
  for (auto a = index->begin(), b = again->begin(); a != index->end(); ++a, ++b) {
    require(a->first == b->first && a->second.size() == b->second.size());
    for (std::size_t i = 0; i < a->second.size(); ++i) require(same(a->second[i], b->second[i]));
  }
  // Keeping a version the index already ends with changes nothing.
  auto copy = *index;
  for (const auto& [path, versions] : *index) require(!addKeptVersion(copy, path, versions.back(), 0));
  return 0;
}
