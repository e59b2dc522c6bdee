#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "agent/transport/report_spool.h"

using portcullis::agent::ReportSpool;
namespace pb = portcullis::v1;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("spool-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

pb::Report hashes(const std::string& path) {
  pb::Report r;
  r.set_digest("d-" + path);
  r.mutable_file_hashes()->add_files()->set_path(path);
  return r;
}

pb::Report machine(const std::string& host) {
  pb::Report r;
  r.set_digest("m-" + host);
  r.mutable_machine_info()->set_hostname(host);
  return r;
}

}  // namespace

TEST_CASE("reports survive a restart, in order, with increasing ids") {
  TempDir dir;
  std::uint64_t first = 0;
  {
    ReportSpool spool(dir.path, 10, 1 << 20);
    first = spool.put(hashes("/a"));
    spool.put(hashes("/b"));
  }
  ReportSpool reopened(dir.path, 10, 1 << 20);
  auto pending = reopened.pending();
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].report_id() == first);
  CHECK(pending[0].file_hashes().files(0).path() == "/a");
  CHECK(pending[1].file_hashes().files(0).path() == "/b");
  // Ids keep increasing across the restart.
  CHECK(reopened.put(hashes("/c")) > pending[1].report_id());
}

TEST_CASE("removing an acknowledged report") {
  TempDir dir;
  ReportSpool spool(dir.path, 10, 1 << 20);
  const auto id = spool.put(hashes("/a"));
  spool.put(hashes("/b"));
  spool.remove(id);
  auto pending = spool.pending();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].file_hashes().files(0).path() == "/b");
}

TEST_CASE("past the count limit the oldest are dropped") {
  TempDir dir;
  ReportSpool spool(dir.path, 3, 1 << 20);
  for (int i = 0; i < 5; ++i) spool.put(hashes("/f" + std::to_string(i)));
  auto pending = spool.pending();
  REQUIRE(pending.size() == 3);
  CHECK(pending[0].file_hashes().files(0).path() == "/f2");
  CHECK(spool.droppedCount() == 2);
}

TEST_CASE("past the byte limit the oldest are dropped, the newest kept") {
  TempDir dir;
  ReportSpool spool(dir.path, 100, 1000);
  for (int i = 0; i < 10; ++i) spool.put(hashes(std::string(300, 'x') + std::to_string(i)));
  auto pending = spool.pending();
  CHECK(pending.size() <= 3);
  REQUIRE_FALSE(pending.empty());
  CHECK(pending.back().file_hashes().files(0).path().back() == '9');
}

TEST_CASE("newer machine information replaces older, other reports stay") {
  TempDir dir;
  ReportSpool spool(dir.path, 10, 1 << 20);
  spool.put(machine("old"));
  spool.put(hashes("/a"));
  spool.put(machine("new"));
  auto pending = spool.pending();
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].has_file_hashes());
  CHECK(pending[1].machine_info().hostname() == "new");
}

TEST_CASE("a corrupt spool file is moved aside, not fatal") {
  TempDir dir;
  ReportSpool spool(dir.path, 10, 1 << 20);
  spool.put(hashes("/a"));
  std::ofstream(dir.path / "00000000000000000099.report") << "\xff\xff\xff garbage";
  auto pending = spool.pending();
  CHECK(pending.size() == 1);
  CHECK(fs::exists(dir.path / "00000000000000000099.report.corrupt"));
}
