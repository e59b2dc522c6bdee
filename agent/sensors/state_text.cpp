#include "agent/sensors/state_text.h"

namespace portcullis::agent::sensors {

std::string escapePath(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out;
}

bool unescapePath(std::string_view text, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) return false;
    switch (text[i]) {
      case '\\': out += '\\'; break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      default: return false;
    }
  }
  return true;
}


Status forEachStateLine(std::string_view text, std::string_view header, std::string_view notHeader,
                        const std::function<Status(std::string_view)>& record) {
  StateLineReader reader(header, notHeader, record);
  if (auto fed = reader.feed(text); !fed) return fed;
  return reader.finish();
}

StateLineReader::StateLineReader(std::string_view header, std::string_view notHeader,
                                 std::function<Status(std::string_view)> record)
    : header_(header), notHeader_(notHeader), record_(std::move(record)) {}

void StateLineReader::take(std::string_view line) {
  ++lineNo_;
  const auto taken = lineNo_ == 1 ? (line == header_ ? done() : Status(fail(notHeader_))) : record_(line);
  if (!taken) status_ = fail("line " + std::to_string(lineNo_) + ": " + taken.error());
}

Status StateLineReader::feed(std::string_view piece) {
  joiner_.feed(piece, [&](std::string_view lines) {
    while (status_ && !lines.empty()) {
      const auto nl = lines.find('\n');
      take(lines.substr(0, nl));
      lines.remove_prefix(nl + 1);
    }
  });
  return status_;
}

Status StateLineReader::finish() {
  if (!status_) return status_;
  if (!joiner_.rest().empty()) return fail("line " + std::to_string(lineNo_ + 1) + ": no end of line (cut short?)");
  if (lineNo_ == 0) return fail("empty file");
  return done();
}

bool splitTabs(std::string_view line, std::string_view* fields, std::size_t count) {
  for (std::size_t i = 0; i + 1 < count; ++i) {
    const auto tab = line.find('\t');
    if (tab == std::string_view::npos) return false;
    fields[i] = line.substr(0, tab);
    line.remove_prefix(tab + 1);
  }
  fields[count - 1] = line;
  return true;
}

}  // namespace portcullis::agent::sensors
