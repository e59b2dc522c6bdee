#include "controller/cli/machine_choice.h"

#include <algorithm>

namespace portcullis::controller::cli {

MachineChoice chooseMachine(const std::string& idOrHostname, const std::vector<store::MachineSummary>& machines) {
  MachineChoice choice;
  for (const auto& m : machines)
    if (m.id == idOrHostname) {
      choice.fits = {m};
      return choice;
    }
  for (const auto& m : machines)
    if (m.hostname == idOrHostname) choice.fits.push_back(m);
  std::stable_sort(choice.fits.begin(), choice.fits.end(), [](const auto& a, const auto& b) {
    return a.lastSeen != b.lastSeen ? a.lastSeen > b.lastSeen : a.id < b.id;
  });
  return choice;
}

}  // namespace portcullis::controller::cli
