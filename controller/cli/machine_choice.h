#pragma once
// Which stored machine an operator's word names: its id, else its host name.
// Host names are what agents say they are, so several machines may share
// one; such a name names none of them, and the command asks for an id
// rather than act on a machine of its own choosing.
#include <string>
#include <vector>

#include "controller/store/machine_registry.h"

namespace portcullis::controller::cli {

struct MachineChoice {
  // Every machine the word fits: one is the answer, none or several are not.
  // An id fits only its machine; several machines of the host name come most
  // recently seen first.
  std::vector<store::MachineSummary> fits;
  bool chosen() const { return fits.size() == 1; }
};

MachineChoice chooseMachine(const std::string& idOrHostname, const std::vector<store::MachineSummary>& machines);

}  // namespace portcullis::controller::cli
