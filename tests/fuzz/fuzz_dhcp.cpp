// Outside input: DHCP messages from the network, through the codec and the
// server's answers. Whatever comes in, an answer must serialize and parse back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "controller/dhcp/dhcp_responder.h"

using namespace portcullis::dhcp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto packet = parseDhcpPacket(bytes);
  if (!packet) return 0;
  if (const auto* routes = packet->find(option::kClasslessRoutes)) (void)decodeClasslessRoutes(*routes);

  DhcpSubnet s;
  s.name = "dhcp";
  s.subnet = *parseIpv4Net("10.77.0.0/24");
  s.productionPool = *parseIpv4Range("10.77.0.100-10.77.0.103");
  s.quarantinePool = *parseIpv4Range("10.77.0.200-10.77.0.201");
  s.routers = {*parseIpv4("10.77.0.1")};
  s.serverAddress = *parseIpv4("10.77.0.1");
  s.maxQuarantinePerRelay = 1;
  LeaseBook book;
  for (auto answer : {GateVerdict::Answer::None, GateVerdict::Answer::Quarantine, GateVerdict::Answer::Production}) {
    GateVerdict verdict{answer, "fuzz", "m"};
    for (int round = 0; round < 2; ++round) {
      // The second round as if sent from the address it names: RELEASE paths.
      auto r = respond(*packet, s, verdict, book, DhcpLimits{}, 1000 + round, round ? packet->ciaddr : 0);
      for (const auto& l : r.changes) book.put(l);
      if (r.reply && !parseDhcpPacket(serializeDhcpPacket(r.reply->packet))) std::abort();
    }
  }
  return 0;
}
