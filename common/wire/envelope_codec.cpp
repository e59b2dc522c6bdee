#include "common/wire/envelope_codec.h"

#include "common/framing/frame_codec.h"

namespace portcullis::wire {

Result<pb::Envelope> parseEnvelope(std::string_view payload) {
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
