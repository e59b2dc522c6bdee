#pragma once
// The announce a machine broadcasts before it has an address: the bytes its
// signature covers, and the digest of its package list that lets the
// controller tell whether it already holds the machine's full report.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/util/result.h"
#include "portcullis/v1/portcullis.pb.h"

namespace portcullis::wire {

namespace pb = ::portcullis::v1;

// Where announces go: UDP broadcast to 255.255.255.255 on this port.
inline constexpr std::uint16_t kAnnouncePort = 4767;
// Bigger datagrams are not announces.
inline constexpr std::size_t kMaxAnnounceBytes = 8192;

// Every field but the signature, each length-prefixed, after a version tag:
// the same bytes whatever protobuf library serialised the message.
std::string announceSigningBytes(const pb::Announce& announce);

// SHA-256 (hex) of the sorted "name version arch" lines of the packages.
std::string packageListDigest(const pb::MachineInfo& info);

// A datagram as an announce; a Failure names what is wrong.
Result<pb::Announce> parseAnnounce(std::string_view datagram);

}  // namespace portcullis::wire
