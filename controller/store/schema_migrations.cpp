#include "controller/store/schema_migrations.h"

#include "controller/store/legacy_commands.h"

namespace portcullis::store {

const std::vector<Migration>& schemaMigrations() {
  static const std::vector<Migration> migrations = {
      {1,
       {
           "CREATE TABLE agents ("
           " id TEXT PRIMARY KEY, hostname TEXT NOT NULL DEFAULT '',"
           " cert_serial TEXT NOT NULL DEFAULT '', cert_sha256 TEXT NOT NULL DEFAULT '',"
           " enrolled_at INTEGER NOT NULL, revoked_at INTEGER NOT NULL DEFAULT 0)",
           "CREATE TABLE enroll_tokens ("
           " token_hash TEXT PRIMARY KEY, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
           " used_at INTEGER NOT NULL DEFAULT 0)",
           "CREATE TABLE machines ("
           " key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
           " hostname TEXT NOT NULL DEFAULT '', machine_id TEXT NOT NULL DEFAULT '',"
           " os_id TEXT NOT NULL DEFAULT '', os_version TEXT NOT NULL DEFAULT '', os_pretty TEXT NOT NULL DEFAULT '',"
           " arch TEXT NOT NULL DEFAULT '', kernel TEXT NOT NULL DEFAULT '', state TEXT NOT NULL DEFAULT 'unknown',"
           " package_count INTEGER NOT NULL DEFAULT 0, first_seen INTEGER NOT NULL DEFAULT 0,"
           " last_seen INTEGER NOT NULL DEFAULT 0, digest TEXT NOT NULL DEFAULT '', info BLOB)",
           "CREATE INDEX machines_hostname ON machines(hostname)",
           // Packages hang off the machine's integer key: an index entry per row
           // with a 36-character id in it doubled the cost of a first report.
           // Advisories name source packages, so source is the one extra index.
           "CREATE TABLE packages ("
           " machine INTEGER NOT NULL REFERENCES machines(key) ON DELETE CASCADE,"
           " name TEXT NOT NULL, version TEXT NOT NULL, arch TEXT NOT NULL,"
           " source TEXT NOT NULL, source_version TEXT NOT NULL,"
           " PRIMARY KEY (machine, name, arch))",
           "CREATE INDEX packages_source ON packages(source)",
           "CREATE TABLE interfaces ("
           " machine_id TEXT NOT NULL REFERENCES machines(id) ON DELETE CASCADE,"
           " name TEXT NOT NULL, mac TEXT NOT NULL DEFAULT '', ipv4 TEXT NOT NULL DEFAULT '',"
           " ipv6 TEXT NOT NULL DEFAULT '', PRIMARY KEY (machine_id, name))",
           "CREATE INDEX interfaces_mac ON interfaces(mac)",
           "CREATE TABLE commands ("
           " id TEXT PRIMARY KEY, machine_id TEXT NOT NULL, kind TEXT NOT NULL, payload BLOB,"
           " state TEXT NOT NULL, created_at INTEGER NOT NULL, delivered_at INTEGER NOT NULL DEFAULT 0,"
           " finished_at INTEGER NOT NULL DEFAULT 0, result_detail TEXT NOT NULL DEFAULT '')",
           "CREATE INDEX commands_machine_state ON commands(machine_id, state)",
           "CREATE TABLE transitions ("
           " id INTEGER PRIMARY KEY AUTOINCREMENT, machine_id TEXT NOT NULL, from_state TEXT NOT NULL,"
           " to_state TEXT NOT NULL, cause TEXT NOT NULL, command_id TEXT NOT NULL DEFAULT '',"
           " at INTEGER NOT NULL)",
           "CREATE INDEX transitions_machine ON transitions(machine_id, id)",
       }},
      {2,
       {
           "CREATE TABLE publishers ("
           " name TEXT PRIMARY KEY, public_key TEXT NOT NULL, level INTEGER NOT NULL,"
           " added_at INTEGER NOT NULL)",
           "CREATE TABLE advisories ("
           " id TEXT PRIMARY KEY, modified TEXT NOT NULL DEFAULT '', published TEXT NOT NULL DEFAULT '',"
           " summary TEXT NOT NULL DEFAULT '', aliases TEXT NOT NULL DEFAULT '', severity TEXT NOT NULL DEFAULT '',"
           " publisher TEXT NOT NULL DEFAULT '', imported_at INTEGER NOT NULL, record BLOB NOT NULL)",
       }},
      {3,
       {
           // Commands the diagnosis asks for carry a key so one measure is
           // queued once, however often the machine is diagnosed again.
           "ALTER TABLE commands ADD COLUMN dedupe TEXT",
           "ALTER TABLE commands ADD COLUMN result_payload BLOB",
           "CREATE UNIQUE INDEX commands_dedupe ON commands(machine_id, dedupe) WHERE dedupe IS NOT NULL",
           "CREATE INDEX advisories_imported ON advisories(imported_at)",
       }},
      {4,
       {
           // DHCP leases, one row per address: the server writes a change here
           // before it answers, so a restart serves the same addresses.
           "CREATE TABLE leases ("
           " address INTEGER PRIMARY KEY, mac TEXT NOT NULL, client_id TEXT NOT NULL DEFAULT '',"
           " hostname TEXT NOT NULL DEFAULT '', subnet TEXT NOT NULL, pool TEXT NOT NULL, state TEXT NOT NULL,"
           " start INTEGER NOT NULL, expires INTEGER NOT NULL, relay INTEGER NOT NULL DEFAULT 0,"
           " agent_info TEXT NOT NULL DEFAULT '', machine_id TEXT NOT NULL DEFAULT '')",
           "CREATE INDEX leases_mac ON leases(mac)",
           // What an announce's package digest is compared with.
           "ALTER TABLE machines ADD COLUMN package_digest TEXT NOT NULL DEFAULT ''",
           // An operator's release or quarantine of a MAC no agent reports.
           "CREATE TABLE gate_holds ("
           " mac TEXT PRIMARY KEY, hold TEXT NOT NULL, cause TEXT NOT NULL, at INTEGER NOT NULL)",
       }},
      {5,
       {
           // Watched files as the agents last reported them, and what changed.
           "CREATE TABLE file_hashes ("
           " machine_id TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL DEFAULT 0,"
           " mtime INTEGER NOT NULL DEFAULT 0, mode INTEGER NOT NULL DEFAULT 0, uid INTEGER NOT NULL DEFAULT 0,"
           " gid INTEGER NOT NULL DEFAULT 0, package TEXT NOT NULL DEFAULT '', list_id INTEGER NOT NULL DEFAULT 0,"
           " changed_at INTEGER NOT NULL, PRIMARY KEY (machine_id, path)) WITHOUT ROWID",
           "CREATE INDEX file_hashes_sha256 ON file_hashes(sha256)",
           "CREATE TABLE file_lists ("
           " machine_id TEXT NOT NULL, list_id INTEGER NOT NULL, parts INTEGER NOT NULL,"
           " started_at INTEGER NOT NULL, complete_at INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (machine_id, list_id))",
           "CREATE TABLE file_list_parts ("
           " machine_id TEXT NOT NULL, list_id INTEGER NOT NULL, part INTEGER NOT NULL,"
           " PRIMARY KEY (machine_id, list_id, part))",
           "CREATE TABLE file_changes ("
           " id INTEGER PRIMARY KEY AUTOINCREMENT, machine_id TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL,"
           " sha256_before TEXT NOT NULL DEFAULT '', sha256_after TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL)",
           "CREATE INDEX file_changes_machine ON file_changes(machine_id, path)",
           // Hashes of files known to be malicious: imported lists and what the controller learned.
           "CREATE TABLE known_bad ("
           " sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, size INTEGER NOT NULL DEFAULT 0,"
           " added_at INTEGER NOT NULL)",
           // Which machine showed which sign of damage, from when to when: the damage range over time.
           "CREATE TABLE damage_sightings ("
           " sign TEXT NOT NULL, machine_id TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
           " cleared_at INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sign, machine_id))",
           "CREATE INDEX damage_sightings_machine ON damage_sightings(machine_id)",
           "CREATE TABLE audit ("
           " id INTEGER PRIMARY KEY AUTOINCREMENT, machine_id TEXT NOT NULL, at INTEGER NOT NULL, event TEXT NOT NULL,"
           " detail TEXT NOT NULL DEFAULT '', command_id TEXT NOT NULL DEFAULT '')",
           "CREATE INDEX audit_machine ON audit(machine_id, id)",
           "CREATE TABLE notifications ("
           " id INTEGER PRIMARY KEY AUTOINCREMENT, machine_id TEXT NOT NULL, event TEXT NOT NULL, body TEXT NOT NULL,"
           " state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
           " next_at INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '', sent_at INTEGER NOT NULL DEFAULT 0)",
           "CREATE INDEX notifications_due ON notifications(state, next_at)",
       }},
      {6,
       {
           // Typed commands: the action as the Command's bytes, the agent's
           // answer as the CommandResult's. The JSON columns are carried
           // over row by row, then dropped.
           "ALTER TABLE commands ADD COLUMN action BLOB",
           "ALTER TABLE commands ADD COLUMN result BLOB",
       },
       [](Poco::Data::Session& session) {
         convertLegacyCommands(session);
         session << "ALTER TABLE commands DROP COLUMN payload", Poco::Data::Keywords::now;
         session << "ALTER TABLE commands DROP COLUMN result_payload", Poco::Data::Keywords::now;
       }},
      {7,
       {
           // An operator's quarantine is held as such, not read from the
           // wording of the last transition's cause as before.
           "ALTER TABLE machines ADD COLUMN hold TEXT NOT NULL DEFAULT ''",
           "UPDATE machines SET hold = 'quarantine' WHERE state = 'quarantined' AND"
           " (SELECT cause FROM transitions t WHERE t.machine_id = machines.id ORDER BY t.id DESC LIMIT 1)"
           " LIKE 'operator%'",
       }},
      {8,
       {
           // A machine's information (tens of kilobytes) in a table of its
           // own: SQLite rewrites a whole record on any UPDATE, so each
           // change of state or last_seen rewrote it too.
           "CREATE TABLE machine_info (machine INTEGER PRIMARY KEY REFERENCES machines(key), info BLOB)",
           "INSERT INTO machine_info(machine, info) SELECT key, info FROM machines WHERE info IS NOT NULL",
           "ALTER TABLE machines DROP COLUMN info",
       }},
      {9,
       {
           // The agent's certificate, to verify the DHCP proofs it signs.
           "ALTER TABLE agents ADD COLUMN certificate TEXT NOT NULL DEFAULT ''",
       }},
      {10,
       {
           // The archive feed: each security suite synced, the fix each
           // source carries now, and when each fix appeared.
           "CREATE TABLE archive_suites ("
           " key TEXT PRIMARY KEY, url TEXT NOT NULL, suite TEXT NOT NULL, ecosystem TEXT NOT NULL DEFAULT '',"
           " release_sha256 TEXT NOT NULL, fingerprint TEXT NOT NULL DEFAULT '', release_date INTEGER NOT NULL,"
           " synced_at INTEGER NOT NULL, sources INTEGER NOT NULL DEFAULT 0)",
           "CREATE TABLE archive_fixes ("
           " id TEXT PRIMARY KEY, suite TEXT NOT NULL, ecosystem TEXT NOT NULL, source TEXT NOT NULL,"
           " version TEXT NOT NULL, binaries TEXT NOT NULL DEFAULT '', appeared_at INTEGER NOT NULL)",
           "CREATE TABLE archive_history ("
           " id INTEGER PRIMARY KEY, advisory TEXT NOT NULL, suite TEXT NOT NULL, source TEXT NOT NULL,"
           " version TEXT NOT NULL, previous TEXT NOT NULL DEFAULT '', appeared_at INTEGER NOT NULL,"
           " seen_at INTEGER NOT NULL)",
           "CREATE INDEX archive_history_source ON archive_history(source)",
       }},
      {11,
       {
           // The gate's change log: what may have moved a MAC's standing,
           // written by the store itself so that a change from any process
           // (serve, or the command line) reaches the running gate, which then
           // reads only those MACs again. A machine's row names its MACs
           // through the interfaces it reports. Bounded: the last 100,000.
           "CREATE TABLE gate_changes ("
           " seq INTEGER PRIMARY KEY AUTOINCREMENT, mac TEXT NOT NULL DEFAULT '',"
           " machine_id TEXT NOT NULL DEFAULT '')",
           "CREATE TRIGGER gate_changes_bounded AFTER INSERT ON gate_changes BEGIN"
           " DELETE FROM gate_changes WHERE seq <= new.seq - 100000; END",
           "CREATE TRIGGER gate_changes_machine AFTER UPDATE OF state, package_digest ON machines"
           " WHEN old.state IS NOT new.state OR old.package_digest IS NOT new.package_digest BEGIN"
           " INSERT INTO gate_changes(machine_id) VALUES(new.id); END",
           "CREATE TRIGGER gate_changes_revoked AFTER UPDATE OF revoked_at ON agents"
           " WHEN old.revoked_at IS NOT new.revoked_at BEGIN"
           " INSERT INTO gate_changes(machine_id) VALUES(new.id); END",
           "CREATE TRIGGER gate_changes_hold_set AFTER INSERT ON gate_holds BEGIN"
           " INSERT INTO gate_changes(mac) VALUES(new.mac); END",
           "CREATE TRIGGER gate_changes_hold_changed AFTER UPDATE ON gate_holds BEGIN"
           " INSERT INTO gate_changes(mac) VALUES(old.mac), (new.mac); END",
           "CREATE TRIGGER gate_changes_hold_removed AFTER DELETE ON gate_holds BEGIN"
           " INSERT INTO gate_changes(mac) VALUES(old.mac); END",
           "CREATE TRIGGER gate_changes_mac_reported AFTER INSERT ON interfaces WHEN new.mac != '' BEGIN"
           " INSERT INTO gate_changes(mac) VALUES(new.mac); END",
           "CREATE TRIGGER gate_changes_mac_dropped AFTER DELETE ON interfaces WHEN old.mac != '' BEGIN"
           " INSERT INTO gate_changes(mac) VALUES(old.mac); END",
       }},
      {12,
       {
           // The console's operators, their API tokens (hashes only), and
           // what operators did, from the console, the API or the command line.
           "CREATE TABLE operators ("
           " name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL DEFAULT '',"
           " created_at INTEGER NOT NULL, password_changed_at INTEGER NOT NULL DEFAULT 0)",
           "CREATE TABLE api_tokens ("
           " token_hash TEXT PRIMARY KEY, operator TEXT NOT NULL, created_at INTEGER NOT NULL)",
           "CREATE INDEX api_tokens_operator ON api_tokens(operator)",
           "CREATE TABLE operator_audit ("
           " id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, operator TEXT NOT NULL DEFAULT '',"
           " source TEXT NOT NULL DEFAULT '', action TEXT NOT NULL, target TEXT NOT NULL DEFAULT '',"
           " detail TEXT NOT NULL DEFAULT '')",
       }},
      {13,
       {
           // Client certificates issued to operators (`operator cert`), by the
           // SHA-256 of their DER: only these sign in, never another
           // certificate of the same CA (an agent's).
           "CREATE TABLE operator_certs ("
           " fingerprint TEXT PRIMARY KEY, operator TEXT NOT NULL, created_at INTEGER NOT NULL,"
           " not_after INTEGER NOT NULL)",
           "CREATE INDEX operator_certs_operator ON operator_certs(operator)",
           // A one-time password (the first admin's, say): changed at the first sign-in.
           "ALTER TABLE operators ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0",
       }},
      {14,
       {
           // Open vulnerabilities by severity, sampled by enforcement, for
           // the console's chart over time. A severity with none is not written.
           "CREATE TABLE exposure_samples ("
           " at INTEGER NOT NULL, severity TEXT NOT NULL, open INTEGER NOT NULL,"
           " PRIMARY KEY(at, severity)) WITHOUT ROWID",
       }},
      {15,
       {
           // The communication log (the network monitor): addresses as their
           // 4 or 16 bytes; rows ordered by id are in the order written, so
           // the oldest go first when the log is full.
           "CREATE TABLE traffic_flows ("
           " id INTEGER PRIMARY KEY AUTOINCREMENT, start_us INTEGER NOT NULL, end_us INTEGER NOT NULL,"
           " protocol INTEGER NOT NULL, source BLOB NOT NULL, source_port INTEGER NOT NULL,"
           " destination BLOB NOT NULL, destination_port INTEGER NOT NULL,"
           " packets_out INTEGER NOT NULL, bytes_out INTEGER NOT NULL, packets_in INTEGER NOT NULL,"
           " bytes_in INTEGER NOT NULL, service TEXT NOT NULL DEFAULT '',"
           " source_machine TEXT NOT NULL DEFAULT '', destination_machine TEXT NOT NULL DEFAULT '',"
           " origin TEXT NOT NULL DEFAULT '')",
           "CREATE INDEX traffic_flows_start ON traffic_flows(start_us)",
           "CREATE INDEX traffic_flows_source_machine ON traffic_flows(source_machine, start_us)",
           "CREATE INDEX traffic_flows_destination_machine ON traffic_flows(destination_machine, start_us)",
       }},
      {16,
       {
           // Payload signature sets, one per source (a publisher's file, an
           // operator's own), each kept as the text that was signed.
           "CREATE TABLE payload_signature_sets ("
           " source TEXT PRIMARY KEY, text TEXT NOT NULL, publisher TEXT NOT NULL DEFAULT '',"
           " digest TEXT NOT NULL, signatures INTEGER NOT NULL, imported_at INTEGER NOT NULL)",
           // What judging the network found: a signature matched (with the
           // packet's headers and the matched bytes as evidence), later an
           // anomaly or a spread. Open until resolved.
           "CREATE TABLE network_findings ("
           " id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, machine_id TEXT NOT NULL DEFAULT '',"
           " at_us INTEGER NOT NULL, rule TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '',"
           " severity TEXT NOT NULL DEFAULT '', protocol INTEGER NOT NULL DEFAULT 0,"
           " source BLOB NOT NULL DEFAULT x'', source_port INTEGER NOT NULL DEFAULT 0,"
           " destination BLOB NOT NULL DEFAULT x'', destination_port INTEGER NOT NULL DEFAULT 0,"
           " headers BLOB NOT NULL DEFAULT x'', excerpt BLOB NOT NULL DEFAULT x'',"
           " origin TEXT NOT NULL DEFAULT '', resolved_at INTEGER NOT NULL DEFAULT 0,"
           " resolved_by TEXT NOT NULL DEFAULT '')",
           "CREATE INDEX network_findings_machine ON network_findings(machine_id, resolved_at)",
       }},
      {17,
       {
           // The machine profile database: each machine's traffic profile
           // (its baseline being gathered, or learned) as the judging's text,
           // how far its windows are judged, and whether flows wait for it.
           "CREATE TABLE traffic_profiles ("
           " machine_id TEXT PRIMARY KEY, body TEXT NOT NULL DEFAULT '', learned INTEGER NOT NULL DEFAULT 0,"
           " windows INTEGER NOT NULL DEFAULT 0, threshold_ppm INTEGER NOT NULL DEFAULT 0,"
           " learned_at_us INTEGER NOT NULL DEFAULT 0, judged_until_us INTEGER NOT NULL DEFAULT -1,"
           " anomalies INTEGER NOT NULL DEFAULT 0, last_verdict TEXT NOT NULL DEFAULT '',"
           " pending INTEGER NOT NULL DEFAULT 0)",
           "CREATE INDEX traffic_profiles_pending ON traffic_profiles(pending, judged_until_us)",
           // A machine's windows count its flows by when they ended (or a
           // long one was cut and reported): read by sender and end.
           "CREATE INDEX traffic_flows_source_end ON traffic_flows(source_machine, end_us)",
           // A match of an anchored signature carries its piece and byte (drop by payload).
           "ALTER TABLE network_findings ADD COLUMN anchor_offset INTEGER NOT NULL DEFAULT -1",
           "ALTER TABLE network_findings ADD COLUMN anchor BLOB NOT NULL DEFAULT x''",
           // The last flow of the log the judging has looked at.
           "CREATE TABLE profile_progress (id INTEGER PRIMARY KEY CHECK (id = 1), last_flow_id INTEGER NOT NULL)",
           // What the monitors saw of each isolation some time after it was applied.
           "CREATE TABLE isolation_checks ("
           " command_id TEXT PRIMARY KEY, machine_id TEXT NOT NULL, mode TEXT NOT NULL, checked_at INTEGER NOT NULL,"
           " holding INTEGER NOT NULL, detail TEXT NOT NULL)",
           "CREATE INDEX isolation_checks_machine ON isolation_checks(machine_id, checked_at)",
           // Segments cut off at routers, until no damaged machine is left there.
           "CREATE TABLE segment_isolations ("
           " segment TEXT PRIMARY KEY, router TEXT NOT NULL, agent_id TEXT NOT NULL, machines TEXT NOT NULL,"
           " applied_at INTEGER NOT NULL)",
       }},
      {18,
       {
           // Incidents opened by IDS alerts, the alerts kept whole (the first
           // of each incident) and the addresses they named, with the machine
           // that held each then.
           "CREATE TABLE incidents ("
           " id INTEGER PRIMARY KEY, opened_at_us INTEGER NOT NULL, last_at_us INTEGER NOT NULL,"
           " state TEXT NOT NULL DEFAULT 'open', rule TEXT NOT NULL, signature TEXT NOT NULL DEFAULT '',"
           " severity INTEGER NOT NULL DEFAULT 0, alerts INTEGER NOT NULL DEFAULT 0,"
           " hosts_kept INTEGER NOT NULL DEFAULT 0, hosts_overflow INTEGER NOT NULL DEFAULT 0,"
           " closed_at INTEGER NOT NULL DEFAULT 0, closed_by TEXT NOT NULL DEFAULT '')",
           "CREATE INDEX incidents_rule ON incidents(state, rule, last_at_us)",
           "CREATE INDEX incidents_last ON incidents(last_at_us)",
           "CREATE TABLE incident_alerts ("
           " id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL, at_us INTEGER NOT NULL, timestamp TEXT NOT NULL,"
           " flow_id INTEGER NOT NULL, source BLOB NOT NULL, source_port INTEGER NOT NULL, destination BLOB NOT NULL,"
           " destination_port INTEGER NOT NULL, protocol TEXT NOT NULL, app_proto TEXT NOT NULL, action TEXT NOT NULL,"
           " gid INTEGER NOT NULL, signature_id INTEGER NOT NULL, rev INTEGER NOT NULL, signature TEXT NOT NULL,"
           " category TEXT NOT NULL, severity INTEGER NOT NULL, community_id TEXT NOT NULL, origin TEXT NOT NULL,"
           " source_machine TEXT NOT NULL, destination_machine TEXT NOT NULL, rule_name TEXT NOT NULL DEFAULT '')",
           "CREATE INDEX incident_alerts_incident ON incident_alerts(incident_id, at_us)",
           "CREATE TABLE incident_hosts ("
           " incident_id INTEGER NOT NULL, address BLOB NOT NULL, machine_id TEXT NOT NULL, role TEXT NOT NULL,"
           " seq INTEGER NOT NULL, PRIMARY KEY (incident_id, address))",
           "CREATE INDEX incident_hosts_address ON incident_hosts(address)",
           // How far each file of alerts was read (its device and inode, to see a rotation).
           "CREATE TABLE alert_inputs ("
           " input TEXT PRIMARY KEY, device INTEGER NOT NULL, inode INTEGER NOT NULL, offset INTEGER NOT NULL)",
       }},
      {19,
       {
           // The damage questionnaire's answers, one set an incident.
           "CREATE TABLE incident_answers ("
           " incident_id INTEGER PRIMARY KEY, problem TEXT NOT NULL, host TEXT NOT NULL, address TEXT NOT NULL,"
           " machine TEXT NOT NULL, service TEXT NOT NULL, process TEXT NOT NULL, port INTEGER NOT NULL,"
           " policy TEXT NOT NULL, start TEXT NOT NULL, answered_by TEXT NOT NULL, answered_at INTEGER NOT NULL)",
           // The site's service dependency graph, as imported.
           "CREATE TABLE service_graph ("
           " id INTEGER PRIMARY KEY CHECK (id = 1), text TEXT NOT NULL, imported_at INTEGER NOT NULL,"
           " imported_by TEXT NOT NULL)",
           // Runbooks made for incidents, versioned, with the state of their run.
           "CREATE TABLE runbooks ("
           " id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL, version INTEGER NOT NULL, scenario TEXT NOT NULL,"
           " text TEXT NOT NULL, reasons TEXT NOT NULL, notes TEXT NOT NULL, facts TEXT NOT NULL, failed TEXT NOT NULL,"
           " damage_range TEXT NOT NULL, fix_order TEXT NOT NULL, cost_per_hour INTEGER NOT NULL,"
           " created_at INTEGER NOT NULL, created_by TEXT NOT NULL, start_at INTEGER NOT NULL, state TEXT NOT NULL,"
           " run_line INTEGER NOT NULL, run_awaiting INTEGER NOT NULL, run_tested INTEGER NOT NULL,"
           " run_passed INTEGER NOT NULL, run_finished INTEGER NOT NULL, run_shown_from INTEGER NOT NULL,"
           " events INTEGER NOT NULL, UNIQUE (incident_id, version))",
           // Every step of a run: who, when, from where, what a test saw.
           "CREATE TABLE runbook_events ("
           " id INTEGER PRIMARY KEY, runbook_id INTEGER NOT NULL, at_us INTEGER NOT NULL, operator TEXT NOT NULL,"
           " address TEXT NOT NULL, kind TEXT NOT NULL, line INTEGER NOT NULL, passed INTEGER NOT NULL,"
           " detail TEXT NOT NULL, signature TEXT NOT NULL, certificate TEXT NOT NULL DEFAULT '',"
           " digest TEXT NOT NULL DEFAULT '')",
           "CREATE INDEX runbook_events_runbook ON runbook_events(runbook_id, id)",
       }},
      {20,
       {
           // A test whose checks agents run: the run_checks commands it waits for, and until when.
           "ALTER TABLE runbooks ADD COLUMN test_commands TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE runbooks ADD COLUMN test_deadline_us INTEGER NOT NULL DEFAULT 0",
           // The manual entries, test patterns and files a runbook version uses, as they were when it was
           // made: a library changed later does not change a runbook made (or signed) before.
           "CREATE TABLE runbook_library ("
           " runbook_id INTEGER NOT NULL, name TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (runbook_id, name))",
           // The order sightings of damage began in (those before: 0), so that each enters the incidents once.
           "ALTER TABLE damage_sightings ADD COLUMN seq INTEGER NOT NULL DEFAULT 0",
           "CREATE INDEX damage_sightings_seq ON damage_sightings(seq)",
       }},
  };
  return migrations;
}

int newestSchemaVersion() { return schemaMigrations().back().version; }

}  // namespace portcullis::store
