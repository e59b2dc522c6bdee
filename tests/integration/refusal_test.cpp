// Who may not talk to the controller: no certificate, another CA, a revoked
// agent, an expired certificate. And bad frames from an enrolled one.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>

#include "agent/transport/controller_channel.h"
#include "common/pki/pki.h"
#include "common/io/files.h"
#include "tests/integration/controller_fixture.h"

using namespace portcullis;
using namespace portcullis::testing;
using std::chrono::seconds;

namespace {

v1::Envelope hello() {
  v1::Envelope e;
  e.set_seq(1);
  e.mutable_hello()->set_hostname("intruder");
  return e;
}

// True when the controller ends the session: an error message, a close, or a
// failed handshake, before any HelloAck.
bool refused(agent::ControllerChannel& ch) {
  try {
    ch.send(hello(), seconds(5));
    for (int i = 0; i < 5; ++i) {
      auto in = ch.receive(seconds(5));
      if (!in) return false;
      if (in->has_hello_ack()) return false;
      if (in->has_error()) continue;  // the close follows
    }
  } catch (const std::exception&) {
    return true;
  }
  return false;
}

// Refused at the handshake, or right after it.
bool refusedWith(const ControllerFixture& c, const std::string& cert, const std::string& key) {
  try {
    auto ch = c.rawClient(cert, key);
    return refused(*ch);
  } catch (const std::exception&) {
    return true;
  }
}

// Key and certificate files for a certificate issued by the given CA.
std::pair<std::string, std::string> issue(const std::string& dir, const std::string& caCert, const std::string& caKey,
                                          const std::string& cn, std::int64_t notBefore, std::int64_t notAfter) {
  const auto key = pki::generatePrivateKey();
  pki::CertificateSpec spec;
  spec.commonName = cn;
  spec.clientAuth = true;
  spec.notBeforeUnix = notBefore;
  spec.notAfterUnix = notAfter;
  const auto cert = pki::issueCertificate(caCert, caKey, pki::publicKeyOf(key), spec);
  io::writeFileAtomic(dir + "/" + cn + ".key", key, 0600);
  io::writeFileAtomic(dir + "/" + cn + ".crt", cert, 0644);
  return {dir + "/" + cn + ".crt", dir + "/" + cn + ".key"};
}

std::int64_t now() {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// True when the controller closes the connection (an Error message may come first).
bool closedByController(agent::ControllerChannel& ch) {
  try {
    for (int i = 0; i < 3; ++i) {
      auto in = ch.receive(seconds(5));
      if (!in) return false;  // silence is not a close
    }
  } catch (const std::exception&) {
    return true;
  }
  return false;
}

std::size_t machineCount(const ControllerFixture& c) { return c.openStore()->machines().size(); }

}  // namespace

TEST_CASE("a client without a certificate may only enroll") {
  ControllerFixture c;
  auto ch = c.rawClient("", "");
  CHECK(refused(*ch));
  CHECK(machineCount(c) == 0);
  CHECK(c.logShows("only enrollment is allowed"));
}

TEST_CASE("a certificate from another CA is refused at the handshake") {
  ControllerFixture c;
  const auto otherKey = pki::generatePrivateKey();
  const auto otherCa = pki::createCaCertificate(otherKey, "Someone Else's CA");
  auto [cert, key] = issue(c.root(), otherCa, otherKey, "stranger", 0, 0);
  CHECK(refusedWith(c, cert, key));
  CHECK(machineCount(c) == 0);
  CHECK(c.logShows("TLS handshake failed"));
}

TEST_CASE("an expired certificate from our own CA is refused") {
  ControllerFixture c;
  auto config = c.enroll(c.root() + "/agent", "soon-expired");
  const auto caCert = *io::readFile(c.controllerDir() + "/ca.crt");
  const auto caKey = *io::readFile(c.controllerDir() + "/private/ca.key");
  auto [cert, key] = issue(c.root(), caCert, caKey, config.agentId, now() - 10 * 86400, now() - 86400);
  CHECK(refusedWith(c, cert, key));
  CHECK(machineCount(c) == 0);
  CHECK(c.logShows("expired"));
}

TEST_CASE("a revoked agent can no longer connect, and its open session ends") {
  ControllerFixture c;
  auto config = c.enroll(c.root() + "/agent", "to-be-revoked");
  agent::AgentRunner runner(config, fakeMachine("to-be-revoked"));
  REQUIRE(runner.runOnce());

  // An open session from before the revocation.
  auto live = c.rawClient(config.cert.string(), config.key.string());
  live->send(hello(), seconds(5));
  auto ack = live->receive(seconds(5));
  REQUIRE(ack);
  REQUIRE(ack->has_hello_ack());

  auto revoke = c.cli({"agents", "revoke", config.agentId});
  REQUIRE_MESSAGE(revoke.exitCode == 0, revoke.err);

  agent::AgentRunner again(config, fakeMachine("to-be-revoked"));
  CHECK_FALSE(again.runOnce());
  CHECK(again.lastError().find("revoked") != std::string::npos);
  CHECK(refused(*live));
  CHECK(c.logShows("agent " + config.agentId + " is revoked"));

  CHECK(c.audit().find("AGENT_REVOKED agent=" + config.agentId) != std::string::npos);
  // What the operator sees: no longer "admitted" (or pending), but quarantined, and why.
  const auto shown = c.cli({"machine", "show", config.agentId});
  CHECK_MESSAGE(shown.out.find("quarantined") != std::string::npos, shown.out);
  CHECK_MESSAGE(shown.out.find("its agent's certificate was revoked") != std::string::npos, shown.out);

  auto unknown = c.cli({"agents", "revoke", "no-such-agent"});
  CHECK(unknown.exitCode == 1);
}

TEST_CASE("garbage and oversized frames close only that connection") {
  ControllerFixture c;
  auto a = c.enroll(c.root() + "/a", "host-a");
  auto b = c.enroll(c.root() + "/b", "host-b");

  // b holds an authenticated session open the whole time.
  auto bystander = c.rawClient(b.cert.string(), b.key.string());
  bystander->send(hello(), seconds(5));
  auto ack = bystander->receive(seconds(5));
  REQUIRE((ack && ack->has_hello_ack()));

  SUBCASE("a frame that does not parse") {
    auto bad = c.rawClient(a.cert.string(), a.key.string());
    bad->stream().writeAll(std::string("\x00\x00\x00\x08garbage!", 12), seconds(5));
    CHECK(closedByController(*bad));
    CHECK(c.logShows("does not parse"));
  }
  SUBCASE("a frame announcing 4 GiB") {
    auto bad = c.rawClient(a.cert.string(), a.key.string());
    bad->stream().writeAll(std::string("\xff\xff\xff\xff", 4), seconds(5));
    CHECK(closedByController(*bad));
    CHECK(c.logShows("larger than the configured maximum"));
  }
  SUBCASE("a truncated frame then a close") {
    auto bad = c.rawClient(a.cert.string(), a.key.string());
    bad->stream().writeAll(std::string("\x00\x00\x01\x00partial", 11), seconds(5));
    bad->stream().close();
    // 256 bytes announced, 7 sent: the controller says it was cut short, not
    // merely that the peer went away.
    CHECK(c.logShows("reason=peer closed in the middle of a frame (truncated)"));
  }

  // The bystander's session still works: a report is stored and acknowledged.
  v1::Envelope report;
  auto* r = report.mutable_report();
  r->set_report_id(7);
  const auto info = fakeMachine("host-b").collect();
  r->set_digest(fakeMachine("host-b").digest(info));
  *r->mutable_machine_info() = info;
  bystander->send(report, seconds(5));
  auto stored = bystander->receive(seconds(10));
  REQUIRE(stored);
  REQUIRE(stored->has_ack());
  CHECK(stored->ack().report_id() == 7);
  CHECK(stored->ack().status() == v1::Ack::STORED);

  // And a fresh agent reports as usual.
  agent::AgentRunner runner(a, fakeMachine("host-a"));
  CHECK(runner.runOnce());
  CHECK(machineCount(c) == 2);
}

TEST_CASE("a new session from an agent ends its older one, so commands go to the live connection") {
  ControllerFixture c;
  auto config = c.enroll(c.root() + "/agent", "moved");
  agent::AgentRunner runner(config, fakeMachine("moved"));
  REQUIRE(runner.runOnce());

  auto older = c.rawClient(config.cert.string(), config.key.string());
  older->send(hello(), seconds(5));
  auto ack = older->receive(seconds(5));
  REQUIRE((ack && ack->has_hello_ack()));
  // The machine's address changed: the agent connects again, and the old
  // connection never said goodbye.
  auto newer = c.rawClient(config.cert.string(), config.key.string());
  newer->send(hello(), seconds(5));
  ack = newer->receive(seconds(5));
  REQUIRE((ack && ack->has_hello_ack()));

  CHECK(c.logShows("AGENT_SESSION_REPLACED agent=" + config.agentId));
  CHECK(refused(*older));
  newer->send(hello(), seconds(5));  // the new one goes on
  ack = newer->receive(seconds(5));
  CHECK((ack && ack->has_hello_ack()));
}
