// An incident's runbook without a browser, against real web servers
// (busybox httpd on loopback): an EVE alert names the server; the site's
// dependency graph gives it a standby; the questionnaire answered with
// "keep the impact small"; the runbook hands over to the standby first
// (its test sees the standby answer), then asks for the server to be
// stopped: OK without stopping it, and its test fails and the work is shown
// again; stopped, the test passes; the site's own test pattern sees the
// fixed page come back; every step recorded.
#include <doctest/doctest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <signal.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "tests/integration/controller_fixture.h"
#include "tests/support/eve_time.h"

using namespace portcullis;
using namespace portcullis::testing;

namespace {

// busybox httpd serving dir on address:port, in the foreground until stopped.
std::unique_ptr<Background> httpd(const std::string& address, std::uint16_t port, const std::string& dir,
                                  const std::string& log) {
  auto server = std::make_unique<Background>(
      std::vector<std::string>{"busybox", "httpd", "-f", "-p", address + ":" + std::to_string(port), "-h", dir}, log);
  const auto url = "http://" + address + ":" + std::to_string(port) + "/";
  REQUIRE(eventually([&] { return run({"busybox", "wget", "-q", "-O", "/dev/null", url}, std::chrono::seconds(3)).exitCode == 0; },
                     std::chrono::seconds(5)));
  return server;
}

}  // namespace

TEST_CASE("a runbook made with keep-the-impact-small runs step by step, its tests seeing real servers") {
  ControllerFixture c;
  c.stop(SIGTERM);  // the command line alone
  const auto root = c.root();
  const auto port = freePort();
  writeText(root + "/www/index.html", "<h1>Defaced by someone</h1>\n");
  writeText(root + "/standby/index.html", "<h1>Shop (standby)</h1>\n");
  // The site's test of its restored page.
  writeText(c.controllerDir() + "/site-runbooks/tests.txt",
            "[web-102] The shop's own page is back\nhttp http://{address}:{port}/ status 200 contains Fixed page\n");
  REQUIRE(run({"sed", "-i", "s/^library =.*/library = site-runbooks/", c.conf()}).exitCode == 0);
  auto web = httpd("127.0.0.1", port, root + "/www", root + "/httpd.log");
  auto standby = httpd("127.0.0.2", port, root + "/standby", root + "/standby.log");

  writeText(root + "/eve.json",
            R"({"timestamp":")" + eveTimestamp(std::time(nullptr)) + R"(","flow_id":7,"event_type":"alert","src_ip":"192.0.2.66","src_port":40000,)"
            R"("dest_ip":"127.0.0.1","dest_port":)" + std::to_string(port) +
            R"(,"proto":"TCP","app_proto":"http","alert":{"action":"allowed","gid":1,"signature_id":2019401,"rev":1,)"
            R"("signature":"ET WEB_SERVER Defacement","category":"Web Application Attack","severity":1}})" "\n");
  REQUIRE(c.cli({"incidents", "import", "--eve", root + "/eve.json"}).exitCode == 0);

  writeText(root + "/graph.txt",
            "host web-1 20 address 127.0.0.1\nhost web-2 20 address 127.0.0.2\n"
            "service web-1/http 100 needs web-1 standby web-2/http\nservice web-2/http 50 needs web-2\n"
            "function shop 5000 needs web-1/http\n");
  auto out = c.cli({"graph", "import", root + "/graph.txt"});
  REQUIRE_MESSAGE(out.exitCode == 0, out.err);
  writeText(root + "/bad-graph.txt", "service a 1 needs b\nservice b 1 needs a\n");
  out = c.cli({"graph", "import", root + "/bad-graph.txt"});
  CHECK(out.exitCode == 1);
  CHECK(out.err.find("a cycle of needs") != std::string::npos);

  out = c.cli({"runbook", "answer", "1", "--host", "web-1", "--process", "httpd", "--problem", "defacement", "--policy",
               "least-impact", "--start", "now"});
  REQUIRE_MESSAGE(out.exitCode == 0, out.err);
  CHECK(out.out.find("# added: policy least-impact: web-1/http is handed over to its standby web-2/http (127.0.0.2") !=
        std::string::npos);
  CHECK(out.out.find("damage web-1/http +1, 5100 an hour") != std::string::npos);

  // The hand-over first: its test sees the standby answer.
  out = c.cli({"runbook", "step", "1"});
  REQUIRE_MESSAGE(out.exitCode == 0, out.err);
  CHECK(out.out.find("[standby-001] Hand the service over to its standby") != std::string::npos);
  out = c.cli({"runbook", "ok", "1"});
  CHECK(out.out.find("test at line 7 passed: passed: port 127.0.0.2:" + std::to_string(port) + " open") != std::string::npos);
  CHECK(out.out.find("[web-001] Take the defaced site offline") != std::string::npos);
  CHECK(out.out.find("systemctl stop httpd") != std::string::npos);

  // OK without stopping the server: its test fails and the work is shown again.
  out = c.cli({"runbook", "ok", "1"});
  CHECK(out.out.find("failed: port 127.0.0.1:" + std::to_string(port) + " open, wanted closed") != std::string::npos);
  CHECK(out.out.find("[web-001] Take the defaced site offline") != std::string::npos);

  // Stopped for real: the test passes, on to the evidence.
  web.reset();
  out = c.cli({"runbook", "ok", "1"});
  CHECK(out.out.find("passed: port 127.0.0.1:" + std::to_string(port) + " closed") != std::string::npos);
  CHECK(out.out.find("[web-002] Keep the evidence") != std::string::npos);
  CHECK(c.cli({"runbook", "yes", "1"}).err.find("waits for ok") != std::string::npos);
  out = c.cli({"runbook", "ok", "1"});
  CHECK(out.out.find("[web-003] Find and close the way in") != std::string::npos);
  out = c.cli({"runbook", "yes", "1"});
  CHECK(out.out.find("[web-004] Restore the site from a clean copy") != std::string::npos);

  // Restored, but still the defaced page: the site's test fails.
  web = httpd("127.0.0.1", port, root + "/www", root + "/httpd.log");
  out = c.cli({"runbook", "ok", "1"});
  CHECK(out.out.find("the page lacks \"Fixed page\"") != std::string::npos);
  CHECK(out.out.find("[web-004]") != std::string::npos);
  writeText(root + "/www/index.html", "<h1>Fixed page</h1>\n");
  out = c.cli({"runbook", "ok", "1"});
  CHECK(out.out.find("the page holds \"Fixed page\"") != std::string::npos);
  CHECK(out.out.find("the runbook is finished") != std::string::npos);

  // The record: every click and test, by whom, from where.
  out = c.cli({"runbook", "show", "1", "--json"});
  REQUIRE(out.exitCode == 0);
  const auto view = Poco::JSON::Parser().parse(out.out).extract<Poco::JSON::Object::Ptr>();
  CHECK(view->getValue<std::string>("state") == "finished");
  const auto record = view->getArray("record");
  std::string kinds;
  for (std::size_t i = 0; i < record->size(); ++i) {
    kinds += record->getObject(i)->getValue<std::string>("kind") + " ";
    CHECK(record->getObject(i)->getValue<std::string>("operator").rfind("cli:", 0) == 0);
  }
  CHECK(kinds == "generated begin ok test ok test ok test ok yes ok test ok test finished ");
  CHECK(c.audit().find("RUNBOOK_MADE incident=1") != std::string::npos);
}

TEST_CASE("answers signed with the operator's certificate; runbook verify checks the signatures, the chain and the replay") {
  ControllerFixture c;
  c.stop(SIGTERM);
  const auto root = c.root();
  const auto port = freePort();
  writeText(root + "/www/index.html", "<h1>up</h1>\n");
  auto web = httpd("127.0.0.1", port, root + "/www", root + "/httpd.log");
  writeText(root + "/eve.json",
            R"({"timestamp":")" + eveTimestamp(std::time(nullptr)) + R"(","event_type":"alert","src_ip":"192.0.2.66","dest_ip":"127.0.0.1","dest_port":)" +
                std::to_string(port) +
                R"(,"proto":"TCP","alert":{"signature_id":2024897,"signature":"ET EXPLOIT CVE-2021-44228 attempt"}})" "\n");
  REQUIRE(c.cli({"incidents", "import", "--eve", root + "/eve.json"}).exitCode == 0);
  REQUIRE(c.cli({"runbook", "answer", "1", "--host", "web-1", "--problem", "unpatched-hole", "--start", "now"}).exitCode == 0);

  // otto's certificate, as `operator cert` issues it, its key and certificate taken out.
  REQUIRE(run({"sh", "-c", "printf '%s\\n' 'otto long password' | " + controllerBinary() +
                               " operator add otto --role operator --config " + c.conf()})
              .exitCode == 0);
  const auto p12 = root + "/otto.p12";
  REQUIRE(run({"sh", "-c", "printf '%s\\n' 'p12 password' | " + controllerBinary() + " operator cert otto --out " + p12 +
                               " --config " + c.conf()})
              .exitCode == 0);
  const auto key = root + "/otto.key", cert = root + "/otto.crt";
  REQUIRE(run({"openssl", "pkcs12", "-in", p12, "-nocerts", "-nodes", "-passin", "pass:p12 password", "-out", key}).exitCode == 0);
  REQUIRE(run({"openssl", "pkcs12", "-in", p12, "-clcerts", "-nokeys", "-passin", "pass:p12 password", "-out", cert}).exitCode == 0);
  // A look-alike certificate of otto's name, not from this CA.
  const auto forgedKey = root + "/forged.key", forged = root + "/forged.crt";
  REQUIRE(run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", forgedKey,
               "-out", forged, "-subj", "/CN=portcullis operator otto", "-days", "2"})
              .exitCode == 0);
  auto out = c.cli({"runbook", "step", "1", "--sign-key", forgedKey, "--sign-cert", forged});
  CHECK(out.exitCode == 1);
  CHECK(out.err.find("not issued by this controller's CA") != std::string::npos);

  const std::vector<std::string> sign{"--sign-key", key, "--sign-cert", cert};
  auto signedStep = [&](const std::string& verb) {
    std::vector<std::string> args{"runbook", verb, "1"};
    args.insert(args.end(), sign.begin(), sign.end());
    return c.cli(args);
  };
  REQUIRE_MESSAGE(signedStep("step").exitCode == 0, signedStep("step").err);
  REQUIRE(signedStep("ok").exitCode == 0);
  out = c.cli({"runbook", "ok", "1"});  // unsigned, from the command line's own user
  REQUIRE(out.exitCode == 0);
  CHECK(out.out.find("the runbook is finished") != std::string::npos);
  CHECK(c.cli({"runbook", "confirm", "1"}).exitCode == 2);
  std::vector<std::string> confirm{"runbook", "confirm", "1"};
  confirm.insert(confirm.end(), sign.begin(), sign.end());
  out = c.cli(confirm);
  REQUIRE_MESSAGE(out.exitCode == 0, out.err);

  out = c.cli({"runbook", "verify", "1"});
  CHECK(out.exitCode == 0);
  CHECK(out.out.find("chain: 7 events, each chained to the one before") != std::string::npos);
  CHECK(out.out.find("(begin by otto from local): signed by otto's certificate") != std::string::npos);
  CHECK(out.out.find("not signed") != std::string::npos);
  CHECK(out.out.find("replay: the answers and test results recorded bring the run to where it stands (finished") !=
        std::string::npos);
  CHECK(out.out.find("3 answers signed, 1 not; the whole runbook confirmed and signed") != std::string::npos);

  // A test's result changed afterwards in the file: the chain breaks there.
  REQUIRE(run({"sqlite3", c.controllerDir() + "/controller.db",
               "UPDATE runbook_events SET passed = 1 - passed WHERE kind = 'test'"})
              .exitCode == 0);
  out = c.cli({"runbook", "verify", "1"});
  CHECK(out.exitCode == 1);
  CHECK(out.out.find("INVALID event 5 (test) does not chain") != std::string::npos);
  CHECK(out.out.find("the record does NOT hold") != std::string::npos);
}
