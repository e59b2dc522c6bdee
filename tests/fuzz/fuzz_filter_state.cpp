// Outside input: the host firewall's state files on the agent's disk (the
// filter rules and the isolation), read back at start to rebuild the nft
// table. The same bytes go to both readers. What a reader accepts must make a
// valid nft script, carry nothing into it but plain names and IPv4 addresses
// or CIDR blocks, and be written back as JSON that reads as the same state.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/actions/filter_rules.h"
#include "common/util/text.h"

using namespace portcullis::agent::actions;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

// What nft gets for an address: digits, dots and at most one slash.
bool addressText(const std::string& s) {
  return !s.empty() && std::count(s.begin(), s.end(), '/') <= 1 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '/'; });
}

bool same(const FilterRule& a, const FilterRule& b) {
  return a.advisory == b.advisory && a.package == b.package && a.ports == b.ports && a.allow == b.allow;
}

void checkRules(std::string_view json) {
  const auto rules = parseFilterState(json);
  if (!rules) {
    require(!rules.error().empty());
    return;
  }
  for (const auto& r : *rules) {
    require(portcullis::util::isPlainName(r.advisory) && portcullis::util::isPlainName(r.package));
    for (const auto& p : r.ports) require(p.port >= 1 && p.port <= 65535);
    for (const auto& a : r.allow) require(addressText(a));
  }
  require(nftScript(*rules).ok());
  const auto again = parseFilterState(filterStateJson(*rules));
  require(again && again->size() == rules->size());
  for (std::size_t i = 0; i < rules->size(); ++i) require(same((*rules)[i], (*again)[i]));
}

void checkIsolation(std::string_view json) {
  const auto isolation = parseIsolationState(json);
  if (!isolation) {
    require(!isolation.error().empty());
    return;
  }
  for (const auto& a : isolation->allow) require(addressText(a));
  require(nftScript({}, *isolation).ok());
  const auto again = parseIsolationState(isolationStateJson(*isolation));
  require(again && again->active == isolation->active && again->reason == isolation->reason &&
          again->allow == isolation->allow);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  checkRules(json);
  checkIsolation(json);
  return 0;
}
