#include "agent/transport/enrollment_client.h"

#include <chrono>

#include "agent/config/agent_config.h"
#include "agent/transport/controller_channel.h"
#include "common/pki/pki.h"
#include "common/tls/tls_context.h"
#include "common/util/files.h"

namespace portcullis::agent {

Result<EnrollOutcome> enrollAgent(const EnrollRequestOptions& o) {
  using std::chrono::milliseconds;
  auto pin = pki::normaliseFingerprint(o.caSha256);
  if (!pin) return fail("--ca-sha256: " + pin.error());
  const auto configFile = o.dir / "agent.conf";
  if (std::filesystem::exists(configFile))
    return fail(configFile.string() + " exists: this directory already holds an enrolled agent");

  try {
    const std::string key = pki::generatePrivateKey();
    const std::string csr = pki::createCsr(key, o.hostname.empty() ? "portcullis-agent" : o.hostname);

    // No trust store yet: we trust exactly the CA whose fingerprint we were given.
    tls::ContextOptions opts;
    opts.verify = tls::PeerVerification::None;
    auto ctx = tls::TlsContext::client(opts);
    const auto timeout = milliseconds(o.timeoutSeconds * 1000);
    auto stream = tls::TlsClientStream::connect(o.controllerHost, o.controllerPort, ctx, timeout);
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

    // Everything checked: now write, the configuration last (its presence means enrolled).
    std::filesystem::create_directories(o.dir / "private");
    std::filesystem::permissions(o.dir / "private", std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
    util::writeFileAtomic(o.dir / "private" / "agent.key", key, 0600);
    util::writeFileAtomic(o.dir / "agent.crt", resp.certificate_pem(), 0644);
    util::writeFileAtomic(o.dir / "ca.crt", ca, 0644);
    const std::string address = (o.controllerHost.find(':') != std::string::npos
                                     ? "[" + o.controllerHost + "]"
                                     : o.controllerHost) +
                                ":" + std::to_string(o.controllerPort);
    util::writeFileAtomic(configFile, agentConfigText(address, o.controllerHost, resp.agent_id()), 0644);
    return EnrollOutcome{resp.agent_id(), configFile};
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace portcullis::agent
