#include "agent/collectors/dpkg_status.h"

#include <algorithm>

#include "agent/collectors/text_lines.h"

namespace portcullis::agent::collectors {
namespace {

struct Paragraph {
  std::string_view package, version, arch, status, source;
  bool any = false;
};

void finish(Paragraph& p, DpkgStatus& out) {
  if (!p.any) return;
  if (p.package.empty() || p.status.empty()) {
    ++out.malformed;
  } else {
    // Status: want flag state, e.g. "install ok installed"; the state is the last word.
    const auto words = splitWords(p.status);
    if (words.size() != 3 || words[2] != "installed") {
      ++out.notInstalled;
    } else if (p.version.empty()) {
      ++out.malformed;
    } else {
      v1::Package pkg;
      pkg.set_name(std::string(p.package));
      pkg.set_version(std::string(p.version));
      pkg.set_arch(std::string(p.arch));
      // "Source: name" or "Source: name (version)" when the source version differs.
      std::string_view source = p.source;
      std::string_view sourceVersion;
      if (auto open = source.find('('); open != std::string_view::npos) {
        const auto close = source.find(')', open);
        sourceVersion = trim(source.substr(open + 1, close == std::string_view::npos ? std::string_view::npos
                                                                                       : close - open - 1));
        source = trim(source.substr(0, open));
      }
      pkg.set_source(std::string(source.empty() ? p.package : source));
      pkg.set_source_version(std::string(sourceVersion.empty() ? p.version : sourceVersion));
      out.packages.push_back(std::move(pkg));
    }
  }
  p = Paragraph{};
}

}  // namespace

DpkgStatus parseDpkgStatus(std::string_view text) {
  DpkgStatus out;
  Paragraph p;
  forEachLine(text, [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) {
      finish(p, out);
      return;
    }
    if (line.front() == ' ' || line.front() == '\t') return;  // continuation of a multi-line field
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    p.any = true;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "Package") p.package = value;
    else if (name == "Version") p.version = value;
    else if (name == "Architecture") p.arch = value;
    else if (name == "Status") p.status = value;
    else if (name == "Source") p.source = value;
  });
  finish(p, out);
  std::sort(out.packages.begin(), out.packages.end(), [](const auto& a, const auto& b) {
    return a.name() != b.name() ? a.name() < b.name() : a.arch() < b.arch();
  });
  return out;
}

}  // namespace portcullis::agent::collectors
