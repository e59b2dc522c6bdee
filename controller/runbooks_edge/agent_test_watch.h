#pragma once
// Serve's watch over runbook tests that wait for agents: every second, and
// at once when woken (an agent's answer came in), the runbooks whose
// agents have answered, or whose time is up, go on. One thread of its own:
// the controller's checks a test also runs may take seconds, which no
// agent connection's lane should wait for.
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "controller/runbooks_edge/runbook_service.h"

namespace portcullis::runbooks {

class AgentTestWatch {
 public:
  explicit AgentTestWatch(RunbookService& service) : service_(service) {}
  ~AgentTestWatch() { stop(); }
  void start();
  void stop();
  // From any thread: look now.
  void wake();

 private:
  void loop();

  RunbookService& service_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
  std::map<std::int64_t, std::string> told_;  // each runbook's problem logged once, not every second
};

}  // namespace portcullis::runbooks
