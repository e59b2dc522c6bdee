#pragma once
#include <string>

namespace portcullis::util {

// OpenSSL's queued errors as one line, emptying the queue ("" when none).
std::string takeOpenSslErrors();

}  // namespace portcullis::util
