#include "controller/server/failed_enrollments.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

namespace portcullis::server {

std::string enrollmentSource(const std::string& remote) {
  if (!remote.empty() && remote.front() == '[') {
    const auto close = remote.find(']');
    const std::string host = remote.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    in6_addr a{};
    if (inet_pton(AF_INET6, host.c_str(), &a) != 1) return host;
    // An IPv4 client on a dual-stack socket counts as its IPv4 address.
    if (IN6_IS_ADDR_V4MAPPED(&a)) {
      char v4[INET_ADDRSTRLEN] = {0};
      inet_ntop(AF_INET, &a.s6_addr[12], v4, sizeof v4);
      return v4;
    }
    char out[64];
    std::snprintf(out, sizeof out, "%x:%x:%x:%x::/64", a.s6_addr[0] << 8 | a.s6_addr[1], a.s6_addr[2] << 8 | a.s6_addr[3],
                  a.s6_addr[4] << 8 | a.s6_addr[5], a.s6_addr[6] << 8 | a.s6_addr[7]);
    return out;
  }
  const auto colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

void FailedEnrollments::refill(Bucket& b, std::int64_t nowMs) const {
  const double elapsed = static_cast<double>(std::max<std::int64_t>(0, nowMs - b.updatedMs));
  b.tokens = std::min<double>(perMinute_, b.tokens + elapsed * perMinute_ / 60000.0);
  b.updatedMs = nowMs;
}

bool FailedEnrollments::allowed(const std::string& source, std::int64_t nowMs) {
  auto it = buckets_.find(source);
  if (it == buckets_.end()) return true;
  refill(it->second, nowMs);
  return it->second.tokens >= 1.0;
}

void FailedEnrollments::failed(const std::string& source, std::int64_t nowMs) {
  auto it = buckets_.find(source);
  if (it == buckets_.end()) {
    makeRoom(nowMs);
    it = buckets_.emplace(source, Bucket{static_cast<double>(perMinute_), nowMs, nowMs}).first;
  }
  refill(it->second, nowMs);
  it->second.tokens = std::max(0.0, it->second.tokens - 1.0);
  it->second.lastFailureMs = nowMs;
}

void FailedEnrollments::makeRoom(std::int64_t nowMs) {
  if (buckets_.size() < maxSources_) return;
  // A bucket that refilled says nothing any more.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, nowMs);
    it = it->second.tokens >= perMinute_ ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() < maxSources_) return;
  // Then the eighth that failed longest ago, so a flood of new addresses
  // costs one pass every maxSources / 8 of them, not one each.
  std::vector<std::pair<std::int64_t, const std::string*>> byAge;
  byAge.reserve(buckets_.size());
  for (const auto& [source, b] : buckets_) byAge.emplace_back(b.lastFailureMs, &source);
  const std::size_t evict = std::max<std::size_t>(1, maxSources_ / 8);
  std::nth_element(byAge.begin(), byAge.begin() + static_cast<std::ptrdiff_t>(evict - 1), byAge.end());
  std::vector<std::string> gone;
  for (std::size_t i = 0; i < evict; ++i) gone.push_back(*byAge[i].second);
  for (const auto& source : gone) buckets_.erase(source);
}

}  // namespace portcullis::server
