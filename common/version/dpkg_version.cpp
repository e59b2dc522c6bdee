#include "common/version/dpkg_version.h"

#include <charconv>

namespace portcullis::version {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The weight of a character in the non-digit part: '~' lowest, then the end
// of the string and digits, then letters, then everything else.
int order(char c) {
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c == '~') return -1;
  if (c) return static_cast<unsigned char>(c) + 256;
  return 0;
}

// One part (upstream or revision): alternating non-digit and digit runs.
int compareParts(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    while ((i < a.size() && !isDigit(a[i])) || (j < b.size() && !isDigit(b[j]))) {
      const int ac = order(at(a, i)), bc = order(at(b, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    int firstDiff = 0;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (!firstDiff) firstDiff = at(a, i) - at(b, j);
      ++i;
      ++j;
    }
    if (isDigit(at(a, i))) return 1;
    if (isDigit(at(b, j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

// The split dpkg makes, without judging the characters.
DpkgVersion split(std::string_view text) {
  DpkgVersion v;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    std::uint64_t epoch = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + colon, epoch);
    if (ec == std::errc() && p == text.data() + colon) {
      v.epoch = epoch;
      text.remove_prefix(colon + 1);
    }
  }
  if (auto dash = text.rfind('-'); dash != std::string_view::npos) {
    v.revision = std::string(text.substr(dash + 1));
    text = text.substr(0, dash);
  }
  v.upstream = std::string(text);
  return v;
}

}  // namespace

Result<DpkgVersion> parseDpkgVersion(std::string_view text) {
  const std::string original(text);
  if (text.find_first_not_of(" \t") == std::string_view::npos) return fail("empty version");
  auto colon = text.find(':');
  if (colon != std::string_view::npos) {
    if (colon == 0) return fail("version '" + original + "' has an empty epoch");
    for (std::size_t i = 0; i < colon; ++i)
      if (!isDigit(text[i])) return fail("version '" + original + "' has a non-numeric epoch");
    std::uint64_t epoch = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + colon, epoch);
    if (ec != std::errc() || epoch > 2147483647) return fail("version '" + original + "' has an epoch out of range");
  }
  DpkgVersion v = split(text);
  if (v.upstream.empty()) return fail("version '" + original + "' has an empty upstream part");
  if (!isDigit(v.upstream.front())) return fail("version '" + original + "' does not start with a digit");
  for (char c : v.upstream)
    if (!isDigit(c) && !isAlpha(c) && c != '.' && c != '+' && c != '~' && c != '-' && c != ':')
      return fail("version '" + original + "' has an invalid character '" + std::string(1, c) + "'");
  if (text.rfind('-') != std::string_view::npos && v.revision.empty())
    return fail("version '" + original + "' has an empty revision");
  for (char c : v.revision)
    if (!isDigit(c) && !isAlpha(c) && c != '.' && c != '+' && c != '~')
      return fail("version '" + original + "' has an invalid character '" + std::string(1, c) + "' in its revision");
  return v;
}

int compareDpkgVersions(const DpkgVersion& a, const DpkgVersion& b) {
  if (a.epoch != b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (int r = compareParts(a.upstream, b.upstream)) return r;
  return compareParts(a.revision, b.revision);
}

int compareDpkgVersions(std::string_view a, std::string_view b) { return compareDpkgVersions(split(a), split(b)); }

}  // namespace portcullis::version
