#pragma once
// The documented JSON of a diagnosis (`diagnose --json`, and the console's
// machine page): vulnerabilities, the sources to patch, measures, what no
// measure covers.
#include <string>

#include "controller/diagnosis/diagnosis.h"

namespace portcullis::controller::views {

struct DiagnosedMachine {
  std::string id;
  std::string hostname;
  std::string ecosystem;
};

// The `diagnose --json` object, without a trailing newline.
std::string diagnosisJson(const DiagnosedMachine& machine, const diagnosis::Diagnosis& d);

}  // namespace portcullis::controller::views
