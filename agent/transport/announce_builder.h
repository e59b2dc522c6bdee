#pragma once
// The announce this machine broadcasts on a link where it has no address yet:
// its MAC there, who it is, the digest of its package list, a fresh nonce and
// the time, and, once enrolled, its certificate and a signature over it all.
#include <cstdint>
#include <string>

#include "common/wire/announce.h"

namespace portcullis::agent {

// certPem/keyPem empty: an unsigned announce (not enrolled yet).
wire::pb::Announce buildAnnounce(const std::string& mac, const wire::pb::MachineInfo& info,
                                 const std::string& certPem, const std::string& keyPem, std::int64_t now);

// The announce inside the one message the wire carries, as one datagram.
std::string announceDatagram(const wire::pb::Announce& announce);

}  // namespace portcullis::agent
