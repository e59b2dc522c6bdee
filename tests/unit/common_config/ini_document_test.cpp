#include <doctest/doctest.h>

#include "common/config/ini_document.h"

using namespace portcullis::config;

TEST_CASE("sections, comments, quotes and line numbers") {
  auto doc = IniDocument::parse(
      "# top comment\n"
      "[listen]\n"
      "address = 127.0.0.1:9443\n"
      "; another comment\n"
      "\n"
      "[Store]\n"
      "path = \"/var/lib/portcullis/controller.db\"\n",
      "controller.conf");
  REQUIRE(doc.ok());
  CHECK(doc->find("listen.address")->value == "127.0.0.1:9443");
  CHECK(doc->find("listen.address")->line == 3);
  CHECK(doc->find("store.path")->value == "/var/lib/portcullis/controller.db");
  CHECK(doc->where("store.path") == "controller.conf:7");
}

TEST_CASE("a line without '=' names file and line") {
  auto doc = IniDocument::parse("[listen]\naddress 127.0.0.1\n", "c.conf");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error() == "c.conf:2: expected 'key = value'");
}

TEST_CASE("an unclosed section header is an error") {
  auto doc = IniDocument::parse("[listen\n", "c.conf");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().find("c.conf:1:") == 0);
}

TEST_CASE("a key set twice is an error naming both lines") {
  auto doc = IniDocument::parse("[a]\nx = 1\nx = 2\n", "c.conf");
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().find("c.conf:3:") == 0);
  CHECK(doc.error().find("line 2") != std::string::npos);
}

TEST_CASE("the reader collects every error, unknown keys included") {
  auto doc = IniDocument::parse(
      "[listen]\naddress = localhost:99999\nmax_frame = 4 parsecs\n[log]\nlevle = debug\n", "c.conf");
  REQUIRE(doc.ok());
  ConfigReader r(*doc);
  r.endpoint("listen.address", "127.0.0.1:1");
  r.bytes("listen.max_frame", 1);
  r.text("log.level", "information");
  auto errors = r.finish();
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].find("c.conf:2: listen.address:") == 0);
  CHECK(errors[1].find("c.conf:3: listen.max_frame:") == 0);
  CHECK(errors[2] == "c.conf:5: unknown key 'log.levle'");
}

TEST_CASE("typed values") {
  auto doc = IniDocument::parse("[a]\nn = 42\nb = yes\nd = 5m\ns = 4MiB\nbad = x\n", "t");
  REQUIRE(doc.ok());
  ConfigReader r(*doc);
  CHECK(r.integer("a.n", 0, 0, 100) == 42);
  CHECK(r.boolean("a.b", false));
  CHECK(r.seconds("a.d", 0) == 300);
  CHECK(r.bytes("a.s", 0) == 4 * 1024 * 1024);
  CHECK(r.integer("a.bad", 7, 0, 100) == 7);
  CHECK(r.integer("a.missing", 9, 0, 100) == 9);
  CHECK(r.finish().size() == 1);
}

TEST_CASE("out-of-range integers are refused") {
  auto doc = IniDocument::parse("[a]\nn = 101\n", "t");
  ConfigReader r(*doc);
  CHECK(r.integer("a.n", 1, 0, 100) == 1);
  CHECK(r.finish().front().find("outside 0..100") != std::string::npos);
}

TEST_CASE("durations, sizes and endpoints") {
  CHECK(*parseDuration("30s") == 30);
  CHECK(*parseDuration("2h") == 7200);
  CHECK(*parseDuration("1d") == 86400);
  CHECK(*parseDuration("15") == 15);
  CHECK_FALSE(parseDuration("1w").ok());
  CHECK_FALSE(parseDuration("soon").ok());
  CHECK(*parseByteSize("512KiB") == 512 * 1024);
  CHECK_FALSE(parseByteSize("-1").ok());
  auto e = parseEndpoint("[::1]:9443");
  REQUIRE(e.ok());
  CHECK(e->first == "::1");
  CHECK(e->second == 9443);
  CHECK(parseEndpoint("controller.example:1").ok());
  CHECK_FALSE(parseEndpoint("nohost").ok());
  CHECK_FALSE(parseEndpoint("h:65536").ok());
  CHECK_FALSE(parseEndpoint(":80").ok());
}
