#include "common/wire/envelope_codec.h"

#include <mutex>

#include <google/protobuf/stubs/logging.h>

#include "common/framing/frame_codec.h"

namespace portcullis::wire {

void quietProtobufParseLogs() {
  // libprotobuf writes a line to stderr for every string field that is not
  // UTF-8. Input from the network may be anything: the parse result already
  // says what went wrong, and a flood of such lines is a cheap way to fill a
  // disk. Fatal errors still abort as before.
  static std::once_flag once;
  std::call_once(once, [] { google::protobuf::SetLogHandler(nullptr); });
}

Result<pb::Envelope> parseEnvelope(std::string_view payload) {
  quietProtobufParseLogs();
  pb::Envelope envelope;
  if (!envelope.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return fail("frame does not parse as a portcullis.v1.Envelope");
  if (envelope.body_case() == pb::Envelope::BODY_NOT_SET)
    return fail("envelope has no body (unknown or missing message type)");
  return envelope;
}

std::string frameEnvelope(const pb::Envelope& envelope) {
  return framing::encodeFrame(envelope.SerializeAsString());
}

const char* bodyName(const pb::Envelope& envelope) {
  switch (envelope.body_case()) {
    case pb::Envelope::kHello: return "hello";
    case pb::Envelope::kHelloAck: return "hello_ack";
    case pb::Envelope::kReport: return "report";
    case pb::Envelope::kAck: return "ack";
    case pb::Envelope::kCommand: return "command";
    case pb::Envelope::kCommandResult: return "command_result";
    case pb::Envelope::kEnrollRequest: return "enroll_request";
    case pb::Envelope::kEnrollResponse: return "enroll_response";
    case pb::Envelope::kError: return "error";
    case pb::Envelope::kAnnounce: return "announce";
    case pb::Envelope::BODY_NOT_SET: return "none";
  }
  return "unknown";
}

}  // namespace portcullis::wire
