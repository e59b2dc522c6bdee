#pragma once
// A connection to the controller that speaks envelopes: frames out, frames
// in, every wait bounded by a timeout.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/framing/frame_codec.h"
#include "common/tls/tls_client_stream.h"
#include "common/wire/envelope_codec.h"

namespace portcullis::agent {

class ChannelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ControllerChannel {
 public:
  ControllerChannel(std::unique_ptr<tls::TlsClientStream> stream, std::size_t maxFrame);

  void send(const wire::pb::Envelope& envelope, std::chrono::milliseconds timeout);
  // The next envelope, or nothing when the timeout passed first. Throws
  // ChannelError when the controller closed the connection or sent a bad frame.
  std::optional<wire::pb::Envelope> receive(std::chrono::milliseconds timeout);
  tls::TlsClientStream& stream() { return *stream_; }

 private:
  std::unique_ptr<tls::TlsClientStream> stream_;
  framing::FrameDecoder decoder_;
};

}  // namespace portcullis::agent
