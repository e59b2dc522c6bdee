#include "controller/store/sqlite_rows.h"

#include <algorithm>

#include <Poco/Data/Statement.h>

namespace portcullis::store::sqlite {

using namespace Poco::Data::Keywords;

bool insertKnownBad(Poco::Data::Session& session, const KnownBadHash& h) {
  auto size = static_cast<std::int64_t>(h.size);
  Poco::Data::Statement insert(session);
  insert << "INSERT OR IGNORE INTO known_bad(sha256, name, source, size, added_at) VALUES(?, ?, ?, ?, ?)",
      useRef(h.sha256), useRef(h.name), useRef(h.source), use(size), useRef(h.addedAt);
  return insert.execute() > 0;
}

void writeSightings(Poco::Data::Session& session, const std::string& machineId, const std::vector<std::string>& signs,
                    std::int64_t at) {
  for (const auto& sign : signs) {
    // A sighting that begins (or begins again) takes the next seq.
    session << "INSERT INTO damage_sightings(sign, machine_id, first_seen, last_seen, seq)"
               " VALUES(?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM damage_sightings))"
               " ON CONFLICT(sign, machine_id) DO UPDATE SET last_seen = excluded.last_seen,"
               " first_seen = CASE WHEN cleared_at > 0 THEN excluded.first_seen ELSE first_seen END,"
               " seq = CASE WHEN cleared_at > 0 THEN excluded.seq ELSE seq END,"
               " cleared_at = 0",
        useRef(sign), useRef(machineId), useRef(at), useRef(at), now;
  }
  std::vector<std::string> open;
  session << "SELECT sign FROM damage_sightings WHERE machine_id = ? AND cleared_at = 0", useRef(machineId),
      into(open), now;
  for (const auto& sign : open)
    if (std::find(signs.begin(), signs.end(), sign) == signs.end())
      session << "UPDATE damage_sightings SET cleared_at = ? WHERE sign = ? AND machine_id = ?", useRef(at),
          useRef(sign), useRef(machineId), now;
}

void insertAudit(Poco::Data::Session& session, const AuditEvent& e) {
  session << "INSERT INTO audit(machine_id, at, event, detail, command_id) VALUES(?, ?, ?, ?, ?)", useRef(e.machineId),
      useRef(e.at), useRef(e.event), useRef(e.detail), useRef(e.commandId), now;
}

}  // namespace portcullis::store::sqlite
