#pragma once
// Exponential backoff with jitter, so a thousand agents cut off by the same
// controller restart do not all come back in the same second. Pure: the
// random source is passed in.
#include <algorithm>
#include <cstdint>
#include <functional>

namespace portcullis::agent {

class Backoff {
 public:
  // random01() returns a value in [0, 1).
  Backoff(std::int64_t initialMs, std::int64_t maxMs, std::function<double()> random01)
      : initialMs_(initialMs), maxMs_(maxMs), currentMs_(initialMs), random01_(std::move(random01)) {}

  // The next wait: a random point in [current/2, current], then the ceiling doubles.
  std::int64_t nextDelayMs() {
    const auto half = currentMs_ / 2;
    const auto delay = half + static_cast<std::int64_t>(random01_() * static_cast<double>(currentMs_ - half));
    currentMs_ = std::min(maxMs_, currentMs_ * 2);
    return delay;
  }
  void reset() { currentMs_ = initialMs_; }
  std::int64_t ceilingMs() const { return currentMs_; }

 private:
  std::int64_t initialMs_;
  std::int64_t maxMs_;
  std::int64_t currentMs_;
  std::function<double()> random01_;
};

}  // namespace portcullis::agent
