#pragma once
// Rate limits on client messages, so a flood (or one client cycling MACs)
// cannot starve the server or the pools: per MAC, a bucket for DISCOVERs and
// one for the other messages (REQUEST, DECLINE, RELEASE, INFORM); and for
// MACs the server does not know, a shared bucket per second and a cap on how
// many new ones it tracks a minute. A known MAC (one that holds or held a
// lease, or that the store knows a machine or an operator's hold for) is only
// held to its own buckets: no flood of strangers locks it out.
//
// Token buckets; pure: the caller passes the time. Memory is bounded without
// a scan per message: MACs are kept in two generations of a minute each (a
// bucket refills in a minute), a MAC seen again moves to the current one, and
// a MAC unseen for a whole generation is forgotten with it. At most
// newMacsPerMinute MACs it does not know join a generation, so it holds at
// most twice that many, plus the known ones.
#include <cstdint>
#include <string>
#include <unordered_map>

#include "controller/dhcp/dhcp_subnet.h"

namespace portcullis::dhcp {

class ClientLimiter {
 public:
  // Per MAC: discoversPerMacPerMinute, requestsPerMacPerMinute; MACs it does
  // not know: discoversPerSecond, newMacsPerMinute.
  explicit ClientLimiter(const DhcpLimits& limits);

  enum class Kind { Discover, Other };
  enum class Outcome {
    Allowed,
    MacLimited,      // this MAC's own bucket is empty
    NewRateLimited,  // the shared bucket of MACs it does not know is empty
    NewMacsLimited,  // this minute's share of MACs it does not know is taken
  };
  // known: the MAC holds or held a lease, or has standing. nowMs: monotonic.
  // O(1) amortised: a generation is dropped whole, once a minute.
  Outcome admit(const std::string& mac, Kind kind, bool known, std::int64_t nowMs);
  std::size_t tracked() const { return current_.size() + previous_.size(); }

  static constexpr std::int64_t kGenerationMs = 60'000;

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at = 0;
  };
  struct Client {
    Bucket discovers;
    Bucket others;
  };
  static bool take(Bucket& b, double capacity, double perMs, std::int64_t nowMs);
  void turn(std::int64_t nowMs);

  double discoverCapacity_, discoverPerMs_;
  double otherCapacity_, otherPerMs_;
  double newCapacity_, newPerMs_;
  std::size_t unknownPerGeneration_;
  Bucket new_;
  std::int64_t generationStart_ = 0;
  bool started_ = false;
  std::size_t unknownThisGeneration_ = 0;
  std::unordered_map<std::string, Client> current_, previous_;
};

const char* clientLimitOutcomeName(ClientLimiter::Outcome o);  // for the log: "per-mac", ...

}  // namespace portcullis::dhcp
