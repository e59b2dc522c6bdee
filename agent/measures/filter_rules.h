#pragma once
// Temporary filter rules that protect a vulnerable service until it is
// patched: inbound traffic to its ports is dropped except from the management
// allow-list. All rules live in the agent's own nftables table, `inet
// portcullis`, which is replaced as a whole on every change (one atomic nft
// transaction) and never touches another table. Pure: rules in, nft text and
// state JSON out.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.h"

namespace portcullis::agent::measures {

struct FilterPort {
  std::uint32_t port = 0;
  bool udp = false;
  bool operator==(const FilterPort&) const = default;
};

struct FilterRule {
  std::string advisory;  // carried in each nft rule's comment
  std::string package;
  std::vector<FilterPort> ports;
  std::vector<std::string> allow;  // IPv4 addresses or CIDR blocks still let in
};

// Names that go into nft comments must be plain: letters, digits and . _ : + -
bool plainName(std::string_view s);
bool validIpv4Cidr(std::string_view s);

// The whole table; with no rules, just its removal. Rules must be valid
// (checked by parseFilterRule / the state loader), else a Failure.
Result<std::string> nftScript(const std::vector<FilterRule>& rules);

std::string filterStateJson(const std::vector<FilterRule>& rules);
Result<std::vector<FilterRule>> parseFilterState(std::string_view json);

}  // namespace portcullis::agent::measures
