#include "controller/dhcp/admission_query.h"

#include <algorithm>

namespace portcullis::dhcp {

namespace {
constexpr std::string_view kQuery = "PORTCULLIS-QUERY 1 ";
constexpr std::string_view kAnswer = "PORTCULLIS-CLASS 1 ";
}  // namespace

const char* keaClassName(KeaClass c) {
  switch (c) {
    case KeaClass::Quarantine: return "quarantine";
    case KeaClass::Admitted: return "admitted";
    case KeaClass::Unknown: return "unknown";
  }
  return "quarantine";
}

std::optional<std::string> parseAdmissionQuery(std::string_view d) {
  if (d.substr(0, kQuery.size()) != kQuery) return std::nullopt;
  d.remove_prefix(kQuery.size());
  while (!d.empty() && (d.back() == '\n' || d.back() == '\r')) d.remove_suffix(1);
  return parseMac(d);
}

std::string admissionQuery(const std::string& mac) { return std::string(kQuery) + mac + "\n"; }

std::string admissionAnswer(const std::string& mac, KeaClass c) {
  return std::string(kAnswer) + mac + " " + keaClassName(c) + "\n";
}

std::optional<KeaClass> parseAdmissionAnswer(std::string_view d, const std::string& mac) {
  const std::string head = std::string(kAnswer) + mac + " ";
  if (d.substr(0, head.size()) != head) return std::nullopt;
  d.remove_prefix(head.size());
  while (!d.empty() && (d.back() == '\n' || d.back() == '\r')) d.remove_suffix(1);
  for (auto c : {KeaClass::Quarantine, KeaClass::Admitted, KeaClass::Unknown})
    if (d == keaClassName(c)) return c;
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
