#pragma once
// The [dhcp] and [dhcp NAME] sections of controller.conf (one subnet each) and
// [dhcp_server] (limits for all of them), read and checked in full.
#include <filesystem>
#include <vector>

#include "common/config/ini_document.h"
#include "controller/dhcp/dhcp_subnet.h"

namespace portcullis::controller {

struct DhcpSettings {
  std::vector<dhcp::DhcpSubnet> subnets;  // empty: the DHCP gate is off
  dhcp::DhcpLimits limits;
  std::uint16_t serverPort = 67;
  std::uint16_t clientPort = 68;
  std::uint16_t announcePort = 4767;   // where agents broadcast their announces
  std::uint32_t announceWindow = 60;   // an announce's timestamp may be this far off
  // Isolation of quarantined addresses: nft on this host (it routes them),
  // a rules file for the site's router, or off; auto: nft when the controller
  // is a subnet's router, else the file.
  std::string isolation = "auto";
  std::string nftCommand = "nft";
  std::filesystem::path rulesFile;  // default: gate-rules.nft beside controller.conf
};

// [kea]: the admission queries a Kea hook asks (off when `query` is not set).
struct KeaSettings {
  bool enabled = false;
  std::string host = "127.0.0.1";
  std::uint16_t port = 4768;
  std::vector<dhcp::Ipv4> allowFrom;  // empty: loopback only
  std::vector<std::string> allowMacs, denyMacs;
  // The key the hook and the controller share (relative: to the state
  // directory); written by `serve` when missing, then copied for Kea.
  std::filesystem::path keyFile = "kea-hook.key";
};
KeaSettings readKeaSettings(config::ConfigReader& r);

// Errors go to the reader, each with file:line and key.
DhcpSettings readDhcpSettings(const config::IniDocument& doc, config::ConfigReader& r);

}  // namespace portcullis::controller
