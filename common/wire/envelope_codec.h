#pragma once
// Envelope <-> frame payload. Parsing outside input returns a named reason.
#include <string>
#include <string_view>

#include "common/util/result.h"
#include "portcullis/v1/portcullis.pb.h"

namespace portcullis::wire {

namespace pb = ::portcullis::v1;

// A parsed envelope that has a body; an empty or unparsable one is a Failure.
Result<pb::Envelope> parseEnvelope(std::string_view payload);
// Stops libprotobuf from logging each malformed string it meets (see .cpp).
void quietProtobufParseLogs();

// Serialized envelope with its length header, ready for the wire.
std::string frameEnvelope(const pb::Envelope& envelope);

// The body's name for logs ("report", "hello", ...).
const char* bodyName(const pb::Envelope& envelope);

}  // namespace portcullis::wire
