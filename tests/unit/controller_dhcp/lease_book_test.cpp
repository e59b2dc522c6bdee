#include <doctest/doctest.h>

#include "controller/dhcp/lease_book.h"
#include "tests/unit/controller_dhcp/dhcp_test_support.h"

using namespace portcullis::dhcp;
using namespace portcullis::dhcp::testing;

namespace {
Lease lease(const char* address, const std::string& mac, LeaseState state, std::int64_t expires,
            PoolKind pool = PoolKind::Production) {
  Lease l;
  l.address = ip(address);
  l.mac = mac;
  l.subnet = "dhcp";
  l.pool = pool;
  l.state = state;
  l.expires = expires;
  return l;
}
}  // namespace

TEST_CASE("a client keeps its address; others get the lowest free one") {
  const auto s = lab();
  LeaseBook book;
  CHECK(book.choose(s, PoolKind::Production, "a", 0, 100) == ip("10.77.0.100"));
  book.put(lease("10.77.0.100", "a", LeaseState::Bound, 1000));
  CHECK(book.choose(s, PoolKind::Production, "a", 0, 100) == ip("10.77.0.100"));
  CHECK(book.choose(s, PoolKind::Production, "b", 0, 100) == ip("10.77.0.101"));
  // Asking for a taken address does not take it.
  CHECK(book.choose(s, PoolKind::Production, "b", ip("10.77.0.100"), 100) == ip("10.77.0.101"));
  CHECK(book.choose(s, PoolKind::Production, "b", ip("10.77.0.105"), 100) == ip("10.77.0.105"));
  // Outside the pool is not honoured.
  CHECK(book.choose(s, PoolKind::Production, "b", ip("10.77.0.200"), 100) == ip("10.77.0.101"));
  CHECK(book.choose(s, PoolKind::Quarantine, "b", 0, 100) == ip("10.77.0.200"));
}

TEST_CASE("no address is ever held by two clients, and a full pool says so") {
  const auto s = lab();
  LeaseBook book;
  const char* addresses[] = {"10.77.0.200", "10.77.0.201", "10.77.0.202", "10.77.0.203"};
  for (int i = 0; i < 4; ++i)
    book.put(lease(addresses[i], "m" + std::to_string(i), LeaseState::Offered, 130, PoolKind::Quarantine));
  CHECK_FALSE(book.choose(s, PoolKind::Quarantine, "new", 0, 100));
  // Offers time out; then the longest-free address is reused.
  CHECK(book.choose(s, PoolKind::Quarantine, "new", 0, 131) == ip("10.77.0.200"));
  CHECK_FALSE(book.freeFor(s, PoolKind::Quarantine, ip("10.77.0.201"), "new", 100));
  CHECK(book.freeFor(s, PoolKind::Quarantine, ip("10.77.0.201"), "m1", 100));
}

TEST_CASE("a declined address is kept out even from the client that declined it") {
  const auto s = lab();
  LeaseBook book;
  book.put(lease("10.77.0.100", "a", LeaseState::Declined, 700));
  CHECK(book.choose(s, PoolKind::Production, "a", 0, 100) == ip("10.77.0.101"));
  CHECK(book.choose(s, PoolKind::Production, "a", 0, 701) == ip("10.77.0.101"));  // never used beats reused
  CHECK(book.freeFor(s, PoolKind::Production, ip("10.77.0.100"), "b", 701));
}

TEST_CASE("the server's own, router, network and broadcast addresses are never leased") {
  auto s = lab();
  s.productionPool = *parseIpv4Range("10.77.0.0-10.77.0.2");
  s.routers = {ip("10.77.0.2")};
  LeaseBook book;
  CHECK_FALSE(book.choose(s, PoolKind::Production, "a", 0, 0));  // .0 network, .1 server, .2 router
}

TEST_CASE("moving an address to another client drops it from the old client's list") {
  const auto s = lab();
  LeaseBook book;
  book.put(lease("10.77.0.100", "a", LeaseState::Released, 50));
  book.put(lease("10.77.0.100", "b", LeaseState::Bound, 500));
  CHECK(book.of("dhcp", PoolKind::Production, "a") == nullptr);
  CHECK(book.of("dhcp", PoolKind::Production, "b")->address == ip("10.77.0.100"));
  CHECK(book.all().size() == 1);
}

TEST_CASE("active quarantine leases are counted per relay and circuit") {
  LeaseBook book;
  auto a = lease("10.77.0.200", "a", LeaseState::Bound, 500, PoolKind::Quarantine);
  a.relay = ip("10.9.0.1");
  a.agentInfo = "0104706f7431";
  auto b = a;
  b.address = ip("10.77.0.201");
  b.mac = "b";
  auto c = a;
  c.address = ip("10.77.0.202");
  c.mac = "c";
  c.agentInfo = "0104706f7432";
  book.put(a);
  book.put(b);
  book.put(c);
  CHECK(book.activeQuarantine("dhcp", ip("10.9.0.1"), "0104706f7431", 100) == 2);
  CHECK(book.activeQuarantine("dhcp", ip("10.9.0.1"), "0104706f7432", 100) == 1);
  CHECK(book.activeQuarantine("dhcp", ip("10.9.0.1"), "0104706f7431", 600) == 0);
}

TEST_CASE("a MAC is known once an address was bound to it, not for an offer alone") {
  LeaseBook book;
  book.put(lease("10.77.0.100", "a", LeaseState::Offered, 1000));
  CHECK_FALSE(book.knows("a"));
  book.put(lease("10.77.0.100", "a", LeaseState::Bound, 1000));
  CHECK(book.knows("a"));
  book.put(lease("10.77.0.100", "a", LeaseState::Released, 1000));
  CHECK(book.knows("a"));  // it held one
  // Its only address is someone else's now: a stranger again, and not kept.
  book.put(lease("10.77.0.100", "b", LeaseState::Offered, 1000));
  CHECK_FALSE(book.knows("a"));
  CHECK(book.allOf("dhcp", "a").empty());
  CHECK(book.macCount() == 1);
}

TEST_CASE("declined addresses are counted per MAC, per pool and against the relay's quarantine cap") {
  const auto s = lab();
  LeaseBook book;
  book.put(lease("10.77.0.200", "a", LeaseState::Declined, 1000, PoolKind::Quarantine));
  book.put(lease("10.77.0.201", "a", LeaseState::Declined, 50, PoolKind::Quarantine));  // over
  book.put(lease("10.77.0.202", "b", LeaseState::Bound, 1000, PoolKind::Quarantine));
  book.put(lease("10.77.0.100", "a", LeaseState::Declined, 1000));
  CHECK(book.declinedBy("dhcp", "a", 100) == 2);
  CHECK(book.declinedBy("dhcp", "b", 100) == 0);
  CHECK(book.declinedIn("dhcp", s.quarantinePool, 100) == 1);
  CHECK(book.declinedIn("dhcp", s.productionPool, 100) == 1);
  CHECK(book.activeQuarantine("dhcp", 0, "", 100) == 2);
}
