#pragma once
// What `machine show` says of a machine's files and damage: its watched
// files and their latest changes, known-bad files, each sign of damage it
// showed with the other machines that showed it and whether it spreads, the
// audit history of every step taken, and the notices sent to its owner.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "controller/diagnosis/spread.h"
#include "controller/store/store.h"

namespace portcullis::controller::views {

struct SignRange {
  store::Sighting own;
  std::vector<store::Sighting> all;  // every machine that showed it
  diagnosis::SpreadJudgement judged;
  std::string summary;
};

struct MachineDamageView {
  store::FileListStatus files;
  std::vector<store::FileChange> recentChanges;  // newest first
  std::vector<store::KnownBadFile> knownBad;
  std::vector<SignRange> signs;
  std::vector<store::AuditEvent> audit;
  std::vector<store::Notification> notices;
};

MachineDamageView loadDamageView(store::Store& store, const std::string& machineId, std::int64_t now);
void printDamageView(std::ostream& out, const MachineDamageView& view);
// Adds "files", "damage", "audit" and "owner_notices".
void addDamageJson(Poco::JSON::Object& object, const MachineDamageView& view);

}  // namespace portcullis::controller::views
