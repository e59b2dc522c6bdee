// A burst of alerts is one incident: the same rule, a shared address, close
// in time; anything else opens its own.
#include "controller/incidents/incident_grouping.h"

#include <doctest/doctest.h>

using namespace portcullis::incidents;
using portcullis::packet::IpAddress;

namespace {

constexpr std::int64_t kMinute = 60'000'000;

Alert alertOf(const char* from, const char* to, std::uint32_t sid, std::int64_t atUs) {
  Alert a;
  a.source = *IpAddress::parse(from);
  a.destination = *IpAddress::parse(to);
  a.gid = 1;
  a.signatureId = sid;
  a.atUs = atUs;
  return a;
}

OpenIncident incidentOf(std::int64_t id, const char* rule, std::int64_t lastAtUs, std::initializer_list<const char*> addresses) {
  OpenIncident i;
  i.id = id;
  i.rule = rule;
  i.lastAtUs = lastAtUs;
  for (const auto* a : addresses) i.addresses.push_back(*IpAddress::parse(a));
  return i;
}

}  // namespace

TEST_CASE("an alert joins the open incident of its rule that names one of its addresses") {
  const std::vector<OpenIncident> open = {incidentOf(7, "1:2001219", 10 * kMinute, {"192.0.2.66", "10.0.0.22"})};
  // Another source at the same SSH server: the same brute force.
  CHECK(incidentToJoin(alertOf("192.0.2.99", "10.0.0.22", 2001219, 12 * kMinute), open, 10 * kMinute) == 7);
  // The same source at another host: the same scan.
  CHECK(incidentToJoin(alertOf("192.0.2.66", "10.0.0.23", 2001219, 12 * kMinute), open, 10 * kMinute) == 7);
  // A line written late, before the incident's last alert.
  CHECK(incidentToJoin(alertOf("192.0.2.66", "10.0.0.22", 2001219, 1 * kMinute), open, 10 * kMinute) == 7);
}

TEST_CASE("another rule, no shared address, or a quiet gap longer than the window opens a new one") {
  const std::vector<OpenIncident> open = {incidentOf(7, "1:2001219", 10 * kMinute, {"192.0.2.66", "10.0.0.22"})};
  CHECK(incidentToJoin(alertOf("192.0.2.66", "10.0.0.22", 2019401, 11 * kMinute), open, 10 * kMinute) == 0);
  CHECK(incidentToJoin(alertOf("192.0.2.1", "10.0.0.2", 2001219, 11 * kMinute), open, 10 * kMinute) == 0);
  CHECK(incidentToJoin(alertOf("192.0.2.66", "10.0.0.22", 2001219, 20 * kMinute + 1), open, 10 * kMinute) == 0);
  CHECK(incidentToJoin(alertOf("192.0.2.66", "10.0.0.22", 2001219, 20 * kMinute), open, 10 * kMinute) == 7);
  CHECK(incidentToJoin(alertOf("192.0.2.66", "10.0.0.22", 2001219, 11 * kMinute), {}, 10 * kMinute) == 0);
}

TEST_CASE("no address known (0.0.0.0, ::) is an address nobody shares") {
  const std::vector<OpenIncident> open = {incidentOf(7, "1:2001219", 10 * kMinute, {"0.0.0.0"}),
                                          incidentOf(8, "1:2001219", 10 * kMinute, {"::"})};
  CHECK(incidentToJoin(alertOf("0.0.0.0", "0.0.0.0", 2001219, 11 * kMinute), open, 10 * kMinute) == 0);
  CHECK(incidentToJoin(alertOf("::", "::", 2001219, 11 * kMinute), open, 10 * kMinute) == 0);
}

TEST_CASE("of several that qualify, the one with the latest alert") {
  const std::vector<OpenIncident> open = {incidentOf(3, "1:5", 8 * kMinute, {"10.0.0.1"}),
                                          incidentOf(9, "1:5", 9 * kMinute, {"10.0.0.2"}),
                                          incidentOf(4, "1:5", 7 * kMinute, {"10.0.0.2"})};
  CHECK(incidentToJoin(alertOf("10.0.0.1", "10.0.0.2", 5, 10 * kMinute), open, 10 * kMinute) == 9);
}

TEST_CASE("past the most active incidents of a rule, a new address joins the latest instead of opening one") {
  const std::vector<OpenIncident> none;
  const auto spoofed = alertOf("203.0.113.7", "198.51.100.9", 5, 10 * kMinute);
  CHECK(incidentToJoin(spoofed, none, 10 * kMinute, {kMostActivePerRule - 1, 41}) == 0);
  CHECK(incidentToJoin(spoofed, none, 10 * kMinute, {kMostActivePerRule, 41}) == 41);
}
