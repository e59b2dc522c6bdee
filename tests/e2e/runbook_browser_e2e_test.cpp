// An incident's runbook from an IDS alert to the end, in Debian's headless
// Chromium, against real web servers in network namespaces this test makes:
//
//   this test's namespace: the controller (console on loopback) and, on a
//                          veth at 10.77.0.1 and .3, the standby web server
//                          (busybox httpd on 10.77.0.3:80)
//   web ns:                the client host, 10.77.0.2, its web server
//                          (busybox httpd on :80), defaced
//
// A Suricata EVE alert line naming the server is appended to the file the
// controller follows; an operator opens the incident in the browser, answers
// the questionnaire with "keep the impact small", and the runbook hands the
// site over to the standby first (its test sees the standby answer); asked
// to stop the server, the operator clicks OK without doing it, and the test
// fails and shows the step again; stopped for real, it passes; the fixed
// page comes back and the site's own test sees it. Every click is in the
// record, with the operator and the browser's address. The operator loads
// the key and certificate `operator cert` issued into the page: every
// answer and the whole runbook's confirmation are signed in the browser
// (WebCrypto), and `runbook verify` finds each signature valid.
#include <doctest/doctest.h>

#include <signal.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "tests/e2e/host_network.h"
#include "tests/integration/controller_fixture.h"
#include "tests/support/eve_time.h"
#include "tests/support/webdriver_session.h"

using namespace portcullis::testing;
namespace fs = std::filesystem;

namespace {

// The page's source, once it holds what, within limit (forms are sent in the background).
bool pageShows(WebDriverSession& b, const std::string& what, std::chrono::seconds limit = std::chrono::seconds(15)) {
  return waitFor([&] { return b.source().find(what) != std::string::npos; }, limit);
}

void click(WebDriverSession& b, const std::string& css) { b.click(b.need(css)); }

// A TCP connection from this test's own namespace (where the controller runs).
bool connectsHere(const std::string& to, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, to.c_str(), &a.sin_addr);
  timeval timeout{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

TEST_CASE("an incident's runbook in a real browser: the standby first, a skipped stop shown again, the fixed page back") {
  if (geteuid() != 0 || shStatus("ip netns list") != 0) {
    MESSAGE("!!! runbook browser e2e needs root and ip netns: NOT RUN, counted as a failure");
    FAIL("environment lacks root or ip netns");
  }
  if (const auto why = WebDriverSession::missing(); !why.empty()) {
    std::cerr << "\n*** BROWSER TEST CANNOT RUN: " << why << " -- failing rather than skipping ***\n\n";
    FAIL(why);
  }
  NamespaceGuard namespaces;
  const std::string web = "rbw" + std::to_string(getpid() % 100000);
  REQUIRE(namespaces.add(web).empty());
  const auto failed = runSteps({"ip -n " + web + " link set lo up", "ip link add rbv0 type veth peer name eth0 netns " + web,
                                "ip addr add 10.77.0.1/24 dev rbv0", "ip addr add 10.77.0.3/24 dev rbv0", "ip link set rbv0 up",
                                "ip -n " + web + " addr add 10.77.0.2/24 dev eth0", "ip -n " + web + " link set eth0 up"});
  REQUIRE_MESSAGE(failed.empty(), failed);

  const auto port = freePort();
  ControllerFixture c(ControllerOptions{
      {}, "s/^listen = 127.0.0.1:8443/listen = 127.0.0.1:" + std::to_string(port) +
              "/; s/^eve_file =.*/eve_file = eve.json/"});
  const fs::path t = c.root();
  write(t / "www/index.html", "<h1>Defaced by someone</h1>\n");
  write(t / "standby/index.html", "<h1>Shop (standby)</h1>\n");
  // The site's own test of its restored page.
  write(fs::path(c.controllerDir()) / "site-runbooks/tests.txt",
        "[web-102] The shop's own page is back\nhttp http://{address}:{port}/ status 200 contains Fixed page\n");
  // The library is read when serve starts: restart it with the site's layer in place.
  setIniKey(c.conf(), "runbooks", "library", "site-runbooks");
  REQUIRE(c.stop(SIGTERM) == 0);
  c.start();
  auto site = httpdIn(web, "10.77.0.2:80", t / "www", t / "web.log");
  Background standby({"busybox", "httpd", "-f", "-p", "10.77.0.3:80", "-h", (t / "standby").string()}, (t / "standby.log").string());
  REQUIRE(waitFor([&] { return connectsFrom(web, "", "10.77.0.3", 80) && connectsHere("10.77.0.2", 80); },
                  std::chrono::seconds(5)));

  REQUIRE(run({"sh", "-c", "printf '%s\\n' 'otto long password' | " + controllerBinary() +
                               " operator add otto --role operator --config " + c.conf()})
              .exitCode == 0);
  write(t / "graph.txt",
        "hardware switch-1 0\nhost web-1 20 needs switch-1 address 10.77.0.2\nhost web-2 20 needs switch-1 address 10.77.0.3\n"
        "service web-1/http 100 needs web-1 standby web-2/http\nservice web-2/http 50 needs web-2\n"
        "function shop 5000 needs web-1/http\n");
  REQUIRE(c.cli({"graph", "import", (t / "graph.txt").string()}).exitCode == 0);
  // otto's key and certificate, as `operator cert` issues them, taken out of the PKCS#12.
  const auto p12 = (t / "otto.p12").string(), key = (t / "otto.key").string(), cert = (t / "otto.crt").string();
  REQUIRE(run({"sh", "-c", "printf '%s\\n' 'p12 password' | " + controllerBinary() + " operator cert otto --out " + p12 +
                               " --config " + c.conf()})
              .exitCode == 0);
  REQUIRE(run({"openssl", "pkcs12", "-in", p12, "-nocerts", "-nodes", "-passin", "pass:p12 password", "-out", key}).exitCode == 0);
  REQUIRE(run({"openssl", "pkcs12", "-in", p12, "-clcerts", "-nokeys", "-passin", "pass:p12 password", "-out", cert}).exitCode == 0);

  // The sensor's alert, appended to the file the controller follows.
  std::ofstream(fs::path(c.controllerDir()) / "eve.json", std::ios::app)
      << R"({"timestamp":")" << eveTimestamp(std::time(nullptr))
      << R"(","flow_id":1805320931574447,"event_type":"alert","src_ip":"192.0.2.66","src_port":40000,"dest_ip":"10.77.0.2",)"
         R"("dest_port":80,"proto":"TCP","app_proto":"http","alert":{"action":"allowed","gid":1,"signature_id":2019401,)"
         R"("rev":1,"signature":"ET WEB_SERVER Defaced page served","category":"Web Application Attack","severity":1}})"
      << "\n";
  REQUIRE(c.logShows("INCIDENT_OPENED id=1"));

  WebDriverSession b(t / "chromedriver.log");
  const std::string base = "https://127.0.0.1:" + std::to_string(port);
  b.go(base + "/login");
  b.type(b.need("input[name=name]"), "otto");
  b.type(b.need("input[name=password]"), "otto long password");
  click(b, "form.stack button");
  // Signed in (the form's answer is in) before going on: a navigation started
  // earlier would race the sign-in's own redirect.
  REQUIRE(waitFor([&] { return b.url().find("/login") == std::string::npos; }, std::chrono::seconds(10)));
  b.go(base + "/incidents");
  click(b, "a[href='/incidents/1']");
  b.need("#questionnaire");
  // Guessed from the alert: the address and port; the operator sets the rest.
  CHECK(b.script("return document.getElementById('answer-address').value;").convert<std::string>() == "10.77.0.2");
  CHECK(b.script("return document.getElementById('answer-port').value;").convert<std::string>() == "80");
  b.script("document.getElementById('answer-problem').value = 'defacement';"
           "document.getElementById('answer-host').value = 'web-1';"
           "document.getElementById('answer-process').value = 'httpd';"
           "document.getElementById('answer-policy').value = 'least-impact';"
           "document.getElementById('answer-start').value = 'now';");
  click(b, "#answers-submit");
  REQUIRE(pageShows(b, "id=\"step-begin\""));
  CHECK(b.source().find("# added: policy least-impact: web-1/http is handed over to its standby web-2/http") != std::string::npos);
  CHECK(b.find("svg.damage-graph").has_value());
  b.screenshot(binaryDir() + "/screenshots/runbook-begin.png");

  // The key into the page (it stays there): from now on every answer is signed.
  b.type(b.need("#sign-key"), key);
  b.type(b.need("#sign-cert"), cert);
  REQUIRE_MESSAGE(waitFor([&] { return b.textAt("#sign-status").find("Key loaded") != std::string::npos; }, std::chrono::seconds(10)),
                  b.textAt("#sign-status"));
  click(b, "#step-begin");
  REQUIRE(pageShows(b, "Hand the service over to its standby"));
  click(b, "#step-ok");
  REQUIRE(pageShows(b, "Take the defaced site offline"));
  CHECK(b.source().find("Passed: passed: port 10.77.0.3:80 open") != std::string::npos);

  // OK without stopping the server: its test fails, the step is shown again.
  click(b, "#step-ok");
  REQUIRE(pageShows(b, "Failed, shown again: failed: port 10.77.0.2:80 open, wanted closed"));
  CHECK(b.source().find("Take the defaced site offline") != std::string::npos);
  b.screenshot(binaryDir() + "/screenshots/runbook-failed-test.png");

  // Stopped for real: the test passes, on to the evidence.
  site.reset();
  REQUIRE(waitFor([&] { return !connectsHere("10.77.0.2", 80); }, std::chrono::seconds(5)));
  click(b, "#step-ok");
  REQUIRE(pageShows(b, "Keep the evidence"));
  click(b, "#step-ok");
  REQUIRE(pageShows(b, "Find and close the way in"));
  click(b, "#step-yes");
  REQUIRE(pageShows(b, "Restore the site from a clean copy"));

  // The fixed page back: the site's own test sees it.
  write(t / "www/index.html", "<h1>Fixed page</h1>\n");
  site = httpdIn(web, "10.77.0.2:80", t / "www", t / "web.log");
  REQUIRE(waitFor([&] { return connectsHere("10.77.0.2", 80); }, std::chrono::seconds(5)));
  click(b, "#step-ok");
  REQUIRE(pageShows(b, "id=\"runbook-finished\""));
  CHECK(b.source().find("the page holds \"Fixed page\"") != std::string::npos);
  // The whole runbook confirmed, signed in the page too: seven answers and the confirmation.
  click(b, "#runbook-confirm");
  REQUIRE(pageShows(b, "id=\"runbook-confirmed\""));
  const auto verified = c.cli({"runbook", "verify", "1"});
  CHECK_MESSAGE(verified.exitCode == 0, verified.out);
  CHECK_MESSAGE(verified.out.find("8 answers signed, 0 not; the whole runbook confirmed and signed") != std::string::npos, verified.out);
  CHECK(verified.out.find("(ok at line ") != std::string::npos);
  CHECK(verified.out.find("signed by otto's certificate") != std::string::npos);

  // The record: every click, by otto, from the browser's address.
  const auto shown = c.cli({"runbook", "show", "1", "--json"});
  REQUIRE(shown.exitCode == 0);
  CHECK(shown.out.find("\"state\": \"finished\"") != std::string::npos);
  std::size_t clicks = 0;
  for (std::size_t at = shown.out.find("\"operator\": \"otto\""); at != std::string::npos;
       at = shown.out.find("\"operator\": \"otto\"", at + 1))
    ++clicks;
  // generated, begin, ok and the standby's test, ok and the failed test, ok and
  // the passed one, ok, yes, ok and the page's test, finished, confirmed.
  CHECK(clicks == 14);
  CHECK(shown.out.find("\"address\": \"127.0.0.1\"") != std::string::npos);
}
