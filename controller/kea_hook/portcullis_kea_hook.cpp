// A hook library for ISC Kea's DHCPv4 server (kea-dhcp4 2.2): for every
// client message it asks the Portcullis controller about the client's MAC and
// puts the packet in the client class portcullis-quarantine,
// portcullis-admitted or portcullis-unknown, so that Kea's class-restricted
// pools do the gating. When the controller does not answer in time the packet
// goes to portcullis-quarantine: never production on a guess.
//
// Parameters (hooks-libraries[].parameters):
//   "controller": "127.0.0.1:4768"   where the controller answers ([kea] query)
//   "timeout-ms": 200                 how long to wait for its answer
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <iostream>
#include <string>

#include <dhcp/pkt4.h>
#include <hooks/hooks.h>

#include "controller/dhcp/admission_query.h"

using namespace isc::dhcp;
using namespace isc::hooks;

namespace {

sockaddr_in controller{};
int timeoutMs = 200;
std::atomic<unsigned long> answered{0}, failedSafe{0};

// One question, one answer; a socket per question keeps it safe under Kea's
// multi-threading. nullopt when no valid answer came in time.
std::optional<portcullis::dhcp::KeaClass> ask(const std::string& mac) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  std::optional<portcullis::dhcp::KeaClass> result;
  const auto query = portcullis::dhcp::admissionQuery(mac);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&controller), sizeof controller) == 0 &&
      ::send(fd, query.data(), query.size(), 0) == static_cast<ssize_t>(query.size())) {
    pollfd p{fd, POLLIN, 0};
    char buffer[256];
    while (!result && ::poll(&p, 1, timeoutMs) == 1) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      result = portcullis::dhcp::parseAdmissionAnswer(std::string_view(buffer, static_cast<std::size_t>(n)), mac);
    }
  }
  ::close(fd);
  return result;
}

}  // namespace

extern "C" {

int version() { return KEA_HOOKS_VERSION; }

int multi_threading_compatible() { return 1; }

int load(LibraryHandle& handle) {
  std::string address = "127.0.0.1:4768";
  if (auto p = handle.getParameter("controller")) address = p->stringValue();
  if (auto p = handle.getParameter("timeout-ms")) timeoutMs = static_cast<int>(p->intValue());
  const auto colon = address.rfind(':');
  controller.sin_family = AF_INET;
  if (colon == std::string::npos || inet_pton(AF_INET, address.substr(0, colon).c_str(), &controller.sin_addr) != 1) {
    std::cerr << "portcullis hook: 'controller' must be IPV4:PORT, not '" << address << "'\n";
    return 1;
  }
  controller.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
  if (timeoutMs < 1 || timeoutMs > 10000) {
    std::cerr << "portcullis hook: 'timeout-ms' must be 1..10000\n";
    return 1;
  }
  return 0;
}

int unload() {
  std::cerr << "portcullis hook: " << answered << " answered, " << failedSafe
            << " sent to quarantine for want of an answer\n";
  return 0;
}

int pkt4_receive(CalloutHandle& handle) {
  Pkt4Ptr query;
  handle.getArgument("query4", query);
  HWAddrPtr hw = query ? query->getHWAddr() : HWAddrPtr();
  std::string name = "portcullis-quarantine";
  if (hw && hw->hwaddr_.size() == 6) {
    const auto mac = hw->toText(false);
    if (auto c = ask(mac)) {
      name = std::string("portcullis-") + portcullis::dhcp::keaClassName(*c);
      ++answered;
    } else {
      ++failedSafe;
    }
  } else {
    ++failedSafe;
  }
  query->addClass(name);
  return 0;
}

}  // extern "C"
