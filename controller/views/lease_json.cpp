#include "controller/views/lease_json.h"

#include <Poco/JSON/Array.h>

#include "controller/dhcp/dhcp_packet.h"
#include "controller/views/machine_json.h"

namespace portcullis::controller::views {

// The state a person should see: a lease whose time ran out is expired.
std::string shownLeaseState(const dhcp::Lease& l, std::int64_t now) {
  if ((l.state == dhcp::LeaseState::Bound || l.state == dhcp::LeaseState::Offered) && l.expires <= now)
    return "expired";
  return dhcp::leaseStateName(l.state);
}

Poco::JSON::Object::Ptr leaseObject(const dhcp::Lease& l, std::int64_t now) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("address", dhcp::formatIpv4(l.address));
  o->set("mac", l.mac);
  o->set("subnet", l.subnet);
  o->set("pool", std::string(dhcp::poolKindName(l.pool)));
  o->set("state", shownLeaseState(l, now));
  o->set("starts", isoTime(l.start));
  o->set("expires", isoTime(l.expires));
  o->set("machine", l.machineId.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(l.machineId));
  o->set("hostname", l.hostname);
  o->set("client_id", l.clientId);
  o->set("relay", l.relay ? Poco::Dynamic::Var(dhcp::formatIpv4(l.relay)) : Poco::Dynamic::Var());
  o->set("relay_agent_info", l.agentInfo);
  return o;
}

std::string leasesJson(const std::vector<dhcp::Lease>& leases, std::int64_t now) {
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const auto& l : leases) list->add(leaseObject(l, now));
  return jsonText(list);
}

}  // namespace portcullis::controller::views
