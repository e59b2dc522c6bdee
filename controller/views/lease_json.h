#pragma once
// The documented JSON of the gate's leases (`leases --json`, the console).
#include <cstdint>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "controller/dhcp/lease_book.h"

namespace portcullis::controller::views {

// The state a person should see: a lease whose time ran out is expired.
std::string shownLeaseState(const dhcp::Lease& lease, std::int64_t now);
Poco::JSON::Object::Ptr leaseObject(const dhcp::Lease& lease, std::int64_t now);
std::string leasesJson(const std::vector<dhcp::Lease>& leases, std::int64_t now);

}  // namespace portcullis::controller::views
