#include <doctest/doctest.h>

#include "common/util/text.h"

using portcullis::util::escapeForTerminal;

TEST_CASE("escapeForTerminal makes every control visible and keeps printable text") {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"web-01", "web-01"},
      {"a\nb", "a\\nb"},
      {"a\r\tb", "a\\r\\tb"},
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"\x1b[2J\x07", "\\x1b[2J\\x07"},
      {"del\x7f", "del\\x7f"},
      {"back\\x1b", "back\\\\x1b"},            // a literal backslash cannot pose as an escape
      {"caf\xc3\xa9 \xe6\x97\xa5", "caf\xc3\xa9 \xe6\x97\xa5"},  // valid UTF-8 stays
      {"\xc2\x9b" "31m", "\\u009b31m"},          // C1 CSI
      {"\xe2\x80\xae" "txt.exe", "\\u202etxt.exe"},  // right-to-left override
      {"\xe2\x80\xa8", "\\u2028"},
      {"bad\xff\xc3", "bad\\xff\\xc3"},          // invalid and cut-short UTF-8
      {"\xc0\xaf", "\\xc0\\xaf"},                // overlong
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},       // surrogate
  };
  for (const auto& c : cases) CHECK(escapeForTerminal(c.in) == c.out);
}
