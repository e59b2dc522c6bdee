#pragma once
// A zip archive of OSV records, read in memory by our own small reader:
// nothing is unpacked to disk, so entry names cannot escape anywhere; every
// header field is checked against the bytes received; sizes are capped so a
// small archive cannot expand into all of memory.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.h"
#include "controller/feeds/feed_scan.h"

namespace portcullis::feeds {

struct ArchiveLimits {
  std::size_t maxEntryBytes = 64u << 20;   // one record file
  std::size_t maxTotalBytes = 512u << 20;  // everything unpacked
};

// Every ".json" entry, named "archive.zip:entry". A Failure when the bytes are
// not a zip archive or a limit is passed.
Result<std::vector<FeedFile>> readZipFeed(const std::string& archiveName, const std::string& bytes,
                                          ArchiveLimits limits = {});

}  // namespace portcullis::feeds
