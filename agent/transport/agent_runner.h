#pragma once
// The agent's life with its controller: connect, say Hello, send what the
// controller does not have yet, answer commands, re-report on an interval or
// when something changed, and come back with backoff after any failure.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/config/agent_config.h"
#include "agent/transport/backoff.h"
#include "agent/transport/command_journal.h"
#include "agent/transport/controller_channel.h"
#include "agent/transport/report_spool.h"
#include "agent/transport/submitted_reports.h"
#include "portcullis/v1/portcullis.pb.h"

namespace portcullis::tls {
class TlsContext;
}

namespace portcullis::agent {

// Where machine information comes from; tests pass their own.
struct MachineInfoSource {
  std::function<pb::MachineInfo()> collect;
  std::function<std::string(const pb::MachineInfo&)> digest;
};

// Carries out one command; without one, every command is answered as unsupported.
using CommandHandler = std::function<pb::CommandResult(const pb::Command&)>;

class AgentRunner {
 public:
  AgentRunner(AgentConfig config, MachineInfoSource source, CommandHandler handler = {});
  // Puts what was submitted and could not be spooled yet into the spool.
  ~AgentRunner();

  // Reports once. True only when the controller acknowledged the current
  // machine information; the reason is logged otherwise.
  bool runOnce();
  // Until stop becomes true: sessions with reconnects in between.
  void runUntil(const std::atomic<bool>& stop);

  const std::string& lastError() const { return lastError_; }
  // From another thread: something changed (a device came or went); the
  // running session looks at the machine within a second, not at its next
  // check_interval.
  void lookNow() { lookNow_ = true; }
  // From any thread: a report other than the machine information (file
  // hashes, a hardware change notice). Reports go into the spool in the order
  // submitted, before the machine information collected next, and out at once
  // when connected. The digest is filled in when empty.
  void submit(pb::Report report);
  // Reports waiting to go: spooled and not yet acknowledged, or submitted
  // and not yet spooled. A sensor that can wait (the monitor) holds back
  // while this is high, so it never pushes others' reports out of the spool.
  std::size_t backlog() const { return spool_.size() + submitted_.waiting(); }
  // Called on the runner's thread, once in a session whose controller asks for
  // the whole list of file hashes (HelloAck.send_file_list). Set before running.
  void onFileListRequested(std::function<void()> callback) { fileListRequested_ = std::move(callback); }

 private:
  // One connected session. Returns when the connection ends or stop is set;
  // with once, after the first acknowledgement of the current information.
  bool session(const std::atomic<bool>& stop, bool once);
  std::unique_ptr<ControllerChannel> connect();
  // Waits for the answer to one report while handling commands that arrive.
  std::optional<pb::Ack> awaitAck(ControllerChannel& ch, std::uint64_t reportId);
  void handleCommand(ControllerChannel& ch, const pb::Command& command);
  bool flushSpool(ControllerChannel& ch);
  // Queues the information in the spool unless the controller or the spool has it.
  void spoolIfChanged(const pb::MachineInfo& info);
  // Collects the machine information, then spools what was submitted until
  // then, then the information: a change notice goes before the state after it.
  void collectAndSpool();
  bool heartbeat(ControllerChannel& ch);
  void dispatchIdle(ControllerChannel& ch, std::int64_t waitMs, const std::atomic<bool>& stop);
  static void requireLocalAddress(ControllerChannel& ch);

  AgentConfig config_;
  MachineInfoSource source_;
  CommandHandler handler_;
  std::shared_ptr<tls::TlsContext> context_;
  ReportSpool spool_;
  CommandJournal journal_;
  Backoff backoff_;
  std::string storedDigest_;   // what the controller holds
  std::string currentDigest_;  // what this machine is now
  std::uint64_t heartbeatSeq_ = 0;
  std::uint32_t intervalSeconds_ = 0;
  std::string lastError_;
  std::size_t controller_ = 0;  // the controller that answered last: tried first next time
  std::atomic<bool> lookNow_{false};
  SubmittedReports submitted_;
  std::function<void()> fileListRequested_;
};

}  // namespace portcullis::agent
