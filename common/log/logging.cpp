#include "common/log/logging.h"

#include <stdexcept>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FileChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/PatternFormatter.h>

#include "common/log/safe_channel.h"

namespace portcullis::log {
namespace {

// Every line of every log, to stderr (file empty) or to a rotated file:
// stamped, escaped, and thinned to repeatLimit lines a second a kind (0: none).
Poco::AutoPtr<Poco::Channel> safeChannel(const std::string& file, unsigned repeatLimit) {
  Poco::AutoPtr<Poco::Channel> sink;
  if (file.empty()) {
    sink = new Poco::ConsoleChannel;
  } else {
    auto* fc = new Poco::FileChannel(file);
    fc->setProperty("rotation", "10 M");
    fc->setProperty("archive", "number");
    fc->setProperty("purgeCount", "5");
    sink = fc;
  }
  Poco::AutoPtr<Poco::PatternFormatter> pattern(
      new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %q %s: %t"));
  Poco::AutoPtr<Poco::Channel> formatted(new Poco::FormattingChannel(pattern, sink));
  return new SafeChannel(formatted, repeatLimit);
}

}  // namespace

void setup(const std::string& level, const std::string& file, unsigned repeatLimit) {
  int prio = 0;
  try {
    prio = Poco::Logger::parseLevel(level);
  } catch (const Poco::Exception&) {
    throw std::invalid_argument("unknown log level '" + level +
                                "' (use error, warning, notice, information or debug)");
  }
  const auto channel = safeChannel(file, repeatLimit);
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::root().setLevel(prio);
  // Loggers created before setup keep their old settings unless updated.
  Poco::Logger::setChannel("", channel);
  Poco::Logger::setLevel("", prio);
}

void routeToFile(const std::string& loggerName, const std::string& file) {
  // Every line: the audit is a record, not a log to thin out under a flood.
  const auto channel = safeChannel(file, 0);
  // Made now, so that it does not inherit its parent's channel later.
  Poco::Logger::get(loggerName);
  Poco::Logger::setChannel(loggerName, channel);
  Poco::Logger::setLevel(loggerName, Poco::Message::PRIO_INFORMATION);
}

Poco::Logger& get(const std::string& name) { return Poco::Logger::get(name); }

}  // namespace portcullis::log
