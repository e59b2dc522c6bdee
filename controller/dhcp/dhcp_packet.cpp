#include "controller/dhcp/dhcp_packet.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace portcullis::dhcp {
namespace {

constexpr std::size_t kFixedSize = 236;
constexpr std::uint8_t kCookie[4] = {99, 130, 83, 99};

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint16_t be16(const unsigned char* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
void put32(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}
void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

// Reads options from one area into the list, joining repeats (RFC 3396).
// Returns an empty string on success, else what is wrong.
std::string readOptions(std::string_view area, const char* where, std::vector<DhcpOption>& out, bool& ended) {
  std::size_t i = 0;
  ended = false;
  while (i < area.size()) {
    const auto code = static_cast<std::uint8_t>(area[i]);
    if (code == option::kPad) {
      ++i;
      continue;
    }
    if (code == option::kEnd) {
      ended = true;
      return {};
    }
    if (i + 1 >= area.size()) return std::string("option ") + std::to_string(code) + " in " + where + " has no length";
    const std::size_t len = static_cast<unsigned char>(area[i + 1]);
    if (i + 2 + len > area.size())
      return std::string("option ") + std::to_string(code) + " in " + where + " runs past the end (" +
             std::to_string(len) + " bytes)";
    const auto data = area.substr(i + 2, len);
    auto same = std::find_if(out.begin(), out.end(), [&](const DhcpOption& o) { return o.code == code; });
    if (same != out.end())
      same->data.append(data);
    else
      out.push_back({code, std::string(data)});
    i += 2 + len;
  }
  return {};
}

}  // namespace

const char* messageTypeName(MessageType t) {
  switch (t) {
    case MessageType::Discover: return "DHCPDISCOVER";
    case MessageType::Offer: return "DHCPOFFER";
    case MessageType::Request: return "DHCPREQUEST";
    case MessageType::Decline: return "DHCPDECLINE";
    case MessageType::Ack: return "DHCPACK";
    case MessageType::Nak: return "DHCPNAK";
    case MessageType::Release: return "DHCPRELEASE";
    case MessageType::Inform: return "DHCPINFORM";
  }
  return "DHCP?";
}

const std::string* DhcpPacket::find(std::uint8_t code) const {
  for (const auto& o : options)
    if (o.code == code) return &o.data;
  return nullptr;
}

std::optional<MessageType> DhcpPacket::messageType() const {
  const auto* d = find(option::kMessageType);
  if (!d || d->size() != 1) return std::nullopt;
  const auto v = static_cast<unsigned char>((*d)[0]);
  if (v < 1 || v > 8) return std::nullopt;
  return static_cast<MessageType>(v);
}

std::optional<Ipv4> DhcpPacket::addressOption(std::uint8_t code) const {
  const auto* d = find(code);
  if (!d || d->size() != 4) return std::nullopt;
  return be32(reinterpret_cast<const unsigned char*>(d->data()));
}

std::string DhcpPacket::mac() const { return formatMac(chaddr.data(), std::min<std::size_t>(hlen, 16)); }

void DhcpPacket::set(std::uint8_t code, std::string data) {
  for (auto& o : options)
    if (o.code == code) {
      o.data = std::move(data);
      return;
    }
  options.push_back({code, std::move(data)});
}

void DhcpPacket::setAddress(std::uint8_t code, Ipv4 a) { setAddresses(code, {a}); }

void DhcpPacket::setAddresses(std::uint8_t code, const std::vector<Ipv4>& list) {
  std::string data;
  for (auto a : list) put32(data, a);
  set(code, std::move(data));
}

void DhcpPacket::setSeconds(std::uint8_t code, std::uint32_t seconds) {
  std::string data;
  put32(data, seconds);
  set(code, std::move(data));
}

Result<DhcpPacket> parseDhcpPacket(std::string_view bytes) {
  if (bytes.size() > kMaxMessageSize)
    return fail("message of " + std::to_string(bytes.size()) + " bytes is over the " +
                std::to_string(kMaxMessageSize) + "-byte limit");
  if (bytes.size() < kFixedSize + 4)
    return fail("too short for a DHCP message (" + std::to_string(bytes.size()) + " bytes)");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (!std::equal(kCookie, kCookie + 4, p + kFixedSize)) return fail("no DHCP magic cookie (a BOOTP message?)");
  DhcpPacket pkt;
  pkt.op = p[0];
  pkt.htype = p[1];
  pkt.hlen = p[2];
  pkt.hops = p[3];
  if (pkt.op != 1 && pkt.op != 2) return fail("op " + std::to_string(pkt.op) + " is neither request nor reply");
  if (pkt.hlen > 16) return fail("hardware address length " + std::to_string(pkt.hlen) + " is over 16");
  if (pkt.hlen == 0) return fail("hardware address length 0: the message names no client");
  if (pkt.htype == kEthernet && pkt.hlen != 6)
    return fail("hardware address length " + std::to_string(pkt.hlen) + " for Ethernet (htype 1), not 6");
  pkt.xid = be32(p + 4);
  pkt.secs = be16(p + 8);
  pkt.flags = be16(p + 10);
  pkt.ciaddr = be32(p + 12);
  pkt.yiaddr = be32(p + 16);
  pkt.siaddr = be32(p + 20);
  pkt.giaddr = be32(p + 24);
  std::copy(p + 28, p + 44, pkt.chaddr.begin());

  bool ended = false;
  auto problem = readOptions(bytes.substr(kFixedSize + 4), "options", pkt.options, ended);
  if (!problem.empty()) return fail(problem);
  if (!ended) return fail("options have no end marker");
  // Option overload (52): the file and sname fields carry options too.
  if (const auto* overload = pkt.find(option::kOverload)) {
    if (overload->size() != 1) return fail("option 52 (overload) is not one byte");
    const int which = static_cast<unsigned char>((*overload)[0]);
    if (which < 1 || which > 3) return fail("option 52 (overload) has value " + std::to_string(which));
    if (which & 1) {
      problem = readOptions(bytes.substr(108, 128), "file", pkt.options, ended);
      if (!problem.empty()) return fail(problem);
    }
    if (which & 2) {
      problem = readOptions(bytes.substr(44, 64), "sname", pkt.options, ended);
      if (!problem.empty()) return fail(problem);
    }
  }
  if (const auto* t = pkt.find(option::kMessageType); t && !pkt.messageType())
    return fail("option 53 (message type) is not one of 1..8");
  return pkt;
}

std::string serializeDhcpPacket(const DhcpPacket& pkt) {
  std::string out;
  out.reserve(548);
  out.push_back(static_cast<char>(pkt.op));
  out.push_back(static_cast<char>(pkt.htype));
  out.push_back(static_cast<char>(pkt.hlen));
  out.push_back(static_cast<char>(pkt.hops));
  put32(out, pkt.xid);
  put16(out, pkt.secs);
  put16(out, pkt.flags);
  put32(out, pkt.ciaddr);
  put32(out, pkt.yiaddr);
  put32(out, pkt.siaddr);
  put32(out, pkt.giaddr);
  out.append(reinterpret_cast<const char*>(pkt.chaddr.data()), 16);
  out.append(64 + 128, '\0');  // sname, file: unused by this server
  out.append(reinterpret_cast<const char*>(kCookie), 4);
  for (const auto& o : pkt.options) {
    if (o.code == option::kPad || o.code == option::kEnd) continue;
    std::size_t at = 0;
    do {  // an empty option is written once, with length 0
      const std::size_t n = std::min<std::size_t>(255, o.data.size() - at);
      out.push_back(static_cast<char>(o.code));
      out.push_back(static_cast<char>(n));
      out.append(o.data, at, n);
      at += n;
    } while (at < o.data.size());
  }
  out.push_back(static_cast<char>(option::kEnd));
  if (out.size() < kMinPacketSize) out.resize(kMinPacketSize, '\0');
  return out;
}

std::string encodeClasslessRoutes(const std::vector<ClasslessRoute>& routes) {
  std::string out;
  for (const auto& r : routes) {
    out.push_back(static_cast<char>(r.destination.prefix));
    const int octets = (r.destination.prefix + 7) / 8;
    for (int i = 0; i < octets; ++i) out.push_back(static_cast<char>(r.destination.network >> (24 - 8 * i)));
    put32(out, r.router);
  }
  return out;
}

Result<std::vector<ClasslessRoute>> decodeClasslessRoutes(std::string_view data) {
  std::vector<ClasslessRoute> out;
  std::size_t i = 0;
  while (i < data.size()) {
    const int prefix = static_cast<unsigned char>(data[i]);
    if (prefix > 32) return fail("route prefix length " + std::to_string(prefix) + " is over 32");
    const std::size_t octets = (prefix + 7) / 8;
    if (i + 1 + octets + 4 > data.size()) return fail("route runs past the end of option 121");
    Ipv4 dest = 0;
    for (std::size_t k = 0; k < 4; ++k)
      dest = (dest << 8) | (k < octets ? static_cast<unsigned char>(data[i + 1 + k]) : 0u);
    Ipv4Net net{dest, prefix};
    net.network &= net.mask();
    out.push_back({net, be32(reinterpret_cast<const unsigned char*>(data.data() + i + 1 + octets))});
    i += 1 + octets + 4;
  }
  return out;
}

std::string formatMac(const std::uint8_t* bytes, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out.push_back(':');
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 15]);
  }
  return out;
}

std::optional<std::string> parseMac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < 17; ++i) {
    const char c = text[i];
    if (i % 3 == 2) {
      if (c != ':' && c != '-') return std::nullopt;
      out.push_back(':');
    } else if (std::isxdigit(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      return std::nullopt;
    }
  }
  return out;
}

bool isLocallyAdministered(const std::string& mac) {
  unsigned first = 0;
  if (mac.size() < 2 || std::from_chars(mac.data(), mac.data() + 2, first, 16).ptr != mac.data() + 2) return false;
  return (first & 0x02) != 0;
}

std::string toHex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

}  // namespace portcullis::dhcp
