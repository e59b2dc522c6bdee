#include <doctest/doctest.h>

#include "agent/transport/backoff.h"

using portcullis::agent::Backoff;

TEST_CASE("delays double up to the ceiling and stay within [ceiling/2, ceiling]") {
  double r = 0.0;
  Backoff b(1000, 8000, [&] { return r; });
  CHECK(b.nextDelayMs() == 500);   // ceiling 1000, lowest point
  CHECK(b.nextDelayMs() == 1000);  // ceiling 2000
  r = 0.999999;
  CHECK(b.nextDelayMs() >= 3999);  // ceiling 4000, highest point
  CHECK(b.nextDelayMs() <= 8000);
  for (int i = 0; i < 10; ++i) CHECK(b.nextDelayMs() <= 8000);
  CHECK(b.ceilingMs() == 8000);
  b.reset();
  CHECK(b.ceilingMs() == 1000);
}
