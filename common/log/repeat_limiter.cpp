#include "common/log/repeat_limiter.h"

namespace portcullis::log {

std::string messageId(const std::string& text) {
  std::size_t end = 0;
  while (end < text.size() && end < 64 && text[end] != ' ') ++end;
  return text.substr(0, end);
}

std::vector<RepeatLimiter::Suppressed> RepeatLimiter::expired(std::int64_t nowMs) {
  std::vector<Suppressed> out;
  if (pending_ == 0) return out;
  for (auto& [key, w] : windows_) {
    if (w.suppressed == 0 || nowMs - w.start < windowMs_) continue;
    out.push_back({key, w.suppressed, (nowMs - w.start + 999) / 1000});
    w = Window{nowMs, 0, 0};
    --pending_;
  }
  return out;
}

RepeatLimiter::Decision RepeatLimiter::admit(const std::string& key, std::int64_t nowMs) {
  Decision d;
  d.report = expired(nowMs);
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    // Ids come from the code, so the keys are few; past the bound (a bug
    // putting data first) start over rather than grow.
    if (windows_.size() >= maxKeys_) {
      for (auto& [k, w] : windows_)
        if (w.suppressed) d.report.push_back({k, w.suppressed, (nowMs - w.start + 999) / 1000});
      windows_.clear();
      pending_ = 0;
    }
    it = windows_.emplace(key, Window{nowMs, 0, 0}).first;
  }
  Window& w = it->second;
  if (nowMs - w.start >= windowMs_) w = Window{nowMs, 0, 0};  // its summary, if any, went out above
  if (w.written < burst_) {
    ++w.written;
    return d;
  }
  if (w.suppressed++ == 0) ++pending_;
  d.write = false;
  return d;
}

}  // namespace portcullis::log
