#pragma once
// Rate limits on DISCOVERs, per MAC and overall, so a flood (or one client
// cycling MACs) cannot starve the server or the pools. Token buckets; pure:
// the caller passes the time. Memory is bounded: idle MACs are forgotten.
#include <cstdint>
#include <string>
#include <unordered_map>

namespace portcullis::dhcp {

class DiscoverLimiter {
 public:
  DiscoverLimiter(std::uint32_t perMacPerMinute, std::uint32_t perSecond, std::size_t maxTracked = 65536);

  enum class Outcome { Allowed, MacLimited, GlobalLimited };
  // nowMs: a monotonic time in milliseconds.
  Outcome admit(const std::string& mac, std::int64_t nowMs);
  std::size_t tracked() const { return perMac_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at = 0;
  };
  static bool take(Bucket& b, double capacity, double perMs, std::int64_t nowMs);

  double macCapacity_;
  double macPerMs_;
  double globalCapacity_;
  double globalPerMs_;
  std::size_t maxTracked_;
  Bucket global_;
  std::unordered_map<std::string, Bucket> perMac_;
};

}  // namespace portcullis::dhcp
