// The SQLite store through Poco::Data. Poco's exceptions stop here: every
// public method turns them into StoreError naming the file.
#include <mutex>

#include <Poco/Data/LOB.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Tuple.h>

#include "common/util/digest.h"
#include "controller/store/schema_migrations.h"
#include "controller/store/store.h"

namespace portcullis::store {

using namespace Poco::Data::Keywords;
using Poco::Data::BLOB;

const char* describe(TokenCheck check) {
  switch (check) {
    case TokenCheck::Accepted: return "accepted";
    case TokenCheck::Unknown: return "unknown token";
    case TokenCheck::AlreadyUsed: return "token already used";
    case TokenCheck::Expired: return "token expired";
  }
  return "?";
}

namespace {

std::once_flag registerOnce;

std::string join(const google::protobuf::RepeatedPtrField<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ",") + s;
  return out;
}

BLOB toBlob(const std::string& bytes) {
  return BLOB(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string fromBlob(const BLOB& blob) {
  return std::string(reinterpret_cast<const char*>(blob.rawContent()), blob.size());
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::filesystem::path& file) : file_(file.string()) {
    guard("open", [&] {
      std::call_once(registerOnce, [] { Poco::Data::SQLite::Connector::registerConnector(); });
      session_ = std::make_unique<Poco::Data::Session>("SQLite", file_);
      // Reading the schema version first turns "not a database" into an error here.
      int version = 0;
      *session_ << "PRAGMA user_version", into(version), now;
      *session_ << "PRAGMA journal_mode=WAL", now;
      *session_ << "PRAGMA synchronous=FULL", now;
      *session_ << "PRAGMA foreign_keys=ON", now;
      *session_ << "PRAGMA busy_timeout=5000", now;
      migrate(version);
    });
  }

  int schemaVersion() override {
    return guard("read schema version", [&] {
      int version = 0;
      *session_ << "PRAGMA user_version", into(version), now;
      return version;
    });
  }

  void addEnrollToken(const std::string& tokenHash, std::int64_t createdAt, std::int64_t expiresAt) override {
    guard("add enrollment token", [&] {
      std::string h = tokenHash;
      *session_ << "INSERT INTO enroll_tokens(token_hash, created_at, expires_at) VALUES(?,?,?)", use(h),
          use(createdAt), use(expiresAt), now;
    });
  }

  TokenCheck consumeEnrollToken(const std::string& tokenHash, std::int64_t at) override {
    return transaction("consume enrollment token", [&] {
      std::string h = tokenHash;
      std::vector<std::int64_t> expires, used;
      *session_ << "SELECT expires_at, used_at FROM enroll_tokens WHERE token_hash = ?", use(h), into(expires),
          into(used), now;
      if (expires.empty()) return TokenCheck::Unknown;
      if (used[0] != 0) return TokenCheck::AlreadyUsed;
      if (at >= expires[0]) return TokenCheck::Expired;
      *session_ << "UPDATE enroll_tokens SET used_at = ? WHERE token_hash = ?", use(at), use(h), now;
      return TokenCheck::Accepted;
    });
  }

  void addAgent(const AgentRecord& a) override {
    guard("add agent", [&] {
      AgentRecord r = a;
      *session_ << "INSERT INTO agents(id, hostname, cert_serial, cert_sha256, enrolled_at, revoked_at)"
                   " VALUES(?,?,?,?,?,?)",
          use(r.id), use(r.hostname), use(r.certSerialHex), use(r.certSha256), use(r.enrolledAt),
          use(r.revokedAt), now;
    });
  }

  std::optional<AgentRecord> agent(const std::string& id) override {
    auto all = selectAgents("WHERE id = ?", id);
    if (all.empty()) return std::nullopt;
    return all.front();
  }

  std::vector<AgentRecord> agents() override { return selectAgents("", ""); }

  bool revokeAgent(const std::string& id, std::int64_t at) override {
    return transaction("revoke agent", [&] {
      std::string key = id;
      std::vector<std::int64_t> revoked;
      *session_ << "SELECT revoked_at FROM agents WHERE id = ?", use(key), into(revoked), now;
      if (revoked.empty()) return false;
      if (revoked[0] == 0)
        *session_ << "UPDATE agents SET revoked_at = ? WHERE id = ?", use(at), use(key), now;
      return true;
    });
  }

  void writeReports(const std::vector<ReportWrite>& reports) override {
    transaction("write reports", [&] {
      for (const auto& r : reports) writeOne(r);
      return 0;
    });
  }

  std::string storedDigest(const std::string& agentId) override {
    return guard("read digest", [&] {
      std::string key = agentId;
      std::vector<std::string> digest;
      *session_ << "SELECT digest FROM machines WHERE id = ?", use(key), into(digest), now;
      return digest.empty() ? std::string() : digest.front();
    });
  }

  std::vector<MachineSummary> machines() override { return selectMachines("ORDER BY hostname, id", ""); }

  std::optional<MachineRecord> machine(const std::string& idOrHostname) override {
    auto found = selectMachines("WHERE id = ?", idOrHostname);
    if (found.empty()) found = selectMachines("WHERE hostname = ? ORDER BY last_seen DESC LIMIT 1", idOrHostname);
    if (found.empty()) return std::nullopt;
    MachineRecord record;
    record.summary = found.front();
    guard("read machine information", [&] {
      std::string key = record.summary.id;
      std::vector<BLOB> info;
      *session_ << "SELECT info FROM machines WHERE id = ?", use(key), into(info), now;
      if (!info.empty() && !record.info.ParseFromString(fromBlob(info.front())))
        throw StoreError("stored machine information of " + key + " does not parse");
    });
    return record;
  }

  std::string enqueueCommand(const std::string& machineId, const std::string& kind, const std::string& payload,
                             std::int64_t at) override {
    return guard("enqueue command", [&] {
      std::string id = util::randomUuid(), m = machineId, k = kind, state = "queued";
      BLOB p = toBlob(payload);
      *session_ << "INSERT INTO commands(id, machine_id, kind, payload, state, created_at) VALUES(?,?,?,?,?,?)",
          use(id), use(m), use(k), use(p), use(state), use(at), now;
      return id;
    });
  }

  std::vector<OutboxCommand> undeliveredCommands(const std::string& machineId) override {
    return selectCommands("WHERE machine_id = ? AND state IN ('queued','delivered') ORDER BY created_at, rowid",
                          machineId);
  }

  void markDelivered(const std::string& commandId, std::int64_t at) override {
    guard("mark command delivered", [&] {
      std::string id = commandId;
      *session_ << "UPDATE commands SET state = 'delivered', delivered_at = ?"
                   " WHERE id = ? AND state IN ('queued','delivered')",
          use(at), use(id), now;
    });
  }

  void markFinished(const std::string& commandId, bool ok, const std::string& detail, std::int64_t at) override {
    guard("mark command finished", [&] {
      std::string id = commandId, d = detail, state = ok ? "done" : "failed";
      *session_ << "UPDATE commands SET state = ?, finished_at = ?, result_detail = ? WHERE id = ?", use(state),
          use(at), use(d), use(id), now;
    });
  }

  std::vector<OutboxCommand> commands() override { return selectCommands("ORDER BY created_at DESC, rowid DESC", ""); }

  void recordTransition(const Transition& t) override {
    transaction("record transition", [&] {
      insertTransition(t);
      return 0;
    });
  }

  std::vector<Transition> transitions(const std::string& machineId) override {
    return guard("read transitions", [&] {
      std::string key = machineId;
      std::vector<Poco::Tuple<std::string, std::string, std::string, std::string, std::string, std::int64_t>> rows;
      *session_ << "SELECT machine_id, from_state, to_state, cause, command_id, at FROM transitions"
                   " WHERE machine_id = ? ORDER BY id",
          use(key), into(rows), now;
      std::vector<Transition> out;
      for (const auto& r : rows)
        out.push_back(Transition{r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>()});
      return out;
    });
  }

 private:
  // Runs f under the lock, translating Poco's exceptions.
  template <typename F>
  auto guard(const char* what, F&& f) -> decltype(f()) {
    std::lock_guard lock(mutex_);
    try {
      return f();
    } catch (const StoreError&) {
      throw;
    } catch (const Poco::Exception& e) {
      throw StoreError("store " + file_ + ": " + what + ": " + e.displayText());
    } catch (const std::exception& e) {
      throw StoreError("store " + file_ + ": " + what + ": " + e.what());
    }
  }

  // Runs f in one transaction: all of it or none of it.
  template <typename F>
  auto transaction(const char* what, F&& f) -> decltype(f()) {
    return guard(what, [&] {
      session_->begin();
      try {
        auto result = f();
        session_->commit();
        return result;
      } catch (...) {
        try {
          session_->rollback();
        } catch (...) {
        }
        throw;
      }
    });
  }

  void migrate(int current) {
    if (current > newestSchemaVersion())
      throw StoreError("store " + file_ + " has schema version " + std::to_string(current) +
                       ", newer than this program knows (" + std::to_string(newestSchemaVersion()) +
                       "): refusing to touch it");
    for (const auto& m : schemaMigrations()) {
      if (m.version <= current) continue;
      session_->begin();
      try {
        for (const auto& sql : m.statements) *session_ << sql, now;
        *session_ << "PRAGMA user_version = " + std::to_string(m.version), now;
        session_->commit();
      } catch (...) {
        session_->rollback();
        throw;
      }
    }
  }

  void insertTransition(const Transition& t) {
    Transition x = t;
    *session_ << "INSERT INTO transitions(machine_id, from_state, to_state, cause, command_id, at)"
                 " VALUES(?,?,?,?,?,?)",
        use(x.machineId), use(x.fromState), use(x.toState), use(x.cause), use(x.commandId), use(x.at), now;
    *session_ << "UPDATE machines SET state = ? WHERE id = ?", use(x.toState), use(x.machineId), now;
  }

  void writeOne(const ReportWrite& r) {
    std::string id = r.agentId;
    std::int64_t at = r.receivedAt;
    if (!r.body) {
      *session_ << "UPDATE machines SET last_seen = ? WHERE id = ?", use(at), use(id), now;
      return;
    }
    const auto& info = *r.body;
    std::vector<std::string> state;
    *session_ << "SELECT state FROM machines WHERE id = ?", use(id), into(state), now;
    const bool isNew = state.empty();

    std::string hostname = info.hostname(), machineId = info.machine_id(), osId = info.os().id(),
                osVersion = info.os().version_id(), osPretty = info.os().pretty_name(), arch = info.arch(),
                kernel = info.kernel_release(), digest = r.digest;
    std::int64_t packageCount = info.packages_size();
    BLOB blob = toBlob(info.SerializeAsString());
    if (isNew) {
      std::string pending = "unknown";
      *session_ << "INSERT INTO machines(id, hostname, machine_id, os_id, os_version, os_pretty, arch, kernel,"
                   " state, package_count, first_seen, last_seen, digest, info) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
          use(id), use(hostname), use(machineId), use(osId), use(osVersion), use(osPretty), use(arch), use(kernel),
          use(pending), use(packageCount), use(at), use(at), use(digest), use(blob), now;
    } else {
      *session_ << "UPDATE machines SET hostname = ?, machine_id = ?, os_id = ?, os_version = ?, os_pretty = ?,"
                   " arch = ?, kernel = ?, package_count = ?, last_seen = ?, digest = ?, info = ? WHERE id = ?",
          use(hostname), use(machineId), use(osId), use(osVersion), use(osPretty), use(arch), use(kernel),
          use(packageCount), use(at), use(digest), use(blob), use(id), now;
    }

    *session_ << "DELETE FROM packages WHERE machine_id = ?", use(id), now;
    if (info.packages_size() > 0) {
      std::vector<std::string> ids, names, versions, arches, sources, sourceVersions;
      const auto n = static_cast<std::size_t>(info.packages_size());
      ids.assign(n, id);
      names.reserve(n);
      versions.reserve(n);
      arches.reserve(n);
      sources.reserve(n);
      sourceVersions.reserve(n);
      for (const auto& p : info.packages()) {
        names.push_back(p.name());
        versions.push_back(p.version());
        arches.push_back(p.arch());
        sources.push_back(p.source().empty() ? p.name() : p.source());
        sourceVersions.push_back(p.source_version().empty() ? p.version() : p.source_version());
      }
      // One prepared statement run once per row; a duplicate (name, arch) keeps the last.
      *session_ << "INSERT OR REPLACE INTO packages(machine_id, name, version, arch, source, source_version)"
                   " VALUES(?,?,?,?,?,?)",
          use(ids), use(names), use(versions), use(arches), use(sources), use(sourceVersions), now;
    }

    *session_ << "DELETE FROM interfaces WHERE machine_id = ?", use(id), now;
    for (const auto& i : info.interfaces()) {
      std::string name = i.name(), mac = i.mac(), v4 = join(i.ipv4()), v6 = join(i.ipv6());
      *session_ << "INSERT OR REPLACE INTO interfaces(machine_id, name, mac, ipv4, ipv6) VALUES(?,?,?,?,?)", use(id),
          use(name), use(mac), use(v4), use(v6), now;
    }

    if (isNew)
      insertTransition(Transition{id, "unknown", "pending", "first report from agent " + id, "", at});
  }

  std::vector<AgentRecord> selectAgents(const std::string& where, const std::string& key) {
    return guard("read agents", [&] {
      std::vector<Poco::Tuple<std::string, std::string, std::string, std::string, std::int64_t, std::int64_t>> rows;
      std::string k = key;
      const std::string sql =
          "SELECT id, hostname, cert_serial, cert_sha256, enrolled_at, revoked_at FROM agents " + where +
          (where.empty() ? " ORDER BY enrolled_at, id" : "");
      if (where.empty()) *session_ << sql, into(rows), now;
      else *session_ << sql, use(k), into(rows), now;
      std::vector<AgentRecord> out;
      for (const auto& r : rows)
        out.push_back(AgentRecord{r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>()});
      return out;
    });
  }

  std::vector<MachineSummary> selectMachines(const std::string& clause, const std::string& key) {
    return guard("read machines", [&] {
      std::vector<Poco::Tuple<std::string, std::string, std::string, std::string, std::string, std::string,
                              std::string, std::int64_t, std::int64_t, std::int64_t, std::string>>
          rows;
      std::string k = key;
      const std::string sql =
          "SELECT id, hostname, os_id, os_version, arch, kernel, state, package_count, first_seen, last_seen, digest"
          " FROM machines " + clause;
      if (key.empty() && clause.find('?') == std::string::npos) *session_ << sql, into(rows), now;
      else *session_ << sql, use(k), into(rows), now;
      std::vector<MachineSummary> out;
      for (const auto& r : rows) {
        MachineSummary m;
        m.id = r.get<0>();
        m.hostname = r.get<1>();
        m.osId = r.get<2>();
        m.osVersion = r.get<3>();
        m.arch = r.get<4>();
        m.kernel = r.get<5>();
        m.state = r.get<6>();
        m.packageCount = r.get<7>();
        m.firstSeen = r.get<8>();
        m.lastSeen = r.get<9>();
        m.digest = r.get<10>();
        out.push_back(std::move(m));
      }
      return out;
    });
  }

  std::vector<OutboxCommand> selectCommands(const std::string& clause, const std::string& key) {
    return guard("read commands", [&] {
      std::vector<Poco::Tuple<std::string, std::string, std::string, BLOB, std::string, std::int64_t, std::int64_t,
                              std::int64_t, std::string>>
          rows;
      std::string k = key;
      const std::string sql =
          "SELECT id, machine_id, kind, payload, state, created_at, delivered_at, finished_at, result_detail"
          " FROM commands " + clause;
      if (clause.find('?') == std::string::npos) *session_ << sql, into(rows), now;
      else *session_ << sql, use(k), into(rows), now;
      std::vector<OutboxCommand> out;
      for (const auto& r : rows)
        out.push_back(OutboxCommand{r.get<0>(), r.get<1>(), r.get<2>(), fromBlob(r.get<3>()), r.get<4>(),
                                    r.get<5>(), r.get<6>(), r.get<7>(), r.get<8>()});
      return out;
    });
  }

  std::string file_;
  std::mutex mutex_;
  std::unique_ptr<Poco::Data::Session> session_;
};

}  // namespace

std::unique_ptr<Store> Store::openSqlite(const std::filesystem::path& file) {
  return std::make_unique<SqliteStore>(file);
}

}  // namespace portcullis::store
