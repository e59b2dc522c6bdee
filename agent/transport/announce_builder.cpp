#include "agent/transport/announce_builder.h"

#include "common/pki/pki.h"
#include "common/util/digest.h"

namespace portcullis::agent {

wire::pb::Announce buildAnnounce(const std::string& mac, const wire::pb::MachineInfo& info, const std::string& certPem,
                                 const std::string& keyPem, std::int64_t now) {
  wire::pb::Announce a;
  a.set_mac(mac);
  a.set_hostname(info.hostname());
  a.set_os_id(info.os().id());
  a.set_os_version(info.os().version_id());
  a.set_package_digest(wire::packageListDigest(info));
  a.set_nonce(util::randomBytes(16));
  a.set_timestamp_unix(now);
  if (!certPem.empty() && !keyPem.empty()) {
    a.set_certificate_pem(certPem);
    a.set_signature(pki::signData(keyPem, wire::announceSigningBytes(a)));
  }
  return a;
}

std::string announceDatagram(const wire::pb::Announce& announce) {
  wire::pb::Envelope envelope;
  *envelope.mutable_announce() = announce;
  return envelope.SerializeAsString();
}

}  // namespace portcullis::agent
