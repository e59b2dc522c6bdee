// Advisories from several information providers, merged: a record is
// stored once; the same version from a more trusted publisher is shown as
// theirs; a newer version replaces it whoever publishes it.
#include <doctest/doctest.h>

#include "tests/unit/controller_store/store_test_support.h"

using namespace portcullis::store;
using namespace portcullis::store::testing;

namespace {

StoredAdvisory advisory(const std::string& publisher, const std::string& modified) {
  StoredAdvisory a;
  a.id = "DSA-5532-1";
  a.modified = modified;
  a.summary = "openssl - security update";
  a.publisher = publisher;
  a.importedAt = 100;
  a.record = R"({"id": "DSA-5532-1", "modified": ")" + modified + R"("})";
  return a;
}

std::string shownPublisher(Store& s) {
  const auto all = s.advisories();
  REQUIRE(all.size() == 1);
  return all.front().publisher;
}

}  // namespace

TEST_CASE("the same advisory from several providers: counted once, shown as the most trusted one's") {
  StoreFixture f;
  auto& s = *f.store;
  s.trustPublisher({"provider-3", "key-3", 3, 1});
  s.trustPublisher({"provider-5", "key-5", 5, 1});
  CHECK(s.importAdvisories({advisory("provider-3", "2023-10-24T14:00:00Z")}).added == 1);
  CHECK(shownPublisher(s) == "provider-3");
  // The same version from a more trusted provider.
  const auto again = s.importAdvisories({advisory("provider-5", "2023-10-24T14:00:00Z")});
  CHECK(again.unchanged == 1);
  CHECK(again.added + again.replaced == 0);
  CHECK(shownPublisher(s) == "provider-5");
  // From a less trusted one, or unsigned: it stays the most trusted's.
  s.importAdvisories({advisory("provider-3", "2023-10-24T14:00:00Z")});
  s.importAdvisories({advisory("", "2023-10-24T14:00:00Z")});
  CHECK(shownPublisher(s) == "provider-5");
  CHECK(s.advisories().size() == 1);
  // A newer version replaces it, whoever publishes it.
  CHECK(s.importAdvisories({advisory("provider-3", "2023-11-01T00:00:00Z")}).replaced == 1);
  CHECK(shownPublisher(s) == "provider-3");
  CHECK(s.advisoryRecords().front().find("2023-11-01") != std::string::npos);
}
