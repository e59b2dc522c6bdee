#include <doctest/doctest.h>

#include "controller/web/login_throttle.h"

using namespace portcullis::web;

TEST_CASE("three wrong passwords cost nothing, then each doubles the wait, up to the cap") {
  LoginThrottle t(15 * 60'000, 60'000);
  std::int64_t now = 0;
  for (int i = 0; i < 3; ++i) {
    CHECK(t.waitMs("alice", "10.0.0.1", now) == 0);
    t.failed("alice", "10.0.0.1", now);
  }
  CHECK(t.waitMs("alice", "10.0.0.1", now) == 1000);
  CHECK(t.waitMs("alice", "10.0.0.1", now + 400) == 600);
  now += 1000;
  t.failed("alice", "10.0.0.1", now);
  CHECK(t.waitMs("alice", "10.0.0.1", now) == 2000);
  for (int i = 0; i < 20; ++i) t.failed("alice", "10.0.0.1", now);
  CHECK(t.waitMs("alice", "10.0.0.1", now) == 60'000);
}

TEST_CASE("the wait holds per name across addresses, and per address across names") {
  LoginThrottle t;
  for (int i = 0; i < 4; ++i) t.failed("alice", "10.0.0." + std::to_string(i), 0);
  CHECK(t.waitMs("alice", "10.0.0.99", 0) > 0);  // guesses spread over addresses
  CHECK(t.waitMs("bob", "10.0.0.99", 0) == 0);
  LoginThrottle u;
  for (int i = 0; i < 4; ++i) u.failed("user" + std::to_string(i), "192.0.2.7", 0);
  CHECK(u.waitMs("someone", "192.0.2.7", 0) > 0);  // names sprayed from one address
  CHECK(u.waitMs("someone", "192.0.2.8", 0) == 0);
}

TEST_CASE("a right password clears the name's count, not the address's; the window forgets") {
  LoginThrottle t(60'000, 60'000);
  for (int i = 0; i < 3; ++i) t.failed("alice", "10.0.0.1", 0);
  t.attempt("alice", 0);  // counted before the check...
  t.succeeded("alice");   // ...which was right
  CHECK(t.waitMs("alice", "10.0.0.2", 0) == 0);  // the name is clear
  CHECK(t.waitMs("bob", "10.0.0.1", 0) > 0);     // the address's three misses remain
  for (int i = 0; i < 5; ++i) t.failed("bob", "10.0.0.3", 0);
  CHECK(t.waitMs("bob", "10.0.0.3", 60'001) == 0);
}

TEST_CASE("guesses at one name arriving together cannot all pass one wait; operators behind one address can") {
  LoginThrottle t;
  int passed = 0;
  for (int i = 0; i < 10; ++i)  // ten at once, none checked yet
    if (t.waitMs("alice", "10.0.0.1", 0) == 0) {
      t.attempt("alice", 0);
      ++passed;
    }
  CHECK(passed == LoginThrottle::kFreeFailures);
  LoginThrottle office;
  for (int i = 0; i < 10; ++i) {
    const auto name = "op" + std::to_string(i);
    REQUIRE(office.waitMs(name, "192.0.2.1", 0) == 0);
    office.attempt(name, 0);
  }
  for (int i = 0; i < 10; ++i) office.succeeded("op" + std::to_string(i));
  CHECK(office.waitMs("op0", "192.0.2.1", 0) == 0);
}

TEST_CASE("bounded: a flood of names does not grow the table past its size") {
  LoginThrottle t(60'000, 60'000, 100);
  for (int i = 0; i < 10'000; ++i) t.failed("n" + std::to_string(i), "10.0.0.1", i);
  // The newest names are still counted; the table held no more than 100.
  for (int i = 0; i < 3; ++i) t.failed("n9999", "10.0.0.9", 10'000);
  CHECK(t.waitMs("n9999", "10.0.0.200", 10'000) > 0);
}
