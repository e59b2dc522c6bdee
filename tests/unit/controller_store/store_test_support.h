#pragma once
// Temporary store files and report bodies for the store tests, and a side
// door into the SQLite file to check what the Store interface does not show.
#include <cstdint>
#include <filesystem>
#include <string>

#include "controller/store/store.h"

namespace portcullis::store::testing {

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A machine with `packages` packages (pkg0, pkg1, ...) and two interfaces.
pb::MachineInfo makeInfo(const std::string& hostname, int packages, const std::string& version = "1.0");

ReportWrite fullReport(const std::string& agentId, const pb::MachineInfo& info, std::int64_t at);
ReportWrite digestOnly(const std::string& agentId, const std::string& digest, std::int64_t at);

// Runs one statement with one text parameter through a separate connection and
// returns the first column of the first row as an integer (0 when no rows).
std::int64_t queryInt(const std::filesystem::path& file, const std::string& sql, const std::string& param = "");
std::string queryText(const std::filesystem::path& file, const std::string& sql, const std::string& param = "");
// Runs statements through a separate connection.
void execute(const std::filesystem::path& file, const std::string& sql);

// A fresh store in its own temporary directory.
struct StoreFixture {
  TempDir dir;
  std::filesystem::path file = dir.file("controller.db");
  std::unique_ptr<Store> store = Store::openSqlite(file);
};

}  // namespace portcullis::store::testing
