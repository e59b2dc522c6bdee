#include "controller/runbooks_edge/agent_test_watch.h"

#include "common/log/guarded_thread.h"
#include "common/log/logging.h"

namespace portcullis::runbooks {

void AgentTestWatch::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = log::guardedThread("runbook-agent-tests", "controller.runbooks", [this] { loop(); });
}

void AgentTestWatch::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AgentTestWatch::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  changed_.notify_all();
}

void AgentTestWatch::loop() {
  auto& logger = log::get("controller.runbooks");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    changed_.wait_for(lock, std::chrono::seconds(1), [this] { return woken_ || stopping_; });
    if (stopping_) break;
    woken_ = false;
    lock.unlock();
    try {
      const auto moved = service_.collectAgentTests([&](std::int64_t runbook, const std::string& why) {
        if (told_[runbook] == why) return;
        told_[runbook] = why;
        logger.error("RUNBOOK_AGENT_TEST_NOT_TAKEN runbook=%Ld reason=%s", static_cast<Poco::Int64>(runbook), why);
      });
      if (moved > 0) logger.notice("RUNBOOK_AGENT_TESTS_TAKEN runbooks=%z", moved);
    } catch (const std::exception& e) {
      // A store that failed (busy, full): the watch goes on, and looks again in a second.
      logger.error("RUNBOOK_AGENT_TESTS_NOT_TAKEN reason=%s (looked at again in a second)", std::string(e.what()));
    }
    lock.lock();
  }
}

}  // namespace portcullis::runbooks
