#pragma once
// The documented JSON of the console's operators and of the operators'
// audit (`operator list --json`, the console's API). Never a hash.
#include <vector>

#include <Poco/JSON/Object.h>

#include "controller/store/operator_store.h"

namespace portcullis::controller::views {

Poco::JSON::Object::Ptr operatorObject(const store::OperatorRecord& record);
Poco::JSON::Object::Ptr auditEntryObject(const store::OperatorAuditEntry& entry);

}  // namespace portcullis::controller::views
