#include <doctest/doctest.h>

#include <regex>
#include <set>

#include "common/util/digest.h"

using namespace portcullis::util;

TEST_CASE("SHA-256 matches the published test vectors") {
  CHECK(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("hex encoding") { CHECK(hexEncode(std::string("\x00\xff\x10", 3)) == "00ff10"); }

TEST_CASE("tokens and UUIDs are well-formed and do not repeat") {
  std::set<std::string> seen;
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 1000; ++i) {
    const auto u = randomUuid();
    CHECK(std::regex_match(u, uuid));
    CHECK(seen.insert(u).second);
    const auto t = randomToken();
    CHECK(t.size() == 64);
    CHECK(seen.insert(t).second);
  }
}
