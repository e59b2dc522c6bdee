#pragma once
// `portcullis-agent enroll`: make a key here, have the controller whose CA we
// were told (by fingerprint) sign it, write the keys and where the controller
// is. Nothing is written unless every step succeeded.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/config/agent_config.h"
#include "common/util/result.h"

namespace portcullis::agent {

struct EnrollRequestOptions {
  std::string controllerHost;
  std::uint16_t controllerPort = 9443;
  // Every controller of the site (--controller a:9443,b:9443): tried in turn
  // to enroll, and all recorded. Empty: controllerHost:controllerPort alone.
  std::vector<AgentConfig::Endpoint> controllers;
  std::string token;
  std::string caSha256;  // as typed: colons and case do not matter
  // Either a new directory that gets a whole agent.conf (--dir), or an
  // existing configuration whose state directory gets enrollment.conf (--config).
  std::filesystem::path dir;
  std::filesystem::path configFile;
  std::string hostname;  // reported to the controller for people to read
  int timeoutSeconds = 30;
};

struct EnrollOutcome {
  std::string agentId;
  std::filesystem::path configFile;  // what `run --config` takes
  std::filesystem::path written;     // the file that records the enrollment
};

Result<EnrollOutcome> enrollAgent(const EnrollRequestOptions& options);

}  // namespace portcullis::agent
