#include "controller/dhcp/client_limiter.h"

#include <algorithm>

namespace portcullis::dhcp {

ClientLimiter::ClientLimiter(const DhcpLimits& l)
    : discoverCapacity_(std::max<std::uint32_t>(l.discoversPerMacPerMinute, 1)),
      discoverPerMs_(l.discoversPerMacPerMinute / 60000.0),
      otherCapacity_(std::max<std::uint32_t>(l.requestsPerMacPerMinute, 1)),
      otherPerMs_(l.requestsPerMacPerMinute / 60000.0),
      newCapacity_(std::max<std::uint32_t>(l.discoversPerSecond, 1)),
      newPerMs_(l.discoversPerSecond / 1000.0),
      unknownPerGeneration_(std::max<std::uint32_t>(l.newMacsPerMinute, 1)) {
  new_.tokens = newCapacity_;
}

bool ClientLimiter::take(Bucket& b, double capacity, double perMs, std::int64_t nowMs) {
  if (nowMs > b.at) b.tokens = std::min(capacity, b.tokens + (nowMs - b.at) * perMs);
  b.at = std::max(b.at, nowMs);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

void ClientLimiter::turn(std::int64_t nowMs) {
  if (!started_) {
    started_ = true;
    generationStart_ = nowMs;
    return;
  }
  if (nowMs - generationStart_ < kGenerationMs) return;
  // The MACs last seen in the generation before the one that ends were seen
  // over a minute ago: their buckets are full again, so forgetting them
  // changes nothing. Two generations or more gone by: the same for all.
  if (nowMs - generationStart_ >= 2 * kGenerationMs) {
    previous_.clear();
    current_.clear();
  } else {
    previous_ = std::move(current_);
    current_.clear();
  }
  generationStart_ = nowMs;
  unknownThisGeneration_ = 0;
}

ClientLimiter::Outcome ClientLimiter::admit(const std::string& mac, Kind kind, bool known, std::int64_t nowMs) {
  turn(nowMs);
  auto it = current_.find(mac);
  if (it == current_.end()) {
    // A MAC it does not know joins this generation only while the minute's
    // share lasts, whether it is new or was seen in the last one: so the
    // table holds at most two shares of them, however a flood cycles. A
    // known one always has room (there are only so many).
    if (!known && unknownThisGeneration_ >= unknownPerGeneration_) return Outcome::NewMacsLimited;
    Client client{{discoverCapacity_, nowMs}, {otherCapacity_, nowMs}};
    if (auto old = previous_.find(mac); old != previous_.end()) {
      client = old->second;  // seen in the last minute: its buckets as they were
      previous_.erase(old);
    }
    it = current_.emplace(mac, client).first;
    if (!known) ++unknownThisGeneration_;
  }
  Client* c = &it->second;
  // The MAC's own bucket first, so one noisy client does not use up everyone's.
  const bool own = kind == Kind::Discover ? take(c->discovers, discoverCapacity_, discoverPerMs_, nowMs)
                                          : take(c->others, otherCapacity_, otherPerMs_, nowMs);
  if (!own) return Outcome::MacLimited;
  if (!known && !take(new_, newCapacity_, newPerMs_, nowMs)) return Outcome::NewRateLimited;
  return Outcome::Allowed;
}

const char* clientLimitOutcomeName(ClientLimiter::Outcome o) {
  switch (o) {
    case ClientLimiter::Outcome::Allowed: return "none";
    case ClientLimiter::Outcome::MacLimited: return "per-mac";
    case ClientLimiter::Outcome::NewRateLimited: return "new-macs-per-second";
    case ClientLimiter::Outcome::NewMacsLimited: return "new-macs-per-minute";
  }
  return "?";
}

}  // namespace portcullis::dhcp
