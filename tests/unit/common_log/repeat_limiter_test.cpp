#include <doctest/doctest.h>

#include "common/log/repeat_limiter.h"

using portcullis::log::messageId;
using portcullis::log::RepeatLimiter;

TEST_CASE("the message id is the first word") {
  CHECK(messageId("DHCP_REFUSED mac=aa reason=x") == "DHCP_REFUSED");
  CHECK(messageId("ALONE") == "ALONE");
  CHECK(messageId("") == "");
}

TEST_CASE("a flood of one id writes a burst, then one summary with the count") {
  RepeatLimiter limiter(3, 1000, 100);
  int written = 0;
  for (int i = 0; i < 30000; ++i) written += limiter.admit("dhcp QUARANTINE_CAP_REACHED", i / 100).write;
  CHECK(written == 3);
  // The next second's first line carries the summary of the first.
  auto next = limiter.admit("dhcp QUARANTINE_CAP_REACHED", 1000);
  CHECK(next.write);
  REQUIRE(next.report.size() == 1);
  CHECK(next.report[0].key == "dhcp QUARANTINE_CAP_REACHED");
  CHECK(next.report[0].count == 30000 - 3);
}

TEST_CASE("ids and loggers are limited apart, and a quiet id is never limited") {
  RepeatLimiter limiter(2, 1000, 100);
  for (int i = 0; i < 100; ++i) (void)limiter.admit("server HELLO", 0);
  CHECK(limiter.admit("server AGENT_ENROLLED", 1).write);
  CHECK(limiter.admit("dhcp HELLO", 1).write);
  for (int s = 0; s < 10; ++s) CHECK(limiter.admit("server RARE", s * 1000).write);
}

TEST_CASE("a summary owed is given by expired() without a new line of that id") {
  RepeatLimiter limiter(1, 1000, 100);
  (void)limiter.admit("a X", 0);
  CHECK_FALSE(limiter.admit("a X", 10).write);
  CHECK(limiter.expired(500).empty());
  auto due = limiter.expired(1500);
  REQUIRE(due.size() == 1);
  CHECK(due[0].count == 1);
  CHECK(limiter.expired(5000).empty());  // reported once
}

TEST_CASE("the key table is bounded and nothing counted is lost when it starts over") {
  RepeatLimiter limiter(1, 1000, 4);
  (void)limiter.admit("k0", 0);
  CHECK_FALSE(limiter.admit("k0", 1).write);
  std::uint64_t reported = 0;
  for (int i = 1; i < 10; ++i)
    for (const auto& s : limiter.admit("k" + std::to_string(i), 2).report) reported += s.count;
  CHECK(reported == 1);
}
