#pragma once
// A reported machine (or an inventory file) as the facts diagnosis needs.
#include <string>

#include "controller/diagnosis/diagnosis.h"
#include "portcullis/v1/portcullis.pb.h"

namespace portcullis::diagnosis {

MachineFacts factsFrom(const ::portcullis::v1::MachineInfo& info, const std::string& machineId);

}  // namespace portcullis::diagnosis
