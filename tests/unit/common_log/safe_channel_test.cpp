#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Message.h>

#include "common/log/safe_channel.h"

namespace {

struct RecordingChannel : Poco::Channel {
  std::vector<Poco::Message> lines;
  void log(const Poco::Message& msg) override { lines.push_back(msg); }
};

}  // namespace

TEST_CASE("a host name with a newline cannot forge a second log line") {
  Poco::AutoPtr<RecordingChannel> sink(new RecordingChannel);
  portcullis::log::SafeChannel channel(Poco::AutoPtr<Poco::Channel>(sink, true));
  const std::string forged = "evil\n2026-12-03T10:00:00.000Z N controller.server: AGENT_ENROLLED agent=x\x1b]0;pwned\a";
  channel.log(Poco::Message("controller.server", "ENROLL_REFUSED hostname=" + forged, Poco::Message::PRIO_WARNING));
  REQUIRE(sink->lines.size() == 1);
  const std::string text = sink->lines[0].getText();
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\a') == std::string::npos);
  CHECK(text.find("evil\\n2026") != std::string::npos);
  CHECK(sink->lines[0].getSource() == "controller.server");
}

TEST_CASE("a flood becomes a burst and a LOG_SUPPRESSED line with its count") {
  Poco::AutoPtr<RecordingChannel> sink(new RecordingChannel);
  portcullis::log::SafeChannel channel(Poco::AutoPtr<Poco::Channel>(sink, true), 5, 60'000);
  for (int i = 0; i < 1000; ++i)
    channel.log(Poco::Message("controller.dhcp", "QUARANTINE_CAP_REACHED relay=10.0.0.1 mac=m" + std::to_string(i),
                              Poco::Message::PRIO_WARNING));
  channel.log(Poco::Message("controller.dhcp", "DHCP_OFFER mac=aa", Poco::Message::PRIO_INFORMATION));
  CHECK(sink->lines.size() == 6);
  channel.close();  // owes the summary
  REQUIRE(sink->lines.size() == 7);
  CHECK(sink->lines.back().getText().rfind("LOG_SUPPRESSED id=QUARANTINE_CAP_REACHED lines=995 ", 0) == 0);
  CHECK(sink->lines.back().getSource() == "controller.dhcp");
}

TEST_CASE("a burst of 0 writes every line of a flood, still escaped") {
  Poco::AutoPtr<RecordingChannel> sink(new RecordingChannel);
  portcullis::log::SafeChannel channel(Poco::AutoPtr<Poco::Channel>(sink, true), 0, 60'000);
  for (int i = 0; i < 1000; ++i)
    channel.log(Poco::Message("controller.dhcp", "LEASE_BOUND mac=m" + std::to_string(i) + "\n",
                              Poco::Message::PRIO_NOTICE));
  channel.close();
  REQUIRE(sink->lines.size() == 1000);
  CHECK(sink->lines.back().getText() == "LEASE_BOUND mac=m999\\n");
}
