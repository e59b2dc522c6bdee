#pragma once
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/run_command.h"

// Captured real files live in tests/data/collectors.
inline std::string dataPath(const std::string& name) {
  const char* src = std::getenv("PORTCULLIS_SOURCE_DIR");
  return std::string(src ? src : PORTCULLIS_TEST_SOURCE_DIR) + "/tests/data/collectors/" + name;
}

inline std::string dataFile(const std::string& name) {
  std::ifstream in(dataPath(name), std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string readWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

using portcullis::testing::runCommand;
