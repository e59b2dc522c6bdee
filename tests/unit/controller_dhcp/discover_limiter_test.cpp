#include <doctest/doctest.h>

#include "controller/dhcp/discover_limiter.h"

using portcullis::dhcp::DiscoverLimiter;
using O = DiscoverLimiter::Outcome;

TEST_CASE("one MAC gets its share per minute, then waits") {
  DiscoverLimiter limiter(6, 1000);
  for (int i = 0; i < 6; ++i) CHECK(limiter.admit("a", 0) == O::Allowed);
  CHECK(limiter.admit("a", 0) == O::MacLimited);
  CHECK(limiter.admit("b", 0) == O::Allowed);  // others are not held back
  CHECK(limiter.admit("a", 9999) == O::MacLimited);
  CHECK(limiter.admit("a", 10000) == O::Allowed);  // one token every 10 s
}

TEST_CASE("the global rate holds against many MACs") {
  DiscoverLimiter limiter(100, 5);
  int allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += limiter.admit("m" + std::to_string(i), 0) == O::Allowed;
  CHECK(allowed == 5);
  CHECK(limiter.admit("late", 1000) == O::Allowed);
}

TEST_CASE("memory stays bounded under a flood of new MACs") {
  DiscoverLimiter limiter(60, 1000000, 100);
  for (int i = 0; i < 1000; ++i) limiter.admit("m" + std::to_string(i), i);
  CHECK(limiter.tracked() <= 100);
  // After the buckets refill, old MACs are forgotten and new ones admitted.
  CHECK(limiter.admit("fresh", 10'000'000) == O::Allowed);
  CHECK(limiter.tracked() <= 100);
}
