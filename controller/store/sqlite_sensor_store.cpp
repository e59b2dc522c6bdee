#include "controller/store/sqlite_sensor_store.h"

#include <Poco/Data/Statement.h>
#include <Poco/Tuple.h>

#include "controller/store/sqlite_connection.h"
#include "controller/store/sqlite_rows.h"

namespace portcullis::store {

using namespace Poco::Data::Keywords;

namespace {

using FileRow = Poco::Tuple<std::string, std::string, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                            std::int64_t, std::string, std::int64_t, std::string>;
constexpr const char* kFileColumns =
    "SELECT path, sha256, size, mtime, mode, uid, gid, package, changed_at, machine_id FROM file_hashes";

StoredFile toFile(const FileRow& r) {
  StoredFile f;
  f.path = r.get<0>();
  f.sha256 = r.get<1>();
  f.size = static_cast<std::uint64_t>(r.get<2>());
  f.mtime = r.get<3>();
  f.mode = static_cast<std::uint32_t>(r.get<4>());
  f.uid = static_cast<std::uint32_t>(r.get<5>());
  f.gid = static_cast<std::uint32_t>(r.get<6>());
  f.package = r.get<7>();
  f.changedAt = r.get<8>();
  f.machineId = r.get<9>();
  return f;
}

using BadRow = Poco::Tuple<std::string, std::string, std::string, std::int64_t, std::int64_t>;
constexpr const char* kBadColumns = "SELECT sha256, name, source, size, added_at FROM known_bad";

KnownBadHash toBad(const BadRow& r) {
  return KnownBadHash{r.get<0>(), r.get<1>(), r.get<2>(), static_cast<std::uint64_t>(r.get<3>()), r.get<4>()};
}

using SightingRow = Poco::Tuple<std::string, std::string, std::int64_t, std::int64_t, std::int64_t>;
using NotificationRow = Poco::Tuple<std::int64_t, std::string, std::string, std::string, std::string, int,
                                    std::int64_t, std::int64_t, std::string, std::int64_t>;
constexpr const char* kNotificationColumns =
    "SELECT id, machine_id, event, body, state, attempts, created_at, next_at, last_error, sent_at FROM notifications";

Notification toNotification(const NotificationRow& r) {
  return Notification{r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(),
                      r.get<5>(), r.get<6>(), r.get<7>(), r.get<8>(), r.get<9>()};
}

class SqliteSensorStore final : public SensorStore {
 public:
  explicit SqliteSensorStore(SqliteConnection& db) : db_(db) {}


  FileWriteOutcome writeFileHashes(const std::string& machineId, const v1::FileHashes& hashes, std::int64_t at,
                                   std::size_t maxFiles) override {
    try {
      return db_.writeTransaction("write file hashes", [&] {
        // Only a write that could cross the limit pays for counting after it.
        const std::size_t before = maxFiles ? countFiles(machineId) : 0;
        auto out = hashes.full_list() ? writeListPart(machineId, hashes, at) : writeDelta(machineId, hashes, at);
        if (maxFiles && before + static_cast<std::size_t>(hashes.files_size()) > maxFiles) {
          const std::size_t after = countFiles(machineId);
          if (after > maxFiles) throw OverFileLimit{after};  // rolls the write back
        }
        return out;
      });
    } catch (const OverFileLimit& over) {
      FileWriteOutcome out;
      out.overLimit = true;
      out.wouldHold = over.wouldHold;
      return out;
    }
  }

  FileListStatus fileListStatus(const std::string& machineId) override {
    return db_.guard("read file list status", [&] {
      FileListStatus s;
      std::int64_t listed = 0, files = 0;
      db_.session() << "SELECT COALESCE(MAX(complete_at), 0) FROM file_lists WHERE machine_id = ? AND complete_at > 0",
          useRef(machineId), into(listed), now;
      db_.session() << "SELECT COUNT(*) FROM file_hashes WHERE machine_id = ?", useRef(machineId), into(files), now;
      s.complete = listed > 0;
      s.listedAt = listed;
      s.files = static_cast<std::size_t>(files);
      return s;
    });
  }

  std::optional<StoredFile> file(const std::string& machineId, const std::string& path) override {
    return db_.guard("read file", [&]() -> std::optional<StoredFile> {
      std::vector<FileRow> rows;
      db_.session() << std::string(kFileColumns) + " WHERE machine_id = ? AND path = ?", useRef(machineId), useRef(path),
          into(rows), now;
      if (rows.empty()) return std::nullopt;
      return toFile(rows.front());
    });
  }

  std::vector<FileChange> fileChanges(const std::string& machineId, const std::string& path,
                                      std::size_t limit) override {
    return db_.guard("read file changes", [&] {
      std::vector<Poco::Tuple<std::string, std::string, std::string, std::string, std::int64_t>> rows;
      std::string sql = "SELECT path, kind, sha256_before, sha256_after, at FROM file_changes WHERE machine_id = ?";
      if (!path.empty()) sql += " AND path = ?";
      sql += " ORDER BY id DESC";
      auto max = static_cast<std::int64_t>(limit == 0 ? -1 : static_cast<std::int64_t>(limit));
      sql += " LIMIT ?";
      if (path.empty()) db_.session() << sql, useRef(machineId), use(max), into(rows), now;
      else db_.session() << sql, useRef(machineId), useRef(path), use(max), into(rows), now;
      std::vector<FileChange> out;
      for (const auto& r : rows) out.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>()});
      return out;
    });
  }

  std::size_t addKnownBad(const std::vector<KnownBadHash>& hashes) override {
    return db_.writeTransaction("add known-bad hashes", [&] {
      std::size_t added = 0;
      for (const auto& h : hashes) added += sqlite::insertKnownBad(db_.session(), h) ? 1 : 0;
      return added;
    });
  }

  std::vector<KnownBadHash> knownBad() override {
    return db_.guard("read known-bad hashes", [&] {
      std::vector<BadRow> rows;
      db_.session() << std::string(kBadColumns) + " ORDER BY added_at, sha256", into(rows), now;
      std::vector<KnownBadHash> out;
      for (const auto& r : rows) out.push_back(toBad(r));
      return out;
    });
  }

  std::optional<KnownBadHash> knownBadHash(const std::string& sha256) override {
    return db_.guard("read known-bad hash", [&]() -> std::optional<KnownBadHash> {
      std::vector<BadRow> rows;
      db_.session() << std::string(kBadColumns) + " WHERE sha256 = ?", useRef(sha256), into(rows), now;
      if (rows.empty()) return std::nullopt;
      return toBad(rows.front());
    });
  }

  std::string knownBadVersion() override {
    return db_.guard("read known-bad version", [&] {
      std::int64_t count = 0, newest = 0;
      db_.session() << "SELECT COUNT(*), COALESCE(MAX(added_at), 0) FROM known_bad", into(count), into(newest), now;
      return std::to_string(count) + "/" + std::to_string(newest);
    });
  }

  std::vector<KnownBadFile> knownBadFiles(const std::string& machineId) override {
    return db_.guard("read known-bad files", [&] {
      std::vector<FileRow> files;
      std::vector<BadRow> bad;
      // A size in the list must match too (ClamAV's hash lists give one).
      db_.session() << "SELECT f.path, f.sha256, f.size, f.mtime, f.mode, f.uid, f.gid, f.package, f.changed_at,"
                   " f.machine_id FROM file_hashes f JOIN known_bad b ON b.sha256 = f.sha256"
                   " WHERE f.machine_id = ? AND (b.size = 0 OR b.size = f.size) ORDER BY f.path",
          useRef(machineId), into(files), now;
      std::vector<KnownBadFile> out;
      for (const auto& f : files) {
        std::vector<BadRow> rows;
        db_.session() << std::string(kBadColumns) + " WHERE sha256 = ?", useRef(f.get<1>()), into(rows), now;
        if (!rows.empty()) out.push_back({toFile(f), toBad(rows.front())});
      }
      return out;
    });
  }

  std::vector<std::string> machinesWithKnownBad() override {
    return db_.guard("read machines with known-bad files", [&] {
      std::vector<std::string> ids;
      db_.session() << "SELECT DISTINCT f.machine_id FROM file_hashes f JOIN known_bad b ON b.sha256 = f.sha256"
                   " WHERE b.size = 0 OR b.size = f.size ORDER BY f.machine_id",
          into(ids), now;
      return ids;
    });
  }

  void recordSightings(const std::string& machineId, const std::vector<std::string>& signs,
                       std::int64_t at) override {
    db_.writeTransaction("record sightings", [&] {
      sqlite::writeSightings(db_.session(), machineId, signs, at);
      return 0;
    });
  }

  std::vector<Sighting> sightings(const std::vector<std::string>& signs) override {
    return db_.guard("read sightings", [&] {
      std::vector<Sighting> out;
      for (const auto& sign : signs) {
        std::vector<SightingRow> rows;
        db_.session() << "SELECT sign, machine_id, first_seen, last_seen, cleared_at FROM damage_sightings"
                     " WHERE sign = ? ORDER BY first_seen, machine_id",
            useRef(sign), into(rows), now;
        for (const auto& r : rows) out.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>()});
      }
      return out;
    });
  }

  std::vector<Sighting> machineSightings(const std::string& machineId) override {
    return db_.guard("read sightings", [&] {
      std::vector<SightingRow> rows;
      db_.session() << "SELECT sign, machine_id, first_seen, last_seen, cleared_at FROM damage_sightings"
                   " WHERE machine_id = ? ORDER BY first_seen, sign",
          useRef(machineId), into(rows), now;
      std::vector<Sighting> out;
      for (const auto& r : rows) out.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>()});
      return out;
    });
  }

  std::vector<BegunSighting> sightingsBegunAfter(std::int64_t seq, std::size_t most) override {
    return db_.guard("read sightings", [&] {
      using Row = Poco::Tuple<std::int64_t, std::string, std::string, std::int64_t, std::int64_t, std::int64_t>;
      std::vector<Row> rows;
      auto limit = static_cast<std::int64_t>(most);
      db_.session() << "SELECT seq, sign, machine_id, first_seen, last_seen, cleared_at FROM damage_sightings"
                       " WHERE seq > ? ORDER BY seq LIMIT ?",
          useRef(seq), useRef(limit), into(rows), now;
      std::vector<BegunSighting> out;
      for (const auto& r : rows) out.push_back({r.get<0>(), {r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>()}});
      return out;
    });
  }

  std::vector<std::string> machinesWithOpenSightings() override {
    return db_.guard("read sightings", [&] {
      std::vector<std::string> ids;
      db_.session() << "SELECT DISTINCT machine_id FROM damage_sightings WHERE cleared_at = 0 ORDER BY machine_id",
          into(ids), now;
      return ids;
    });
  }

  void audit(const AuditEvent& e) override {
    db_.guard("write audit", [&] { sqlite::insertAudit(db_.session(), e); });
  }

  std::vector<AuditEvent> auditTrail(const std::string& machineId) override {
    return db_.guard("read audit", [&] {
      std::vector<Poco::Tuple<std::string, std::int64_t, std::string, std::string, std::string>> rows;
      db_.session() << "SELECT machine_id, at, event, detail, command_id FROM audit WHERE machine_id = ? ORDER BY id",
          useRef(machineId), into(rows), now;
      std::vector<AuditEvent> out;
      for (const auto& r : rows) out.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>()});
      return out;
    });
  }

  std::int64_t enqueueNotification(const std::string& machineId, const std::string& event, const std::string& body,
                                   std::int64_t at) override {
    return db_.writeTransaction("queue notification", [&] {
      db_.session() << "INSERT INTO notifications(machine_id, event, body, created_at, next_at) VALUES(?, ?, ?, ?, ?)",
          useRef(machineId), useRef(event), useRef(body), useRef(at), useRef(at), now;
      std::int64_t id = 0;
      db_.session() << "SELECT last_insert_rowid()", into(id), now;
      return id;
    });
  }

  std::vector<Notification> dueNotifications(std::int64_t at) override {
    return db_.guard("read due notifications", [&] {
      std::vector<NotificationRow> rows;
      db_.session() << std::string(kNotificationColumns) + " WHERE state = 'pending' AND next_at <= ? ORDER BY id",
          useRef(at), into(rows), now;
      std::vector<Notification> out;
      for (const auto& r : rows) out.push_back(toNotification(r));
      return out;
    });
  }

  void notificationAttempted(std::int64_t id, bool ok, const std::string& error, std::int64_t nextAt,
                             std::int64_t at) override {
    db_.guard("record notification attempt", [&] {
      const std::string state = ok ? "sent" : nextAt == 0 ? "failed" : "pending";
      std::int64_t sentAt = ok ? at : 0;
      db_.session() << "UPDATE notifications SET state = ?, attempts = attempts + 1, last_error = ?, next_at = ?,"
                   " sent_at = ? WHERE id = ?",
          useRef(state), useRef(error), useRef(nextAt), useRef(sentAt), useRef(id), now;
    });
  }

  std::vector<Notification> notifications(const std::string& machineId) override {
    return db_.guard("read notifications", [&] {
      std::vector<NotificationRow> rows;
      db_.session() << std::string(kNotificationColumns) + " WHERE machine_id = ? ORDER BY id", useRef(machineId),
          into(rows), now;
      std::vector<Notification> out;
      for (const auto& r : rows) out.push_back(toNotification(r));
      return out;
    });
  }

 private:
  SqliteConnection& db_;
  void upsertFile(const std::string& machineId, const v1::FileHash& f, std::int64_t listId, std::int64_t at) {
    auto size = static_cast<std::int64_t>(f.size());
    std::int64_t mtime = f.mtime_unix(), mode = f.mode(), uid = f.uid(), gid = f.gid();
    db_.session() << "INSERT INTO file_hashes(machine_id, path, sha256, size, mtime, mode, uid, gid, package, list_id,"
                 " changed_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                 " ON CONFLICT(machine_id, path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size,"
                 " mtime = excluded.mtime, mode = excluded.mode, uid = excluded.uid, gid = excluded.gid,"
                 " package = excluded.package, list_id = excluded.list_id,"
                 " changed_at = CASE WHEN file_hashes.sha256 = excluded.sha256 AND file_hashes.mode = excluded.mode"
                 " AND file_hashes.uid = excluded.uid AND file_hashes.gid = excluded.gid"
                 " THEN file_hashes.changed_at ELSE excluded.changed_at END",
        useRef(machineId), useRef(f.path()), useRef(f.sha256()), use(size), use(mtime), use(mode),
        use(uid), use(gid), useRef(f.package()), use(listId), use(at), now;
  }

  void recordChange(const std::string& machineId, const std::string& path, const char* kind,
                    const std::string& before, const std::string& after, std::int64_t at) {
    const std::string k = kind;
    db_.session() << "INSERT INTO file_changes(machine_id, path, kind, sha256_before, sha256_after, at)"
                 " VALUES(?, ?, ?, ?, ?, ?)",
        useRef(machineId), useRef(path), useRef(k), useRef(before), useRef(after), useRef(at), now;
  }

  // Thrown inside the transaction so that it rolls back; not a store error.
  struct OverFileLimit {
    std::size_t wouldHold;
  };

  std::size_t countFiles(const std::string& machineId) {
    std::int64_t files = 0;
    db_.session() << "SELECT COUNT(*) FROM file_hashes WHERE machine_id = ?", useRef(machineId), into(files), now;
    return static_cast<std::size_t>(files);
  }

  FileWriteOutcome writeDelta(const std::string& machineId, const v1::FileHashes& hashes, std::int64_t at) {
    FileWriteOutcome out;
    // Stamped with the newest list, complete or arriving: a file a delta
    // names while a list's parts arrive stays when that list completes.
    std::int64_t listId = 0;
    db_.session() << "SELECT COALESCE(MAX(list_id), 0) FROM file_lists WHERE machine_id = ?", useRef(machineId),
        into(listId), now;
    for (const auto& f : hashes.files()) {
      std::vector<FileRow> held;
      db_.session() << std::string(kFileColumns) + " WHERE machine_id = ? AND path = ?", useRef(machineId),
          useRef(f.path()), into(held), now;
      const char* kind = nullptr;
      std::string before;
      if (held.empty()) {
        kind = "added";
      } else {
        const auto h = toFile(held.front());
        before = h.sha256;
        if (h.sha256 != f.sha256()) kind = "modified";
        else if (h.mode != f.mode() || h.uid != f.uid() || h.gid != f.gid()) kind = "permissions";
      }
      upsertFile(machineId, f, listId, at);
      if (!kind) continue;
      recordChange(machineId, f.path(), kind, before, f.sha256(), at);
      ++out.changes;
    }
    for (const auto& path : hashes.removed()) {
      std::vector<std::string> held;
      db_.session() << "SELECT sha256 FROM file_hashes WHERE machine_id = ? AND path = ?", useRef(machineId),
          useRef(path), into(held), now;
      if (held.empty()) continue;
      db_.session() << "DELETE FROM file_hashes WHERE machine_id = ? AND path = ?", useRef(machineId), useRef(path), now;
      recordChange(machineId, path, "deleted", held.front(), "", at);
      ++out.changes;
    }
    return out;
  }

  FileWriteOutcome writeListPart(const std::string& machineId, const v1::FileHashes& hashes, std::int64_t at) {
    FileWriteOutcome out;
    auto listId = static_cast<std::int64_t>(hashes.list_id() & 0x7fffffffffffffffULL);
    std::int64_t part = hashes.part(), parts = std::max<std::int64_t>(1, hashes.parts());
    db_.session() << "INSERT OR IGNORE INTO file_lists(machine_id, list_id, parts, started_at) VALUES(?, ?, ?, ?)",
        useRef(machineId), use(listId), use(parts), useRef(at), now;
    for (const auto& f : hashes.files()) upsertFile(machineId, f, listId, at);
    db_.session() << "INSERT OR IGNORE INTO file_list_parts(machine_id, list_id, part) VALUES(?, ?, ?)", useRef(machineId),
        use(listId), use(part), now;
    std::int64_t seen = 0;
    db_.session() << "SELECT COUNT(*) FROM file_list_parts WHERE machine_id = ? AND list_id = ?", useRef(machineId),
        use(listId), into(seen), now;
    if (seen < parts) {
      out.partsMissing = static_cast<std::size_t>(parts - seen);
      return out;
    }
    // Every part is in: what this list did not name is gone from the machine.
    db_.session() << "DELETE FROM file_hashes WHERE machine_id = ? AND list_id <> ?", useRef(machineId), use(listId), now;
    db_.session() << "UPDATE file_lists SET complete_at = ? WHERE machine_id = ? AND list_id = ?", useRef(at),
        useRef(machineId), use(listId), now;
    db_.session() << "DELETE FROM file_list_parts WHERE machine_id = ?", useRef(machineId), now;
    db_.session() << "DELETE FROM file_lists WHERE machine_id = ? AND list_id <> ? AND complete_at = 0", useRef(machineId),
        use(listId), now;
    out.listCompleted = true;
    return out;
  }
};

}  // namespace

std::unique_ptr<SensorStore> openSqliteSensorStore(SqliteConnection& db) {
  return std::make_unique<SqliteSensorStore>(db);
}

}  // namespace portcullis::store
