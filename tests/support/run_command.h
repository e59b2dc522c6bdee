#pragma once
// Runs a shell command from a unit test and returns what it printed, to
// compare our code with the real tool (dpkg, dpkg-query, openssl).
#include <cstdio>
#include <string>

namespace portcullis::testing {

inline std::string runCommand(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[65536];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

}  // namespace portcullis::testing
