#pragma once
// When an event that can come by the thousand a second (a connection shed at
// the descriptor limit, accepting paused) may be logged: at most once an
// interval, with how many happened since the last line, so a flood costs a
// line a second and still says how big it was. Pure: the caller passes the
// time. Not thread-safe.
#include <cstdint>

namespace portcullis::server {

class EventThrottle {
 public:
  explicit EventThrottle(std::int64_t intervalMs = 1000) : intervalMs_(intervalMs) {}

  // Counts one event at nowMs. Returns how many to report in a line now (this
  // one and those held back since the last line), or 0: no line yet.
  std::uint64_t note(std::int64_t nowMs) {
    ++held_;
    return flush(nowMs);
  }
  // Events held back, once the interval since the last line is over (for a
  // summary when the flood stops); 0 otherwise.
  std::uint64_t flush(std::int64_t nowMs) {
    if (held_ == 0 || (logged_ && nowMs - lastMs_ < intervalMs_)) return 0;
    logged_ = true;
    lastMs_ = nowMs;
    const std::uint64_t n = held_;
    held_ = 0;
    return n;
  }
  std::uint64_t held() const { return held_; }

 private:
  std::int64_t intervalMs_;
  std::int64_t lastMs_ = 0;
  bool logged_ = false;
  std::uint64_t held_ = 0;
};

}  // namespace portcullis::server
