#pragma once
// Decides which log lines of a flood are written. A line's key is its logger
// and its message id (the first word); each key may write `burst` lines a
// window, the rest are counted, and the count is reported once the window is
// over. Pure: the caller passes the time, so a test can drive it.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace portcullis::log {

// The message id of a line: its first word, or "" when the line has none.
std::string messageId(const std::string& text);

class RepeatLimiter {
 public:
  struct Suppressed {
    std::string key;
    std::uint64_t count = 0;    // lines not written
    std::int64_t seconds = 0;   // over this long
  };
  struct Decision {
    bool write = true;
    std::vector<Suppressed> report;  // summaries to write first
  };

  RepeatLimiter(unsigned burst, std::int64_t windowMs, std::size_t maxKeys)
      : burst_(burst), windowMs_(windowMs), maxKeys_(maxKeys) {}

  Decision admit(const std::string& key, std::int64_t nowMs);
  // Summaries of every window that is over (for a flush without a new line).
  std::vector<Suppressed> expired(std::int64_t nowMs);

 private:
  struct Window {
    std::int64_t start = 0;
    unsigned written = 0;
    std::uint64_t suppressed = 0;
  };
  unsigned burst_;
  std::int64_t windowMs_;
  std::size_t maxKeys_;
  std::unordered_map<std::string, Window> windows_;
  std::size_t pending_ = 0;  // windows with suppressed lines, so a quiet log costs no scan
};

}  // namespace portcullis::log
