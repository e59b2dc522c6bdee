#include "controller/dhcp/isolation_rules.h"

namespace portcullis::dhcp {

std::set<Ipv4> reachableFromQuarantine(const std::vector<DhcpSubnet>& subnets) {
  std::set<Ipv4> out;
  for (const auto& s : subnets) {
    if (s.serverAddress) out.insert(s.serverAddress);
    const auto& dns = quarantineDnsOf(s);
    out.insert(dns.begin(), dns.end());
    out.insert(s.remediationHosts.begin(), s.remediationHosts.end());
  }
  return out;
}

std::string isolationRuleset(const std::vector<DhcpSubnet>& subnets, const std::set<Ipv4>& quarantined) {
  std::vector<std::string> blocked;
  for (const auto& s : subnets)
    blocked.push_back(formatIpv4(s.quarantinePool.first) + "-" + formatIpv4(s.quarantinePool.last));
  for (auto a : quarantined) {
    bool inPool = false;
    for (const auto& s : subnets) inPool = inPool || s.quarantinePool.contains(a);
    if (!inPool) blocked.push_back(formatIpv4(a));
  }
  std::string reachable;
  for (auto a : reachableFromQuarantine(subnets)) reachable += (reachable.empty() ? "" : ", ") + formatIpv4(a);
  std::string elements;
  for (const auto& b : blocked) elements += (elements.empty() ? "" : ", ") + b;

  const std::string t = std::string("inet ") + kGateTable;
  std::string out = "# Portcullis DHCP gate: quarantined addresses reach only the controller, DNS and\n"
                    "# the remediation hosts. Generated; replaced whole on every change.\n";
  // Create it if missing, so that the delete cannot fail; then define it anew.
  out += "table " + t + "\ndelete table " + t + "\ntable " + t + " {\n";
  out += "  set quarantined {\n    type ipv4_addr\n    flags interval\n";
  if (!elements.empty()) out += "    elements = { " + elements + " }\n";
  out += "  }\n  set reachable {\n    type ipv4_addr\n";
  if (!reachable.empty()) out += "    elements = { " + reachable + " }\n";
  out += "  }\n"
         "  chain forward {\n"
         "    type filter hook forward priority filter - 10; policy accept;\n"
         "    ip saddr @quarantined ip daddr @reachable accept\n"
         "    ip saddr @reachable ip daddr @quarantined accept\n"
         "    ip saddr @quarantined counter drop comment \"portcullis: from quarantine\"\n"
         "    ip daddr @quarantined counter drop comment \"portcullis: to quarantine\"\n"
         "  }\n}\n";
  return out;
}

}  // namespace portcullis::dhcp
