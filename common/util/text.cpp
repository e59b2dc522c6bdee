#include "common/util/text.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace portcullis::util {
namespace {

constexpr std::string_view kWhite = " \t\r\n\v\f";
constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at the start of text and its code
// point, or 0 when the first byte does not start one (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF).
std::size_t decodeUtf8(std::string_view text, char32_t& codePoint) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
  if (lead < 0x80) {
    codePoint = lead;
    return 1;
  } else if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    codePoint = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    codePoint = lead & 0x0f;
    if (lead == 0xe0) low = 0xa0;   // overlong below U+0800
    if (lead == 0xed) high = 0x9f;  // surrogates U+D800-U+DFFF
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    codePoint = lead & 0x07;
    if (lead == 0xf0) low = 0x90;   // overlong below U+10000
    if (lead == 0xf4) high = 0x8f;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (overlong ASCII) or F5-FF
  }
  if (text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char b = byte(i);
    if (b < (i == 1 ? low : 0x80) || b > (i == 1 ? high : 0xbf)) return 0;
    codePoint = (codePoint << 6) | (b & 0x3f);
  }
  return length;
}

// Valid characters that still change what a terminal shows around them.
bool invisibleLayout(char32_t c) {
  return (c >= 0x80 && c <= 0x9f) || c == 0x061c || (c >= 0x200b && c <= 0x200f) ||
         (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2069) || c == 0xfeff;
}

void appendByte(std::string& out, unsigned char b) {
  out += "\\x";
  out += kHex[b >> 4];
  out += kHex[b & 0xf];
}

// Four hex digits: every code point escaped here is below U+10000.
void appendCodePoint(std::string& out, char32_t c) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(c >> shift) & 0xf];
}

}  // namespace

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(kWhite);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kWhite) - first + 1);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const auto start = text.find_first_not_of(" \t\r\n\v\f", pos);
    if (start == std::string_view::npos) break;
    const auto end = text.find_first_of(" \t\r\n\v\f", start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    pos = end;
  }
  return out;
}

std::string escapeForTerminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    char32_t c = 0;
    const std::size_t length = decodeUtf8(text, c);
    if (length == 0) {
      appendByte(out, static_cast<unsigned char>(text.front()));
      text.remove_prefix(1);
      continue;
    }
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) appendByte(out, static_cast<unsigned char>(c));
    else if (invisibleLayout(c)) appendCodePoint(out, c);
    else out.append(text.substr(0, length));
    text.remove_prefix(length);
  }
  return out;
}

std::string terminalSafeJson(std::string_view json) {
  constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD
  std::string out;
  out.reserve(json.size());
  while (!json.empty()) {
    char32_t c = 0;
    const std::size_t length = decodeUtf8(json, c);
    if (length == 0) {
      out += kReplacement;
      json.remove_prefix(1);
      continue;
    }
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f || invisibleLayout(c))
      appendCodePoint(out, c);
    else
      out.append(json.substr(0, length));
    json.remove_prefix(length);
  }
  return out;
}

void LineJoiner::feed(std::string_view piece, const std::function<void(std::string_view lines)>& lines) {
  if (dropping_) {
    const auto end = piece.find('\n');
    if (end == std::string_view::npos) {
      dropped_ += piece.size();
      return;
    }
    dropping_ = false;
    dropped_ = 0;
    piece.remove_prefix(end + 1);
  }
  const auto end = piece.rfind('\n');
  if (end == std::string_view::npos) {
    if (maxLine_ != kUnbounded && cut_.size() + piece.size() > maxLine_) {
      dropping_ = true;
      dropped_ = cut_.size() + piece.size();
      cut_.clear();
      ++overlong_;
      return;
    }
    cut_.append(piece);
    return;
  }
  auto whole = piece.substr(0, end + 1);
  if (!cut_.empty()) {
    // Only the line the last piece cut is copied; the rest is passed as it lies.
    const auto first = whole.find('\n') + 1;
    cut_.append(whole.substr(0, first));
    pass(cut_, lines);
    whole.remove_prefix(first);
  }
  if (!whole.empty()) pass(whole, lines);
  cut_.clear();
  feed(piece.substr(end + 1), lines);  // no end of line in it: held, or dropped when too long
}

void LineJoiner::pass(std::string_view whole, const std::function<void(std::string_view)>& lines) {
  if (maxLine_ == kUnbounded) {
    lines(whole);
    return;
  }
  // Runs of lines that fit, each passed as one span; a line too long skipped.
  std::size_t run = 0, at = 0;
  while (at < whole.size()) {
    const auto end = whole.find('\n', at);
    if (end - at > maxLine_) {
      if (at > run) lines(whole.substr(run, at - run));
      ++overlong_;
      run = end + 1;
    }
    at = end + 1;
  }
  if (run < whole.size()) lines(whole.substr(run));
}

void LineJoiner::reset() {
  cut_.clear();
  dropping_ = false;
  dropped_ = 0;
}

void eachLineOf(std::string_view span, const std::function<void(std::string_view line)>& each) {
  while (!span.empty()) {
    const auto end = span.find('\n');
    auto line = span.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    each(line);
    span.remove_prefix(end == std::string_view::npos ? span.size() : end + 1);
  }
}

std::optional<std::int64_t> recordNumber(std::string_view word) {
  if (word.empty() || word.size() > 18 || word.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::int64_t n = 0;
  for (const char c : word) n = n * 10 + (c - '0');
  return n;
}

bool isPlainName(std::string_view s) {
  return !s.empty() && s.size() <= 100 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == ':' || c == '+' || c == '-';
  });
}

bool isNormalAbsolutePath(std::string_view p) {
  if (p.size() < 2 || p.front() != '/' || p.back() == '/' || p.find('\0') != std::string_view::npos) return false;
  for (std::size_t start = 1; start <= p.size();) {
    const auto end = std::min(p.find('/', start), p.size());
    const auto part = p.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

bool isSha256Hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace portcullis::util
