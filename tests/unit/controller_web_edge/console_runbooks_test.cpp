// Incidents and runbooks through the REST API: listed and shown by anyone
// signed in; the questionnaire answered and the runbook stepped by an
// operator only (a viewer is refused and nothing changes); every click in
// the record with the operator and the address; the graph imported by an
// admin only, a bad one refused with its line; the damage drawn.
#include <doctest/doctest.h>

#include <ctime>
#include <deque>

#include <Poco/JSON/Array.h>

#include "common/pki/pki.h"
#include "controller/runbooks_edge/runbook_service.h"
#include "controller/web_edge/console_pages.h"
#include "tests/unit/controller_web_edge/console_fixture.h"

using namespace portcullis;
using namespace portcullis::web_edge;
using namespace portcullis::web_edge::testing;

namespace {

class ScriptedChecks final : public runbooks::CheckRunner {
 public:
  std::deque<bool> answers;
  runbooks::CheckOutcome run(const runbooks::TestCheck& check) override {
    const bool passed = !answers.empty() && answers.front();
    if (!answers.empty()) answers.pop_front();
    return {passed, check.target + (passed ? " as wanted" : " not as wanted")};
  }
};

struct Incidents : Console {
  ScriptedChecks checks;
  std::unique_ptr<runbooks::RunbookService> service;
  Incidents() {
    auto lib = runbooks::buildLibrary({runbooks::builtinLibrary()});
    REQUIRE(lib);
    service = std::make_unique<runbooks::RunbookService>(*f.store, lib.value(), checks, runbooks::RunbookSettings{},
                                                         [this] { return unix * 1'000'000; });
    api.runbookApi().runWith(*service);
    store::IncomingAlert a;
    a.alert.atUs = unix * 1'000'000;
    a.alert.timestamp = "1970-01-12T13:46:40.000000+0000";
    a.alert.source = *packet::IpAddress::parse("192.0.2.66");
    a.alert.destination = *packet::IpAddress::parse("10.0.0.5");
    a.alert.destinationPort = 80;
    a.alert.appProto = "http";
    a.alert.gid = 1;
    a.alert.signatureId = 2019401;
    a.alert.signature = "ET WEB_SERVER site defaced <script>";
    a.destinationMachine = "m1";
    REQUIRE(f.store->incidents().takeAlerts({a}, 600'000'000, nullptr).opened.size() == 1);
  }
};

}  // namespace

TEST_CASE("incidents are listed and shown with their alerts and the questionnaire's guess") {
  Incidents c;
  auto s = c.signIn("vera");
  auto list = c.as(s, "GET", "/api/v1/incidents");
  REQUIRE(list.status == 200);
  const auto items = parsed(list)->getArray("items");
  REQUIRE(items->size() == 1);
  CHECK(items->getObject(0)->getValue<std::string>("rule") == "1:2019401");
  auto one = c.as(s, "GET", "/api/v1/incidents/1");
  REQUIRE(one.status == 200);
  const auto body = parsed(one);
  CHECK(body->getArray("alerts")->size() == 1);
  CHECK(body->getValue<bool>("answers_guessed"));
  CHECK(body->getObject("answers")->getValue<std::string>("problem") == "defacement");
  CHECK(body->getObject("answers")->getValue<std::string>("host") == "web-01");  // from the inventory
  CHECK(c.as(s, "GET", "/api/v1/incidents/99").status == 404);
  CHECK(c.as(s, "GET", "/api/v1/incidents/x").status == 404);
}

TEST_CASE("a viewer may not answer or step; an operator makes the runbook and steps it, every click recorded") {
  Incidents c;
  auto vera = c.signIn("vera");
  auto refused = c.as(vera, "POST", "/api/v1/incidents/1/answers", true, R"({"policy": "stop-first"})");
  CHECK(refused.status == 403);
  CHECK(c.f.store->runbooks().runbooks(1, 10).empty());

  auto otto = c.signIn("otto");
  CHECK(c.as(otto, "POST", "/api/v1/incidents/1/answers", true, R"({"policy": "panic"})").status == 400);
  CHECK(c.as(otto, "POST", "/api/v1/incidents/1/answers", true, R"({"port": "eighty"})").status == 400);
  CHECK(c.as(otto, "POST", "/api/v1/incidents/1/answers", true, "[").status == 400);
  CHECK(c.as(otto, "POST", "/api/v1/incidents/1/answers", false, R"({"policy": "stop-first"})").status == 403);  // no CSRF
  auto made = c.as(otto, "POST", "/api/v1/incidents/1/answers", true,
                   R"({"problem": "defacement", "process": "httpd", "policy": "stop-first", "start": "now"})");
  REQUIRE_MESSAGE(made.status == 201, made.body);
  const auto runbook = parsed(made)->getObject("runbook");
  CHECK(runbook->getValue<int>("version") == 1);
  CHECK(runbook->getArray("added")->getObject(0)->getValue<std::string>("why") ==
        "policy stop-first: the machine is isolated before any other work");
  const auto id = std::to_string(runbook->getValue<std::int64_t>("id"));

  CHECK(c.as(vera, "POST", "/api/v1/runbooks/" + id + "/step").status == 403);
  auto step = c.as(otto, "POST", "/api/v1/runbooks/" + id + "/step");
  REQUIRE(step.status == 200);
  CHECK(parsed(step)->getArray("shown")->getObject(0)->getValue<std::string>("key") == "isolate-001");
  CHECK(parsed(step)->getObject("waiting")->getValue<std::string>("waits_for") == "ok");
  CHECK(c.as(otto, "POST", "/api/v1/runbooks/" + id + "/yes").status == 409);
  c.checks.answers = {false};
  auto ok = c.as(otto, "POST", "/api/v1/runbooks/" + id + "/ok");
  REQUIRE(ok.status == 200);
  const auto view = parsed(ok);
  CHECK(view->getArray("shown")->getObject(0)->getValue<std::string>("key") == "isolate-001");  // shown again
  const auto record = view->getArray("record");
  const auto last = record->getObject(record->size() - 1);
  CHECK(last->getValue<std::string>("kind") == "test");
  CHECK_FALSE(last->getValue<bool>("passed"));
  CHECK(last->getValue<std::string>("detail") == "failed: m1 not as wanted");
  for (std::size_t i = 0; i < record->size(); ++i) {
    CHECK(record->getObject(i)->getValue<std::string>("operator") == "otto");
    CHECK(record->getObject(i)->getValue<std::string>("address") == "192.0.2.10");
  }
  CHECK(c.f.store->operators().operatorAudit("RUNBOOK_MADE", 0, 10).size() == 1);
}

TEST_CASE("the graph: read by anyone, imported by an admin only, a bad one refused with its line; the damage drawn") {
  Incidents c;
  auto otto = c.signIn("otto"), ada = c.signIn("ada");
  const std::string graph = "host web-01 20 address 10.0.0.5\nservice web-01/http 100 needs web-01\nfunction shop 5000 needs web-01/http\n";
  CHECK(c.as(otto, "PUT", "/api/v1/graph", true, graph).status == 403);
  auto bad = c.as(ada, "PUT", "/api/v1/graph", true, "service a 1 needs b\n");
  CHECK(bad.status == 400);
  CHECK(bad.body.find("line 1: 'b' names no element") != std::string::npos);
  REQUIRE(c.as(ada, "PUT", "/api/v1/graph", true, graph).status == 200);
  CHECK(parsed(c.as(otto, "GET", "/api/v1/graph"))->getValue<int>("elements") == 3);

  auto made = c.as(otto, "POST", "/api/v1/incidents/1/answers", true, R"({"problem": "defacement", "start": "now"})");
  REQUIRE(made.status == 201);
  const auto runbook = parsed(made)->getObject("runbook");
  CHECK(runbook->getObject("damage")->getValue<std::string>("failed") == "web-01/http");
  CHECK(runbook->getObject("damage")->getValue<double>("cost_per_hour") == 5100);
  const auto id = std::to_string(runbook->getValue<std::int64_t>("id"));
  auto svg = c.as(otto, "GET", "/api/v1/runbooks/" + id + "/damage.svg");
  REQUIRE(svg.status == 200);
  CHECK(svg.contentType == "image/svg+xml");
  CHECK(svg.body.find("<svg") == 0);
  CHECK(svg.body.find("web-01/http") != std::string::npos);
  CHECK(svg.body.find("class=\"element failed\"") != std::string::npos);
}

namespace {

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

struct IncidentPages : Incidents {
  ConsolePages pages{api, *f.store, PagesSettings{1, 1, 20}};
  ApiResponse get(const std::string& path, const Signed& s) {
    return pages.handle(ApiRequest{"GET", path, {}, {{"host", "mgmt.example.org:8443"}, {"cookie", s.cookie}}, "", "192.0.2.10", ""});
  }
  ApiResponse post(const std::string& path, const std::string& body, const Signed& s) {
    return pages.handle(ApiRequest{"POST", path, {},
                                   {{"host", "mgmt.example.org:8443"}, {"cookie", s.cookie},
                                    {"content-type", "application/x-www-form-urlencoded"},
                                    {"origin", "https://mgmt.example.org:8443"}},
                                   "csrf=" + s.csrf + "&" + body, "192.0.2.10", ""});
  }
};

}  // namespace

TEST_CASE("the console's pages: the questionnaire pre-filled, the runbook made and stepped by its buttons") {
  IncidentPages p;
  auto otto = p.signIn("otto");
  auto list = p.get("/incidents", otto);
  REQUIRE(list.status == 200);
  CHECK(has(list.body, "href=\"/incidents/1\""));
  CHECK(has(list.body, "site defaced &lt;script&gt;"));
  CHECK_FALSE(has(list.body, "<script>"));
  auto incident = p.get("/incidents/1", otto);
  REQUIRE(incident.status == 200);
  CHECK(has(incident.body, "id=\"questionnaire\""));
  CHECK(has(incident.body, "<option value=\"defacement\" selected>"));
  CHECK(has(incident.body, "id=\"answer-host\" value=\"web-01\""));

  auto made = p.post("/incidents/1/answers",
                     "problem=defacement&host=web-01&address=10.0.0.5&machine=m1&service=http&process=httpd&port=80"
                     "&policy=restore-first&start=now",
                     otto);
  REQUIRE(made.status == 303);
  const auto where = headerOf(made, "Location");
  CHECK(where.rfind("/runbooks/", 0) == 0);
  auto page = p.get(where, otto);
  REQUIRE(page.status == 200);
  CHECK(has(page.body, "id=\"step-begin\""));
  CHECK(has(page.body, "class=\"runbook-text\""));
  CHECK(has(page.body, "include web-001"));  // readable before it runs
  REQUIRE(p.post(where + "/step", "back=" + where, otto).status == 303);
  page = p.get(where, otto);
  CHECK(has(page.body, "Take the defaced site offline"));
  CHECK(has(page.body, "systemctl stop httpd"));
  CHECK(has(page.body, "id=\"step-ok\""));
  p.checks.answers = {false};
  REQUIRE(p.post(where + "/ok", "back=" + where, otto).status == 303);
  page = p.get(where, otto);
  CHECK(has(page.body, "Failed, shown again: failed: 10.0.0.5 not as wanted"));
  CHECK(has(page.body, "Take the defaced site offline"));
  CHECK(has(page.body, "<td>otto</td><td>192.0.2.10</td><td>test failed</td>"));
  // The answers may be signed in the page: each form names the text to sign.
  CHECK(has(page.body, "id=\"signing\""));
  CHECK(has(page.body, "id=\"sign-key\""));
  CHECK(has(page.body, "data-confirmation=\"/api/v1/runbooks/" + where.substr(10) + "/confirmation?answer=ok\""));
  CHECK(has(page.body, "<input type=\"hidden\" name=\"signature\" value=\"\">"));
  // A signature goes on to the service, refused with its reason (this console has no CA), and nothing moves.
  const auto before = p.get(where, otto).body;
  auto forged = p.post(where + "/ok", "back=" + where + "&signature=AAAA&certificate=not-a-certificate", otto);
  CHECK(forged.status == 409);
  CHECK_MESSAGE(has(forged.body, "Not done: this controller has no CA to check operators&#39; certificates with"), forged.body);
  CHECK(p.get(where, otto).body.find("test failed</td>") == before.find("test failed</td>"));
  // A key sent as the certificate (a combined file) is refused before anything else, and kept nowhere.
  auto keyed = p.post(where + "/ok",
                      "back=" + where + "&signature=AAAA&certificate=-----BEGIN+PRIVATE+KEY-----%0AMIG...%0A-----END+PRIVATE+KEY-----",
                      otto);
  CHECK(keyed.status == 409);
  CHECK(has(keyed.body, "holds a private key: it is not kept"));

  // A viewer sees it all and has no buttons.
  auto vera = p.signIn("vera");
  page = p.get(where, vera);
  CHECK(has(page.body, "Take the defaced site offline"));
  CHECK_FALSE(has(page.body, "id=\"step-ok\""));
  CHECK_FALSE(has(page.body, "id=\"signing\""));
  CHECK(p.post(where + "/ok", "back=" + where, vera).status == 403);
}

TEST_CASE("through the API, an answer signed with the operator's certificate is recorded signed; a forged one is refused") {
  Incidents c;
  c.unix = static_cast<std::int64_t>(std::time(nullptr));  // certificates are valid from now
  // The controller's CA and otto's certificate from it, as `operator cert` makes them.
  const auto caKey = pki::generatePrivateKey();
  const auto caCert = pki::createCaCertificate(caKey, "portcullis test CA");
  const auto ottoKey = pki::generatePrivateKey();
  pki::CertificateSpec spec;
  spec.commonName = "portcullis operator otto";
  spec.validDays = 30;
  spec.clientAuth = true;
  const auto ottoCert = pki::issueCertificate(caCert, caKey, pki::publicKeyOf(ottoKey), spec);
  c.f.store->operators().addOperatorCert(pki::inspectCertificate(ottoCert)->sha256Hex, "otto", c.unix - 5, c.unix + 86400 * 30);
  auto lib = runbooks::buildLibrary({runbooks::builtinLibrary()});
  runbooks::RunbookSettings settings;
  settings.caCertificatePem = caCert;
  runbooks::RunbookService service(*c.f.store, lib.value(), c.checks, settings, [&c] { return c.unix * 1'000'000; });
  c.api.runbookApi().runWith(service);

  auto otto = c.signIn("otto");
  REQUIRE(c.as(otto, "POST", "/api/v1/incidents/1/answers", true, R"({"problem": "defacement", "start": "now"})").status == 201);
  auto asked = c.call("GET", "/api/v1/runbooks/1/confirmation", "",
                      {{"cookie", otto.cookie}, {"host", "mgmt.example.org:8443"}}, {{"answer", "begin"}});
  REQUIRE(asked.status == 200);
  const auto text = parsed(asked)->getValue<std::string>("text");
  CHECK(text.find("answer begin\nline 0\noperator otto\n") != std::string::npos);
  const auto body = [&](const std::string& key, const std::string& cert, const std::string& what) {
    Poco::JSON::Object o;
    std::ostringstream b64;
    Poco::Base64Encoder encoder(b64);
    encoder << pki::signData(key, what);
    encoder.close();
    std::string sig = b64.str();
    sig.erase(std::remove(sig.begin(), sig.end(), '\n'), sig.end());
    sig.erase(std::remove(sig.begin(), sig.end(), '\r'), sig.end());
    o.set("signature", sig);
    o.set("certificate", cert);
    std::ostringstream out;
    o.stringify(out);
    return out.str();
  };
  // Signed over another text (a replay of another step): refused, nothing recorded.
  auto refused = c.as(otto, "POST", "/api/v1/runbooks/1/step", true, body(ottoKey, ottoCert, text + "x"));
  CHECK(refused.status == 409);
  CHECK(refused.body.find("does not verify") != std::string::npos);
  CHECK(c.f.store->runbooks().runbook(1)->state == "scheduled");
  auto done = c.as(otto, "POST", "/api/v1/runbooks/1/step", true, body(ottoKey, ottoCert, text));
  REQUIRE_MESSAGE(done.status == 200, done.body);
  const auto record = parsed(done)->getArray("record");
  CHECK_FALSE(record->getObject(1)->isNull("signature"));
  CHECK(service.verify(1)->valid);
}
