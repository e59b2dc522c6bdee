#include "common/util/openssl_errors.h"

#include <openssl/err.h>

namespace portcullis::util {

std::string takeOpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

}  // namespace portcullis::util
