// Outside input: files the agent reads (a hostile package could write them).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/collectors/address_source.h"
#include "agent/collectors/dpkg_status.h"
#include "agent/collectors/os_release.h"
#include "agent/collectors/proc_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace portcullis::agent::collectors;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parseOsRelease(text);
  (void)parseDpkgStatus(text);
  (void)parseProcStat(text);
  (void)parseStatusUid(text);
  (void)parseCmdline(text);
  (void)parsePasswd(text);
  (void)parseProcNet(text, portcullis::v1::ListeningSocket::TCP, false);
  (void)parseProcNet(text, portcullis::v1::ListeningSocket::UDP, true);
  (void)parseIfInet6(text);
  (void)socketInode(text);
  return 0;
}
