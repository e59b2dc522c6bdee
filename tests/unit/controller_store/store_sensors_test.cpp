// The sensor store on a real SQLite file: watched files and their changes, full
// lists in parts, known-bad hashes, sightings, the audit history, owner notices.
#include <doctest/doctest.h>

#include "controller/store/schema_migrations.h"
#include "controller/store/store.h"
#include "tests/unit/controller_store/store_test_support.h"

namespace portcullis::store {
namespace {

std::string hex64(char c) { return std::string(64, c); }

struct Fixture : testing::StoreFixture {
  SensorStore& sensors = store->sensors();
};

struct FileSpec {
  const char* path;
  char hash;
  std::uint32_t mode = 0100644;
  std::uint64_t size = 100;
  const char* package = "";
};

v1::FileHashes delta(std::initializer_list<FileSpec> files, std::initializer_list<const char*> removed = {}) {
  v1::FileHashes h;
  for (const auto& f : files) {
    auto* x = h.add_files();
    x->set_path(f.path);
    x->set_sha256(hex64(f.hash));
    x->set_mode(f.mode);
    x->set_size(f.size);
    x->set_package(f.package);
  }
  for (const auto* r : removed) h.add_removed(r);
  return h;
}

v1::FileHashes listPart(std::uint64_t listId, std::uint32_t part, std::uint32_t parts,
                        std::initializer_list<FileSpec> files) {
  auto h = delta(files);
  h.set_full_list(true);
  h.set_list_id(listId);
  h.set_part(part);
  h.set_parts(parts);
  return h;
}

// "kind path before>after@at", hashes by their first character.
std::vector<std::string> changes(const std::vector<FileChange>& list) {
  std::vector<std::string> out;
  const auto h = [](const std::string& s) { return s.empty() ? std::string("-") : s.substr(0, 1); };
  for (const auto& c : list)
    out.push_back(c.kind + " " + c.path + " " + h(c.sha256Before) + ">" + h(c.sha256After) + "@" + std::to_string(c.at));
  return out;
}

std::vector<std::string> paths(SensorStore& s, const std::string& machine,
                               std::initializer_list<const char*> candidates) {
  std::vector<std::string> out;
  for (const auto* p : candidates)
    if (s.file(machine, p)) out.push_back(p);
  return out;
}

KnownBadHash bad(char hash, const char* name, std::uint64_t size = 0, std::int64_t at = 100) {
  return {hex64(hash), name, "test list", size, at};
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a delta records each file's change, newest first, and counts them") {
  auto out = sensors.writeFileHashes("m1", delta({{"/etc/passwd", 'a'}, {"/usr/sbin/sshd", 'b', 0100755, 900, "openssh-server"}}), 100);
  CHECK(out.changes == 2);
  CHECK_FALSE(out.listCompleted);

  // Same content, new mode; new content; a new file; one unchanged.
  sensors.writeFileHashes("m1", delta({{"/etc/hosts", 'h'}}), 150);
  out = sensors.writeFileHashes(
      "m1", delta({{"/etc/passwd", 'a', 0100600}, {"/usr/sbin/sshd", 'c', 0100755, 901, "openssh-server"},
                   {"/etc/shadow", 's'}, {"/etc/hosts", 'h'}}),
      200);
  CHECK(out.changes == 3);

  out = sensors.writeFileHashes("m1", delta({}, {"/etc/hosts", "/never/held"}), 300);
  CHECK(out.changes == 1);  // a path never held is no change

  CHECK(changes(sensors.fileChanges("m1")) ==
        std::vector<std::string>{"deleted /etc/hosts h>-@300", "added /etc/shadow ->s@200",
                                 "modified /usr/sbin/sshd b>c@200", "permissions /etc/passwd a>a@200",
                                 "added /etc/hosts ->h@150", "added /usr/sbin/sshd ->b@100",
                                 "added /etc/passwd ->a@100"});
  CHECK(changes(sensors.fileChanges("m1", "/usr/sbin/sshd")) ==
        std::vector<std::string>{"modified /usr/sbin/sshd b>c@200", "added /usr/sbin/sshd ->b@100"});
  CHECK(changes(sensors.fileChanges("m1", "", 2)) ==
        std::vector<std::string>{"deleted /etc/hosts h>-@300", "added /etc/shadow ->s@200"});
  CHECK(sensors.fileChanges("m2").empty());

  const auto sshd = sensors.file("m1", "/usr/sbin/sshd");
  REQUIRE(sshd);
  CHECK(sshd->sha256 == hex64('c'));
  CHECK(sshd->size == 901);
  CHECK(sshd->mode == 0100755);
  CHECK(sshd->package == "openssh-server");
  CHECK(sshd->changedAt == 200);
  CHECK(sensors.file("m1", "/etc/passwd")->mode == 0100600);
  CHECK_FALSE(sensors.file("m1", "/etc/hosts"));
  CHECK_FALSE(sensors.file("m2", "/etc/passwd"));

  // The same file reported again is no change: its time of change stays.
  out = sensors.writeFileHashes("m1", delta({{"/usr/sbin/sshd", 'c', 0100755, 901, "openssh-server"}}), 400);
  CHECK(out.changes == 0);
  CHECK(sensors.file("m1", "/usr/sbin/sshd")->changedAt == 200);
  CHECK(sensors.fileChanges("m1").size() == 7);
}

TEST_CASE_FIXTURE(Fixture, "a full list in two parts replaces what is held only once both are in") {
  sensors.writeFileHashes("m1", delta({{"/old/file", 'o'}, {"/a", '0'}}), 100);
  CHECK_FALSE(sensors.fileListStatus("m1").complete);

  auto out = sensors.writeFileHashes("m1", listPart(7, 1, 2, {{"/a", 'a'}, {"/b", 'b'}}), 200);
  CHECK_FALSE(out.listCompleted);
  CHECK(out.partsMissing == 1);
  auto status = sensors.fileListStatus("m1");
  CHECK_FALSE(status.complete);
  CHECK(status.listedAt == 0);
  CHECK(sensors.file("m1", "/old/file"));  // not dropped while a part is missing
  CHECK(sensors.file("m1", "/a")->sha256 == hex64('a'));

  // The same part sent again still leaves one missing.
  out = sensors.writeFileHashes("m1", listPart(7, 1, 2, {{"/a", 'a'}, {"/b", 'b'}}), 205);
  CHECK(out.partsMissing == 1);
  CHECK_FALSE(out.listCompleted);

  out = sensors.writeFileHashes("m1", listPart(7, 2, 2, {{"/c", 'c'}}), 210);
  CHECK(out.listCompleted);
  CHECK(out.partsMissing == 0);
  status = sensors.fileListStatus("m1");
  CHECK(status.complete);
  CHECK(status.listedAt == 210);
  CHECK(status.files == 3);
  CHECK(paths(sensors, "m1", {"/old/file", "/a", "/b", "/c"}) == std::vector<std::string>{"/a", "/b", "/c"});

  // A delta after it, then a newer one-part list that names only /a.
  sensors.writeFileHashes("m1", delta({{"/d", 'd'}}), 300);
  CHECK(sensors.fileListStatus("m1").files == 4);
  out = sensors.writeFileHashes("m1", listPart(8, 1, 1, {{"/a", 'a'}}), 400);
  CHECK(out.listCompleted);
  status = sensors.fileListStatus("m1");
  CHECK(status.listedAt == 400);
  CHECK(status.files == 1);
  CHECK(paths(sensors, "m1", {"/a", "/b", "/c", "/d"}) == std::vector<std::string>{"/a"});

  // Other machines are not touched.
  CHECK_FALSE(sensors.fileListStatus("m2").complete);
  CHECK(sensors.fileListStatus("m2").files == 0);
}

TEST_CASE_FIXTURE(Fixture, "a machine holds no more files than its limit, and a write past it leaves nothing") {
  constexpr std::size_t kMax = 4;
  auto out = sensors.writeFileHashes("m1", delta({{"/a", 'a'}, {"/b", 'b'}, {"/c", 'c'}}), 100, kMax);
  CHECK_FALSE(out.overLimit);
  CHECK(out.changes == 3);
  // Changing held files and adding one more stays within.
  out = sensors.writeFileHashes("m1", delta({{"/a", 'A'}, {"/b", 'B'}, {"/c", 'C'}, {"/d", 'd'}}), 110, kMax);
  CHECK_FALSE(out.overLimit);
  CHECK(sensors.fileListStatus("m1").files == 4);

  // A fifth file: refused whole, with what the machine would have held.
  out = sensors.writeFileHashes("m1", delta({{"/a", '1'}, {"/e", 'e'}}), 120, kMax);
  CHECK(out.overLimit);
  CHECK(out.wouldHold == 5);
  CHECK(out.changes == 0);
  CHECK(sensors.fileListStatus("m1").files == 4);
  CHECK(sensors.file("m1", "/a")->sha256 == hex64('A'));  // rolled back
  CHECK(sensors.fileChanges("m1").size() == 7);

  // Parts of lists that never complete cannot pile up either.
  out = sensors.writeFileHashes("m1", listPart(9, 1, 3, {{"/x", 'x'}, {"/y", 'y'}}), 130, kMax);
  CHECK(out.overLimit);
  CHECK(sensors.fileListStatus("m1").files == 4);
  // A removal makes room.
  out = sensors.writeFileHashes("m1", delta({{"/e", 'e'}}, {"/d"}), 140, kMax);
  CHECK_FALSE(out.overLimit);
  CHECK(paths(sensors, "m1", {"/a", "/b", "/c", "/d", "/e"}) == std::vector<std::string>{"/a", "/b", "/c", "/e"});
  // Without a limit, as before.
  CHECK_FALSE(sensors.writeFileHashes("m1", delta({{"/f", 'f'}, {"/g", 'g'}}), 150).overLimit);
  CHECK(sensors.fileListStatus("m1").files == 6);
}

TEST_CASE_FIXTURE(Fixture, "a file a delta changes while a full list is arriving is kept when the list completes") {
  // A delta between two parts of a new list must not take the file out of
  // that list: completing it drops what the list did not name.
  sensors.writeFileHashes("m1", listPart(7, 1, 1, {{"/usr/bin/x", 'a'}}), 100);
  sensors.writeFileHashes("m1", listPart(8, 1, 2, {{"/usr/bin/x", 'a'}, {"/usr/bin/y", 'y'}}), 200);
  sensors.writeFileHashes("m1", delta({{"/usr/bin/x", 'b'}}), 205);
  sensors.writeFileHashes("m1", listPart(8, 2, 2, {{"/usr/bin/z", 'z'}}), 210);
  const auto x = sensors.file("m1", "/usr/bin/x");
  REQUIRE(x);
  CHECK(x->sha256 == hex64('b'));
}

TEST_CASE_FIXTURE(Fixture, "known-bad hashes: duplicates ignored, the first name kept, the version moves on add") {
  const auto empty = sensors.knownBadVersion();
  CHECK(sensors.knownBad().empty());
  CHECK(sensors.addKnownBad({bad('a', "Sig.A", 0, 100), bad('b', "Sig.B", 50, 100)}) == 2);
  const auto v1 = sensors.knownBadVersion();
  CHECK(v1 != empty);

  CHECK(sensors.addKnownBad({bad('a', "Renamed.A", 0, 200), bad('c', "Sig.C", 0, 200), bad('c', "Sig.C2", 0, 200)}) == 1);
  const auto v2 = sensors.knownBadVersion();
  CHECK(v2 != v1);
  CHECK(sensors.knownBadHash(hex64('a'))->name == "Sig.A");
  CHECK(sensors.knownBadHash(hex64('a'))->source == "test list");
  CHECK(sensors.knownBadHash(hex64('b'))->size == 50);
  CHECK_FALSE(sensors.knownBadHash(hex64('d')));

  // Nothing new: nothing added, the version stays.
  CHECK(sensors.addKnownBad({bad('a', "Sig.A"), bad('b', "Sig.B", 50)}) == 0);
  CHECK(sensors.knownBadVersion() == v2);
  CHECK(sensors.addKnownBad({}) == 0);

  std::vector<std::string> names;
  for (const auto& k : sensors.knownBad()) names.push_back(k.name);
  CHECK(names == std::vector<std::string>{"Sig.A", "Sig.B", "Sig.C"});
}

TEST_CASE_FIXTURE(Fixture, "known-bad files are found by hash, and by size when the list gives one") {
  sensors.addKnownBad({bad('a', "Any.Size"), bad('b', "Size.50", 50), bad('c', "Size.10", 10)});
  sensors.writeFileHashes("m1", delta({{"/tmp/x", 'a', 0100644, 999}, {"/tmp/y", 'b', 0100644, 99},
                                       {"/tmp/z", 'c', 0100644, 10}, {"/bin/ok", '1'}}),
                          100);
  sensors.writeFileHashes("m2", delta({{"/srv/q", 'b', 0100644, 50}}), 100);
  sensors.writeFileHashes("m3", delta({{"/bin/ok", '1'}}), 100);

  const auto files = sensors.knownBadFiles("m1");
  REQUIRE(files.size() == 2);  // /tmp/y has the hash but not the size
  CHECK(files[0].file.path == "/tmp/x");
  CHECK(files[0].bad.name == "Any.Size");
  CHECK(files[0].file.machineId == "m1");
  CHECK(files[1].file.path == "/tmp/z");
  CHECK(files[1].bad.name == "Size.10");
  CHECK(files[1].file.size == 10);
  REQUIRE(sensors.knownBadFiles("m2").size() == 1);
  CHECK(sensors.knownBadFiles("m2")[0].bad.name == "Size.50");
  CHECK(sensors.knownBadFiles("m3").empty());
  CHECK(sensors.machinesWithKnownBad() == std::vector<std::string>{"m1", "m2"});

  // A hash learned later finds the files already held.
  sensors.addKnownBad({bad('1', "Learned")});
  CHECK(sensors.machinesWithKnownBad() == std::vector<std::string>{"m1", "m2", "m3"});
}

TEST_CASE_FIXTURE(Fixture, "sightings: new, cleared when no longer shown, seen again from the new time") {
  sensors.recordSightings("m1", {"signature:Sig.A", "sha256:aaaa"}, 100);
  auto mine = sensors.machineSightings("m1");
  REQUIRE(mine.size() == 2);
  for (const auto& s : mine) {
    CHECK(s.firstSeen == 100);
    CHECK(s.lastSeen == 100);
    CHECK(s.clearedAt == 0);
  }

  sensors.recordSightings("m1", {"signature:Sig.A"}, 200);
  auto a = sensors.sightings({"signature:Sig.A"});
  REQUIRE(a.size() == 1);
  CHECK(a[0].firstSeen == 100);
  CHECK(a[0].lastSeen == 200);
  CHECK(a[0].clearedAt == 0);
  auto h = sensors.sightings({"sha256:aaaa"});
  REQUIRE(h.size() == 1);
  CHECK(h[0].clearedAt == 200);
  CHECK(h[0].lastSeen == 100);

  sensors.recordSightings("m1", {"signature:Sig.A", "sha256:aaaa"}, 300);
  h = sensors.sightings({"sha256:aaaa"});
  REQUIRE(h.size() == 1);
  CHECK(h[0].firstSeen == 300);  // counts again from when it came back
  CHECK(h[0].lastSeen == 300);
  CHECK(h[0].clearedAt == 0);
  CHECK(sensors.sightings({"signature:Sig.A"})[0].firstSeen == 100);  // never went away
}

TEST_CASE_FIXTURE(Fixture, "sightings across machines, and the machines that still show something") {
  sensors.recordSightings("m2", {"signature:Sig.A"}, 250);
  sensors.recordSightings("m1", {"signature:Sig.A", "sha256:bbbb"}, 100);
  sensors.recordSightings("m3", {"sha256:bbbb"}, 300);

  std::vector<std::string> seen;
  for (const auto& s : sensors.sightings({"signature:Sig.A"})) seen.push_back(s.machineId + "@" + std::to_string(s.firstSeen));
  CHECK(seen == std::vector<std::string>{"m1@100", "m2@250"});
  CHECK(sensors.sightings({"signature:Sig.A", "sha256:bbbb"}).size() == 4);
  CHECK(sensors.sightings({"signature:Unknown"}).empty());
  CHECK(sensors.machinesWithOpenSightings() == std::vector<std::string>{"m1", "m2", "m3"});

  sensors.recordSightings("m2", {}, 400);  // clean now
  CHECK(sensors.machinesWithOpenSightings() == std::vector<std::string>{"m1", "m3"});
  const auto m2 = sensors.machineSightings("m2");
  REQUIRE(m2.size() == 1);
  CHECK(m2[0].clearedAt == 400);
  // Cleared sightings still count among the machines that had it.
  CHECK(sensors.sightings({"signature:Sig.A"}).size() == 2);
}

TEST_CASE_FIXTURE(Fixture, "the audit history of a machine, in the order it happened") {
  sensors.audit({"m1", 100, "DAMAGE_FOUND", "damaged: Sig.A at /tmp/a", ""});
  sensors.audit({"m2", 110, "HARDWARE_CHANGED", "+usb 1-1", ""});
  sensors.audit({"m1", 120, "ISOLATION_ORDERED", "damaged: Sig.A at /tmp/a", "cmd-1"});
  sensors.audit({"m1", 120, "COMMAND_DONE", "isolate: ok", "cmd-1"});
  const auto trail = sensors.auditTrail("m1");
  REQUIRE(trail.size() == 3);
  CHECK(trail[0].event == "DAMAGE_FOUND");
  CHECK(trail[1].event == "ISOLATION_ORDERED");
  CHECK(trail[1].commandId == "cmd-1");
  CHECK(trail[2].event == "COMMAND_DONE");
  CHECK(trail[2].at == 120);
  CHECK(trail[2].machineId == "m1");
  CHECK(sensors.auditTrail("m2").size() == 1);
  CHECK(sensors.auditTrail("m9").empty());
}

TEST_CASE_FIXTURE(Fixture, "notices: due when their time comes, tried again, sent or given up") {
  const auto first = sensors.enqueueNotification("m1", "isolated", R"({"event":"isolated"})", 100);
  const auto second = sensors.enqueueNotification("m2", "released", R"({"event":"released"})", 150);
  CHECK(first != second);
  CHECK(sensors.dueNotifications(99).empty());
  auto due = sensors.dueNotifications(100);
  REQUIRE(due.size() == 1);
  CHECK(due[0].id == first);
  CHECK(due[0].state == "pending");
  CHECK(due[0].attempts == 0);
  CHECK(due[0].body == R"({"event":"isolated"})");
  CHECK(due[0].createdAt == 100);
  CHECK(sensors.dueNotifications(150).size() == 2);

  // A failure: pending until its next time.
  sensors.notificationAttempted(first, false, "exit 3", 130, 101);
  auto n = sensors.notifications("m1");
  REQUIRE(n.size() == 1);
  CHECK(n[0].state == "pending");
  CHECK(n[0].attempts == 1);
  CHECK(n[0].nextAt == 130);
  CHECK(n[0].lastError == "exit 3");
  CHECK(sensors.dueNotifications(129).empty());
  CHECK(sensors.dueNotifications(130).size() == 1);

  // Then sent.
  sensors.notificationAttempted(first, true, "", 130, 131);
  n = sensors.notifications("m1");
  CHECK(n[0].state == "sent");
  CHECK(n[0].attempts == 2);
  CHECK(n[0].sentAt == 131);
  CHECK(n[0].lastError.empty());

  // Given up: next time 0.
  sensors.notificationAttempted(second, false, "HTTP 500", 0, 160);
  n = sensors.notifications("m2");
  REQUIRE(n.size() == 1);
  CHECK(n[0].state == "failed");
  CHECK(n[0].lastError == "HTTP 500");
  CHECK(n[0].sentAt == 0);
  CHECK(sensors.dueNotifications(1'000'000).empty());
}

TEST_CASE("what the sensor store holds survives closing and reopening") {
  testing::TempDir dir;
  const auto file = dir.file("controller.db");
  {
    auto store = Store::openSqlite(file);
    store->sensors().writeFileHashes("m1", delta({{"/etc/passwd", 'a'}}), 100);
    store->sensors().addKnownBad({bad('b', "Sig.B")});
    store->sensors().recordSightings("m1", {"sha256:bbbb"}, 100);
    store->sensors().audit({"m1", 100, "DAMAGE_FOUND", "x", ""});
    store->sensors().enqueueNotification("m1", "isolated", "{}", 100);
  }
  auto store = Store::openSqlite(file);
  auto& s = store->sensors();
  CHECK(s.file("m1", "/etc/passwd"));
  CHECK(s.fileChanges("m1").size() == 1);
  CHECK(s.knownBadHash(hex64('b')));
  CHECK(s.machinesWithOpenSightings() == std::vector<std::string>{"m1"});
  CHECK(s.auditTrail("m1").size() == 1);
  CHECK(s.dueNotifications(100).size() == 1);
}

TEST_CASE("a store at schema version 4 is migrated to the newest, keeping what it held") {
  testing::TempDir dir;
  const auto file = dir.file("controller.db");
  // The file as the previous release left it: migrations 1 to 4, and an agent.
  for (const auto& m : schemaMigrations()) {
    if (m.version > 4) break;
    for (const auto& sql : m.statements) testing::execute(file, sql);
  }
  testing::execute(file, "PRAGMA user_version = 4");
  testing::execute(file, "INSERT INTO agents(id, hostname, enrolled_at) VALUES('a1', 'host1', 100)");
  REQUIRE(testing::queryInt(file, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                            "file_hashes") == 0);

  auto store = Store::openSqlite(file);
  CHECK(store->schemaVersion() == newestSchemaVersion());
  CHECK(testing::queryInt(file, "PRAGMA user_version") == newestSchemaVersion());
  REQUIRE(store->agents().size() == 1);
  CHECK(store->agents()[0].hostname == "host1");
  for (const char* table : {"file_hashes", "file_lists", "file_list_parts", "file_changes", "known_bad",
                            "damage_sightings", "audit", "notifications"})
    CHECK_MESSAGE(testing::queryInt(file, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                                    table) == 1,
                  table);

  // And the new tables work.
  auto& s = store->sensors();
  CHECK(s.writeFileHashes("m1", delta({{"/etc/passwd", 'a'}}), 100).changes == 1);
  CHECK(s.addKnownBad({bad('a', "Sig.A")}) == 1);
  CHECK(s.knownBadFiles("m1").size() == 1);
}

}  // namespace portcullis::store
