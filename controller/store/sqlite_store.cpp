// The SQLite store through Poco::Data. Poco's exceptions stop here: every
// public method turns them into StoreError naming the file.
#include <algorithm>
#include <map>
#include <unordered_map>
#include <mutex>

#include <Poco/Data/LOB.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <Poco/Tuple.h>

#include "common/util/digest.h"
#include "common/wire/announce.h"
#include "common/wire/command_kind.h"
#include "controller/store/schema_migrations.h"
#include "controller/store/sqlite_connection.h"
#include "controller/store/sqlite_rows.h"
#include "controller/store/sqlite_archive_store.h"
#include "controller/store/sqlite_operator_store.h"
#include "controller/store/sqlite_sensor_store.h"
#include "controller/store/sqlite_network_store.h"
#include "controller/store/sqlite_profile_store.h"
#include "controller/store/sqlite_incident_store.h"
#include "controller/store/sqlite_runbook_store.h"
#include "controller/store/store.h"

namespace portcullis::store {

using namespace Poco::Data::Keywords;
using Poco::Data::BLOB;

const char* stateName(CommandState state) {
  switch (state) {
    case CommandState::AwaitingApproval: return "awaiting_approval";
    case CommandState::Queued: return "queued";
    case CommandState::Delivered: return "delivered";
    case CommandState::Done: return "done";
    case CommandState::Failed: return "failed";
    case CommandState::Cancelled: return "cancelled";
  }
  return "queued";
}

std::optional<CommandState> commandStateNamed(const std::string& name) {
  for (auto s : {CommandState::AwaitingApproval, CommandState::Queued, CommandState::Delivered, CommandState::Done,
                 CommandState::Failed, CommandState::Cancelled})
    if (name == stateName(s)) return s;
  return std::nullopt;
}

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

std::string joinList(const google::protobuf::RepeatedPtrField<std::string>& list) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

using AgentRow =
    Poco::Tuple<std::string, std::string, std::string, std::string, std::int64_t, std::int64_t, std::int64_t>;
using MachineRow = Poco::Tuple<std::string, std::string, std::string, std::string, std::string, std::string,
                               std::string, std::int64_t, std::int64_t, std::int64_t, std::string, std::string>;
using CommandRow = Poco::Tuple<std::string, std::string, std::string, BLOB, std::string, std::int64_t,
                               std::int64_t, std::int64_t, std::string, BLOB, std::string>;
using TransitionRow =
    Poco::Tuple<std::string, std::string, std::string, std::string, std::string, std::int64_t>;

// machines.hold: an operator's quarantine; "" when none.
constexpr const char* kQuarantineHold = "quarantine";

constexpr const char* kAgentColumns =
    "SELECT id, hostname, cert_serial, cert_sha256, enrolled_at, revoked_at, certificate != '' FROM agents";
constexpr const char* kMachineColumns =
    "SELECT id, hostname, os_id, os_version, arch, kernel, state, package_count, first_seen, last_seen, digest, hold";
constexpr const char* kCommandColumns =
    "SELECT id, machine_id, kind, COALESCE(action, x''), state, created_at, delivered_at, finished_at, result_detail,"
    " COALESCE(result, x''), COALESCE(dedupe, '') FROM commands";

AgentRecord toAgent(const AgentRow& r) {
  return AgentRecord{r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>(), r.get<6>() != 0};
}

admission::AdmissionState admissionState(const std::string& name) {
  if (auto state = admission::admissionNamed(name)) return *state;
  throw StoreError("a machine has the unknown admission state '" + name + "'");
}

MachineSummary toMachine(const MachineRow& r) {
  MachineSummary m;
  m.id = r.get<0>();
  m.hostname = r.get<1>();
  m.osId = r.get<2>();
  m.osVersion = r.get<3>();
  m.arch = r.get<4>();
  m.kernel = r.get<5>();
  m.state = admissionState(r.get<6>());
  m.packageCount = r.get<7>();
  m.firstSeen = r.get<8>();
  m.lastSeen = r.get<9>();
  m.digest = r.get<10>();
  m.operatorHold = r.get<11>() == kQuarantineHold;
  return m;
}

CommandState commandState(const std::string& name) {
  if (auto known = commandStateNamed(name)) return *known;
  throw StoreError("a command has the unknown state '" + name + "'");
}

// The action alone: the id and time go on at delivery (wire::commandWith).
BLOB actionBytes(const pb::Command& action) {
  pb::Command bare = action;
  bare.clear_command_id();
  bare.clear_issued_at_unix();
  return toBlob(bare.SerializeAsString());
}

OutboxCommand toCommand(const CommandRow& r) {
  OutboxCommand c;
  c.id = r.get<0>();
  c.machineId = r.get<1>();
  c.kind = r.get<2>();
  // An action this program cannot read stays empty; delivering it refuses.
  c.action.ParseFromString(fromBlob(r.get<3>()));
  c.state = commandState(r.get<4>());
  c.createdAt = r.get<5>();
  c.deliveredAt = r.get<6>();
  c.finishedAt = r.get<7>();
  c.resultDetail = r.get<8>();
  c.result.ParseFromString(fromBlob(r.get<9>()));
  c.dedupe = r.get<10>();
  return c;
}

using LeaseRow = Poco::Tuple<std::int64_t, std::string, std::string, std::string, std::string, std::string,
                             std::string, std::int64_t, std::int64_t, std::int64_t, std::string, std::string>;
constexpr const char* kLeaseColumns =
    "SELECT address, mac, client_id, hostname, subnet, pool, state, start, expires, relay, agent_info, machine_id"
    " FROM leases";

class SqliteStore final : public Store, private SqliteConnection {
 public:
  SqliteStore(const std::filesystem::path& file, bool syncEachCommit)
      : SqliteConnection(file.string(), syncEachCommit) {
    guard("cannot open", [&] {
      if (readSchemaVersion() < newestSchemaVersion()) migrate();
    });
    sensors_ = openSqliteSensorStore(*this);
    network_ = openSqliteNetworkStore(*this);
    profiles_ = openSqliteProfileStore(*this);
    incidents_ = openSqliteIncidentStore(*this);
    runbooks_ = openSqliteRunbookStore(*this);
    archive_ = openSqliteArchiveStore(*this);
    operators_ = openSqliteOperatorStore(*this);
  }

  SensorStore& sensors() override { return *sensors_; }
  NetworkFindings& network() override { return *network_; }
  TrafficProfiles& profiles() override { return *profiles_; }
  IncidentStore& incidents() override { return *incidents_; }
  RunbookStore& runbooks() override { return *runbooks_; }
  ArchiveStore& archive() override { return *archive_; }
  OperatorStore& operators() override { return *operators_; }

  int schemaVersion() override {
    return guard("read schema version", [&] { return readSchemaVersion(); });
  }

  void addEnrollToken(const std::string& tokenHash, std::int64_t createdAt, std::int64_t expiresAt) override {
    guard("add enrollment token", [&] {
      *session_ << "INSERT INTO enroll_tokens(token_hash, created_at, expires_at) VALUES(?, ?, ?)",
          useRef(tokenHash), use(createdAt), use(expiresAt), now;
    });
  }

  void addEnrollTokens(const std::vector<std::string>& tokenHashes, std::int64_t createdAt,
                       std::int64_t expiresAt) override {
    if (tokenHashes.empty()) return;
    writeTransaction("add enrollment tokens", [&] {
      // Rows bound as lists (a copy: Poco binds lists by value, not by reference).
      std::vector<std::string> hashes = tokenHashes;
      std::vector<std::int64_t> created(tokenHashes.size(), createdAt), expires(tokenHashes.size(), expiresAt);
      *session_ << "INSERT INTO enroll_tokens(token_hash, created_at, expires_at) VALUES(?, ?, ?)", use(hashes),
          use(created), use(expires), now;
      return 0;
    });
  }

  TokenCheck consumeEnrollToken(const std::string& tokenHash, std::int64_t at) override {
    return writeTransaction("consume enrollment token", [&] { return consumeToken(tokenHash, at); });
  }

  TokenCheck enrollWithToken(const std::string& tokenHash, std::int64_t at, const AgentRecord& a,
                             const std::string& certPem) override {
    return writeTransaction("enroll agent", [&] {
      const auto check = consumeToken(tokenHash, at);
      if (check != TokenCheck::Accepted) return check;
      *session_ << "INSERT INTO agents(id, hostname, cert_serial, cert_sha256, enrolled_at, revoked_at, certificate)"
                   " VALUES(?, ?, ?, ?, ?, ?, ?)",
          useRef(a.id), useRef(a.hostname), useRef(a.certSerialHex), useRef(a.certSha256), useRef(a.enrolledAt),
          useRef(a.revokedAt), useRef(certPem), now;
      return check;
    });
  }

  void addAgent(const AgentRecord& a) override {
    guard("add agent", [&] {
      *session_ << "INSERT INTO agents(id, hostname, cert_serial, cert_sha256, enrolled_at, revoked_at)"
                   " VALUES(?, ?, ?, ?, ?, ?)",
          useRef(a.id), useRef(a.hostname), useRef(a.certSerialHex), useRef(a.certSha256), useRef(a.enrolledAt),
          useRef(a.revokedAt), now;
    });
  }

  std::optional<AgentRecord> agent(const std::string& id) override {
    return guard("read agent", [&]() -> std::optional<AgentRecord> {
      std::vector<AgentRow> rows;
      *session_ << std::string(kAgentColumns) + " WHERE id = ?", useRef(id), into(rows), now;
      if (rows.empty()) return std::nullopt;
      return toAgent(rows.front());
    });
  }

  void keepAgentCertificate(const std::string& id, const std::string& certPem) override {
    guard("keep agent certificate", [&] {
      *session_ << "UPDATE agents SET certificate = ? WHERE id = ?", useRef(certPem), useRef(id), now;
    });
  }

  std::string agentCertificate(const std::string& id) override {
    return guard("read agent certificate", [&] {
      std::vector<std::string> pem;
      *session_ << "SELECT certificate FROM agents WHERE id = ?", useRef(id), into(pem), now;
      return pem.empty() ? std::string() : pem.front();
    });
  }

  std::vector<AgentRecord> agents() override {
    return guard("read agents", [&] {
      std::vector<AgentRow> rows;
      *session_ << std::string(kAgentColumns) + " ORDER BY enrolled_at, id", into(rows), now;
      std::vector<AgentRecord> out;
      out.reserve(rows.size());
      for (const auto& r : rows) out.push_back(toAgent(r));
      return out;
    });
  }

  bool revokeAgent(const std::string& id, std::int64_t at) override {
    return writeTransaction("revoke agent", [&] {
      std::vector<std::int64_t> revoked;
      *session_ << "SELECT revoked_at FROM agents WHERE id = ?", useRef(id), into(revoked), now;
      if (revoked.empty()) return false;
      if (revoked.front() == 0) {
        *session_ << "UPDATE agents SET revoked_at = ? WHERE id = ?", use(at), useRef(id), now;
        // Its machine is no longer vouched for: quarantined, as the gate
        // treats it, and shown so (a denied machine stays denied).
        std::vector<std::string> states;
        *session_ << "SELECT state FROM machines WHERE id = ?", useRef(id), into(states), now;
        if (!states.empty()) {
          const auto from = admissionState(states.front());
          if (from != admission::AdmissionState::Quarantined && from != admission::AdmissionState::Denied)
            insertTransition({id, from, admission::AdmissionState::Quarantined,
                              "its agent's certificate was revoked", "", at});
        }
      }
      return true;
    });
  }

  void writeReports(const std::vector<ReportWrite>& reports) override {
    if (reports.empty()) return;
    writeTransaction("write reports", [&] {
      for (const auto& r : reports) writeReport(r);
      return 0;
    });
  }

  std::string storedDigest(const std::string& agentId) override {
    return guard("read digest", [&] {
      std::vector<std::string> digest;
      *session_ << "SELECT digest FROM machines WHERE id = ?", useRef(agentId), into(digest), now;
      return digest.empty() ? std::string() : digest.front();
    });
  }

  std::vector<MachineSummary> machines() override {
    return guard("read machines", [&] {
      std::vector<MachineRow> rows;
      *session_ << std::string(kMachineColumns) + " FROM machines ORDER BY hostname, id", into(rows), now;
      std::vector<MachineSummary> out;
      out.reserve(rows.size());
      for (const auto& r : rows) out.push_back(toMachine(r));
      return out;
    });
  }

  MachinePage machinePage(const MachineQuery& q) override {
    return guard("read machine page", [&] {
      const std::string state = q.state ? admission::admissionName(*q.state) : "";
      const auto limit = static_cast<std::int64_t>(q.limit), offset = static_cast<std::int64_t>(q.offset);
      // instr, not LIKE: the search is plain text, whatever it holds.
      static const std::string where =
          " FROM machines WHERE (? = '' OR state = ?) AND (? = '' OR instr(hostname, ?) > 0 OR instr(id, ?) > 0)";
      MachinePage page;
      std::int64_t total = 0;
      *session_ << "SELECT count(*)" + where, useRef(state), useRef(state), useRef(q.search), useRef(q.search),
          useRef(q.search), into(total), now;
      page.total = static_cast<std::size_t>(total);
      std::vector<MachineRow> rows;
      *session_ << std::string(kMachineColumns) + where + " ORDER BY hostname, id LIMIT ? OFFSET ?", useRef(state),
          useRef(state), useRef(q.search), useRef(q.search), useRef(q.search), useRef(limit), useRef(offset),
          into(rows), now;
      for (const auto& r : rows) page.machines.push_back(toMachine(r));
      return page;
    });
  }

  std::optional<MachineRecord> machine(const std::string& idOrHostname) override {
    return guard("read machine", [&]() -> std::optional<MachineRecord> {
      std::vector<MachineRow> rows;
      *session_ << std::string(kMachineColumns) + " FROM machines WHERE id = ?", useRef(idOrHostname), into(rows), now;
      if (rows.empty()) {
        *session_ << std::string(kMachineColumns) + " FROM machines WHERE hostname = ? ORDER BY last_seen DESC, id LIMIT 1",
            useRef(idOrHostname), into(rows), now;
      }
      if (rows.empty()) return std::nullopt;
      MachineRecord record;
      record.summary = toMachine(rows.front());
      std::vector<BLOB> info;
      *session_ << "SELECT info FROM machine_info WHERE machine = (SELECT key FROM machines WHERE id = ?)",
          useRef(record.summary.id), into(info), now;
      if (!info.empty() && !record.info.ParseFromString(fromBlob(info.front())))
        throw StoreError("store " + file_ + ": stored information of machine " + record.summary.id +
                         " does not parse");
      return record;
    });
  }

  void eachMachineReport(const std::function<void(const std::string&, std::string_view)>& f) override {
    // 256 machines of 1,500 packages: about 25 MiB of reports held at once.
    constexpr std::int64_t kPage = 256;
    std::int64_t after = -1;
    std::vector<std::pair<std::string, std::string>> page;
    for (;;) {
      page.clear();
      guard("read machines' information", [&] {
        auto& read = statement(
            "SELECT m.key, m.id, i.info FROM machines m LEFT JOIN machine_info i ON i.machine = m.key"
            " WHERE m.key > ? ORDER BY m.key LIMIT ?");
        read.reset();  // in case the last page's read was cut short
        read.bind(1, after).bind(2, kPage);
        while (read.step()) {
          after = read.integer(0);
          page.emplace_back(read.text(1), read.blob(2));
        }
      });
      for (const auto& [id, info] : page) f(id, info);
      if (static_cast<std::int64_t>(page.size()) < kPage) return;
    }
  }

  std::string enqueueCommand(const std::string& machineId, const pb::Command& action, std::int64_t at) override {
    return guard("enqueue command", [&] { return *insertCommand(machineId, action, "", false, at); });
  }

  std::vector<OutboxCommand> undeliveredCommands(const std::string& machineId) override {
    // rowid breaks ties in enqueue order: ids are random, created_at has a second's grain.
    return selectCommands("read undelivered commands",
                          " WHERE machine_id = ? AND state IN ('queued', 'delivered') ORDER BY created_at, rowid",
                          &machineId);
  }

  void markDelivered(const std::string& commandId, std::int64_t at) override {
    guard("mark command delivered", [&] {
      *session_ << "UPDATE commands SET state = 'delivered', delivered_at = ?"
                   " WHERE id = ? AND state IN ('queued', 'delivered')",
          use(at), useRef(commandId), now;
    });
  }

  void markFinished(const std::string& commandId, const pb::CommandResult& result, std::int64_t at) override {
    guard("mark command finished", [&] {
      std::string state = stateName(result.ok() ? CommandState::Done : CommandState::Failed);
      pb::CommandResult kept = result;
      kept.clear_command_id();
      BLOB body = toBlob(kept.SerializeAsString());
      *session_ << "UPDATE commands SET state = ?, finished_at = ?, result_detail = ?, result = ? WHERE id = ?",
          use(state), use(at), useRef(result.detail()), use(body), useRef(commandId), now;
    });
  }

  std::optional<std::string> enqueueMeasure(const std::string& machineId, const pb::Command& action,
                                            const std::string& dedupe, bool awaitApproval, std::int64_t at) override {
    return guard("enqueue measure", [&] { return insertCommand(machineId, action, dedupe, awaitApproval, at); });
  }

  bool approveCommand(const std::string& commandId, std::int64_t) override {
    return guard("approve command", [&] {
      Poco::Data::Statement update(*session_);
      update << "UPDATE commands SET state = 'queued' WHERE id = ? AND state = 'awaiting_approval'", useRef(commandId);
      return update.execute() == 1;
    });
  }

  bool cancelCommand(const std::string& commandId, std::int64_t at) override {
    return guard("cancel command", [&] {
      Poco::Data::Statement update(*session_);
      update << "UPDATE commands SET state = 'cancelled', finished_at = ?, result_detail = 'cancelled by an operator'"
                " WHERE id = ? AND state IN ('awaiting_approval', 'queued')",
          useRef(at), useRef(commandId);
      return update.execute() == 1;
    });
  }

  std::optional<OutboxCommand> command(const std::string& commandId) override {
    auto found = selectCommands("read command", " WHERE id = ?", &commandId);
    if (found.empty()) return std::nullopt;
    return found.front();
  }

  std::vector<OutboxCommand> queuedCommands(const std::string& machineId) override {
    return selectCommands("read queued commands", " WHERE machine_id = ? AND state = 'queued' ORDER BY created_at, rowid",
                          &machineId);
  }

  std::vector<OutboxCommand> commands() override {
    return selectCommands("read commands", " ORDER BY created_at DESC, rowid DESC", nullptr);
  }

  std::vector<OutboxCommand> commandsIn(CommandState state, std::size_t limit) override {
    const std::string clause =
        " WHERE state = ? ORDER BY created_at DESC, rowid DESC LIMIT " + std::to_string(static_cast<std::int64_t>(limit));
    const std::string name = stateName(state);
    return selectCommands("read commands by state", clause.c_str(), &name);
  }

  std::vector<OutboxCommand> machineCommands(const std::string& machineId, std::size_t limit) override {
    const std::string clause = " WHERE machine_id = ? ORDER BY created_at DESC, rowid DESC LIMIT " +
                               std::to_string(static_cast<std::int64_t>(limit));
    return selectCommands("read a machine's commands", clause.c_str(), &machineId);
  }

  std::map<CommandState, std::size_t> commandCounts() override {
    return guard("count commands", [&] {
      std::vector<Poco::Tuple<std::string, Poco::Int64>> rows;
      *session_ << "SELECT state, count(*) FROM commands GROUP BY state", into(rows), now;
      std::map<CommandState, std::size_t> out;
      for (const auto& r : rows)
        if (auto known = commandStateNamed(r.get<0>())) out[*known] = static_cast<std::size_t>(r.get<1>());
      return out;
    });
  }

  void trustPublisher(const Publisher& p) override {
    guard("trust publisher", [&] {
      *session_ << "INSERT OR REPLACE INTO publishers(name, public_key, level, added_at) VALUES(?, ?, ?, ?)",
          useRef(p.name), useRef(p.publicKeyPem), useRef(p.level), useRef(p.addedAt), now;
    });
  }

  std::optional<Publisher> publisher(const std::string& name) override {
    return guard("read publisher", [&]() -> std::optional<Publisher> {
      std::vector<std::string> keys;
      std::vector<int> levels;
      std::vector<std::int64_t> added;
      *session_ << "SELECT public_key, level, added_at FROM publishers WHERE name = ?", useRef(name), into(keys),
          into(levels), into(added), now;
      if (keys.empty()) return std::nullopt;
      return Publisher{name, keys.front(), levels.front(), added.front()};
    });
  }

  ImportCounts importAdvisories(const std::vector<StoredAdvisory>& list) override {
    return writeTransaction("import advisories", [&] {
      ImportCounts counts;
      for (const auto& a : list) {
        std::vector<std::string> stored;
        *session_ << "SELECT modified FROM advisories WHERE id = ?", useRef(a.id), into(stored), now;
        // RFC 3339 UTC times compare as text.
        if (!stored.empty() && a.modified <= stored.front()) {
          // The same version from a more trusted publisher (several
          // providers merged): counted once, shown as that publisher's.
          if (a.modified == stored.front() && !a.publisher.empty()) {
            BLOB record = toBlob(a.record);
            *session_ << "UPDATE advisories SET publisher = ?, record = ? WHERE id = ? AND publisher != ?"
                         " AND (SELECT level FROM publishers WHERE name = ?) >"
                         " COALESCE((SELECT p.level FROM publishers p WHERE p.name = advisories.publisher), 0)",
                useRef(a.publisher), use(record), useRef(a.id), useRef(a.publisher), useRef(a.publisher), now;
          }
          ++counts.unchanged;
          continue;
        }
        BLOB record = toBlob(a.record);
        *session_ << "INSERT OR REPLACE INTO advisories(id, modified, published, summary, aliases, severity,"
                     " publisher, imported_at, record) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
            useRef(a.id), useRef(a.modified), useRef(a.published), useRef(a.summary), useRef(a.aliases),
            useRef(a.severity), useRef(a.publisher), useRef(a.importedAt), use(record), now;
        ++(stored.empty() ? counts.added : counts.replaced);
      }
      return counts;
    });
  }

  std::vector<StoredAdvisory> advisories() override {
    return guard("read advisories", [&] {
      std::vector<Poco::Tuple<std::string, std::string, std::string, std::string, std::string, std::string,
                              std::string, std::int64_t>>
          rows;
      *session_ << "SELECT id, modified, published, summary, aliases, severity, publisher, imported_at"
                   " FROM advisories ORDER BY id",
          into(rows), now;
      std::vector<StoredAdvisory> out;
      out.reserve(rows.size());
      for (const auto& r : rows)
        out.push_back(StoredAdvisory{r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>(),
                                     r.get<6>(), r.get<7>(), ""});
      return out;
    });
  }

  AdvisoryPage advisoryPage(const std::string& search, std::size_t offset, std::size_t limit) override {
    return guard("read advisory page", [&] {
      // instr, not LIKE: the search is plain text, whatever it holds.
      static const std::string where =
          " FROM advisories WHERE (? = '' OR instr(id, ?) > 0 OR instr(aliases, ?) > 0 OR instr(summary, ?) > 0)";
      AdvisoryPage page;
      std::int64_t total = 0;
      *session_ << "SELECT count(*)" + where, useRef(search), useRef(search), useRef(search), useRef(search),
          into(total), now;
      page.total = static_cast<std::size_t>(total);
      const auto most = static_cast<std::int64_t>(limit), skip = static_cast<std::int64_t>(offset);
      std::vector<Poco::Tuple<std::string, std::string, std::string, std::string, std::string, std::string,
                              std::string, std::int64_t>>
          rows;
      *session_ << "SELECT id, modified, published, summary, aliases, severity, publisher, imported_at" + where +
                       " ORDER BY id LIMIT ? OFFSET ?",
          useRef(search), useRef(search), useRef(search), useRef(search), useRef(most), useRef(skip), into(rows), now;
      for (const auto& r : rows)
        page.advisories.push_back(StoredAdvisory{r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(),
                                                 r.get<5>(), r.get<6>(), r.get<7>(), ""});
      return page;
    });
  }

  std::vector<std::string> advisoryRecords(std::int64_t since) override {
    return guard("read advisory records", [&] {
      std::vector<std::string> rows;
      *session_ << "SELECT record FROM advisories WHERE imported_at >= ? ORDER BY id", use(since), into(rows), now;
      return rows;
    });
  }

  std::string advisoriesVersion() override {
    return guard("read advisories version", [&] {
      std::int64_t count = 0, newest = 0;
      *session_ << "SELECT COUNT(*), COALESCE(MAX(imported_at), 0) FROM advisories", into(count), into(newest), now;
      return std::to_string(count) + "/" + std::to_string(newest);
    });
  }

  std::vector<std::string> machinesWithQueuedCommands() override {
    return guard("read queued commands", [&] {
      std::vector<std::string> ids;
      *session_ << "SELECT DISTINCT machine_id FROM commands WHERE state = 'queued'", into(ids), now;
      return ids;
    });
  }

  void putLeases(const std::vector<dhcp::Lease>& leases) override {
    if (leases.empty()) return;
    writeTransaction("store leases", [&] {
      // Compiled once for the connection's life: the gate writes a batch of
      // leases per handful of packets, and compiling was most of its cost.
      auto& insert = statement(
          "INSERT OR REPLACE INTO leases(address, mac, client_id, hostname, subnet, pool, state, start,"
          " expires, relay, agent_info, machine_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      for (const auto& l : leases) {
        insert.bind(1, static_cast<std::int64_t>(l.address)).bind(2, l.mac).bind(3, l.clientId).bind(4, l.hostname);
        insert.bind(5, l.subnet).bind(6, dhcp::poolKindName(l.pool));
        insert.bind(7, dhcp::leaseStateName(l.state)).bind(8, l.start).bind(9, l.expires);
        insert.bind(10, static_cast<std::int64_t>(l.relay)).bind(11, l.agentInfo).bind(12, l.machineId);
        insert.run();
      }
      return 0;
    });
  }

  std::vector<dhcp::Lease> leases() override {
    return guard("read leases", [&] {
      std::vector<LeaseRow> rows;
      *session_ << std::string(kLeaseColumns) + " ORDER BY address", into(rows), now;
      return leasesOf(rows);
    });
  }

  std::vector<dhcp::Lease> machineLeases(const std::string& machineId, const std::vector<std::string>& macs) override {
    return guard("read a machine's leases", [&] {
      std::vector<LeaseRow> rows;
      *session_ << std::string(kLeaseColumns) + " WHERE machine_id = ?", useRef(machineId), into(rows), now;
      for (const auto& mac : macs) {
        std::vector<LeaseRow> ofMac;  // into() replaces what the vector held
        *session_ << std::string(kLeaseColumns) + " WHERE mac = ? AND machine_id != ?", useRef(mac), useRef(machineId),
            into(ofMac), now;
        rows.insert(rows.end(), ofMac.begin(), ofMac.end());
      }
      auto out = leasesOf(rows);
      std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.address < b.address; });
      out.erase(std::unique(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.address == b.address; }),
                out.end());
      return out;
    });
  }

  std::vector<dhcp::Lease> leasesOf(const std::vector<LeaseRow>& rows) const {
    std::vector<dhcp::Lease> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
      dhcp::Lease l;
      l.address = static_cast<dhcp::Ipv4>(r.get<0>());
      l.mac = r.get<1>();
      l.clientId = r.get<2>();
      l.hostname = r.get<3>();
      l.subnet = r.get<4>();
      l.pool = r.get<5>() == "production" ? dhcp::PoolKind::Production : dhcp::PoolKind::Quarantine;
      auto state = dhcp::parseLeaseState(r.get<6>());
      if (!state) throw StoreError("store " + file_ + ": lease " + dhcp::formatIpv4(l.address) +
                                   " has an unknown state '" + r.get<6>() + "'");
      l.state = *state;
      l.start = r.get<7>();
      l.expires = r.get<8>();
      l.relay = static_cast<dhcp::Ipv4>(r.get<9>());
      l.agentInfo = r.get<10>();
      l.machineId = r.get<11>();
      out.push_back(std::move(l));
    }
    return out;
  }

  dhcp::MacStanding macStanding(const std::string& mac) override {
    return guard("read MAC standing", [&] { return macStandingLocked(mac); });
  }

  std::vector<dhcp::MacStanding> macStandings(const std::vector<std::string>& macs) override {
    return guard("read MAC standings", [&] {
      std::vector<dhcp::MacStanding> out;
      out.reserve(macs.size());
      // A few MACs: read each; many: read the tables once.
      if (macs.size() < 32) {
        for (const auto& mac : macs) out.push_back(macStandingLocked(mac));
        return out;
      }
      // Every (MAC, machine) pair, most recently seen machine first, as macStanding orders them.
      std::vector<std::string> pairMacs, ids, states, digests;
      std::vector<std::int64_t> revoked;
      *session_ << "SELECT i.mac, m.id, m.state, m.package_digest, COALESCE(a.revoked_at, 0)"
                   " FROM interfaces i JOIN machines m ON m.id = i.machine_id LEFT JOIN agents a ON a.id = m.id"
                   " WHERE i.mac != '' GROUP BY i.mac, m.id ORDER BY i.mac, m.last_seen DESC, m.id",
          into(pairMacs), into(ids), into(states), into(digests), into(revoked), now;
      std::vector<std::string> pendingIds;
      std::vector<std::int64_t> pendingAt;
      *session_ << "SELECT machine_id, MAX(at) FROM transitions WHERE to_state = 'pending' GROUP BY machine_id",
          into(pendingIds), into(pendingAt), now;
      std::unordered_map<std::string, std::int64_t> pendingSince;
      for (std::size_t i = 0; i < pendingIds.size(); ++i) pendingSince[pendingIds[i]] = pendingAt[i];
      std::vector<std::string> holdMacs, holds;
      *session_ << "SELECT mac, hold FROM gate_holds", into(holdMacs), into(holds), now;
      std::unordered_map<std::string, std::string> holdOf;
      for (std::size_t i = 0; i < holdMacs.size(); ++i) holdOf[holdMacs[i]] = holds[i];

      // The rows of each MAC, in the order read.
      std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> rowsOf;
      for (std::size_t i = 0; i < pairMacs.size();) {
        std::size_t end = i;
        while (end < pairMacs.size() && pairMacs[end] == pairMacs[i]) ++end;
        rowsOf[pairMacs[i]] = {i, end};
        i = end;
      }
      const auto standingAt = [&](std::size_t row) {
        dhcp::MacStanding s;
        s.machineId = ids[row];
        s.state = admissionState(states[row]);
        s.packageDigest = digests[row];
        s.revoked = revoked[row] != 0;
        auto p = pendingSince.find(ids[row]);
        s.pendingSince = p == pendingSince.end() ? 0 : p->second;
        return s;
      };
      for (const auto& mac : macs) {
        dhcp::MacStanding s;
        if (auto r = rowsOf.find(mac); r != rowsOf.end()) {
          // Machines whose agent still stands; none: the most recently seen of all.
          std::vector<std::size_t> standing;
          for (std::size_t row = r->second.first; row < r->second.second; ++row)
            if (revoked[row] == 0) standing.push_back(row);
          s = standingAt(standing.empty() ? r->second.first : standing.front());
          if (standing.size() > 1)
            for (auto row : standing) s.claimedBy.push_back(ids[row]);
        }
        if (auto h = holdOf.find(mac); h != holdOf.end()) s.operatorHold = h->second;
        out.push_back(std::move(s));
      }
      return out;
    });
  }

  dhcp::MacStanding machineStanding(const std::string& machineId) override {
    return guard("read machine standing", [&] { return standingOf(machineId); });
  }

  std::vector<std::string> macsWithStanding() override {
    return guard("read MACs with standing", [&] {
      std::vector<std::string> macs;
      *session_ << "SELECT mac FROM interfaces WHERE mac != '' UNION SELECT mac FROM gate_holds", into(macs), now;
      return macs;
    });
  }

  GateChanges gateChangesSince(std::int64_t since) override {
    return guard("read gate changes", [&] {
      GateChanges out;
      std::int64_t oldest = 0, newest = 0;
      *session_ << "SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM gate_changes", into(oldest),
          into(newest), now;
      // Changes after `since` were pruned, or the log is not the one `since`
      // came from (a store put back from a copy): nothing can be trusted.
      out.complete = since <= newest && (oldest == 0 || oldest <= since + 1);
      out.through = newest;
      if (newest <= since) return out;
      *session_ << "SELECT mac FROM gate_changes WHERE seq > ? AND mac != ''"
                   " UNION SELECT i.mac FROM gate_changes c JOIN interfaces i ON i.machine_id = c.machine_id"
                   " WHERE c.seq > ? AND c.machine_id != '' AND i.mac != ''",
          use(since), use(since), into(out.macs), now;
      return out;
    });
  }

  void setGateHold(const std::string& mac, const std::string& hold, const std::string& cause,
                   std::int64_t at) override {
    writeTransaction("set gate hold", [&] {
      if (hold.empty())
        *session_ << "DELETE FROM gate_holds WHERE mac = ?", useRef(mac), now;
      else
        *session_ << "INSERT OR REPLACE INTO gate_holds(mac, hold, cause, at) VALUES(?, ?, ?, ?)", useRef(mac),
            useRef(hold), useRef(cause), useRef(at), now;
      return 0;
    });
  }

  std::vector<std::string> machineMacs(const std::string& machineId) override {
    return guard("read machine MACs", [&] {
      std::vector<std::string> macs;
      *session_ << "SELECT DISTINCT mac FROM interfaces WHERE machine_id = ? AND mac != '' ORDER BY mac",
          useRef(machineId), into(macs), now;
      return macs;
    });
  }

  std::optional<admission::AdmissionState> machineState(const std::string& id) override {
    return guard("read machine state", [&]() -> std::optional<admission::AdmissionState> {
      std::vector<std::string> states;
      *session_ << "SELECT state FROM machines WHERE id = ?", useRef(id), into(states), now;
      if (states.empty()) return std::nullopt;
      return admissionState(states.front());
    });
  }

  void recordTransition(const Transition& t) override {
    writeTransaction("record transition", [&] {
      insertTransition(t);
      return 0;
    });
  }

  std::optional<AdmissionRecord> admission(const std::string& id) override {
    return guard("read machine admission", [&]() -> std::optional<AdmissionRecord> {
      std::vector<std::string> states, holds;
      std::vector<std::int64_t> revoked;
      *session_ << "SELECT m.state, m.hold, COALESCE(a.revoked_at, 0) FROM machines m LEFT JOIN agents a ON a.id = m.id"
                   " WHERE m.id = ?",
          useRef(id), into(states), into(holds), into(revoked), now;
      if (states.empty()) return std::nullopt;
      // A revoked agent's machine is held as an operator's quarantine is: no
      // later diagnosis admits it again.
      return AdmissionRecord{admissionState(states.front()), holds.front() == kQuarantineHold || revoked.front() != 0};
    });
  }

  void setOperatorHold(const std::string& machineId, bool held) override {
    guard("set operator hold", [&] {
      const std::string hold = held ? kQuarantineHold : "";
      *session_ << "UPDATE machines SET hold = ? WHERE id = ?", useRef(hold), useRef(machineId), now;
    });
  }

  DecisionWritten writeDecision(const DecisionWrite& d) override {
    return writeTransaction("write decision", [&] { return insertDecision(d); });
  }

  std::vector<DecisionWritten> writeDecisions(const std::vector<DecisionWrite>& decisions) override {
    if (decisions.empty()) return {};
    return writeTransaction("write decisions", [&] {
      std::vector<DecisionWritten> out;
      out.reserve(decisions.size());
      for (const auto& d : decisions) out.push_back(insertDecision(d));
      return out;
    });
  }

  void recordExposure(const ExposureSample& sample, std::int64_t keepSeconds) override {
    writeTransaction("record exposure", [&] {
      const std::int64_t oldest = sample.at - keepSeconds;
      *session_ << "DELETE FROM exposure_samples WHERE at = ? OR at < ?", useRef(sample.at), useRef(oldest), now;
      bool wrote = false;
      for (const auto& [severity, open] : sample.bySeverity) {
        if (open == 0) continue;
        const auto n = static_cast<std::int64_t>(open);
        *session_ << "INSERT INTO exposure_samples(at, severity, open) VALUES(?, ?, ?)", useRef(sample.at),
            useRef(severity), useRef(n), now;
        wrote = true;
      }
      // A sample with nothing open still marks the time it was taken.
      if (!wrote) *session_ << "INSERT INTO exposure_samples(at, severity, open) VALUES(?, '', 0)", useRef(sample.at), now;
      return 0;
    });
  }

  std::vector<ExposureSample> exposureSince(std::int64_t since, std::size_t limit) override {
    return guard("read exposure samples", [&] {
      std::vector<Poco::Tuple<Poco::Int64, std::string, Poco::Int64>> rows;
      const auto most = static_cast<std::int64_t>(limit);
      // The newest `limit` sample times from the one in force at since.
      *session_ << "SELECT at, severity, open FROM exposure_samples WHERE at IN ("
                   " SELECT DISTINCT at FROM exposure_samples WHERE at >= COALESCE("
                   "  (SELECT MAX(at) FROM exposure_samples WHERE at <= ?), ?) ORDER BY at DESC LIMIT ?)"
                   " ORDER BY at",
          useRef(since), useRef(since), useRef(most), into(rows), now;
      std::vector<ExposureSample> out;
      for (const auto& r : rows) {
        if (out.empty() || out.back().at != r.get<0>()) out.push_back({r.get<0>(), {}});
        if (!r.get<1>().empty()) out.back().bySeverity[r.get<1>()] = static_cast<std::size_t>(r.get<2>());
      }
      return out;
    });
  }

  std::uint64_t addTraffic(const std::vector<TrafficRow>& rows, const TrafficRetention& keep) override {
    return writeTransaction("store traffic", [&]() -> std::uint64_t {
      auto& insert = statement(
          "INSERT INTO traffic_flows(start_us, end_us, protocol, source, source_port, destination, destination_port,"
          " packets_out, bytes_out, packets_in, bytes_in, service, source_machine, destination_machine, origin)"
          " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      for (const auto& r : rows) {
        insert.bind(1, r.startUs).bind(2, r.endUs).bind(3, std::int64_t{r.protocol});
        insert.bindBlob(4, r.source.packed()).bind(5, std::int64_t{r.sourcePort});
        insert.bindBlob(6, r.destination.packed()).bind(7, std::int64_t{r.destinationPort});
        insert.bind(8, static_cast<std::int64_t>(r.packetsOut)).bind(9, static_cast<std::int64_t>(r.bytesOut));
        insert.bind(10, static_cast<std::int64_t>(r.packetsIn)).bind(11, static_cast<std::int64_t>(r.bytesIn));
        insert.bind(12, r.service).bind(13, r.sourceMachine).bind(14, r.destinationMachine).bind(15, r.origin);
        insert.run();
      }
      // Past its age, then past its size (ids grow with every row written).
      const std::int64_t oldest = keep.nowUs - keep.keepUs;
      const auto most = static_cast<std::int64_t>(keep.maxRows);
      Poco::Data::Statement aged(*session_);
      aged << "DELETE FROM traffic_flows WHERE start_us < ?", useRef(oldest);
      Poco::Data::Statement overflow(*session_);
      overflow << "DELETE FROM traffic_flows WHERE id <= (SELECT MAX(id) FROM traffic_flows) - ?", useRef(most);
      return static_cast<std::uint64_t>(aged.execute()) + static_cast<std::uint64_t>(overflow.execute());
    });
  }

  std::vector<TrafficRow> traffic(const std::string& machineId, std::int64_t sinceUs, std::size_t limit) override {
    return guard("read traffic", [&] {
      using Row = Poco::Tuple<Poco::Int64, Poco::Int64, Poco::Int64, BLOB, Poco::Int64, BLOB, Poco::Int64, Poco::Int64,
                              Poco::Int64, Poco::Int64, Poco::Int64, std::string, std::string, std::string, std::string>;
      std::vector<Row> rows;
      const auto most = static_cast<std::int64_t>(limit);
      const std::string columns =
          "SELECT start_us, end_us, protocol, source, source_port, destination, destination_port, packets_out,"
          " bytes_out, packets_in, bytes_in, service, source_machine, destination_machine, origin FROM traffic_flows";
      if (machineId.empty())
        *session_ << columns + " WHERE start_us >= ? ORDER BY start_us DESC, id DESC LIMIT ?", useRef(sinceUs),
            useRef(most), into(rows), now;
      else
        *session_ << columns + " WHERE (source_machine = ? OR destination_machine = ?) AND start_us >= ?"
                               " ORDER BY start_us DESC, id DESC LIMIT ?",
            useRef(machineId), useRef(machineId), useRef(sinceUs), useRef(most), into(rows), now;
      auto addressOf = [](const BLOB& b) {
        return packet::IpAddress::fromPacked(fromBlob(b)).value_or(packet::IpAddress{});
      };
      std::vector<TrafficRow> out;
      out.reserve(rows.size());
      for (const auto& r : rows) {
        TrafficRow t;
        t.startUs = r.get<0>();
        t.endUs = r.get<1>();
        t.protocol = static_cast<std::uint8_t>(r.get<2>());
        t.source = addressOf(r.get<3>());
        t.sourcePort = static_cast<std::uint16_t>(r.get<4>());
        t.destination = addressOf(r.get<5>());
        t.destinationPort = static_cast<std::uint16_t>(r.get<6>());
        t.packetsOut = static_cast<std::uint64_t>(r.get<7>());
        t.bytesOut = static_cast<std::uint64_t>(r.get<8>());
        t.packetsIn = static_cast<std::uint64_t>(r.get<9>());
        t.bytesIn = static_cast<std::uint64_t>(r.get<10>());
        t.service = r.get<11>();
        t.sourceMachine = r.get<12>();
        t.destinationMachine = r.get<13>();
        t.origin = r.get<14>();
        out.push_back(std::move(t));
      }
      return out;
    });
  }

  std::vector<InterfaceRecord> interfaceRecords() override {
    return guard("read interfaces", [&] {
      std::vector<Poco::Tuple<std::string, std::string, std::string, std::string>> rows;
      *session_ << "SELECT machine_id, mac, ipv4, ipv6 FROM interfaces ORDER BY machine_id, name", into(rows), now;
      std::vector<InterfaceRecord> out;
      for (const auto& r : rows) out.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>()});
      return out;
    });
  }

  std::vector<Transition> recentTransitions(std::int64_t since, std::size_t limit) override {
    return guard("read recent transitions", [&] {
      std::vector<TransitionRow> rows;
      const auto most = static_cast<std::int64_t>(limit);
      *session_ << "SELECT machine_id, from_state, to_state, cause, command_id, at FROM transitions"
                   " WHERE at >= ? ORDER BY id DESC LIMIT ?",
          use(since), useRef(most), into(rows), now;
      std::vector<Transition> out;
      out.reserve(rows.size());
      for (const auto& r : rows)
        out.push_back(Transition{r.get<0>(), admissionState(r.get<1>()), admissionState(r.get<2>()), r.get<3>(), r.get<4>(), r.get<5>()});
      return out;
    });
  }

  std::map<admission::AdmissionState, std::size_t> stateCounts() override {
    return guard("count machines by state", [&] {
      std::vector<Poco::Tuple<std::string, Poco::Int64>> rows;
      *session_ << "SELECT state, count(*) FROM machines GROUP BY state", into(rows), now;
      std::map<admission::AdmissionState, std::size_t> out;
      for (const auto& r : rows) out[admissionState(r.get<0>())] += static_cast<std::size_t>(r.get<1>());
      return out;
    });
  }

  std::vector<Transition> transitions(const std::string& machineId) override {
    return guard("read transitions", [&] {
      std::vector<TransitionRow> rows;
      *session_ << "SELECT machine_id, from_state, to_state, cause, command_id, at FROM transitions"
                   " WHERE machine_id = ? ORDER BY id",
          useRef(machineId), into(rows), now;
      std::vector<Transition> out;
      out.reserve(rows.size());
      for (const auto& r : rows)
        out.push_back(Transition{r.get<0>(), admissionState(r.get<1>()), admissionState(r.get<2>()), r.get<3>(), r.get<4>(), r.get<5>()});
      return out;
    });
  }

 private:
  // Each migration in its own transaction. The version is read again under the
  // write lock: another process may have migrated since we looked.
  void migrate() {
    for (const auto& m : schemaMigrations()) {
      auto step = [&] {
        const int current = readSchemaVersion();
        refuseIfNewer(current);
        if (m.version <= current) return 0;
        for (const auto& sql : m.statements) *session_ << sql, now;
        if (m.convert) m.convert(*session_);
        // PRAGMA takes no bound parameters; the version is our own constant.
        *session_ << "PRAGMA user_version = " + std::to_string(m.version), now;
        return 0;
      };
      inWriteTransaction(step);
    }
  }

  // Empty machineId in the result when the machine is not stored.
  dhcp::MacStanding standingOf(const std::string& machineId) {
    dhcp::MacStanding s;
    std::vector<std::string> states, digests;
    std::vector<std::int64_t> revoked;
    *session_ << "SELECT m.state, m.package_digest, COALESCE(a.revoked_at, 0) FROM machines m"
                 " LEFT JOIN agents a ON a.id = m.id WHERE m.id = ?",
        useRef(machineId), into(states), into(digests), into(revoked), now;
    if (states.empty()) return s;
    s.machineId = machineId;
    s.state = admissionState(states.front());
    s.packageDigest = digests.front();
    s.revoked = revoked.front() != 0;
    std::vector<std::int64_t> since;
    *session_ << "SELECT COALESCE(MAX(at), 0) FROM transitions WHERE machine_id = ? AND to_state = 'pending'",
        useRef(machineId), into(since), now;
    s.pendingSince = since.empty() ? 0 : since.front();
    return s;
  }

  // dedupe "": a command given by hand (no key). nullopt when the key is taken.
  std::optional<std::string> insertCommand(const std::string& machineId, const pb::Command& action,
                                           const std::string& dedupe, bool awaitApproval, std::int64_t at) {
    std::string id = util::randomUuid();
    std::string kind = wire::commandKind(action);
    BLOB body = actionBytes(action);
    std::string state = stateName(awaitApproval ? CommandState::AwaitingApproval : CommandState::Queued);
    if (dedupe.empty()) {
      *session_ << "INSERT INTO commands(id, machine_id, kind, action, state, created_at) VALUES(?, ?, ?, ?, ?, ?)",
          use(id), useRef(machineId), use(kind), use(body), use(state), use(at), now;
      return id;
    }
    Poco::Data::Statement insert(*session_);
    insert << "INSERT OR IGNORE INTO commands(id, machine_id, kind, action, state, created_at, dedupe)"
              " VALUES(?, ?, ?, ?, ?, ?, ?)",
        use(id), useRef(machineId), use(kind), use(body), use(state), use(at), useRef(dedupe);
    if (insert.execute() == 0) return std::nullopt;
    return id;
  }

  // One decision's rows, inside the caller's transaction.
  DecisionWritten insertDecision(const DecisionWrite& d) {
    DecisionWritten written;
    if (d.transition) insertTransition(*d.transition);
    for (const auto& c : d.commands) {
      if (c.dedupe.empty()) written.commandIds.push_back(insertCommand(d.machineId, c.action, "", false, d.at));
      else written.commandIds.push_back(insertCommand(d.machineId, c.action, c.dedupe, c.awaitApproval, d.at));
    }
    if (d.sightings) sqlite::writeSightings(*session_, d.machineId, *d.sightings, d.at);
    for (const auto& l : d.learned) {
      if (!sqlite::insertKnownBad(*session_, l.hash)) continue;
      written.learned.push_back(l.hash.sha256);
      sqlite::insertAudit(*session_, {d.machineId, d.at, l.auditEvent, l.auditDetail, ""});
    }
    for (const auto& a : d.audit) {
      std::string commandId;
      if (a.command >= 0) {
        const auto& id = written.commandIds.at(static_cast<std::size_t>(a.command));
        if (!id) continue;
        commandId = *id;
      }
      sqlite::insertAudit(*session_, {d.machineId, d.at, a.event, a.detail, commandId});
    }
    return written;
  }

  void insertTransition(const Transition& t) {
    std::string from = admission::admissionName(t.fromState), to = admission::admissionName(t.toState);
    *session_ << "INSERT INTO transitions(machine_id, from_state, to_state, cause, command_id, at)"
                 " VALUES(?, ?, ?, ?, ?, ?)",
        useRef(t.machineId), use(from), use(to), useRef(t.cause), useRef(t.commandId), useRef(t.at), now;
    *session_ << "UPDATE machines SET state = ? WHERE id = ?", use(to), useRef(t.machineId), now;
  }

  void writeReport(const ReportWrite& r) {
    const std::string& id = r.agentId;
    if (!r.body) {
      *session_ << "UPDATE machines SET last_seen = ? WHERE id = ?", useRef(r.receivedAt), useRef(id), now;
      return;
    }
    const pb::MachineInfo& info = *r.body;
    std::vector<std::int64_t> keys;
    std::vector<BLOB> previous;
    *session_ << "SELECT key FROM machines WHERE id = ?", useRef(id), into(keys), now;
    const bool isNew = keys.empty();
    if (!isNew) *session_ << "SELECT info FROM machine_info WHERE machine = ?", use(keys.front()), into(previous), now;
    pb::MachineInfo before;
    if (!isNew && !previous.empty()) before.ParseFromString(fromBlob(previous.front()));

    const std::int64_t packageCount = info.packages_size();
    const std::string packageDigest = wire::packageListDigest(info);
    BLOB blob = toBlob(info.SerializeAsString());
    if (isNew) {
      *session_ << "INSERT INTO machines(id, hostname, machine_id, os_id, os_version, os_pretty, arch, kernel,"
                   " state, package_count, first_seen, last_seen, digest, package_digest)"
                   " VALUES(?, ?, ?, ?, ?, ?, ?, ?, 'unknown', ?, ?, ?, ?, ?)",
          useRef(id), useRef(info.hostname()), useRef(info.machine_id()), useRef(info.os().id()),
          useRef(info.os().version_id()), useRef(info.os().pretty_name()), useRef(info.arch()),
          useRef(info.kernel_release()), useRef(packageCount), useRef(r.receivedAt), useRef(r.receivedAt),
          useRef(r.digest), useRef(packageDigest), now;
    } else {
      *session_ << "UPDATE machines SET hostname = ?, machine_id = ?, os_id = ?, os_version = ?, os_pretty = ?,"
                   " arch = ?, kernel = ?, package_count = ?, last_seen = ?, digest = ?, package_digest = ?"
                   " WHERE id = ?",
          useRef(info.hostname()), useRef(info.machine_id()), useRef(info.os().id()),
          useRef(info.os().version_id()), useRef(info.os().pretty_name()), useRef(info.arch()),
          useRef(info.kernel_release()), useRef(packageCount), useRef(r.receivedAt), useRef(r.digest),
          useRef(packageDigest), useRef(id), now;
    }
    if (isNew) *session_ << "SELECT key FROM machines WHERE id = ?", useRef(id), into(keys), now;
    *session_ << "INSERT OR REPLACE INTO machine_info(machine, info) VALUES(?, ?)", use(keys.front()), use(blob), now;
    updatePackages(keys.front(), before, info);
    // Only when they changed: the store logs each MAC reported or dropped for the gate.
    if (isNew || !sameInterfaces(before, info)) replaceInterfaces(id, info);
    if (isNew)
      insertTransition(Transition{id, admission::AdmissionState::Unknown, admission::AdmissionState::Pending,
                                  "first report from agent " + id, "", r.receivedAt});
  }

  // Only the rows that changed are written: a machine's next report usually
  // differs from its last by a few packages, and a first report by all.
  // Vector bindings: Poco prepares each statement once and steps it per row.
  void updatePackages(std::int64_t machine, const pb::MachineInfo& before, const pb::MachineInfo& after) {
    struct Row {
      std::string version, source, sourceVersion;
      bool operator==(const Row&) const = default;
    };
    auto rowsOf = [](const pb::MachineInfo& info) {
      std::map<std::pair<std::string, std::string>, Row> rows;
      for (const auto& p : info.packages())
        // Empty means "same as the binary package", as dpkg reports it; a
        // (name, arch) listed twice keeps the last.
        rows[{p.name(), p.arch()}] = Row{p.version(), p.source().empty() ? p.name() : p.source(),
                                         p.source_version().empty() ? p.version() : p.source_version()};
      return rows;
    };
    const auto old = rowsOf(before);
    const auto current = rowsOf(after);

    std::vector<std::string> goneNames, goneArches;
    for (const auto& [key, row] : old)
      if (!current.count(key)) {
        goneNames.push_back(key.first);
        goneArches.push_back(key.second);
      }
    std::vector<std::string> names, arches, versions, sources, sourceVersions;
    for (const auto& [key, row] : current) {
      auto it = old.find(key);
      if (it != old.end() && it->second == row) continue;
      names.push_back(key.first);
      arches.push_back(key.second);
      versions.push_back(row.version);
      sources.push_back(row.source);
      sourceVersions.push_back(row.sourceVersion);
    }
    if (!goneNames.empty()) {
      std::vector<std::int64_t> machines(goneNames.size(), machine);
      *session_ << "DELETE FROM packages WHERE machine = ? AND name = ? AND arch = ?", use(machines),
          use(goneNames), use(goneArches), now;
    }
    if (!names.empty()) {
      std::vector<std::int64_t> machines(names.size(), machine);
      *session_ << "INSERT OR REPLACE INTO packages(machine, name, version, arch, source, source_version)"
                   " VALUES(?, ?, ?, ?, ?, ?)",
          use(machines), use(names), use(versions), use(arches), use(sources), use(sourceVersions), now;
    }
  }

  static bool sameInterfaces(const pb::MachineInfo& a, const pb::MachineInfo& b) {
    if (a.interfaces_size() != b.interfaces_size()) return false;
    for (int i = 0; i < a.interfaces_size(); ++i)
      if (a.interfaces(i).SerializeAsString() != b.interfaces(i).SerializeAsString()) return false;
    return true;
  }

  void replaceInterfaces(const std::string& id, const pb::MachineInfo& info) {
    *session_ << "DELETE FROM interfaces WHERE machine_id = ?", useRef(id), now;
    if (info.interfaces_size() == 0) return;
    const auto n = static_cast<std::size_t>(info.interfaces_size());
    std::vector<std::string> ids(n, id), names, macs, v4, v6;
    for (const auto& i : info.interfaces()) {
      names.push_back(i.name());
      macs.push_back(i.mac());
      v4.push_back(joinList(i.ipv4()));
      v6.push_back(joinList(i.ipv6()));
    }
    *session_ << "INSERT OR REPLACE INTO interfaces(machine_id, name, mac, ipv4, ipv6) VALUES(?, ?, ?, ?, ?)",
        use(ids), use(names), use(macs), use(v4), use(v6), now;
  }

  std::vector<OutboxCommand> selectCommands(const char* what, const char* clause, const std::string* key) {
    return guard(what, [&] {
      std::vector<CommandRow> rows;
      const std::string sql = std::string(kCommandColumns) + clause;
      if (key) *session_ << sql, useRef(*key), into(rows), now;
      else *session_ << sql, into(rows), now;
      std::vector<OutboxCommand> out;
      out.reserve(rows.size());
      for (const auto& r : rows) out.push_back(toCommand(r));
      return out;
    });
  }

  // The caller holds the lock.
  dhcp::MacStanding macStandingLocked(const std::string& mac) {
    // Every machine whose agent still stands that reports this MAC: more
    // than one is a conflict the gate holds, never a silent take-over.
    std::vector<std::string> ids;
    *session_ << "SELECT DISTINCT m.id FROM interfaces i JOIN machines m ON m.id = i.machine_id"
             " LEFT JOIN agents a ON a.id = m.id"
             " WHERE i.mac = ? AND COALESCE(a.revoked_at, 0) = 0 ORDER BY m.last_seen DESC, m.id",
        useRef(mac), into(ids), now;
    if (ids.empty())
      *session_ << "SELECT m.id FROM interfaces i JOIN machines m ON m.id = i.machine_id"
               " WHERE i.mac = ? ORDER BY m.last_seen DESC, m.id LIMIT 1",
        useRef(mac), into(ids), now;
    dhcp::MacStanding s = ids.empty() ? dhcp::MacStanding{} : standingOf(ids.front());
    if (ids.size() > 1) s.claimedBy = ids;
    std::vector<std::string> holds;
    *session_ << "SELECT hold FROM gate_holds WHERE mac = ?", useRef(mac), into(holds), now;
    if (!holds.empty()) s.operatorHold = holds.front();
    return s;
  }

  // In a transaction the caller holds.
  TokenCheck consumeToken(const std::string& tokenHash, std::int64_t at) {
    std::vector<std::int64_t> expires, used;
    *session_ << "SELECT expires_at, used_at FROM enroll_tokens WHERE token_hash = ?", useRef(tokenHash),
        into(expires), into(used), now;
    if (expires.empty()) return TokenCheck::Unknown;
    if (used.front() != 0) return TokenCheck::AlreadyUsed;
    if (at >= expires.front()) return TokenCheck::Expired;
    *session_ << "UPDATE enroll_tokens SET used_at = ? WHERE token_hash = ?", use(at), useRef(tokenHash), now;
    return TokenCheck::Accepted;
  }

  std::unique_ptr<SensorStore> sensors_;
  std::unique_ptr<NetworkFindings> network_;
  std::unique_ptr<TrafficProfiles> profiles_;
  std::unique_ptr<IncidentStore> incidents_;
  std::unique_ptr<RunbookStore> runbooks_;
  std::unique_ptr<ArchiveStore> archive_;
  std::unique_ptr<OperatorStore> operators_;
};

}  // namespace

std::unique_ptr<Store> Store::openSqlite(const std::filesystem::path& file, bool syncEachCommit) {
  return std::make_unique<SqliteStore>(file, syncEachCommit);
}

}  // namespace portcullis::store
