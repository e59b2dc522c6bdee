#pragma once
// The small text helpers every parser shares, one definition each.
#include <string>
#include <string_view>

namespace portcullis::util {

// Without leading and trailing ASCII white space (space, tab, CR, LF, VT, FF).
std::string_view trim(std::string_view text);
// ASCII letters in lower case; other bytes as they are (no locale).
std::string lower(std::string_view text);

// Text from outside (an agent's host name, a package name) made safe for a
// terminal or a log line: control characters (C0, DEL, C1), invalid UTF-8,
// and the Unicode line separators and direction overrides become visible
// escapes (\n, \t, \x1b, \u202e); a backslash is doubled so an escape
// cannot be forged. Printable UTF-8 stays as it is.
std::string escapeForTerminal(std::string_view text);

}  // namespace portcullis::util
