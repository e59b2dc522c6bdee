#include "controller/dhcp/lease_book.h"

#include <algorithm>

namespace portcullis::dhcp {

const char* leaseStateName(LeaseState s) {
  switch (s) {
    case LeaseState::Offered: return "offered";
    case LeaseState::Bound: return "bound";
    case LeaseState::Released: return "released";
    case LeaseState::Declined: return "declined";
  }
  return "?";
}

std::optional<LeaseState> parseLeaseState(std::string_view name) {
  for (auto s : {LeaseState::Offered, LeaseState::Bound, LeaseState::Released, LeaseState::Declined})
    if (name == leaseStateName(s)) return s;
  return std::nullopt;
}

const Ipv4Range& poolRange(const DhcpSubnet& subnet, PoolKind pool) {
  return pool == PoolKind::Production ? subnet.productionPool : subnet.quarantinePool;
}

LeaseBook::LeaseBook(const std::vector<Lease>& leases) {
  for (const auto& l : leases) put(l);
}

const Lease* LeaseBook::at(Ipv4 address) const {
  auto it = byAddress_.find(address);
  return it == byAddress_.end() ? nullptr : &it->second;
}

const Lease* LeaseBook::of(const std::string& subnet, PoolKind pool, const std::string& mac) const {
  auto it = byMac_.find(mac);
  if (it == byMac_.end()) return nullptr;
  for (auto a : it->second) {
    const Lease* l = at(a);
    if (l && l->mac == mac && l->subnet == subnet && l->pool == pool && l->state != LeaseState::Declined) return l;
  }
  return nullptr;
}

std::vector<const Lease*> LeaseBook::allOf(const std::string& subnet, const std::string& mac) const {
  std::vector<const Lease*> out;
  auto it = byMac_.find(mac);
  if (it == byMac_.end()) return out;
  for (auto a : it->second)
    if (const Lease* l = at(a); l && l->mac == mac && l->subnet == subnet) out.push_back(l);
  return out;
}

bool LeaseBook::knows(const std::string& mac) const {
  auto it = byMac_.find(mac);
  if (it == byMac_.end()) return false;
  for (auto a : it->second)
    if (const Lease* l = at(a); l && l->mac == mac && l->state != LeaseState::Offered) return true;
  return false;
}

bool LeaseBook::freeFor(const DhcpSubnet& subnet, PoolKind pool, Ipv4 address, const std::string& mac,
                        std::int64_t now) const {
  if (!poolRange(subnet, pool).contains(address)) return false;
  const auto& net = pool == PoolKind::Quarantine ? quarantineNetOf(subnet) : subnet.subnet;
  if (address == subnet.serverAddress || address == net.network || address == net.broadcast()) return false;
  if (address == subnet.quarantineRouter) return false;
  if (std::find(subnet.routers.begin(), subnet.routers.end(), address) != subnet.routers.end()) return false;
  const Lease* l = at(address);
  if (!l) return true;
  if (l->state == LeaseState::Declined) return !l->holds(now);
  return l->mac == mac || !l->holds(now);
}

std::optional<Ipv4> LeaseBook::choose(const DhcpSubnet& subnet, PoolKind pool, const std::string& mac,
                                      Ipv4 requested, std::int64_t now) const {
  if (const Lease* own = of(subnet.name, pool, mac); own && freeFor(subnet, pool, own->address, mac, now))
    return own->address;
  if (requested && freeFor(subnet, pool, requested, mac, now)) return requested;
  const auto& range = poolRange(subnet, pool);
  // Never-used addresses first, so a returning client usually finds its old
  // one still free. Records are never dropped, so every address below the
  // cursor has been used (or is the subnet's own): the cursor only moves up,
  // and finding the next fresh one costs O(1) amortised.
  auto& cursor = freshCursor_[subnet.name + (pool == PoolKind::Production ? "/p" : "/q")];
  if (cursor < range.first) cursor = range.first;
  while (cursor <= range.last) {
    const auto address = static_cast<Ipv4>(cursor);
    if (!at(address) && freeFor(subnet, pool, address, mac, now)) return address;
    ++cursor;
  }
  // Then the one that has been free the longest.
  std::optional<Ipv4> oldest;
  std::int64_t oldestExpiry = 0;
  for (auto it = byAddress_.lower_bound(range.first); it != byAddress_.end() && it->first <= range.last; ++it) {
    const Lease& l = it->second;
    if (!freeFor(subnet, pool, l.address, mac, now)) continue;
    if (!oldest || l.expires < oldestExpiry) {
      oldest = l.address;
      oldestExpiry = l.expires;
    }
  }
  return oldest;
}

void LeaseBook::put(const Lease& lease) {
  auto it = byAddress_.find(lease.address);
  if (it != byAddress_.end() && it->second.mac != lease.mac) {
    // The address is another MAC's now. A MAC left with no address is
    // dropped, so offers to a flood of new MACs do not pile up here.
    auto old = byMac_.find(it->second.mac);
    if (old != byMac_.end()) {
      std::erase(old->second, lease.address);
      if (old->second.empty()) byMac_.erase(old);
    }
  }
  byAddress_[lease.address] = lease;
  auto& mine = byMac_[lease.mac];
  if (std::find(mine.begin(), mine.end(), lease.address) == mine.end()) mine.push_back(lease.address);
}

std::size_t LeaseBook::activeQuarantine(const std::string& subnet, Ipv4 relay, const std::string& agentInfo,
                                        std::int64_t now) const {
  std::size_t n = 0;
  for (const auto& [address, l] : byAddress_)
    if (l.subnet == subnet && l.pool == PoolKind::Quarantine && l.relay == relay && l.agentInfo == agentInfo &&
        l.holds(now))
      ++n;
  return n;
}

std::size_t LeaseBook::declinedBy(const std::string& subnet, const std::string& mac, std::int64_t now) const {
  std::size_t n = 0;
  for (const Lease* l : allOf(subnet, mac)) n += l->state == LeaseState::Declined && l->holds(now);
  return n;
}

std::size_t LeaseBook::declinedIn(const std::string& subnet, const Ipv4Range& range, std::int64_t now) const {
  std::size_t n = 0;
  for (auto it = byAddress_.lower_bound(range.first); it != byAddress_.end() && it->first <= range.last; ++it)
    n += it->second.subnet == subnet && it->second.state == LeaseState::Declined && it->second.holds(now);
  return n;
}

std::vector<Lease> LeaseBook::all() const {
  std::vector<Lease> out;
  out.reserve(byAddress_.size());
  for (const auto& [address, l] : byAddress_) out.push_back(l);
  return out;
}

}  // namespace portcullis::dhcp
