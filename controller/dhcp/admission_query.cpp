#include "controller/dhcp/admission_query.h"

#include <algorithm>

#include "common/util/digest.h"
#include "common/util/text.h"

namespace portcullis::dhcp {

namespace {
constexpr std::string_view kQuery = "PORTCULLIS-QUERY 2 ";
constexpr std::string_view kAnswer = "PORTCULLIS-CLASS 2 ";
constexpr std::size_t kNonceHex = 32;
constexpr std::size_t kHmacHex = 64;

bool isHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string_view withoutLineEnd(std::string_view d) {
  while (!d.empty() && (d.back() == '\n' || d.back() == '\r')) d.remove_suffix(1);
  return d;
}

// The signed part and the HMAC after the last space, when the HMAC is right.
std::optional<std::string_view> authenticated(std::string_view line, const std::string& key) {
  const auto space = line.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto body = line.substr(0, space);
  const auto mac = line.substr(space + 1);
  if (mac.size() != kHmacHex || !util::equalConstantTime(mac, util::hmacSha256Hex(key, body))) return std::nullopt;
  return body;
}

std::string signedLine(const std::string& body, const std::string& key) {
  return body + " " + util::hmacSha256Hex(key, body) + "\n";
}

}  // namespace

const char* keaClassName(KeaClass c) {
  switch (c) {
    case KeaClass::Quarantine: return "quarantine";
    case KeaClass::Admitted: return "admitted";
    case KeaClass::Unknown: return "unknown";
  }
  return "quarantine";
}

Result<std::string> parseQueryKey(std::string_view text) {
  const auto key = util::lower(util::trim(text));
  if (key.size() < 32 || !isHex(key)) return fail("the key must be at least 32 hex digits");
  return key;
}

std::string admissionQuery(const AdmissionQuestion& q, const std::string& key) {
  return signedLine(std::string(kQuery) + q.mac + " " + q.nonce, key);
}

Result<AdmissionQuestion> parseAdmissionQuery(std::string_view d, const std::string& key) {
  d = withoutLineEnd(d);
  if (d.substr(0, kQuery.size()) != kQuery) return fail("not a version 2 query");
  const auto body = authenticated(d, key);
  if (!body) return fail("not authenticated by the shared key");
  auto rest = body->substr(kQuery.size());
  const auto space = rest.find(' ');
  if (space == std::string_view::npos) return fail("no nonce");
  const auto mac = parseMac(rest.substr(0, space));
  const auto nonce = rest.substr(space + 1);
  if (!mac) return fail("not a MAC address");
  if (nonce.size() != kNonceHex || !isHex(nonce)) return fail("the nonce is not 32 hex digits");
  return AdmissionQuestion{*mac, std::string(nonce)};
}

std::string admissionAnswer(const AdmissionQuestion& q, KeaClass c, const std::string& key) {
  return signedLine(std::string(kAnswer) + q.mac + " " + q.nonce + " " + keaClassName(c), key);
}

std::optional<KeaClass> parseAdmissionAnswer(std::string_view d, const AdmissionQuestion& q, const std::string& key) {
  const auto body = authenticated(withoutLineEnd(d), key);
  if (!body) return std::nullopt;
  const std::string head = std::string(kAnswer) + q.mac + " " + q.nonce + " ";
  if (body->substr(0, head.size()) != head) return std::nullopt;
  const auto name = body->substr(head.size());
  for (auto c : {KeaClass::Quarantine, KeaClass::Admitted, KeaClass::Unknown})
    if (name == keaClassName(c)) return c;
  return std::nullopt;
}

KeaClass keaClassFor(const DhcpSubnet& policy, const std::string& mac, const MacStanding& s, std::int64_t now) {
  if (s.lookupFailed) return KeaClass::Quarantine;
  const bool nobody = s.machineId.empty() && s.operatorHold.empty() && !s.announce.at;
  const bool listed = std::find(policy.allowMacs.begin(), policy.allowMacs.end(), mac) != policy.allowMacs.end() ||
                      std::find(policy.denyMacs.begin(), policy.denyMacs.end(), mac) != policy.denyMacs.end();
  if (nobody && !listed) return KeaClass::Unknown;
  return gateVerdict(policy, mac, s, now).answer == GateVerdict::Answer::Production ? KeaClass::Admitted
                                                                                    : KeaClass::Quarantine;
}

}  // namespace portcullis::dhcp
