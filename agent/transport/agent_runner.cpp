#include "agent/transport/agent_runner.h"

#include <malloc.h>

#include <chrono>
#include <random>
#include <thread>

#include "common/log/logging.h"
#include "common/tls/tls_context.h"
#include "common/wire/command_kind.h"

namespace portcullis::agent {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

Poco::Logger& logger() { return log::get("agent.transport"); }

// Heartbeats are not spooled; their ids live apart from the spool's.
constexpr std::uint64_t kHeartbeatBit = std::uint64_t{1} << 63;

double random01() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

std::int64_t nowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

AgentRunner::AgentRunner(AgentConfig config, MachineInfoSource source, CommandHandler handler)
    : config_(std::move(config)),
      source_(std::move(source)),
      handler_(std::move(handler)),
      spool_(config_.spoolDir, static_cast<std::size_t>(config_.spoolMaxReports),
             static_cast<std::uint64_t>(config_.spoolMaxBytes)),
      journal_(config_.stateDir / "state" / "commands"),
      backoff_(config_.backoffInitialSeconds * 1000, config_.backoffMaxSeconds * 1000, random01),
      intervalSeconds_(static_cast<std::uint32_t>(config_.reportIntervalSeconds)),
      submitted_(spool_) {
  tls::ContextOptions opts;
  opts.certChainFile = config_.cert.string();
  opts.keyFile = config_.key.string();
  opts.caFile = config_.caCert.string();
  opts.verify = tls::PeerVerification::Required;
  context_ = tls::TlsContext::client(opts);
}

AgentRunner::~AgentRunner() {
  // Reports sensors handed in that no session took before the stop (a file
  // change found as the daemon was told to stop; its baseline is saved
  // already) wait in the spool for the next start rather than go with the process.
  try {
    if (const auto kept = submitted_.drain(); kept > 0)
      logger().information("REPORTS_KEPT count=%z reason=handed in as the agent stopped", kept);
  } catch (const std::exception& e) {
    logger().error("SPOOL_WRITE_FAILED reason=%s", std::string(e.what()));
  }
}

std::unique_ptr<ControllerChannel> AgentRunner::connect() {
  // Each controller of the site in turn, from the one that answered last.
  std::vector<AgentConfig::Endpoint> all = config_.controllers;
  if (all.empty()) all.push_back({config_.controllerHost, config_.controllerPort});
  std::string failures;
  for (std::size_t tried = 0; tried < all.size(); ++tried) {
    const auto index = (controller_ + tried) % all.size();
    const auto& to = all[index];
    // The file's name for every controller when it gives one; else each its own host.
    try {
      auto stream = tls::TlsClientStream::connect(to.host, to.port, context_, milliseconds(config_.timeoutSeconds * 1000),
                                                  config_.serverNameGiven ? config_.serverName : to.host);
      if (index != controller_ || tried > 0)
        logger().notice("CONTROLLER_CHOSEN controller=%s:%hu after=%z unreachable", to.host, to.port, tried);
      controller_ = index;
      return std::make_unique<ControllerChannel>(std::move(stream), static_cast<std::size_t>(config_.maxFrameBytes));
    } catch (const std::exception& e) {
      if (all.size() == 1) throw;
      failures += (failures.empty() ? "" : "; ") + to.host + ":" + std::to_string(to.port) + ": " + e.what();
    }
  }
  throw ChannelError("no controller answered (" + failures + ")");
}

void AgentRunner::handleCommand(ControllerChannel& ch, const pb::Command& command) {
  pb::CommandResult result;
  const auto kind = wire::commandKind(command);
  if (auto done = journal_.find(command.command_id())) {
    logger().information("COMMAND_REPEATED command=%s kind=%s: answering from the journal",
                         command.command_id(), kind);
    result = *done;
  } else if (handler_) {
    logger().information("COMMAND_RECEIVED command=%s kind=%s", command.command_id(), kind);
    result = handler_(command);
    result.set_command_id(command.command_id());
    journal_.record(result);
    logger().notice("COMMAND_DONE command=%s kind=%s ok=%b detail=%s", command.command_id(), kind,
                    result.ok(), result.detail());
  } else {
    result.set_command_id(command.command_id());
    result.set_ok(false);
    result.set_detail("command kind '" + kind + "' is not supported by agent " + PORTCULLIS_VERSION);
    journal_.record(result);
    logger().warning("COMMAND_UNSUPPORTED command=%s kind=%s", command.command_id(), kind);
  }
  pb::Envelope out;
  *out.mutable_command_result() = result;
  ch.send(out, milliseconds(config_.timeoutSeconds * 1000));
}

std::optional<pb::Ack> AgentRunner::awaitAck(ControllerChannel& ch, std::uint64_t reportId) {
  const auto deadline = Clock::now() + milliseconds(config_.timeoutSeconds * 1000);
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    // In slices, so that a connection whose local address went away (a lease
    // changed under it) is given up at once rather than at the timeout.
    auto in = ch.receive(std::min(left, milliseconds(1000)));
    if (!in) {
      requireLocalAddress(ch);
      continue;
    }
    if (in->has_command()) {
      handleCommand(ch, in->command());
    } else if (in->has_ack() && in->ack().report_id() == reportId) {
      return in->ack();
    } else if (in->has_error()) {
      throw ChannelError("controller error: " + in->error().message());
    }
  }
  throw ChannelError("no acknowledgement within " + std::to_string(config_.timeoutSeconds) + "s");
}

bool AgentRunner::flushSpool(ControllerChannel& ch) {
  // One report read at a time: a file list's parts are not held together.
  for (const auto id : spool_.ids()) {
    pb::Envelope out;
    {
      auto loaded = spool_.load(id);
      if (!loaded) continue;  // replaced or dropped since the ids were taken
      out.mutable_report()->Swap(&*loaded);  // not copied: a file list's part is hundreds of KiB
    }
    const auto& report = out.report();
    if (report.has_machine_info() && report.digest() == storedDigest_) {
      out.mutable_report()->mutable_digest_only();  // the controller has this body already
    }
    ch.send(out, milliseconds(config_.timeoutSeconds * 1000));
    auto ack = awaitAck(ch, id);
    switch (ack->status()) {
      case pb::Ack::STORED:
        spool_.remove(id);
        if (report.has_machine_info() || report.has_digest_only()) storedDigest_ = report.digest();
        logger().information("REPORT_ACKNOWLEDGED report=%Lu digest=%s",
                             static_cast<Poco::UInt64>(id), report.digest().substr(0, 12));
        break;
      case pb::Ack::NEED_FULL:
        // Only a digest went out and the controller lost the body: next round re-sends it.
        storedDigest_.clear();
        return false;
      default:
        // A report the controller will never take is not retried forever.
        logger().error("REPORT_REJECTED report=%Lu reason=%s", static_cast<Poco::UInt64>(id),
                       ack->reason());
        spool_.remove(id);
        // Without its machine information the session has no purpose: end it
        // and let the backoff space out the next try.
        if (report.has_machine_info() || report.has_digest_only())
          throw ChannelError("controller rejected the report: " + ack->reason());
        break;
    }
  }
  return true;
}

bool AgentRunner::heartbeat(ControllerChannel& ch) {
  const std::uint64_t id = kHeartbeatBit | ++heartbeatSeq_;
  pb::Envelope out;
  auto* r = out.mutable_report();
  r->set_report_id(id);
  r->set_collected_at_unix(nowUnix());
  r->set_digest(currentDigest_);
  r->mutable_digest_only();
  ch.send(out, milliseconds(config_.timeoutSeconds * 1000));
  auto ack = awaitAck(ch, id);
  if (ack->status() == pb::Ack::STORED) return true;
  storedDigest_.clear();
  return false;
}

// After a lease change the old address is gone and so is this connection,
// though nothing says so until a timeout: end it now, and the session loop
// starts a new one.
void AgentRunner::requireLocalAddress(ControllerChannel& ch) {
  if (!ch.stream().localAddressStillAssigned()) throw ChannelError("local address gone (the lease changed)");
}

void AgentRunner::dispatchIdle(ControllerChannel& ch, std::int64_t waitMs, const std::atomic<bool>& stop) {
  const auto deadline = Clock::now() + milliseconds(waitMs);
  while (!stop && Clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    // Short slices, so a stop request is honoured within a second.
    auto in = ch.receive(std::min(left, milliseconds(1000)));
    if (in && in->has_command()) {
      handleCommand(ch, in->command());
      requireLocalAddress(ch);  // renew_lease may have moved this machine's address
      return;                   // a command may have changed the machine: look at it now
    }
    requireLocalAddress(ch);
    if (lookNow_.exchange(false)) return;  // the session loop collects now
  }
}

void AgentRunner::spoolIfChanged(const pb::MachineInfo& info) {
  currentDigest_ = source_.digest(info);
  if (currentDigest_ == storedDigest_) return;
  if (spool_.holdsMachineInfo(currentDigest_)) return;
  pb::Report r;
  r.set_collected_at_unix(nowUnix());
  r.set_digest(currentDigest_);
  *r.mutable_machine_info() = info;
  const auto id = spool_.put(r);
  logger().information("REPORT_SPOOLED report=%Lu digest=%s", static_cast<Poco::UInt64>(id),
                       currentDigest_.substr(0, 12));
}

void AgentRunner::submit(pb::Report report) {
  submitted_.push(std::move(report));
  lookNow_ = true;  // a waiting session sends it now
}

void AgentRunner::collectAndSpool() {
  const auto info = source_.collect();
  submitted_.drain();
  spoolIfChanged(info);
}

bool AgentRunner::session(const std::atomic<bool>& stop, bool once) {
  // Spooled before connecting: a controller that cannot be reached loses nothing.
  const auto info0 = source_.collect();
  submitted_.drain();
  spoolIfChanged(info0);
  auto ch = connect();
  pb::Envelope hello;
  hello.set_seq(1);
  hello.mutable_hello()->set_agent_version(PORTCULLIS_VERSION);
  hello.mutable_hello()->set_last_acked_digest(storedDigest_);
  hello.mutable_hello()->set_hostname(info0.hostname());
  ch->send(hello, milliseconds(config_.timeoutSeconds * 1000));
  for (;;) {
    auto in = ch->receive(milliseconds(config_.timeoutSeconds * 1000));
    if (!in) throw ChannelError("no answer to hello");
    if (in->has_hello_ack()) {
      storedDigest_ = in->hello_ack().stored_digest();
      if (in->hello_ack().report_interval_seconds() >= 5)
        intervalSeconds_ = in->hello_ack().report_interval_seconds();
      if (in->hello_ack().send_file_list()) {
        logger().information("FILE_LIST_REQUESTED by=hello_ack");
        // Its failure is logged; it does not end the session.
        try {
          if (fileListRequested_) fileListRequested_();
        } catch (const std::exception& e) {
          logger().error("FILE_LIST_FAILED reason=%s", std::string(e.what()));
        }
      }
      break;
    }
    if (in->has_error()) throw ChannelError("controller error: " + in->error().message());
  }
  backoff_.reset();
  const auto& at = config_.controllers.empty() ? AgentConfig::Endpoint{config_.controllerHost, config_.controllerPort}
                                               : config_.controllers[controller_ % config_.controllers.size()];
  logger().information("CONNECTED controller=%s:%hu protocol=%s", at.host, at.port, ch->stream().protocolVersion());

  auto lastReport = Clock::time_point{};
  for (;;) {
    submitted_.drain();
    bool delivered = true;
    if (spool_.size() > 0) {
      delivered = flushSpool(*ch);
    } else if (once || Clock::now() - lastReport >= std::chrono::seconds(intervalSeconds_)) {
      delivered = heartbeat(*ch);
    } else {
      delivered = false;  // nothing due
    }
    if (delivered) lastReport = Clock::now();
    if (storedDigest_.empty() || storedDigest_ != currentDigest_) {
      // The controller lacks this body (it asked for it, or it changed): queue it now.
      collectAndSpool();
      if (spool_.size() > 0) continue;
    }
    if (once && storedDigest_ == currentDigest_ && lastReport != Clock::time_point{}) return true;
    if (stop) return false;
    // What a look at the machine and the reports took (a file list while it
    // is built and sent, a machine's information and its digest's copy each
    // minute) was freed in small pieces, on several threads; glibc keeps
    // them unless told, and the agent would idle at its last peak. Once a
    // look: well under a millisecond.
    ::malloc_trim(0);
    dispatchIdle(*ch, std::min<std::int64_t>(config_.checkIntervalSeconds, intervalSeconds_) * 1000, stop);
    if (stop) return false;
    collectAndSpool();
  }
}

bool AgentRunner::runOnce() {
  std::atomic<bool> never{false};
  try {
    return session(never, true);
  } catch (const std::exception& e) {
    lastError_ = e.what();
    logger().error("REPORT_FAILED reason=%s", lastError_);
    return false;
  }
}

void AgentRunner::runUntil(const std::atomic<bool>& stop) {
  while (!stop) {
    try {
      session(stop, false);
    } catch (const std::exception& e) {
      lastError_ = e.what();
      logger().warning("DISCONNECTED reason=%s", lastError_);
    }
    if (stop) break;
    const auto delay = backoff_.nextDelayMs();
    logger().information("RECONNECT_WAIT delay_ms=%Ld", static_cast<Poco::Int64>(delay));
    const auto until = Clock::now() + milliseconds(delay);
    while (!stop && Clock::now() < until) {
      std::this_thread::sleep_for(milliseconds(100));
      try {
        submitted_.drain();  // kept on disk while the controller is away
      } catch (const std::exception& e) {
        logger().error("SPOOL_WRITE_FAILED reason=%s", std::string(e.what()));
      }
    }
  }
}

}  // namespace portcullis::agent
