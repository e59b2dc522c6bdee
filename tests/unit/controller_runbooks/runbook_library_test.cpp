// The runbook library: the product's own reads whole, every scenario's
// entries, tests and files there; a site's layer replaces by key; a broken
// one is refused with its file and line; facts filled, and a test never
// probes an address the incident did not give.
#include "controller/runbooks/runbook_library.h"

#include <doctest/doctest.h>

using namespace portcullis::runbooks;

namespace {

RunbookLibrary builtin() {
  auto lib = buildLibrary({builtinLibrary()});
  REQUIRE_MESSAGE(lib, lib.error());
  return *lib;
}

std::string problemOf(const LibraryText& site) {
  const auto lib = buildLibrary({builtinLibrary(), site});
  REQUIRE_FALSE(lib);
  return lib.error();
}

}  // namespace

TEST_CASE("the product's library reads whole and covers every kind of problem") {
  const auto lib = builtin();
  for (const char* name : {"web-defaced", "mail-relay", "ssh-brute-force", "malware-found", "unpatched-hole"})
    CHECK(lib.scenarios.count(name) == 1);
  for (const char* problem : {"defacement", "open-relay", "brute-force", "malware", "unpatched-hole", "function-stopped",
                              "unauthorised-access"}) {
    CAPTURE(problem);
    CHECK_FALSE(lib.scenarioFor(problem, "http").empty());
  }
  CHECK(lib.entries.at("web-001").title == "Take the defaced site offline");
  CHECK(lib.entries.at("web-001").text.find("systemctl stop {process}") != std::string::npos);
  const auto& t = lib.tests.at("web-102");
  REQUIRE(t.checks.size() == 1);
  CHECK(t.checks[0].kind == TestCheck::Kind::Http);
  CHECK(t.checks[0].status == 200);
  CHECK(lib.tests.at("mail-101").checks[0].kind == TestCheck::Kind::SmtpRelay);
  CHECK_FALSE(lib.tests.at("mail-101").checks[0].expectOpen);
  CHECK(lib.tests.at("isolate-101").checks[0].state == "quarantined");
  // The policy's items are there for generation to insert.
  for (const char* key : {"isolate-001", "standby-001"}) CHECK(lib.entries.count(key) == 1);
  for (const char* key : {"isolate-101", "standby-101"}) CHECK(lib.tests.count(key) == 1);
}

TEST_CASE("a site's layer replaces entries, tests and catalogue choices by key") {
  LibraryText site;
  site.origin = "/etc/portcullis/runbooks";
  site.tests = "[web-102] The shop's front page is back\nhttp http://{address}:{port}/ status 200 contains Welcome to the shop\n";
  site.catalogue = "defacement http shop-defaced\n";
  site.scenarios["shop-defaced"] = "start\ninclude shop-001\nok\nexecute web-102\ncheck\nend\n";
  site.manual = "[shop-001] Restore the shop\nRun the shop's restore script on {host}.\n";
  const auto lib = buildLibrary({builtinLibrary(), site});
  REQUIRE_MESSAGE(lib, lib.error());
  CHECK(lib->tests.at("web-102").checks[0].text == "Welcome to the shop");
  CHECK(lib->scenarioFor("defacement", "http") == "shop-defaced");
  CHECK(lib->scenarioFor("defacement", "ftp") == "web-defaced");
  CHECK(lib->entries.at("web-001").title == "Take the defaced site offline");  // the product's, kept
}

TEST_CASE("a broken layer is refused whole, each problem with its file and line") {
  LibraryText site;
  site.origin = "site";
  site.scenarios["bad"] = "start\ninclude nowhere-001\nok\nexecute nowhere-101\ncheck\nimport missing.txt\nend\n";
  auto e = problemOf(site);
  CHECK(e.find("site/bad.scenario: line 2: no manual entry [nowhere-001]") != std::string::npos);
  CHECK(e.find("site/bad.scenario: line 4: no test pattern [nowhere-101]") != std::string::npos);
  CHECK(e.find("site/bad.scenario: line 6: no file 'missing.txt' in the library") != std::string::npos);

  site = {};
  site.origin = "site";
  site.tests = "[x-101] A\nping 10.0.0.1\n[x-102] B\nport {adress} 80 open\n[x-103] C\n";
  e = problemOf(site);
  CHECK(e.find("site/tests.txt:2: 'ping' is not a check (port, http, smtp, state, process, file, command)") != std::string::npos);
  CHECK(e.find("site/tests.txt:4: {adress} is not a fact") != std::string::npos);
  CHECK(e.find("site/tests.txt:5: [x-103] has no check") != std::string::npos);

  site = {};
  site.origin = "site";
  site.manual = "stray text\n[Bad] x\n";
  site.catalogue = "malware\n";
  site.scenarios["broken"] = "start\nyesno 9 2\nend\n";
  e = problemOf(site);
  CHECK(e.find("site/manual.txt:1: text before the first [KEY]") != std::string::npos);
  CHECK(e.find("site/manual.txt:2: 'Bad' is not a key") != std::string::npos);
  CHECK(e.find("site/catalogue.txt:1: written PROBLEM SERVICE SCENARIO") != std::string::npos);
  CHECK(e.find("site/broken.scenario: line 2: yesno goes to line 9") != std::string::npos);
}

TEST_CASE("facts are filled; one not known says so") {
  const Facts facts = {{"host", "web-1"}, {"address", "10.0.0.5"}};
  CHECK(fillFacts("stop {process} on {host} ({address}) {nofact}", facts) ==
        "stop (unknown process) on web-1 (10.0.0.5) {nofact}");
}

TEST_CASE("a test probes only the IP address the incident gave") {
  const auto lib = builtin();
  const auto& port = lib.tests.at("web-101").checks[0];
  auto c = filledCheck(port, {{"address", "10.0.0.5"}, {"port", "8080"}});
  REQUIRE_MESSAGE(c, c.error());
  CHECK(c->target == "10.0.0.5");
  CHECK(c->port == 8080);
  CHECK(filledCheck(port, {{"port", "80"}}).error() == "the incident's address is not known: nothing is probed");
  CHECK(filledCheck(port, {{"address", "intranet.example"}, {"port", "80"}}).error() ==
        "'intranet.example' is not an IP address: nothing is probed");
  CHECK(filledCheck(port, {{"address", "10.0.0.5"}, {"port", "http"}}).error() ==
        "the incident's {port} is not a port: nothing is probed");
  const auto& http = lib.tests.at("web-102").checks[0];
  CHECK(filledCheck(http, {{"address", "10.0.0.5"}, {"port", "80"}})->target == "http://10.0.0.5:80/");
  CHECK_FALSE(filledCheck(http, {{"address", "evil.example"}, {"port", "80"}}));
  CHECK(filledCheck(http, {{"address", "[2001:db8::5]"}, {"port", "80"}}));
  CHECK(filledCheck(http, {{"address", "2001:db8::5"}, {"port", "80"}})->target == "http://[2001:db8::5]:80/");
}

TEST_CASE("checks an agent runs: written with the machine they run on, refused when they could run anything else") {
  LibraryText site;
  site.origin = "site";
  site.tests =
      "[agent-101] On the machine\n"
      "process {machine} {process} stopped\n"
      "process 10.0.0.5 sshd running\n"
      "file {machine} /var/www/index.html sha256 " + std::string(64, 'a') + "\n"
      "file {address} /var/www/shell.php sha256 absent\n"
      "command {machine} nginx-config exit 0\n"
      "port 10.0.0.7 5432 open from {machine}\n";
  auto lib = buildLibrary({site});
  REQUIRE_MESSAGE(lib, lib.error());
  const auto& c = lib->tests.at("agent-101").checks;
  REQUIRE(c.size() == 6);
  CHECK(c[0].kind == TestCheck::Kind::Process);
  CHECK_FALSE(c[0].expectOpen);
  CHECK(c[0].machine == "{machine}");
  CHECK(c[1].expectOpen);
  CHECK(c[2].kind == TestCheck::Kind::File);
  CHECK(c[2].path == "/var/www/index.html");
  CHECK(c[3].sha256 == "absent");
  CHECK(c[4].kind == TestCheck::Kind::Command);
  CHECK(c[4].name == "nginx-config");
  CHECK(c[5].kind == TestCheck::Kind::Port);
  CHECK(c[5].byAgent());
  CHECK_FALSE(lib->tests.at("agent-101").checks[5].machine.empty());

  const auto filled = filledCheck(c[0], {{"machine", "m-7"}, {"process", "apache2"}});
  REQUIRE(filled);
  CHECK(filled->machine == "m-7");
  CHECK(filled->name == "apache2");
  CHECK(filledCheck(c[0], {{"process", "apache2"}}).error() == "the incident's machine is not known: nothing is probed");
  CHECK(filledCheck(c[0], {{"machine", "m-7"}, {"process", "rm -rf /"}}).error().find("is not a process name") != std::string::npos);
  CHECK(filledCheck(c[0], {{"machine", "a b"}, {"process", "x"}}).error().find("is not a machine's id or address") !=
        std::string::npos);

  const auto refused = [](const std::string& line) {
    LibraryText t;
    t.origin = "site";
    t.tests = "[agent-102] x\n" + line + "\n";
    const auto built = buildLibrary({t});
    REQUIRE_FALSE(built);
    return built.error();
  };
  CHECK(refused("command {machine} /bin/sh exit 0").find("is not a command's name") != std::string::npos);
  CHECK(refused("command {machine} ok exit 256").find("is not an exit status") != std::string::npos);
  CHECK(refused("file {machine} /etc/../root/.ssh/id_rsa sha256 absent").find("not an absolute, normalised path") !=
        std::string::npos);
  CHECK(refused("file {machine} /etc/x sha256 ABC").find("nor absent") != std::string::npos);
  CHECK(refused("process {machine} sshd sleeping").find("written process MACHINE NAME running|stopped") != std::string::npos);
  CHECK(refused("process a;b sshd running").find("is not a machine") != std::string::npos);
  CHECK(refused("port 10.0.0.7 5432 open to {machine}").find("[from MACHINE]") != std::string::npos);
  CHECK(refused("file {machine} /srv/{host}/index.html sha256 absent").find("a path is written whole") != std::string::npos);
  std::string many;
  for (int i = 0; i < 33; ++i) many += "process {machine} p" + std::to_string(i) + " running\n";
  CHECK(refused(many).find("[agent-102] has more than 32 checks an agent runs") != std::string::npos);
}

TEST_CASE("the part of the library a scenario uses reads back as the same entries, tests and files") {
  const auto lib = builtin();
  LibraryText site;
  site.origin = "site";
  site.files["notice.txt"] = "Dear all,\nthe shop is down.\n";
  site.scenarios["with-file"] = "start\ninclude web-001\nimport notice.txt\nok\nexecute web-101\ncheck\nend\n";
  const auto both = buildLibrary({builtinLibrary(), site});
  REQUIRE_MESSAGE(both, both.error());
  const auto part = libraryPartFor(*both, both->scenarios.at("with-file").scenario);
  CHECK(part.manual.find("[web-001]") != std::string::npos);
  CHECK(part.manual.find("[web-002]") == std::string::npos);
  CHECK(part.files.size() == 1);
  auto layer = part;
  layer.origin = "kept";
  const auto read = buildLibrary({layer});
  REQUIRE_MESSAGE(read, read.error());
  CHECK(read->entries.at("web-001").title == lib.entries.at("web-001").title);
  CHECK(read->entries.at("web-001").text == lib.entries.at("web-001").text);
  REQUIRE(read->tests.at("web-101").checks.size() == lib.tests.at("web-101").checks.size());
  CHECK(read->tests.at("web-101").checks[0].line == lib.tests.at("web-101").checks[0].line);
  CHECK(read->files.at("notice.txt") == "Dear all,\nthe shop is down.\n");
  CHECK(read->entries.size() == 1);
}
