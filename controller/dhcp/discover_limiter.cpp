#include "controller/dhcp/discover_limiter.h"

#include <algorithm>

namespace portcullis::dhcp {

DiscoverLimiter::DiscoverLimiter(std::uint32_t perMacPerMinute, std::uint32_t perSecond, std::size_t maxTracked)
    : macCapacity_(std::max<std::uint32_t>(perMacPerMinute, 1)),
      macPerMs_(perMacPerMinute / 60000.0),
      globalCapacity_(std::max<std::uint32_t>(perSecond, 1)),
      globalPerMs_(perSecond / 1000.0),
      maxTracked_(maxTracked) {
  global_.tokens = globalCapacity_;
}

bool DiscoverLimiter::take(Bucket& b, double capacity, double perMs, std::int64_t nowMs) {
  if (nowMs > b.at) b.tokens = std::min(capacity, b.tokens + (nowMs - b.at) * perMs);
  b.at = std::max(b.at, nowMs);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

DiscoverLimiter::Outcome DiscoverLimiter::admit(const std::string& mac, std::int64_t nowMs) {
  auto it = perMac_.find(mac);
  if (it == perMac_.end()) {
    if (perMac_.size() >= maxTracked_) {
      // Forget every MAC whose bucket has refilled: it would start full anyway.
      const double fullAfterMs = macPerMs_ > 0 ? macCapacity_ / macPerMs_ : 0;
      std::erase_if(perMac_, [&](const auto& kv) { return nowMs - kv.second.at >= fullAfterMs; });
      if (perMac_.size() >= maxTracked_) return Outcome::GlobalLimited;  // a flood of new MACs
    }
    it = perMac_.emplace(mac, Bucket{macCapacity_, nowMs}).first;
  }
  // The MAC's own bucket first, so one noisy client does not use up everyone's.
  if (!take(it->second, macCapacity_, macPerMs_, nowMs)) return Outcome::MacLimited;
  if (!take(global_, globalCapacity_, globalPerMs_, nowMs)) return Outcome::GlobalLimited;
  return Outcome::Allowed;
}

}  // namespace portcullis::dhcp
