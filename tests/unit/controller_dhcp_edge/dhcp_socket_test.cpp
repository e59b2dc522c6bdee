// The real DHCP socket, on the loopback of the test's own network namespace
// (ctest runs every test in a fresh one): what it reads is what was sent.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "controller/dhcp_edge/dhcp_socket.h"

using namespace portcullis;

namespace {

constexpr std::uint16_t kPort = 16767;

void sendTo(std::uint16_t port, const std::string& bytes) {
  const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(s >= 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(::sendto(s, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
        static_cast<ssize_t>(bytes.size()));
  ::close(s);
}

std::optional<dhcp_edge::Datagram> receiveWithin(dhcp_edge::DhcpSocket& socket, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (auto d = socket.receive()) return d;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("a datagram larger than any DHCP message is read whole, so that it can be refused, not cut") {
  auto socket = dhcp_edge::openDhcpSocket("lo", kPort);
  REQUIRE_MESSAGE(socket.ok(), (socket.ok() ? "" : socket.error()));
  for (std::size_t size : {300u, 2048u, 3000u, 65000u}) {
    const std::string bytes(size, 'x');
    sendTo(kPort, bytes);
    auto d = receiveWithin(**socket, std::chrono::seconds(2));
    REQUIRE(d);
    CHECK(d->bytes.size() == size);
    CHECK(d->source == INADDR_LOOPBACK);
  }
}
