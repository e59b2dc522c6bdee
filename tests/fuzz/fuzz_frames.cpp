// Outside input: the byte stream an agent (or anyone) sends the listener.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/framing/frame_codec.h"
#include "common/wire/envelope_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  portcullis::framing::FrameDecoder decoder(64 * 1024);
  // Feed in uneven pieces, as reads deliver them.
  std::size_t pos = 0, step = 1;
  while (pos < size) {
    const std::size_t n = std::min(step, size - pos);
    decoder.feed(reinterpret_cast<const char*>(data) + pos, n);
    pos += n;
    step = step * 3 % 17 + 1;
    while (auto frame = decoder.next()) {
      auto envelope = portcullis::wire::parseEnvelope(*frame);
      if (envelope) (void)portcullis::wire::bodyName(*envelope);
    }
  }
  return 0;
}
