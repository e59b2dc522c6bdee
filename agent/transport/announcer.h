#pragma once
// Announces this machine on every link that is up but has no IPv4 address
// yet, so the DHCP gate can admit it before it has one. It watches the links
// (netlink address and link events; a poll as fallback), broadcasts an
// announce from 0.0.0.0 to 255.255.255.255 on each such link, and repeats
// with backoff (1 s doubling to max) until the link has an address.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/wire/announce.h"

namespace portcullis::agent {

struct LinkState {
  std::string name;
  std::string mac;  // aa:bb:cc:dd:ee:ff; empty for links without one
  bool up = false;
  bool hasIpv4 = false;
};

// The links as the kernel sees them now (getifaddrs), loopback left out.
std::vector<LinkState> readLinks();

// Which links need an announce now, and when each is due next. Pure.
class AnnounceSchedule {
 public:
  AnnounceSchedule(std::chrono::milliseconds first, std::chrono::milliseconds max,
                   std::vector<std::string> only = {});
  // Names of the links to announce on at `now` (ms on a monotonic clock).
  std::vector<const LinkState*> due(const std::vector<LinkState>& links, std::int64_t now);
  // Milliseconds until the next announce is due; max when none is.
  std::int64_t wait(std::int64_t now) const;

 private:
  struct Next {
    std::int64_t at = 0;
    std::int64_t interval = 0;
  };
  std::int64_t first_, max_;
  std::vector<std::string> only_;
  std::map<std::string, Next> pending_;
};

struct AnnouncerOptions {
  std::uint16_t port = wire::kAnnouncePort;
  std::chrono::milliseconds first{1000};
  std::chrono::milliseconds max{30000};
  std::vector<std::string> interfaces;  // empty: every link with a MAC
};

class Announcer {
 public:
  // announce(mac) builds the signed announce for the link with that MAC.
  Announcer(AnnouncerOptions options, std::function<wire::pb::Announce(const std::string& mac)> announce);
  // Runs until stop is set; wakes at least every `max` to look again.
  void runUntil(const std::atomic<bool>& stop);
  // Announces at once on every wanted link that is up, address or not (before
  // a lease renewal the controller asked for). Returns the links announced on.
  std::vector<std::string> announceNow();

 private:
  bool send(const LinkState& link);

  AnnouncerOptions options_;
  std::function<wire::pb::Announce(const std::string&)> announce_;
};

}  // namespace portcullis::agent
