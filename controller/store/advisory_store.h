#pragma once
// Security advisories as imported from verified feeds, and the publishers
// whose keys and trust levels verify them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/store/store_error.h"

namespace portcullis::store {

struct Publisher {
  std::string name;
  std::string publicKeyPem;
  int level = 0;  // 1 lowest .. 5 highest
  std::int64_t addedAt = 0;
};

// An advisory as imported: the fields people list, and the record itself.
struct StoredAdvisory {
  std::string id;
  std::string modified;  // RFC 3339 UTC; a newer one replaces an older record
  std::string published;
  std::string summary;
  std::string aliases;  // comma-separated
  std::string severity;
  std::string publisher;  // "" for an --insecure import
  std::int64_t importedAt = 0;
  std::string record;  // the OSV JSON as received
};

struct ImportCounts {
  std::size_t added = 0;
  std::size_t replaced = 0;   // a newer `modified` than the stored one
  std::size_t unchanged = 0;  // the same or an older record
};

class AdvisoryStore {
 public:
  virtual ~AdvisoryStore() = default;
  // Adds or replaces a publisher's key and trust level.
  virtual void trustPublisher(const Publisher& publisher) = 0;
  virtual std::optional<Publisher> publisher(const std::string& name) = 0;
  // All of them or none: one transaction. A newer `modified` replaces a
  // record; the same version again is counted once (unchanged), and is
  // shown as the more trusted publisher's when it comes from one (several
  // information providers merged).
  virtual ImportCounts importAdvisories(const std::vector<StoredAdvisory>& advisories) = 0;
  // Without the record itself, ordered by id.
  virtual std::vector<StoredAdvisory> advisories() = 0;
  // A page of them, ordered by id, whose id, aliases or summary hold search
  // (plain text; "" all), and how many match in all.
  struct AdvisoryPage {
    std::vector<StoredAdvisory> advisories;
    std::size_t total = 0;
  };
  virtual AdvisoryPage advisoryPage(const std::string& search, std::size_t offset, std::size_t limit) = 0;
  // The OSV records themselves, ordered by id (for diagnosis); with since,
  // only those imported (or replaced) at or after that time.
  virtual std::vector<std::string> advisoryRecords(std::int64_t since = 0) = 0;
  // Changes whenever an import adds or replaces a record: "count/newest".
  virtual std::string advisoriesVersion() = 0;
};

}  // namespace portcullis::store
