#include "agent/transport/controller_channel.h"

namespace portcullis::agent {

ControllerChannel::ControllerChannel(std::unique_ptr<tls::TlsClientStream> stream, std::size_t maxFrame)
    : stream_(std::move(stream)), decoder_(maxFrame) {}

void ControllerChannel::send(const wire::pb::Envelope& envelope, std::chrono::milliseconds timeout) {
  stream_->writeAll(wire::frameEnvelope(envelope), timeout);
}

std::optional<wire::pb::Envelope> ControllerChannel::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto payload = decoder_.next()) {
      auto env = wire::parseEnvelope(*payload);
      if (!env) throw ChannelError("controller sent a bad message: " + env.error());
      return std::move(env).value();
    }
    if (decoder_.failed())
      throw ChannelError(std::string("controller sent a bad frame: ") + framing::describe(decoder_.error()));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    char buf[16 * 1024];
    std::size_t n = 0;
    try {
      n = stream_->readSome(buf, sizeof buf, left);
    } catch (const tls::TlsTimeout&) {
      return std::nullopt;
    } catch (const tls::TlsError& e) {
      throw ChannelError(e.what());
    }
    if (n == 0) throw ChannelError("controller closed the connection");
    decoder_.feed(buf, n);
  }
}

}  // namespace portcullis::agent
