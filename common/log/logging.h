#pragma once
// One named logger per library ("controller.server", "agent.transport").
// Messages that an operator may grep or alert on start with a stable id in
// upper case (e.g. "FRAME_REJECTED"), then key=value details.
#include <string>

#include <Poco/Logger.h>

namespace portcullis::log {

inline constexpr unsigned kDefaultRepeatLimit = 20;

// Sends every logger to stderr (file empty) or to a file, at the given level
// ("error", "warning", "notice", "information", "debug"). Throws
// std::invalid_argument for an unknown level. repeatLimit: lines a second
// each message id of each logger may write before the rest are counted and
// summed up in one LOG_SUPPRESSED line; 0 writes every line.
void setup(const std::string& level, const std::string& file = "", unsigned repeatLimit = kDefaultRepeatLimit);

// One logger (and those below it) to a file of its own, every line escaped
// and none thinned out, leaving every other logger where setup sent it: the
// audit log of a running controller.
void routeToFile(const std::string& loggerName, const std::string& file);

Poco::Logger& get(const std::string& name);

}  // namespace portcullis::log
