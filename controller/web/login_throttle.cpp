#include "controller/web/login_throttle.h"

#include <algorithm>

namespace portcullis::web {

std::int64_t LoginThrottle::waitOf(const Table& table, const std::string& key, std::int64_t nowMs) const {
  auto it = table.find(key);
  if (it == table.end() || nowMs - it->second.lastMs > windowMs_ || it->second.count < kFreeFailures) return 0;
  const int doublings = std::min(it->second.count - kFreeFailures, 30);
  const std::int64_t wait = std::min<std::int64_t>(maxWaitMs_, 1000LL << doublings);
  return std::max<std::int64_t>(0, it->second.lastMs + wait - nowMs);
}

std::int64_t LoginThrottle::waitMs(const std::string& name, const std::string& address, std::int64_t nowMs) const {
  return std::max(waitOf(names_, name, nowMs), waitOf(addresses_, address, nowMs));
}

void LoginThrottle::count(Table& table, const std::string& key, std::int64_t nowMs) {
  if (table.size() >= maxEntries_ && !table.count(key)) {
    // Forget what the window no longer counts; if nothing has aged out, the oldest.
    std::erase_if(table, [&](const auto& kv) { return nowMs - kv.second.lastMs > windowMs_; });
    if (table.size() >= maxEntries_)
      table.erase(std::min_element(table.begin(), table.end(), [](const auto& a, const auto& b) {
        return a.second.lastMs < b.second.lastMs;
      }));
  }
  auto& f = table[key];
  if (nowMs - f.lastMs > windowMs_) f.count = 0;
  ++f.count;
  f.lastMs = nowMs;
}

void LoginThrottle::attempt(const std::string& name, std::int64_t nowMs) { count(names_, name, nowMs); }

void LoginThrottle::missed(const std::string& address, std::int64_t nowMs) { count(addresses_, address, nowMs); }

void LoginThrottle::succeeded(const std::string& name) { names_.erase(name); }

}  // namespace portcullis::web
