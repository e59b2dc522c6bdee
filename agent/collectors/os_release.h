#pragma once
// /etc/os-release: KEY=value lines, values optionally quoted.
#include <string_view>

#include "portcullis/v1/portcullis.pb.h"

namespace portcullis::agent::collectors {

::portcullis::v1::OsRelease parseOsRelease(std::string_view text);

}  // namespace portcullis::agent::collectors
