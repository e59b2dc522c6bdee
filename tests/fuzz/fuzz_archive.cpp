// Outside input: a zip archive of advisory records.
#include <cstddef>
#include <cstdint>
#include <string>

#include "controller/feeds/feed_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  portcullis::feeds::ArchiveLimits limits;
  limits.maxEntryBytes = 1 << 20;
  limits.maxTotalBytes = 4 << 20;
  (void)portcullis::feeds::readZipFeed("fuzz.zip", std::string(reinterpret_cast<const char*>(data), size), limits);
  return 0;
}
