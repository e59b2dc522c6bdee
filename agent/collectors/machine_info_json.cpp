#include "agent/collectors/machine_info_json.h"

#include <google/protobuf/util/json_util.h>

namespace portcullis::agent::collectors {

std::string machineInfoToJson(const v1::MachineInfo& info, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  google::protobuf::util::MessageToJsonString(info, &out, options);
  return out;
}

Result<v1::MachineInfo> machineInfoFromJson(std::string_view json) {
  v1::MachineInfo info;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(std::string(json), &info, options);
  if (!status.ok()) return fail("inventory JSON: " + std::string(status.message()));
  return info;
}

}  // namespace portcullis::agent::collectors
