#pragma once
// `portcullis-agent enroll`: make a key here, have the controller whose CA we
// were told (by fingerprint) sign it, write the agent's directory. Nothing is
// written unless every step succeeded.
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/util/result.h"

namespace portcullis::agent {

struct EnrollRequestOptions {
  std::string controllerHost;
  std::uint16_t controllerPort = 9443;
  std::string token;
  std::string caSha256;  // as typed: colons and case do not matter
  std::filesystem::path dir;
  std::string hostname;  // reported to the controller for people to read
  int timeoutSeconds = 30;
};

struct EnrollOutcome {
  std::string agentId;
  std::filesystem::path configFile;
};

Result<EnrollOutcome> enrollAgent(const EnrollRequestOptions& options);

}  // namespace portcullis::agent
