#pragma once
// The inventory's JSON: protobuf's JSON mapping of MachineInfo with the proto
// field names (snake_case), every field printed. Stable because the schema is.
#include <string>
#include <string_view>

#include "common/util/result.h"
#include "portcullis/v1/portcullis.pb.h"

namespace portcullis::agent::collectors {

std::string machineInfoToJson(const ::portcullis::v1::MachineInfo& info, bool pretty);
Result<::portcullis::v1::MachineInfo> machineInfoFromJson(std::string_view json);

}  // namespace portcullis::agent::collectors
