#include "agent/collectors/os_release.h"

#include <map>
#include <string>

#include "agent/collectors/text_lines.h"

namespace portcullis::agent::collectors {
namespace {

// Shell-like unquoting as os-release(5) allows: "..." with \ escapes, or '...'.
std::string unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') return std::string(v.substr(1, v.size() - 2));
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    std::string out;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] == '\\' && i + 2 < v.size()) ++i;
      out.push_back(v[i]);
    }
    return out;
  }
  return std::string(v);
}

}  // namespace

v1::OsRelease parseOsRelease(std::string_view text) {
  std::map<std::string, std::string, std::less<>> values;
  forEachLine(text, [&](std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() == '#') return;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) return;
    values[std::string(trim(line.substr(0, eq)))] = unquote(trim(line.substr(eq + 1)));
  });
  v1::OsRelease os;
  auto get = [&](const char* key) {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  };
  os.set_id(get("ID"));
  os.set_version_id(get("VERSION_ID"));
  os.set_pretty_name(get("PRETTY_NAME"));
  os.set_version_codename(get("VERSION_CODENAME"));
  for (auto like : splitWords(get("ID_LIKE"))) os.add_id_like(std::string(like));
  return os;
}

}  // namespace portcullis::agent::collectors
