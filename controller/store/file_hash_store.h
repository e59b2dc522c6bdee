#pragma once
// Each machine's watched files as its agent last reported them, with their
// changes over time.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/store/store_error.h"
#include "portcullis/v1/portcullis.pb.h"

namespace portcullis::store {

struct StoredFile {
  std::string path;
  std::string sha256;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string package;
  std::int64_t changedAt = 0;  // when the controller last saw it change
  std::string machineId;       // filled by the queries across machines
};

struct FileChange {
  std::string path;
  std::string kind;  // added, modified, deleted, permissions
  std::string sha256Before;
  std::string sha256After;
  std::int64_t at = 0;
};

struct FileListStatus {
  bool complete = false;     // a whole list has arrived at least once
  std::int64_t listedAt = 0; // when the newest complete one did
  std::size_t files = 0;     // files held now
};

struct FileWriteOutcome {
  std::size_t changes = 0;        // a delta: files that differ from what was held
  bool listCompleted = false;     // a full list: its last missing part arrived
  std::size_t partsMissing = 0;   // a full list: parts still to come
  // The write would have left the machine with more than maxFiles files:
  // nothing of it was written. wouldHold says how many.
  bool overLimit = false;
  std::size_t wouldHold = 0;
};

class FileHashStore {
 public:
  virtual ~FileHashStore() = default;
  // A delta is applied at once (its changes recorded); a full list's part is
  // written and, once every part of that list is in, the files it did not
  // name are dropped. One transaction each. With maxFiles, a write that would
  // leave the machine holding more files than that (a list still arriving
  // counts with the one it replaces) is not made: see overLimit.
  virtual FileWriteOutcome writeFileHashes(const std::string& machineId, const v1::FileHashes& hashes,
                                           std::int64_t now, std::size_t maxFiles = 0) = 0;
  virtual FileListStatus fileListStatus(const std::string& machineId) = 0;
  virtual std::optional<StoredFile> file(const std::string& machineId, const std::string& path) = 0;
  // Newest first; limit 0: all.
  virtual std::vector<FileChange> fileChanges(const std::string& machineId, const std::string& path = "",
                                              std::size_t limit = 0) = 0;
};

}  // namespace portcullis::store
