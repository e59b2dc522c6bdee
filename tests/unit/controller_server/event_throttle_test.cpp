// A flood's log lines: one a second at most, each saying how many it stands for.
#include <doctest/doctest.h>

#include "controller/server/event_throttle.h"

using namespace portcullis::server;

TEST_CASE("a flood of events makes one line a second, and nothing is lost from the count") {
  EventThrottle t(1000);
  CHECK(t.note(0) == 1);  // the first is told at once
  std::uint64_t told = 1, lines = 1;
  // 100,000 events over 3.5 seconds.
  for (int i = 1; i < 100000; ++i) {
    if (const auto n = t.note(i * 35 / 1000)) {
      told += n;
      ++lines;
    }
  }
  CHECK(lines == 4);  // at 0, 1000, 2000 and 3000 ms
  CHECK(told + t.held() == 100000);
  // Once the flood stops, the rest is told when its interval is over, once.
  CHECK(t.flush(3400) == 0);
  const auto rest = t.held();
  CHECK(rest > 0);
  CHECK(t.flush(4000) == rest);
  CHECK(t.flush(6000) == 0);
  // A lone event after a quiet spell is told at once.
  CHECK(t.note(10000) == 1);
}
