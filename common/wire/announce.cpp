#include "common/wire/announce.h"

#include <algorithm>
#include <vector>

#include "common/util/digest.h"
#include "common/wire/envelope_codec.h"

namespace portcullis::wire {
namespace {

void field(std::string& out, std::string_view value) {
  const auto n = static_cast<std::uint32_t>(value.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(value);
}

}  // namespace

std::string announceSigningBytes(const pb::Announce& a) {
  std::string out = "portcullis-announce-v1";
  field(out, a.mac());
  field(out, a.hostname());
  field(out, a.os_id());
  field(out, a.os_version());
  field(out, a.package_digest());
  field(out, a.nonce());
  field(out, std::to_string(a.timestamp_unix()));
  field(out, a.certificate_pem());
  field(out, a.packages_compressed());
  return out;
}

std::string packageListDigest(const pb::MachineInfo& info) {
  std::vector<std::string> lines;
  lines.reserve(static_cast<std::size_t>(info.packages_size()));
  for (const auto& p : info.packages()) lines.push_back(p.name() + " " + p.version() + " " + p.arch() + "\n");
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  std::string all;
  for (const auto& l : lines) all += l;
  return util::sha256Hex(all);
}

Result<pb::Announce> parseAnnounce(std::string_view datagram) {
  quietProtobufParseLogs();
  if (datagram.size() > kMaxAnnounceBytes) return fail("datagram of " + std::to_string(datagram.size()) + " bytes");
  pb::Envelope envelope;
  if (!envelope.ParseFromArray(datagram.data(), static_cast<int>(datagram.size())))
    return fail("not a Portcullis message");
  if (!envelope.has_announce()) return fail("not an announce");
  const auto& a = envelope.announce();
  if (a.mac().size() != 17) return fail("announce names no MAC");
  return a;
}

}  // namespace portcullis::wire
