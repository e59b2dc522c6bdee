#include "controller/diagnosis/command_orders.h"

#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

namespace portcullis::diagnosis {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string render(const Object::Ptr& o) {
  std::ostringstream out;
  o->stringify(out);
  return out.str();
}

const GroupPolicy& groupNamed(const Policy& policy, const std::string& name) {
  for (const auto& g : policy.groups)
    if (g.name == name) return g;
  return policy.defaults;
}

Array::Ptr checksJson(const Policy& policy, const GroupPolicy& group) {
  Array::Ptr a = new Array;
  for (const auto& name : group.checks) {
    auto it = policy.checks.find(name);
    if (it == policy.checks.end()) continue;
    const OperationCheck& c = it->second;
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("name", c.name);
    o->set("type", checkKindName(c.kind));
    if (c.kind == OperationCheck::Kind::Process) o->set("process", c.process);
    else o->set("target", c.target);
    if (c.kind == OperationCheck::Kind::Http) {
      o->set("expect_status", c.expectStatus);
      o->set("expect_text", c.expectText);
    }
    if (c.kind == OperationCheck::Kind::Smtp) o->set("relay_domain", c.relayDomain);
    o->set("timeout_ms", c.timeoutMs);
    a->add(o);
  }
  return a;
}

}  // namespace

Orders ordersFor(const Diagnosis& d, const Policy& policy) {
  Orders out;
  const GroupPolicy& group = groupNamed(policy, d.group);
  for (const auto& m : d.measures) {
    CommandOrder order;
    order.reason = m.reason;
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("advisory", m.advisory);
    switch (m.kind) {
      case Measure::Kind::Patch: {
        if (m.waitsFor == "maintenance window") continue;
        order.kind = "patch";
        order.awaitApproval = m.waitsFor == "approval";
        order.dedupe = "patch:" + m.advisory + ":" + m.source + ":" + m.fixed;
        o->set("source", m.source);
        o->set("fixed", m.fixed);
        Array::Ptr packages = new Array;
        for (const auto& name : m.packages) {
          Object::Ptr p = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
          p->set("name", name);
          // The fixed version is the source's; a binary whose own version
          // differs (a binNMU) gets the newest version the archive offers.
          std::string target;
          for (const auto& v : d.vulnerabilities)
            if (v.package == name && v.advisory == m.advisory) target = v.installed == v.sourceVersion ? m.fixed : "";
          p->set("target", target);
          packages->add(p);
        }
        o->set("packages", packages);
        o->set("checks", checksJson(policy, group));
        break;
      }
      case Measure::Kind::Filter: {
        order.kind = "filter_add";
        order.dedupe = "filter:" + m.advisory + ":" + m.package;
        o->set("package", m.package);
        Array::Ptr allow = new Array;
        for (const auto& c : group.managementAllow) allow->add(c.text);
        o->set("allow", allow);
        break;
      }
      case Measure::Kind::StopService:
        order.kind = "stop_service";
        order.dedupe = "stop:" + m.advisory + ":" + m.package;
        o->set("package", m.package);
        break;
      case Measure::Kind::Quarantine:
        out.quarantines.push_back(&m);
        continue;
    }
    order.payload = render(o);
    out.commands.push_back(std::move(order));
  }
  return out;
}

}  // namespace portcullis::diagnosis
