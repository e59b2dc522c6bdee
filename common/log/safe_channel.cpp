#include "common/log/safe_channel.h"

#include <Poco/Message.h>

#include "common/util/text.h"

namespace portcullis::log {

SafeChannel::SafeChannel(Poco::AutoPtr<Poco::Channel> next, unsigned burst, std::int64_t windowMs)
    : next_(std::move(next)), limited_(burst > 0), limiter_(burst, windowMs, 4096) {}

void SafeChannel::forward(const Poco::Message& msg) {
  Poco::Message safe(msg);
  safe.setText(util::escapeForTerminal(msg.getText()));
  next_->log(safe);
}

void SafeChannel::writeSummaries(const std::vector<RepeatLimiter::Suppressed>& summaries) {
  for (const auto& s : summaries) {
    const auto space = s.key.find(' ');
    Poco::Message m(s.key.substr(0, space),
                    "LOG_SUPPRESSED id=" + s.key.substr(space + 1) + " lines=" + std::to_string(s.count) +
                        " seconds=" + std::to_string(s.seconds) + " (repeated lines not written)",
                    Poco::Message::PRIO_WARNING);
    forward(m);
  }
}

void SafeChannel::log(const Poco::Message& msg) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - epoch_);
  std::lock_guard lock(mutex_);
  if (!limited_) return forward(msg);
  auto decision = limiter_.admit(msg.getSource() + " " + messageId(msg.getText()), now.count());
  writeSummaries(decision.report);
  if (decision.write) forward(msg);
}

void SafeChannel::close() {
  {
    std::lock_guard lock(mutex_);
    // A summary still owed is written before the log closes.
    writeSummaries(limiter_.expired(std::numeric_limits<std::int64_t>::max() / 2));
  }
  next_->close();
}

}  // namespace portcullis::log
