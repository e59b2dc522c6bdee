// Operator commands that work on the store and the CA while `serve` runs.
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "common/config/ini_document.h"
#include "common/log/logging.h"
#include "common/pki/pki.h"
#include "common/util/digest.h"
#include "common/io/files.h"
#include "controller/cli/command_support.h"
#include "controller/cli/commands.h"
#include "controller/views/machine_json.h"

namespace portcullis::controller::cli {
int caFingerprintCommand(const Words& words) {
  auto args = parseOrReport(words, {{"config"}, {}, {}, 0, 0},
                            "portcullis-controller ca-fingerprint --config FILE");
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  auto pem = io::readFile(config->caCert);
  if (!pem) return runtimeError("cannot read CA certificate " + config->caCert.string());
  try {
    std::cout << pki::certificateFingerprint(*pem) << "\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(config->caCert.string() + ": " + e.what());
  }
}

// Tokens one `enroll-token --count` makes: a large fleet, in one transaction.
constexpr long kMaxTokensAtOnce = 100000;

int enrollTokenCommand(const Words& words) {
  static const char* usage = "portcullis-controller enroll-token --config FILE [--ttl 1h] [--count N]";
  auto args = parseOrReport(words, {{"config", "ttl", "count"}, {}, {}, 0, 0}, usage);
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  std::int64_t ttl = config->defaultTokenTtlSeconds;
  if (auto t = args->value("ttl")) {
    auto parsed = config::parseDuration(*t);
    if (!parsed || *parsed <= 0) return usageError("--ttl: " + (parsed ? std::string("must be positive") : parsed.error()));
    ttl = *parsed;
  }
  long count = 1;
  if (auto n = args->value("count")) {
    char* end = nullptr;
    count = std::strtol(n->c_str(), &end, 10);
    if (n->empty() || *end != '\0' || count < 1 || count > kMaxTokensAtOnce)
      return usageError("--count must be a number from 1 to " + std::to_string(kMaxTokensAtOnce));
  }
  try {
    auto store = openStore(*config);
    std::vector<std::string> tokens, hashes;
    for (long i = 0; i < count; ++i) {
      tokens.push_back(util::randomToken());
      hashes.push_back(util::sha256Hex(tokens.back()));
    }
    const auto now = unixNow();
    // All of them or none, one sync to disk: a fleet's tokens in one go.
    store->addEnrollTokens(hashes, now, now + ttl);
    std::string out;
    for (const auto& t : tokens) out += t + "\n";
    std::cout << out;
    if (count == 1) std::cerr << "token valid for one enrollment until " << isoTime(now + ttl) << "\n";
    else std::cerr << count << " tokens, each valid for one enrollment until " << isoTime(now + ttl) << "\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

int agentsCommand(const Words& words) {
  static const char* usage = "portcullis-controller agents [list [--json] | revoke ID] --config FILE";
  auto args = parseOrReport(words, {{"config"}, {"json"}, {}, 0, 2}, usage);
  if (!args) return 2;
  const auto& pos = args->positional();
  const std::string verb = pos.empty() ? "list" : pos[0];
  if (verb != "list" && verb != "revoke") return usageError("unknown agents command '" + verb + "' (usage: " + usage + ")");
  if (verb == "revoke" && pos.size() != 2) return usageError(std::string("agents revoke needs the agent ID (usage: ") + usage + ")");
  if (verb == "list" && pos.size() > 1) return usageError(std::string("unexpected argument '") + pos[1] + "'");
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    auto store = openStore(*config);
    if (verb == "revoke") {
      if (!store->revokeAgent(pos[1], unixNow())) return runtimeError("no agent with id " + pos[1]);
      recordOperatorAction(*config, *store, "AGENT_REVOKED", "agent", pos[1]);
      std::cout << "agent " << shown(pos[1]) << " revoked: it can no longer connect\n";
      return 0;
    }
    const auto agents = store->agents();
    if (args->flag("json")) {
      std::cout << agentsJson(agents);
      return 0;
    }
    for (const auto& a : agents)
      std::cout << shown(a.id) << "  " << shown(a.hostname) << "  enrolled " << isoTime(a.enrolledAt)
                << (a.revokedAt ? "  REVOKED " + isoTime(a.revokedAt) : std::string()) << "\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

namespace {

// approve or cancel: one step of a command in the outbox, by an operator.
int commandStep(const Words& words, bool approve) {
  const char* usage = approve ? "portcullis-controller approve COMMAND_ID --config FILE"
                              : "portcullis-controller cancel COMMAND_ID --config FILE";
  auto args = parseOrReport(words, {{"config"}, {}, {}, 1, 1}, usage);
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    auto store = openStore(*config);
    const std::string& id = args->positional()[0];
    auto c = store->command(id);
    if (!c) return runtimeError("no command with id " + id);
    if (!(approve ? store->approveCommand(id, unixNow()) : store->cancelCommand(id, unixNow())))
      return runtimeError("command " + id + " is " + store::stateName(c->state) +
                          (approve ? ", not awaiting approval" : ": only a command not yet sent can be cancelled"));
    recordOperatorAction(*config, *store, approve ? "COMMAND_APPROVED" : "COMMAND_CANCELLED", "command", id,
                         "machine=" + c->machineId + " kind=" + c->kind + " key=" + c->dedupe);
    std::cout << "command " << shown(id) << " (" << shown(c->kind) << " on " << shown(c->machineId) << ") "
              << (approve ? "approved: it goes to the agent at its next report" : "cancelled: it will not be sent")
              << "\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

}  // namespace

int approveCommand(const Words& words) { return commandStep(words, true); }
int cancelCommand(const Words& words) { return commandStep(words, false); }

}  // namespace portcullis::controller::cli
