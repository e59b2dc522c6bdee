// Records shaped as Debian publishes them in OSV (source package names,
// "Debian:12" ecosystems, ECOSYSTEM ranges with dpkg versions).
#include <doctest/doctest.h>

#include "controller/feeds/osv_advisory.h"

using namespace portcullis::feeds;

namespace {

const char* kDsa = R"({
  "id": "DSA-5532-1",
  "summary": "openssl - security update",
  "modified": "2023-10-24T14:00:00Z",
  "published": "2023-10-24T00:00:00Z",
  "aliases": ["CVE-2023-5363"],
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
  "affected": [{
    "package": {"ecosystem": "Debian:12", "name": "openssl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}],
    "ecosystem_specific": {"urgency": "high"}
  }]
})";

OsvAffected affected(const std::string& json) {
  auto adv = parseOsvAdvisory(json);
  REQUIRE_MESSAGE(adv.ok(), (adv.ok() ? "" : adv.error()));
  REQUIRE(adv->affected.size() == 1);
  return adv->affected.front();
}

}  // namespace

TEST_CASE("a Debian security advisory record") {
  auto adv = parseOsvAdvisory(kDsa);
  REQUIRE(adv.ok());
  CHECK(adv->id == "DSA-5532-1");
  CHECK(adv->aliases == std::vector<std::string>{"CVE-2023-5363"});
  CHECK(adv->modified == "2023-10-24T14:00:00Z");
  CHECK(adv->withdrawn.empty());
  CHECK(adv->severity.rfind("CVSS:3.1/", 0) == 0);
  const auto& a = adv->affected.front();
  CHECK(a.ecosystem == "Debian:12");
  CHECK(a.package == "openssl");
  CHECK(a.urgency == "high");
  CHECK(isAffected(a, "3.0.9-1"));
  CHECK(isAffected(a, "3.0.11-1~deb12u1"));
  CHECK_FALSE(isAffected(a, "3.0.11-1~deb12u2"));
  CHECK_FALSE(isAffected(a, "3.0.19-1~deb12u2"));
  CHECK(*fixedVersionFor(a, "3.0.9-1") == "3.0.11-1~deb12u2");
  CHECK_FALSE(fixedVersionFor(a, "3.0.19-1~deb12u2"));
}

TEST_CASE("no fixed event: affected from introduced on, no patch exists") {
  auto a = affected(R"({"id": "X-1", "affected": [{"package": {"ecosystem": "Debian:12", "name": "foo"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0-1"}]}]}]})");
  CHECK_FALSE(isAffected(a, "1.9-1"));
  CHECK(isAffected(a, "2.0-1"));
  CHECK(isAffected(a, "9.9-9"));
  CHECK_FALSE(fixedVersionFor(a, "2.0-1"));
}

TEST_CASE("last_affected includes that version, excludes later ones") {
  auto a = affected(R"({"id": "X-2", "affected": [{"package": {"ecosystem": "Debian:12", "name": "foo"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "1.4-2"}]}]}]})");
  CHECK(isAffected(a, "1.4-2"));
  CHECK_FALSE(isAffected(a, "1.4-2+deb12u1"));
}

TEST_CASE("several ranges, events out of order, and an explicit versions list") {
  auto a = affected(R"({"id": "X-3", "affected": [{"package": {"ecosystem": "Debian:12", "name": "foo"},
    "versions": ["0.5-1"],
    "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "1.2-1"}, {"introduced": "1.0-1"},
                                                {"introduced": "2.0-1"}, {"fixed": "2.1-3"}]},
               {"type": "GIT", "events": [{"introduced": "abc"}]}]}]})");
  CHECK(isAffected(a, "0.5-1"));   // listed
  CHECK_FALSE(isAffected(a, "0.6-1"));
  CHECK(isAffected(a, "1.1-1"));
  CHECK_FALSE(isAffected(a, "1.2-1"));
  CHECK_FALSE(isAffected(a, "1.9-1"));
  CHECK(isAffected(a, "2.1-2"));
  CHECK(isAffected(a, "2.1~rc1-1"));
  CHECK_FALSE(isAffected(a, "2.1-3"));
  CHECK(*fixedVersionFor(a, "1.1-1") == "1.2-1");
  CHECK(*fixedVersionFor(a, "2.0-5") == "2.1-3");
}

TEST_CASE("withdrawn records and records with nothing affected still parse") {
  auto w = parseOsvAdvisory(R"({"id": "X-4", "withdrawn": "2024-01-01T00:00:00Z"})");
  REQUIRE(w.ok());
  CHECK(w->withdrawn == "2024-01-01T00:00:00Z");
  CHECK(w->affected.empty());
}

TEST_CASE("records that are wrong say what is wrong") {
  CHECK(parseOsvAdvisory("not json").error().rfind("not JSON", 0) == 0);
  CHECK(parseOsvAdvisory("[1, 2]").error() == "not a JSON object");
  CHECK(parseOsvAdvisory(R"({"summary": "x"})").error() == "record without an id");
  CHECK(parseOsvAdvisory(R"({"id": 5})").error().find("not a string") != std::string::npos);
  CHECK(parseOsvAdvisory(R"({"id": "X", "affected": {"a": 1}})").error().find("not a list") != std::string::npos);
  CHECK(parseOsvAdvisory(R"({"id": "X", "affected": [{"ranges": [{"type": "ECOSYSTEM"}]}]})").error().find(
            "no events") != std::string::npos);
  CHECK(parseOsvAdvisory(R"({"id": "X", "affected": [{"ranges": [{"type": "ECOSYSTEM", "events": [{"born": "1"}]}]}]})")
            .error()
            .find("no known kind") != std::string::npos);
  CHECK_FALSE(parseOsvAdvisory(R"({"id": "X", "affected": [7]})").ok());
}
