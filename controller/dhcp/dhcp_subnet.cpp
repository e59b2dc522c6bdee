#include "controller/dhcp/dhcp_subnet.h"

#include <algorithm>

namespace portcullis::dhcp {

const char* gateModeName(GateMode m) { return m == GateMode::Hold ? "hold" : "quarantine-first"; }

const char* noAgentRuleName(NoAgentRule r) {
  switch (r) {
    case NoAgentRule::Quarantine: return "quarantine";
    case NoAgentRule::Deny: return "deny";
    case NoAgentRule::Allow: return "allow";
  }
  return "?";
}

const char* randomMacRuleName(RandomMacRule r) {
  switch (r) {
    case RandomMacRule::AsAny: return "as-any";
    case RandomMacRule::Quarantine: return "quarantine";
    case RandomMacRule::Deny: return "deny";
  }
  return "?";
}

const Ipv4Net& quarantineNetOf(const DhcpSubnet& s) {
  return s.quarantineSubnet.prefix ? s.quarantineSubnet : s.subnet;
}

bool onLink(const DhcpSubnet& s, Ipv4 a) {
  return s.subnet.contains(a) || (s.quarantineSubnet.prefix && s.quarantineSubnet.contains(a));
}

std::uint64_t maxDeclined(const DhcpSubnet& s, const Ipv4Range& pool) {
  if (s.maxDeclinedPercent == 0) return 0;
  return std::max<std::uint64_t>(1, pool.size() * s.maxDeclinedPercent / 100);
}

const std::vector<Ipv4>& quarantineDnsOf(const DhcpSubnet& s) {
  return s.quarantineDns.empty() ? s.dns : s.quarantineDns;
}

std::vector<ClasslessRoute> quarantineRoutes(const DhcpSubnet& s) {
  std::vector<Ipv4> hosts;
  auto add = [&](Ipv4 a) {
    if (a != 0 && std::find(hosts.begin(), hosts.end(), a) == hosts.end()) hosts.push_back(a);
  };
  add(s.serverAddress);
  for (auto a : quarantineDnsOf(s)) add(a);
  for (auto a : s.remediationHosts) add(a);

  const Ipv4 router = s.quarantineRouter ? s.quarantineRouter : (s.routers.empty() ? 0 : s.routers.front());
  std::vector<ClasslessRoute> routes;
  bool routerRouted = false;
  for (auto a : hosts) {
    if (onLink(s, a)) {
      routes.push_back({{a, 32}, 0});
    } else if (router) {
      // The router must be reachable itself before anything can go through it.
      if (!routerRouted && std::none_of(routes.begin(), routes.end(), [&](const ClasslessRoute& r) {
            return r.destination.network == router && r.router == 0;
          }))
        routes.insert(routes.begin(), {{router, 32}, 0});
      routerRouted = true;
      routes.push_back({{a, 32}, router});
    }
    // Off the subnet with no router: unreachable from quarantine; the
    // configuration check warns about it.
  }
  return routes;
}

}  // namespace portcullis::dhcp
