#pragma once
// The small text helpers every parser shares, one definition each.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::util {

// Without leading and trailing ASCII white space (space, tab, CR, LF, VT, FF).
std::string_view trim(std::string_view text);
// ASCII letters in lower case; other bytes as they are (no locale).
std::string lower(std::string_view text);
// The words of text, split at ASCII white space; none for blank text.
std::vector<std::string> words(std::string_view text);
// A record's number as people type it (an incident, a runbook, a finding):
// 1 to 18 decimal digits, nothing else; nullopt otherwise.
std::optional<std::int64_t> recordNumber(std::string_view word);
// What the agent and the controller take as a name a command carries (a
// package, an advisory, a process, a check's command): 1 to 100 of ASCII
// letters, digits and . _ : + -.
bool isPlainName(std::string_view s);
// An absolute path already in normal form: no "." or ".." part, no "//", no
// trailing slash, no NUL.
bool isNormalAbsolutePath(std::string_view path);
// A SHA-256 in lower-case hex (64 digits).
bool isSha256Hex(std::string_view s);

// Pieces of a text (a file read in blocks, a socket) in, whole lines out: a
// line cut by a piece's end is held until the piece that ends it. With a
// bound, no line longer than it (its '\n' apart) comes out or is held: it is
// dropped whole, up to its end of line, and counted, so that a writer cannot
// make the reader hold unbounded memory.
class LineJoiner {
 public:
  static constexpr std::size_t kUnbounded = static_cast<std::size_t>(-1);
  explicit LineJoiner(std::size_t maxLine = kUnbounded) : maxLine_(maxLine) {}
  // Calls `lines` with the whole lines `piece` ends, each with its '\n', in
  // as few spans as it can (a span is valid during the call only).
  void feed(std::string_view piece, const std::function<void(std::string_view lines)>& lines);
  // After the last piece: a last line with no end of line, or "".
  const std::string& rest() const { return cut_; }
  // Bytes since the start of the line not ended yet (held, or being dropped):
  // where a reader would start again.
  std::size_t pending() const { return dropping_ ? dropped_ : cut_.size(); }
  // Lines dropped for their length.
  std::size_t overlong() const { return overlong_; }
  // Forgets the line not ended yet (the text it came from was replaced).
  void reset();

 private:
  // Passes the lines of whole (each ended) that fit, in spans.
  void pass(std::string_view whole, const std::function<void(std::string_view)>& lines);

  std::size_t maxLine_;
  std::string cut_;
  bool dropping_ = false;  // in an overlong line, until its end
  std::size_t dropped_ = 0;
  std::size_t overlong_ = 0;
};

// Each line of a span LineJoiner passes, without its "\n" (nor a "\r" before it).
void eachLineOf(std::string_view span, const std::function<void(std::string_view line)>& each);

// Text from outside (agents, DHCP clients, feeds) as it may be shown on a
// terminal: nothing in it can move the cursor, clear the screen, set the
// title, start a line of its own or reorder what follows, and the escaping
// is unambiguous (it can be read back byte for byte):
//   backslash            \\            (doubled)
//   LF, CR, TAB          \n \r \t
//   other C0, DEL        \xHH          (ESC is \x1b, BEL \x07, NUL \x00)
//   invalid UTF-8        \xHH          each byte that is not part of a valid
//                                      sequence (overlong, surrogate, above
//                                      U+10FFFF, truncated, stray continuation)
//   C1 controls          \uHHHH        U+0080-U+009F
//   invisible layout     \uHHHH        U+061C, U+200B-U+200F, U+2028-U+202E,
//                                      U+2060-U+2069, U+FEFF: line and paragraph
//                                      separators, bidirectional overrides and
//                                      isolates, zero-width characters
// Every other valid printable UTF-8 character is kept as it is.
std::string escapeForTerminal(std::string_view text);

// JSON text as a JSON writer made it, made as safe to show on a terminal
// without changing what it means: DEL, C1 controls, the invisible layout
// characters above and any C0 control other than TAB, LF and CR become
// \uHHHH escapes, which a JSON reader reads back as the same characters; a
// byte that is not part of valid UTF-8 becomes U+FFFD, as JSON text cannot
// carry it (RFC 8259 section 8.1). Outside strings, JSON has only ASCII and
// white space, so every escape lands inside a string.
std::string terminalSafeJson(std::string_view json);

}  // namespace portcullis::util
