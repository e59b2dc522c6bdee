// Failed enrollments per source address: a bucket each, refilled over a
// minute, and a bounded number of addresses remembered.
#include <doctest/doctest.h>

#include "controller/server/failed_enrollments.h"

using namespace portcullis::server;

TEST_CASE("an address is heard again only once its failures have drained") {
  FailedEnrollments f(10, 100);
  const std::string a = "192.0.2.7", b = "192.0.2.8";
  for (int i = 0; i < 10; ++i) {
    CHECK(f.allowed(a, 0));
    f.failed(a, 0);
  }
  CHECK_FALSE(f.allowed(a, 0));
  CHECK(f.allowed(b, 0));  // another address is not held back
  // One failure drains in 6 s (10 a minute).
  CHECK_FALSE(f.allowed(a, 5000));
  CHECK(f.allowed(a, 6000));
  f.failed(a, 6000);
  CHECK_FALSE(f.allowed(a, 6000));
  CHECK(f.allowed(a, 60000));
}

TEST_CASE("200,000 addresses leave at most the bound remembered, the most recent offenders kept") {
  FailedEnrollments f(3, 1000);
  for (int i = 0; i < 200000; ++i) {
    const std::string ip = "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
                           std::to_string(i & 255);
    f.failed(ip, i);
  }
  CHECK(f.sources() <= 1000);
  // The latest offender is still counted: three failures empty its bucket.
  const std::string last = "10.3.13.63";  // 199999
  f.failed(last, 200000);
  f.failed(last, 200000);
  CHECK_FALSE(f.allowed(last, 200000));
  // One long forgotten is heard again.
  CHECK(f.allowed("10.0.0.0", 200000));
}

TEST_CASE("the source of a remote: IPv4 address, IPv6 /64, mapped IPv4 as IPv4") {
  CHECK(enrollmentSource("192.0.2.7:4242") == "192.0.2.7");
  CHECK(enrollmentSource("[2001:db8:1:2:3:4:5:6]:4242") == "2001:db8:1:2::/64");
  CHECK(enrollmentSource("[2001:db8:1:2::99]:1") == "2001:db8:1:2::/64");
  CHECK(enrollmentSource("[::ffff:192.0.2.7]:4242") == "192.0.2.7");
  CHECK(enrollmentSource("[::1]:4242") == "0:0:0:0::/64");
}
