#pragma once
// The fields of the agent's line-based state files (the file baseline, the
// index of kept copies): paths escaped so that a tab or a newline in a name
// cannot break a line, and SHA-256 digests in lower-case hex. Pure.
#include <charconv>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/util/result.h"
#include "common/util/text.h"

namespace portcullis::agent::sensors {

// Backslash, tab, newline and carriage return escaped; everything else as is.
std::string escapePath(const std::string& path);
// The reverse; false for a dangling or unknown escape.
bool unescapePath(std::string_view text, std::string& out);

// The lines of a state file: the first must be `header` (else `notHeader` is
// the reason), and every line ends with a newline. `record` is given each
// line after the header and takes it or says why not. Done when every line
// was taken, else the first reason as "line N: reason" ("empty file" when
// there is no line at all).
Status forEachStateLine(std::string_view text, std::string_view header, std::string_view notHeader,
                        const std::function<Status(std::string_view)>& record);

// The same, fed a piece at a time (a file read in blocks): a line cut by a
// piece's end waits for the next. The first failure stays the answer.
class StateLineReader {
 public:
  StateLineReader(std::string_view header, std::string_view notHeader,
                  std::function<Status(std::string_view)> record);
  Status feed(std::string_view piece);
  // After the last piece.
  Status finish();

 private:
  void take(std::string_view line);

  std::string header_;
  std::string notHeader_;
  std::function<Status(std::string_view)> record_;
  util::LineJoiner joiner_;
  std::size_t lineNo_ = 0;
  Status status_ = done();
};

// Splits a line into `count` tab-separated fields, the last taking the rest
// of the line; false when it has fewer.
bool splitTabs(std::string_view line, std::string_view* fields, std::size_t count);

// A whole field as a decimal number, nothing before or after it.
template <typename T>
bool parseNumber(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace portcullis::agent::sensors
