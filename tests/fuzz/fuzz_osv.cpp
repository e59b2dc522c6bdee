// Outside input: advisory records from a feed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "controller/feeds/osv_advisory.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto adv = portcullis::feeds::parseOsvAdvisory(std::string_view(reinterpret_cast<const char*>(data), size));
  if (adv)
    for (const auto& a : adv->affected) {
      (void)portcullis::feeds::isAffected(a, "1.0-1");
      (void)portcullis::feeds::fixedVersionFor(a, "1.0-1");
    }
  return 0;
}
