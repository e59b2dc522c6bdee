// Opening the SQLite store: pragmas, schema migrations, refusals.
#include <doctest/doctest.h>

#include <fstream>
#include <thread>

#include "controller/store/schema_migrations.h"
#include "controller/store/store.h"
#include "tests/unit/controller_store/store_test_support.h"

namespace portcullis::store {
namespace {

using testing::TempDir;

std::string errorOf(const std::filesystem::path& file) {
  try {
    Store::openSqlite(file);
  } catch (const StoreError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("a new store is created at the newest schema version, in WAL mode") {
  TempDir dir;
  const auto file = dir.file("controller.db");
  {
    auto store = Store::openSqlite(file);
    CHECK(store->schemaVersion() == newestSchemaVersion());
  }
  CHECK(std::filesystem::exists(file));
  // journal_mode=WAL is a property of the file; user_version is the schema version.
  CHECK(testing::queryText(file, "PRAGMA journal_mode") == "wal");
  CHECK(testing::queryInt(file, "PRAGMA user_version") == newestSchemaVersion());
  for (const char* table : {"agents", "enroll_tokens", "machines", "packages", "interfaces", "commands", "transitions"})
    CHECK_MESSAGE(testing::queryInt(file, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                                    table) == 1,
                  table);
  for (const char* index : {"packages_source", "commands_machine_state"})
    CHECK_MESSAGE(testing::queryInt(file, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?",
                                    index) == 1,
                  index);
}

TEST_CASE("migrations are numbered from 1 upwards without gaps") {
  int expected = 1;
  for (const auto& m : schemaMigrations()) {
    CHECK(m.version == expected++);
    CHECK_FALSE(m.statements.empty());
  }
  CHECK(newestSchemaVersion() == expected - 1);
}

TEST_CASE("opening an up-to-date store again changes nothing") {
  TempDir dir;
  const auto file = dir.file("controller.db");
  Store::openSqlite(file)->addAgent(AgentRecord{"a1", "host1", "01", "ff", 100, 0});
  const auto objects = testing::queryInt(file, "SELECT count(*) FROM sqlite_master");
  for (int i = 0; i < 3; ++i) {
    auto store = Store::openSqlite(file);
    CHECK(store->schemaVersion() == newestSchemaVersion());
    CHECK(store->agents().size() == 1);
  }
  CHECK(testing::queryInt(file, "SELECT count(*) FROM sqlite_master") == objects);
}

TEST_CASE("two stores opening the same new file at once both succeed") {
  TempDir dir;
  const auto file = dir.file("controller.db");
  std::unique_ptr<Store> a, b;
  std::string errorA, errorB;
  std::thread ta([&] {
    try {
      a = Store::openSqlite(file);
    } catch (const StoreError& e) {
      errorA = e.what();
    }
  });
  std::thread tb([&] {
    try {
      b = Store::openSqlite(file);
    } catch (const StoreError& e) {
      errorB = e.what();
    }
  });
  ta.join();
  tb.join();
  CHECK(errorA == "");
  CHECK(errorB == "");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->schemaVersion() == newestSchemaVersion());
  CHECK(b->schemaVersion() == newestSchemaVersion());
}

TEST_CASE("a store newer than this program is refused and left untouched") {
  TempDir dir;
  const auto file = dir.file("controller.db");
  Store::openSqlite(file);
  const int newer = newestSchemaVersion() + 1;
  testing::execute(file, "PRAGMA user_version = " + std::to_string(newer));

  const std::string error = errorOf(file);
  CHECK(error.find(file.string()) != std::string::npos);
  CHECK(error.find("schema version " + std::to_string(newer)) != std::string::npos);
  CHECK(error.find("newer") != std::string::npos);
  CHECK(testing::queryInt(file, "PRAGMA user_version") == newer);
}

TEST_CASE("a file that is not a database is refused, naming the file") {
  TempDir dir;
  const auto file = dir.file("garbage.db");
  {
    std::ofstream out(file, std::ios::binary);
    for (int i = 0; i < 200; ++i) out << "this is not an SQLite database, just text. ";
  }
  const auto sizeBefore = std::filesystem::file_size(file);
  const std::string error = errorOf(file);
  CHECK(error.find("store " + file.string()) == 0);
  CHECK(error.find("not a database") != std::string::npos);
  CHECK(std::filesystem::file_size(file) == sizeBefore);
}

TEST_CASE("a store in a missing directory is refused, naming the file") {
  TempDir dir;
  const auto file = dir.file("no/such/dir/controller.db");
  const std::string error = errorOf(file);
  CHECK(error.find("store " + file.string()) == 0);
  CHECK_FALSE(std::filesystem::exists(file));
}

}  // namespace
}  // namespace portcullis::store
