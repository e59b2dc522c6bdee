#include <doctest/doctest.h>

#include "controller/web/password_hash.h"

using namespace portcullis::web;

namespace {
// Cheap parameters for the tests; the default's cost is its own case.
constexpr ScryptCost kCheap{10, 8, 1};
}  // namespace

TEST_CASE("a password hashed is verified, a wrong one is not, and two hashes of it differ (salted)") {
  const auto a = hashPassword("correct horse battery", kCheap);
  const auto b = hashPassword("correct horse battery", kCheap);
  CHECK(a.rfind("scrypt$10$8$1$", 0) == 0);
  CHECK(a != b);
  CHECK(verifyPassword("correct horse battery", a));
  CHECK(verifyPassword("correct horse battery", b));
  CHECK_FALSE(verifyPassword("correct horse batterY", a));
  CHECK_FALSE(verifyPassword("", a));
  CHECK(a.find("correct") == std::string::npos);
}

TEST_CASE("the default cost is scrypt N=2^15, r=8, p=1") {
  const auto h = hashPassword("a password of some length");
  CHECK(h.rfind("scrypt$15$8$1$", 0) == 0);
  CHECK(verifyPassword("a password of some length", h));
}

TEST_CASE("a stored text that is not our hash verifies nothing, and asks for no absurd memory") {
  const auto good = hashPassword("pw pw pw pw pw", kCheap);
  CHECK_FALSE(verifyPassword("pw pw pw pw pw", ""));
  CHECK_FALSE(verifyPassword("pw pw pw pw pw", "plain"));
  CHECK_FALSE(verifyPassword("pw pw pw pw pw", "bcrypt$10$8$1$00$00"));
  CHECK_FALSE(verifyPassword("pw pw pw pw pw", good.substr(0, good.size() - 2)));  // hash cut short
  CHECK_FALSE(verifyPassword("pw pw pw pw pw", good + "$extra"));
  // N = 2^30 would take 128 GiB: refused before any is asked for.
  auto huge = good;
  huge.replace(7, 2, "30");
  CHECK_FALSE(verifyPassword("pw pw pw pw pw", huge));
  auto notHex = good;
  notHex[notHex.size() - 1] = 'z';
  CHECK_FALSE(verifyPassword("pw pw pw pw pw", notHex));
}
