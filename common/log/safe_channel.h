#pragma once
// The channel every logger writes through. Two things an outsider could do
// with a log are taken away here, once for every line:
// - forge lines or drive a terminal: agent-supplied text (a host name with a
//   newline, ESC sequences) is escaped with util::escapeForTerminal;
// - drown it: each (logger, message id) pair writes at most `burst` lines a
//   second; the rest are counted and reported as one LOG_SUPPRESSED line.
//   A burst of 0 writes every line (an operator who wants every lease on
//   record, and accepts what a flood then costs).
#include <chrono>
#include <limits>
#include <mutex>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>

#include "common/log/repeat_limiter.h"

namespace portcullis::log {

class SafeChannel : public Poco::Channel {
 public:
  static constexpr unsigned kBurst = 20;  // log::kDefaultRepeatLimit
  static constexpr std::int64_t kWindowMs = 1000;

  explicit SafeChannel(Poco::AutoPtr<Poco::Channel> next, unsigned burst = kBurst,
                       std::int64_t windowMs = kWindowMs);
  void log(const Poco::Message& msg) override;
  void open() override { next_->open(); }
  void close() override;

 private:
  void writeSummaries(const std::vector<RepeatLimiter::Suppressed>& summaries);
  void forward(const Poco::Message& msg);

  Poco::AutoPtr<Poco::Channel> next_;
  std::mutex mutex_;
  bool limited_;
  RepeatLimiter limiter_;
  std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
};

}  // namespace portcullis::log
