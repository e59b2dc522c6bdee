#pragma once
// What a feed holds, before anything is stored: the records worth keeping and
// a count of each kind left out. Pure: file contents in, a scan out.
#include <string>
#include <vector>

#include "controller/feeds/osv_advisory.h"

namespace portcullis::feeds {

struct FeedFile {
  std::string name;  // for messages
  std::string content;
};

struct ScannedRecord {
  OsvAdvisory advisory;
  std::string json;  // the record as received
};

struct FeedScan {
  std::vector<ScannedRecord> records;
  std::size_t withdrawn = 0;
  std::size_t otherEcosystems = 0;  // nothing for a Debian release in it
  std::size_t nothingAffected = 0;
  std::vector<std::string> unparsable;  // "file: reason"
};

// Each file holds one OSV record or a JSON list of them. Only records with an
// affected package in a "Debian:N" ecosystem are kept.
FeedScan scanFeed(const std::vector<FeedFile>& files);

}  // namespace portcullis::feeds
