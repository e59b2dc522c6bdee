#pragma once
// What a diagnosis needs from the controller's files: the policy (or the
// built-in defaults when the file does not exist yet) and the advisory index
// built from the store; and the words and JSON a diagnosis is shown in.
#include <iosfwd>
#include <string>

#include "controller/config/controller_config.h"
#include "controller/diagnosis/diagnosis.h"
#include "controller/store/store.h"
#include "controller/views/diagnosis_json.h"

namespace portcullis::controller::cli {

// The policy file, or the defaults with a warning on stderr when there is no
// file. Fails on a file that does not validate.
Result<diagnosis::Policy> policyFor(const ControllerConfig& config);

// Every stored advisory in the index; records that no longer parse are
// skipped (they parsed at import) and counted in `skipped`.
void loadIndex(store::Store& store, diagnosis::AdvisoryIndex& index, std::size_t& skipped);

// The diagnosis in words, as `diagnose` and `machine show` print it.
void printDiagnosis(std::ostream& out, const diagnosis::Diagnosis& d, const std::string& indent);

}  // namespace portcullis::controller::cli
