// Outside input: a feed's signature file (raw bytes or base64 text).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/pki/detached_signature.h"

namespace {
// A fixed publisher key; the fuzzer varies the signature, not the key.
const std::string kPublisher =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAO+VotPCN63Kd+oFsJvwfXO5G/hRpxzFC0Bl/zZsPmkA=\n"
    "-----END PUBLIC KEY-----\n";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view signature(reinterpret_cast<const char*>(data), size);
  (void)portcullis::pki::verifyDetachedSignature(kPublisher, "feed", signature);
  return 0;
}
