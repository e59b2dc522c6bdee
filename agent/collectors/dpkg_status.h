#pragma once
// /var/lib/dpkg/status: RFC 822-style paragraphs. Only packages whose status
// is "installed" count; config-files, half-installed and not-installed ones
// are skipped and counted.
#include <cstddef>
#include <string_view>
#include <vector>

#include "portcullis/v1/portcullis.pb.h"

namespace portcullis::agent::collectors {

struct DpkgStatus {
  std::vector<::portcullis::v1::Package> packages;  // sorted by (name, arch)
  std::size_t notInstalled = 0;  // paragraphs in another state
  std::size_t malformed = 0;     // paragraphs without Package, Version or Status
};

DpkgStatus parseDpkgStatus(std::string_view text);

}  // namespace portcullis::agent::collectors
