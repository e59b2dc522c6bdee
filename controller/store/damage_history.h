#pragma once
// Where each sign of damage was seen and since when (the damage range over
// time), and the audit history of every step taken on a machine.
#include <cstdint>
#include <string>
#include <vector>

#include "controller/store/store_error.h"

namespace portcullis::store {

// One machine showing one sign ("signature:NAME" or "sha256:HEX").
struct Sighting {
  std::string sign;
  std::string machineId;
  std::int64_t firstSeen = 0;
  std::int64_t lastSeen = 0;
  std::int64_t clearedAt = 0;  // 0: still shows it
};

struct AuditEvent {
  std::string machineId;
  std::int64_t at = 0;
  std::string event;  // DAMAGE_FOUND, ISOLATION_ORDERED, COMMAND_FINISHED, ...
  std::string detail;
  std::string commandId;
};

// A sighting as it began (or began again after it was cleared), in the order
// sightings began: how the recovery system's findings become alerts.
struct BegunSighting {
  std::int64_t seq = 0;
  Sighting sighting;
};

class DamageHistory {
 public:
  virtual ~DamageHistory() = default;
  // The machine shows exactly these signs now: new ones are recorded, the
  // ones it no longer shows are cleared, and one seen again counts again.
  virtual void recordSightings(const std::string& machineId, const std::vector<std::string>& signs,
                               std::int64_t now) = 0;
  // Every machine that showed any of these signs, cleared ones included.
  virtual std::vector<Sighting> sightings(const std::vector<std::string>& signs) = 0;
  virtual std::vector<Sighting> machineSightings(const std::string& machineId) = 0;
  virtual std::vector<std::string> machinesWithOpenSightings() = 0;
  // Sightings that began after seq (recorded since schema 20), in order, at most `most`.
  virtual std::vector<BegunSighting> sightingsBegunAfter(std::int64_t seq, std::size_t most) = 0;

  virtual void audit(const AuditEvent& event) = 0;
  // Oldest first.
  virtual std::vector<AuditEvent> auditTrail(const std::string& machineId) = 0;
};

}  // namespace portcullis::store
