#include "agent/transport/enrollment_client.h"

#include <chrono>

#include "agent/config/agent_config.h"
#include "agent/transport/controller_channel.h"
#include "common/pki/pki.h"
#include "common/tls/tls_context.h"
#include "common/io/files.h"

namespace portcullis::agent {

namespace {

// Where an enrollment puts its files.
struct EnrollTarget {
  std::filesystem::path key, cert, caCert;
  std::filesystem::path record;  // agent.conf (--dir) or enrollment.conf (--config)
  std::filesystem::path configFile;
  bool wholeConfig = true;
};

Result<EnrollTarget> targetOf(const EnrollRequestOptions& o) {
  EnrollTarget t;
  if (o.configFile.empty()) {
    t.key = o.dir / "private" / "agent.key";
    t.cert = o.dir / "agent.crt";
    t.caCert = o.dir / "ca.crt";
    t.record = t.configFile = o.dir / "agent.conf";
    if (std::filesystem::exists(t.record))
      return fail(t.record.string() + " exists: this directory already holds an enrolled agent");
    return t;
  }
  auto config = loadAgentConfig(o.configFile, Enrollment::NotYet);
  if (!config) return fail(config.error());
  if (!config->controllerHost.empty())
    return fail(config->enrolledBy.empty()
                    ? o.configFile.string() + " already names a controller: this agent is enrolled"
                    : "already enrolled (" + config->enrolledBy.string() +
                          "); remove that file to enroll again");
  t.key = config->key;
  t.cert = config->cert;
  t.caCert = config->caCert;
  t.record = enrollmentFileOf(config->stateDir);
  t.configFile = config->file;
  t.wholeConfig = false;
  return t;
}

}  // namespace

Result<EnrollOutcome> enrollAgent(const EnrollRequestOptions& o) {
  using std::chrono::milliseconds;
  auto pin = pki::normaliseFingerprint(o.caSha256);
  if (!pin) return fail("--ca-sha256: " + pin.error());
  auto target = targetOf(o);
  if (!target) return fail(target.error());

  try {
    const auto [key, csr] = pki::generateKeyAndCsr(o.hostname.empty() ? "portcullis-agent" : o.hostname);

    // No trust store yet: we trust exactly the CA whose fingerprint we were given.
    tls::ContextOptions opts;
    opts.verify = tls::PeerVerification::None;
    auto ctx = tls::TlsContext::client(opts);
    const auto timeout = milliseconds(o.timeoutSeconds * 1000);
    // The site's controllers in turn: the first that answers enrolls this agent.
    auto all = o.controllers;
    if (all.empty()) all.push_back({o.controllerHost, o.controllerPort});
    std::unique_ptr<tls::TlsClientStream> stream;
    std::string failures;
    for (const auto& to : all) {
      try {
        stream = tls::TlsClientStream::connect(to.host, to.port, ctx, timeout);
        break;
      } catch (const std::exception& e) {
        if (all.size() == 1) throw;
        failures += (failures.empty() ? "" : "; ") + to.host + ":" + std::to_string(to.port) + ": " + e.what();
      }
    }
    if (!stream) return fail("no controller answered (" + failures + ")");
    const auto chain = stream->peerChainPem();
    if (chain.empty()) return fail("controller sent no certificate");
    std::string ca;
    std::vector<std::string> seen;
    for (const auto& pem : chain) {
      const auto fp = pki::certificateFingerprint(pem);
      seen.push_back(fp);
      if (fp == *pin) ca = pem;
    }
    if (ca.empty()) {
      std::string got;
      for (const auto& s : seen) got += (got.empty() ? "" : ", ") + s;
      return fail("the controller's certificate chain does not contain the CA with SHA-256 " + *pin +
                  " (it sent: " + got + "); refusing to send the token");
    }
    if (!pki::isSignedBy(chain.front(), ca))
      return fail("the controller's certificate is not signed by the pinned CA");

    ControllerChannel ch(std::move(stream), 4 * 1024 * 1024);
    wire::pb::Envelope req;
    req.set_seq(1);
    auto* body = req.mutable_enroll_request();
    body->set_token(o.token);
    body->set_csr_pem(csr);
    body->set_hostname(o.hostname);
    ch.send(req, timeout);
    auto answer = ch.receive(timeout);
    if (!answer) return fail("the controller did not answer the enrollment request in time");
    if (!answer->has_enroll_response()) return fail("the controller answered with something else");
    const auto& resp = answer->enroll_response();
    if (!resp.ok()) return fail("the controller refused enrollment: " + resp.error());
    if (!pki::isSignedBy(resp.certificate_pem(), ca))
      return fail("the certificate the controller returned is not signed by the pinned CA");
    auto issued = pki::inspectCertificate(resp.certificate_pem());
    if (!issued || issued->commonName != resp.agent_id())
      return fail("the certificate the controller returned does not name agent " + resp.agent_id());

    // Everything checked: now write, the record last (its presence means enrolled).
    io::writePrivateFile(target->key, key);
    io::writeFileMakingDir(target->cert, resp.certificate_pem());
    io::writeFileMakingDir(target->caCert, ca);
    std::string address;  // every controller of the site, as agent.conf takes them
    for (const auto& e : all)
      address += (address.empty() ? "" : ", ") + (e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host) + ":" +
                 std::to_string(e.port);
    const std::string text = target->wholeConfig
                                 ? agentConfigText({address, "", resp.agent_id(), "", false})
                                 : enrollmentText(address, "", resp.agent_id());
    io::writeFileAtomic(target->record, text, 0644);
    return EnrollOutcome{resp.agent_id(), target->configFile, target->record};
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace portcullis::agent
