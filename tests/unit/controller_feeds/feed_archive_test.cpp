#include <doctest/doctest.h>

#include <sstream>

#include <Poco/DateTime.h>
#include <Poco/Zip/Compress.h>

#include "controller/feeds/feed_archive.h"

using namespace portcullis::feeds;

namespace {

// A zip archive made in memory with the given entries.
std::string zipOf(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::ostringstream out;
  Poco::Zip::Compress zip(out, true);
  for (const auto& [name, content] : entries) {
    std::istringstream in(content);
    zip.addFile(in, Poco::DateTime(), Poco::Path(name), Poco::Zip::ZipCommon::CM_DEFLATE);
  }
  zip.close();
  return out.str();
}

}  // namespace

TEST_CASE("the .json entries of an archive, named after it") {
  const auto bytes = zipOf({{"a/DSA-1-1.json", "{\"id\": \"DSA-1-1\"}"}, {"README", "not a record"},
                            {"b/DLA-2-1.json", "{\"id\": \"DLA-2-1\"}"}});
  auto files = readZipFeed("feed.zip", bytes);
  REQUIRE(files.ok());
  REQUIRE(files->size() == 2);
  CHECK(files->at(0).name == "feed.zip:a/DSA-1-1.json");
  CHECK(files->at(0).content == "{\"id\": \"DSA-1-1\"}");
  CHECK(files->at(1).name == "feed.zip:b/DLA-2-1.json");
}

TEST_CASE("an archive that expands past its limits is refused, not unpacked") {
  const auto bomb = zipOf({{"big.json", std::string(4 << 20, ' ')}});
  CHECK(bomb.size() < 64 * 1024);  // highly compressible
  ArchiveLimits small;
  small.maxEntryBytes = 1 << 20;
  auto refused = readZipFeed("bomb.zip", bomb, small);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find("bomb.zip:big.json") != std::string::npos);

  ArchiveLimits total;
  total.maxTotalBytes = 5 << 20;
  auto many = readZipFeed("many.zip", zipOf({{"1.json", std::string(3 << 20, 'a')}, {"2.json", std::string(3 << 20, 'b')}}),
                          total);
  REQUIRE_FALSE(many.ok());
  CHECK(many.error().find("unpacks to more than 5 MiB") != std::string::npos);
}

TEST_CASE("bytes that are not an archive") {
  auto bad = readZipFeed("x.zip", "PK\x03\x04 definitely not a zip");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().find("x.zip: not a readable zip archive") == 0);
  auto empty = readZipFeed("e.zip", "");
  CHECK_FALSE(empty.ok());
}
