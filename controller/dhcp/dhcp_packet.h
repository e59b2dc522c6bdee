#pragma once
// DHCPv4 messages (RFC 2131) and their options (RFC 2132, 3396, 3442, 3046):
// parsed from and written to the bytes of a UDP payload. Pure. A packet from
// the network that breaks the format is an expected outcome: parseDhcpPacket
// names what is wrong and the server counts and drops it.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.h"
#include "controller/dhcp/ipv4.h"

namespace portcullis::dhcp {

enum class MessageType : std::uint8_t {
  Discover = 1, Offer = 2, Request = 3, Decline = 4, Ack = 5, Nak = 6, Release = 7, Inform = 8,
};
const char* messageTypeName(MessageType t);

namespace option {
inline constexpr std::uint8_t kPad = 0;
inline constexpr std::uint8_t kSubnetMask = 1;
inline constexpr std::uint8_t kRouter = 3;
inline constexpr std::uint8_t kDns = 6;
inline constexpr std::uint8_t kHostname = 12;
inline constexpr std::uint8_t kDomainName = 15;
inline constexpr std::uint8_t kRequestedAddress = 50;
inline constexpr std::uint8_t kLeaseTime = 51;
inline constexpr std::uint8_t kOverload = 52;
inline constexpr std::uint8_t kMessageType = 53;
inline constexpr std::uint8_t kServerId = 54;
inline constexpr std::uint8_t kParameterList = 55;
inline constexpr std::uint8_t kMessage = 56;
inline constexpr std::uint8_t kMaxMessageSize = 57;
inline constexpr std::uint8_t kRenewalTime = 58;    // T1
inline constexpr std::uint8_t kRebindingTime = 59;  // T2
inline constexpr std::uint8_t kVendorClass = 60;
inline constexpr std::uint8_t kClientId = 61;
inline constexpr std::uint8_t kRelayAgentInfo = 82;
inline constexpr std::uint8_t kClasslessRoutes = 121;
inline constexpr std::uint8_t kEnd = 255;
}  // namespace option

struct DhcpOption {
  std::uint8_t code = 0;
  std::string data;  // concatenated when the option came in several pieces (RFC 3396)
};

// A route as option 121 carries it; router 0.0.0.0 means the destination is
// on the link.
struct ClasslessRoute {
  Ipv4Net destination;
  Ipv4 router = 0;
};

inline constexpr std::uint16_t kBroadcastFlag = 0x8000;
inline constexpr std::size_t kMinPacketSize = 300;  // BOOTP's size; some clients drop shorter replies
// The largest client message read. Clients send under 600 bytes and relays
// add little; a larger datagram is refused whole rather than read in part.
inline constexpr std::size_t kMaxMessageSize = 2048;
inline constexpr std::uint8_t kEthernet = 1;  // htype

struct DhcpPacket {
  std::uint8_t op = 1;  // 1 request, 2 reply
  std::uint8_t htype = 1;
  std::uint8_t hlen = 6;
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  std::uint16_t flags = 0;
  Ipv4 ciaddr = 0, yiaddr = 0, siaddr = 0, giaddr = 0;
  std::array<std::uint8_t, 16> chaddr{};
  std::vector<DhcpOption> options;  // in the order received or to be written

  const std::string* find(std::uint8_t code) const;
  std::optional<MessageType> messageType() const;
  std::optional<Ipv4> addressOption(std::uint8_t code) const;  // exactly 4 bytes
  // chaddr as "aa:bb:cc:dd:ee:ff" (hlen bytes).
  std::string mac() const;
  void set(std::uint8_t code, std::string data);  // replaces an existing one
  void setAddress(std::uint8_t code, Ipv4 a);
  void setAddresses(std::uint8_t code, const std::vector<Ipv4>& list);
  void setSeconds(std::uint8_t code, std::uint32_t seconds);
};

// Refuses, besides a broken format, a message over kMaxMessageSize and one
// that names no client hardware address (hlen 0, or not 6 for Ethernet): the
// gate knows a client by it.
Result<DhcpPacket> parseDhcpPacket(std::string_view bytes);
// At least kMinPacketSize bytes; an option over 255 bytes is split (RFC 3396).
std::string serializeDhcpPacket(const DhcpPacket& packet);

// Option 121's encoding: each route as prefix length, the significant octets
// of the destination, then the router.
std::string encodeClasslessRoutes(const std::vector<ClasslessRoute>& routes);
Result<std::vector<ClasslessRoute>> decodeClasslessRoutes(std::string_view data);

// "aa:bb:cc:dd:ee:ff", lower case, from six bytes; parseMac accepts - or :.
std::string formatMac(const std::uint8_t* bytes, std::size_t n);
std::optional<std::string> parseMac(std::string_view text);  // normalised, or nullopt
// The locally administered bit: set by MAC randomisation.
bool isLocallyAdministered(const std::string& mac);

std::string toHex(std::string_view bytes);

}  // namespace portcullis::dhcp
