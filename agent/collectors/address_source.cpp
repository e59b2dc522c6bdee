#include "agent/collectors/address_source.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <charconv>

#include "agent/collectors/text_lines.h"

namespace portcullis::agent::collectors {
namespace {

int prefixLength(const sockaddr_in* mask) {
  return mask ? __builtin_popcount(mask->sin_addr.s_addr) : 32;
}

}  // namespace

InterfaceAddresses SystemAddressSource::ipv4Addresses() {
  InterfaceAddresses out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {0};
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text);
    out.emplace_back(i->ifa_name,
                     std::string(text) + "/" +
                         std::to_string(prefixLength(reinterpret_cast<sockaddr_in*>(i->ifa_netmask))));
  }
  freeifaddrs(list);
  return out;
}

InterfaceAddresses parseIfInet6(std::string_view text) {
  InterfaceAddresses out;
  forEachLine(text, [&](std::string_view line) {
    const auto f = splitWords(line);
    if (f.size() < 6 || f[0].size() != 32) return;
    unsigned char bytes[16];
    for (int b = 0; b < 16; ++b) {
      unsigned v = 0;
      auto [p, ec] = std::from_chars(f[0].data() + b * 2, f[0].data() + b * 2 + 2, v, 16);
      if (ec != std::errc() || p != f[0].data() + b * 2 + 2) return;
      bytes[b] = static_cast<unsigned char>(v);
    }
    unsigned prefix = 0;
    auto [p, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), prefix, 16);
    if (ec != std::errc() || prefix > 128) return;
    char addr[INET6_ADDRSTRLEN] = {0};
    inet_ntop(AF_INET6, bytes, addr, sizeof addr);
    out.emplace_back(std::string(f[5]), std::string(addr) + "/" + std::to_string(prefix));
  });
  return out;
}

}  // namespace portcullis::agent::collectors
