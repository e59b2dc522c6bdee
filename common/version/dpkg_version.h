#pragma once
// Debian version numbers, compared exactly as dpkg compares them:
// [epoch:]upstream[-revision]; letters sort before non-letters, '~' before
// everything (even the end of the string), digit runs compare as numbers.
// Pure.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/util/result.h"

namespace portcullis::version {

struct DpkgVersion {
  std::uint64_t epoch = 0;
  std::string upstream;
  std::string revision;  // empty when there is none
};

// Splits and checks a version as dpkg's parser does: the epoch is digits, the
// upstream part starts with a digit and holds only [A-Za-z0-9.+~-:] (':' only
// with an epoch, '-' only with a revision), the revision [A-Za-z0-9.+~].
Result<DpkgVersion> parseDpkgVersion(std::string_view text);

// <0, 0 or >0 as a sorts before, equal to or after b.
int compareDpkgVersions(const DpkgVersion& a, const DpkgVersion& b);

// Compares two version strings; a string that does not parse is compared as
// dpkg does with its parts as they are, so the order stays total.
int compareDpkgVersions(std::string_view a, std::string_view b);

}  // namespace portcullis::version
