#pragma once
// The nftables rule set that enforces quarantine where the controller routes
// (or that the site's router loads): quarantined addresses may reach the
// controller, DNS and the remediation hosts, and nothing else; nothing but
// those may reach them. Pure: subnets and addresses in, nft script out.
#include <set>
#include <string>
#include <vector>

#include "controller/dhcp/dhcp_subnet.h"

namespace portcullis::dhcp {

inline constexpr const char* kGateTable = "portcullis_gate";

// quarantined: addresses outside the quarantine pools that are quarantined
// too (a production lease whose machine was quarantined since). The script
// replaces the table `inet portcullis_gate` in one transaction and touches
// nothing else.
std::string isolationRuleset(const std::vector<DhcpSubnet>& subnets, const std::set<Ipv4>& quarantined);

// The hosts a quarantined address may reach (controller, DNS, remediation).
std::set<Ipv4> reachableFromQuarantine(const std::vector<DhcpSubnet>& subnets);

}  // namespace portcullis::dhcp
