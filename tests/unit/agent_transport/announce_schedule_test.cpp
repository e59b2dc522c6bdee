#include <doctest/doctest.h>

#include "agent/transport/announcer.h"

using namespace portcullis::agent;
using std::chrono::milliseconds;

namespace {
LinkState link(const std::string& name, bool hasIpv4, bool up = true, const std::string& mac = "00:16:3e:00:00:01") {
  return LinkState{name, mac, up, hasIpv4};
}
std::vector<std::string> names(const std::vector<const LinkState*>& due) {
  std::vector<std::string> out;
  for (const auto* l : due) out.push_back(l->name);
  return out;
}
}  // namespace

TEST_CASE("a link without an address is announced at once, then with doubling gaps up to the maximum") {
  AnnounceSchedule s(milliseconds(1000), milliseconds(4000));
  std::vector<LinkState> links{link("eth0", false)};
  CHECK(names(s.due(links, 0)) == std::vector<std::string>{"eth0"});
  CHECK(s.due(links, 999).empty());
  CHECK(s.wait(999) == 1);
  CHECK(s.due(links, 1000).size() == 1);   // +1 s
  CHECK(s.due(links, 2999).empty());
  CHECK(s.due(links, 3000).size() == 1);   // +2 s
  CHECK(s.due(links, 7000).size() == 1);   // +4 s
  CHECK(s.due(links, 10999).empty());
  CHECK(s.due(links, 11000).size() == 1);  // capped at 4 s
}

TEST_CASE("an address ends the announcing; losing it starts over") {
  AnnounceSchedule s(milliseconds(1000), milliseconds(30000));
  std::vector<LinkState> noAddress{link("eth0", false)};
  std::vector<LinkState> addressed{link("eth0", true)};
  s.due(noAddress, 0);
  s.due(noAddress, 1000);
  CHECK(s.due(addressed, 3000).empty());
  CHECK(s.wait(3000) == 30000);
  CHECK(s.due(noAddress, 5000).size() == 1);  // at once again
}

TEST_CASE("links that are down, have no MAC, or are not listed are not announced on") {
  AnnounceSchedule s(milliseconds(1000), milliseconds(30000), {"eth1"});
  std::vector<LinkState> links{link("eth0", false), link("eth1", false), link("eth2", false, false),
                               link("tun0", false, true, "")};
  CHECK(names(s.due(links, 0)) == std::vector<std::string>{"eth1"});
  AnnounceSchedule all(milliseconds(1000), milliseconds(30000));
  CHECK(names(all.due(links, 0)) == std::vector<std::string>{"eth0", "eth1"});
}
