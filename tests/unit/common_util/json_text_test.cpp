// The JSON the command line prints: Poco's writer escapes control
// characters as RFC 8259 requires, and with terminalSafeJson over it the
// text is safe on a terminal and still reads back exactly.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "common/util/text.h"

using namespace portcullis::util;
using namespace std::string_literals;

namespace {

std::string written(const std::string& value) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
  o->set("v", value);
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(o, out, 2);
  return out.str();
}

std::string readBack(const std::string& json) {
  return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("v");
}

bool hasRawControl(const std::string& json) {
  for (std::size_t i = 0; i < json.size(); ++i) {
    const auto b = static_cast<unsigned char>(json[i]);
    if ((b < 0x20 && b != '\n') || b == 0x7f) return true;
    if (b == 0xc2 && i + 1 < json.size() && static_cast<unsigned char>(json[i + 1]) <= 0x9f) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the JSON writer escapes every C0 control; with terminalSafeJson the text reads back exactly") {
  std::string everyCharacter;
  for (int c = 0; c < 0x80; ++c) everyCharacter += static_cast<char>(c);
  for (char32_t c = 0x80; c < 0x800; ++c) {  // every 2-byte character, C1 included
    everyCharacter += static_cast<char>(0xc0 | (c >> 6));
    everyCharacter += static_cast<char>(0x80 | (c & 0x3f));
  }
  const std::string values[] = {
      "",
      "plain",
      "\x1b[2J\x1b]0;title\x07\nFORGED\r\t\\\"/"s,
      "nul\0inside"s,
      "\xc2\x9b" "31m \xc2\x85 \xe2\x80\xae \xe2\x80\xa8 \xe2\x80\x8b \xef\xbb\xbf",
      "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x94\x92",
      everyCharacter,
  };
  for (const auto& v : values) {
    CAPTURE(v);
    const auto json = written(v);
    // RFC 8259: C0 controls must be escaped inside strings. Poco does it.
    for (unsigned char b : json) CHECK((b >= 0x20 || b == '\n'));
    CHECK(readBack(json) == v);
    const auto safe = terminalSafeJson(json);
    CHECK_FALSE(hasRawControl(safe));
    CHECK(readBack(safe) == v);
  }
}

TEST_CASE("bytes that are not UTF-8 make the writer's JSON unreadable; terminalSafeJson makes them U+FFFD") {
  const auto json = written("host\xff\xc3!");
  CHECK_THROWS(readBack(json));
  CHECK(readBack(terminalSafeJson(json)) == "host\xef\xbf\xbd\xef\xbf\xbd!");
}
