#include <doctest/doctest.h>

#include <vector>

#include "controller/dhcp/client_limiter.h"

using portcullis::dhcp::ClientLimiter;
using portcullis::dhcp::DhcpLimits;
using O = ClientLimiter::Outcome;
using K = ClientLimiter::Kind;

namespace {

DhcpLimits limits(std::uint32_t perMac, std::uint32_t newPerSecond, std::uint32_t newMacsPerMinute = 65536) {
  DhcpLimits l;
  l.discoversPerMacPerMinute = perMac;
  l.requestsPerMacPerMinute = perMac;
  l.discoversPerSecond = newPerSecond;
  l.newMacsPerMinute = newMacsPerMinute;
  return l;
}

std::string mac(int n) { return "m" + std::to_string(n); }

}  // namespace

TEST_CASE("one MAC gets its share per minute of DISCOVERs and of other messages, then waits") {
  ClientLimiter limiter(limits(6, 1000));
  for (int i = 0; i < 6; ++i) CHECK(limiter.admit("a", K::Discover, false, 0) == O::Allowed);
  CHECK(limiter.admit("a", K::Discover, false, 0) == O::MacLimited);
  for (int i = 0; i < 6; ++i) CHECK(limiter.admit("a", K::Other, false, 0) == O::Allowed);  // its own bucket
  CHECK(limiter.admit("a", K::Other, false, 0) == O::MacLimited);
  CHECK(limiter.admit("b", K::Discover, false, 0) == O::Allowed);  // others are not held back
  CHECK(limiter.admit("a", K::Discover, false, 9999) == O::MacLimited);
  CHECK(limiter.admit("a", K::Discover, false, 10000) == O::Allowed);  // one token every 10 s
}

TEST_CASE("a known MAC is held to its own share too") {
  ClientLimiter limiter(limits(3, 1000));
  for (int i = 0; i < 3; ++i) CHECK(limiter.admit("k", K::Other, true, 0) == O::Allowed);
  CHECK(limiter.admit("k", K::Other, true, 0) == O::MacLimited);
}

TEST_CASE("the rate for MACs it does not know holds against many of them, and not against known ones") {
  ClientLimiter limiter(limits(100, 5));
  int allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += limiter.admit(mac(i), K::Discover, false, 0) == O::Allowed;
  CHECK(allowed == 5);
  CHECK(limiter.admit("stranger", K::Discover, false, 0) == O::NewRateLimited);
  CHECK(limiter.admit("known", K::Discover, true, 0) == O::Allowed);
  CHECK(limiter.admit("late", K::Discover, false, 1000) == O::Allowed);
}

TEST_CASE("once a minute's new MACs are tracked, more wait for the next minute; known MACs never do") {
  ClientLimiter limiter(limits(60, 1'000'000, 100));
  for (int i = 0; i < 100; ++i) CHECK(limiter.admit(mac(i), K::Discover, false, i) == O::Allowed);
  CHECK(limiter.admit("stranger", K::Discover, false, 200) == O::NewMacsLimited);
  for (int i = 0; i < 1000; ++i) CHECK(limiter.admit("known" + std::to_string(i), K::Discover, true, 300) == O::Allowed);
  CHECK(limiter.admit(mac(5), K::Discover, false, 400) == O::Allowed);  // already tracked
  CHECK(limiter.admit("stranger", K::Discover, false, 60'000) == O::Allowed);  // a new minute
}

TEST_CASE("memory stays bounded under a flood of new MACs, with no MAC forgotten before its bucket refilled") {
  ClientLimiter limiter(limits(6, 1'000'000, 100));
  for (int i = 0; i < 100'000; ++i) {
    limiter.admit(mac(i), K::Discover, false, i * 10);  // 100 a second for 1000 s
    REQUIRE(limiter.tracked() <= 200);
  }
  // Nor by a flood that keeps every MAC it used before alive.
  ClientLimiter kept(limits(6, 1'000'000, 100));
  std::vector<std::string> used;
  for (int minute = 0; minute < 10; ++minute) {
    for (const auto& m : used) kept.admit(m, K::Other, false, minute * 60'000);
    for (int i = 0; i < 100; ++i) {
      used.push_back(mac(minute * 100 + i));
      kept.admit(used.back(), K::Discover, false, minute * 60'000 + 1);
    }
    REQUIRE(kept.tracked() <= 200);
  }
  // A MAC that used its share just before a generation turns is still held
  // to it just after.
  ClientLimiter turning(limits(6, 1000));
  turning.admit("first", K::Discover, false, 0);  // the first generation starts
  for (int i = 0; i < 6; ++i) CHECK(turning.admit("a", K::Discover, false, 59'000) == O::Allowed);
  CHECK(turning.admit("a", K::Discover, false, 60'500) == O::MacLimited);
  CHECK(turning.admit("a", K::Discover, false, 69'000) == O::Allowed);
  // Unseen for over two generations: forgotten, and full again anyway.
  CHECK(turning.admit("first", K::Discover, false, 200'000) == O::Allowed);
  CHECK(turning.tracked() == 1);
}
