#include "common/config/ini_document.h"
#include "common/util/text.h"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace portcullis::config {
namespace {

using util::lower;
using util::trim;

Result<std::int64_t> parseInteger(std::string_view text) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty())
    return fail("'" + std::string(text) + "' is not a whole number");
  return v;
}

// Splits "123abc" into the number and its unit.
Result<std::pair<std::int64_t, std::string>> numberWithUnit(std::string_view text) {
  text = trim(text);
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return fail("'" + std::string(text) + "' does not start with a number");
  auto n = parseInteger(text.substr(0, i));
  if (!n) return fail(n.error());
  return std::pair{*n, lower(trim(text.substr(i)))};
}

}  // namespace

Result<IniDocument> IniDocument::parse(std::string_view text, const std::string& sourceName) {
  IniDocument doc;
  doc.source_ = sourceName;
  std::string section;
  int lineNo = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++lineNo;
    if (line.empty() || line[0] == '#' || line[0] == ';') {
      if (end == text.size()) break;
      continue;
    }
    const std::string at = sourceName + ":" + std::to_string(lineNo) + ": ";
    if (line[0] == '[') {
      if (line.back() != ']') return fail(at + "section header without closing ']'");
      section = lower(trim(line.substr(1, line.size() - 2)));
      if (section.empty()) return fail(at + "empty section name");
    } else {
      const auto eq = line.find('=');
      if (eq == std::string_view::npos) return fail(at + "expected 'key = value'");
      const std::string key = lower(trim(line.substr(0, eq)));
      std::string_view value = trim(line.substr(eq + 1));
      if (key.empty()) return fail(at + "key missing before '='");
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
          value.back() == value.front())
        value = value.substr(1, value.size() - 2);
      const std::string full = section.empty() ? key : section + "." + key;
      if (doc.values_.count(full))
        return fail(at + "'" + full + "' already set on line " +
                    std::to_string(doc.values_[full].line));
      doc.values_[full] = IniValue{std::string(value), lineNo};
    }
    if (end == text.size()) break;
  }
  return doc;
}

std::optional<IniValue> IniDocument::find(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string IniDocument::where(const std::string& key) const {
  auto v = find(key);
  return v ? source_ + ":" + std::to_string(v->line) : source_;
}

std::optional<IniValue> ConfigReader::take(const std::string& key) {
  asked_[key] = true;
  return doc_.find(key);
}

std::map<std::string, std::string> ConfigReader::section(const std::string& name) {
  std::map<std::string, std::string> out;
  const auto prefix = name + ".";
  for (const auto& [key, value] : doc_.values()) {
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    asked_[key] = true;
    out[key.substr(prefix.size())] = value.value;
  }
  return out;
}

void ConfigReader::addError(const std::string& key, const std::string& message) {
  errors_.push_back(doc_.where(key) + ": " + key + ": " + message);
}

std::string ConfigReader::text(const std::string& key, const std::string& fallback) {
  auto v = take(key);
  return v ? v->value : fallback;
}

std::string ConfigReader::requiredText(const std::string& key) {
  auto v = take(key);
  if (!v || v->value.empty()) {
    errors_.push_back(doc_.source() + ": " + key + ": required but not set");
    return {};
  }
  return v->value;
}

std::int64_t ConfigReader::integer(const std::string& key, std::int64_t fallback,
                                   std::int64_t min, std::int64_t max) {
  auto v = take(key);
  if (!v) return fallback;
  auto n = parseInteger(trim(v->value));
  if (!n) {
    addError(key, n.error());
    return fallback;
  }
  if (*n < min || *n > max) {
    addError(key, std::to_string(*n) + " is outside " + std::to_string(min) + ".." +
                      std::to_string(max));
    return fallback;
  }
  return *n;
}

bool ConfigReader::boolean(const std::string& key, bool fallback) {
  auto v = take(key);
  if (!v) return fallback;
  const std::string s = lower(trim(v->value));
  if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  addError(key, "'" + v->value + "' is not true or false");
  return fallback;
}

std::int64_t ConfigReader::seconds(const std::string& key, std::int64_t fallback) {
  auto v = take(key);
  if (!v) return fallback;
  auto d = parseDuration(v->value);
  if (!d) {
    addError(key, d.error());
    return fallback;
  }
  return *d;
}

std::int64_t ConfigReader::bytes(const std::string& key, std::int64_t fallback) {
  auto v = take(key);
  if (!v) return fallback;
  auto b = parseByteSize(v->value);
  if (!b) {
    addError(key, b.error());
    return fallback;
  }
  return *b;
}

std::pair<std::string, std::uint16_t> ConfigReader::endpoint(const std::string& key,
                                                             const std::string& fallback) {
  auto v = take(key);
  auto e = parseEndpoint(v ? v->value : fallback);
  if (!e) {
    addError(key, e.error());
    return {"", 0};
  }
  return *e;
}

std::vector<std::string> ConfigReader::finish() const {
  std::vector<std::string> all = errors_;
  for (const auto& [key, value] : doc_.values())
    if (!asked_.count(key))
      all.push_back(doc_.source() + ":" + std::to_string(value.line) + ": unknown key '" + key +
                    "'");
  return all;
}

std::string resolvePath(const std::string& configDir, const std::string& value) {
  if (value.empty() || value.front() == '/') return value;
  return configDir + "/" + value;
}

std::string joinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

Result<std::int64_t> parseDuration(std::string_view text) {
  auto nu = numberWithUnit(text);
  if (!nu) return fail("duration " + nu.error() + " (use e.g. 30s, 5m, 1h, 2d)");
  const auto [n, unit] = *nu;
  if (unit.empty() || unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  if (unit == "d") return n * 86400;
  return fail("unknown duration unit '" + unit + "' (use s, m, h or d)");
}

Result<std::int64_t> parseByteSize(std::string_view text) {
  auto nu = numberWithUnit(text);
  if (!nu) return fail("size " + nu.error() + " (use e.g. 4MiB, 512KiB)");
  const auto [n, unit] = *nu;
  if (unit.empty() || unit == "b") return n;
  if (unit == "kib" || unit == "k") return n * 1024;
  if (unit == "mib" || unit == "m") return n * 1024 * 1024;
  if (unit == "gib" || unit == "g") return n * 1024 * 1024 * 1024;
  return fail("unknown size unit '" + unit + "' (use KiB, MiB or GiB)");
}

Result<std::pair<std::string, std::uint16_t>> parseEndpoint(std::string_view text) {
  text = trim(text);
  std::string host;
  std::string_view portText;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail("'" + std::string(text) + "' is not [IPv6]:PORT");
    host = std::string(text.substr(1, close - 1));
    portText = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      return fail("'" + std::string(text) + "' is not HOST:PORT");
    host = std::string(text.substr(0, colon));
    portText = text.substr(colon + 1);
  }
  auto port = parseInteger(portText);
  if (!port || *port < 0 || *port > 65535)
    return fail("'" + std::string(portText) + "' is not a port number (0-65535)");
  return std::pair{host, static_cast<std::uint16_t>(*port)};
}

std::vector<std::string> splitList(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find(',', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto item = trim(text.substr(pos, end - pos));
    if (!item.empty()) out.emplace_back(item);
    pos = end + 1;
  }
  return out;
}

}  // namespace portcullis::config
