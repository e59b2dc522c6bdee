#include "controller/views/operator_json.h"

#include "controller/views/machine_json.h"

namespace portcullis::controller::views {

Poco::JSON::Object::Ptr operatorObject(const store::OperatorRecord& record) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("name", record.name);
  o->set("role", record.role);
  o->set("password", !record.passwordHash.empty());
  o->set("created", isoTime(record.createdAt));
  o->set("password_changed", isoTime(record.passwordChangedAt));
  return o;
}

Poco::JSON::Object::Ptr auditEntryObject(const store::OperatorAuditEntry& e) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", e.id);
  o->set("at", isoTime(e.at));
  o->set("operator", e.operatorName);
  o->set("from", e.from);
  o->set("action", e.action);
  o->set("target", e.target);
  o->set("detail", e.detail);
  return o;
}

}  // namespace portcullis::controller::views
