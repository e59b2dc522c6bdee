#pragma once
// One named logger per library ("controller.server", "agent.transport").
// Messages that an operator may grep or alert on start with a stable id in
// upper case (e.g. "FRAME_REJECTED"), then key=value details.
#include <string>

#include <Poco/Logger.h>

namespace portcullis::log {

// Sends every logger to stderr (file empty) or to a file, at the given level
// ("error", "warning", "notice", "information", "debug"). Throws
// std::invalid_argument for an unknown level.
void setup(const std::string& level, const std::string& file = "");

Poco::Logger& get(const std::string& name);

}  // namespace portcullis::log
