#include "controller/runbooks_edge/runbook_checks.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>

#include "common/packet/ip_address.h"
#include "common/util/text.h"

namespace portcullis::runbooks {
namespace {

// A TCP connection to address:port within the timeout; -1 and why when none.
int connectTo(const std::string& address, std::uint16_t port, std::chrono::milliseconds timeout, std::string& why) {
  sockaddr_storage storage{};
  socklen_t size = 0;
  const auto ip = packet::IpAddress::parse(address);
  if (!ip) {
    why = "not an IP address";
    return -1;
  }
  const auto packed = ip->packed();
  if (packed.size() == 4) {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, packed.data(), 4);
    size = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    std::memcpy(&a->sin6_addr, packed.data(), 16);
    size = sizeof(sockaddr_in6);
  }
  const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    why = std::strerror(errno);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&storage), size) != 0 && errno != EINPROGRESS) {
    why = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
    why = "no answer within " + std::to_string(timeout.count()) + " ms";
    ::close(fd);
    return -1;
  }
  int error = 0;
  socklen_t len = sizeof error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) {
    why = std::strerror(error);
    ::close(fd);
    return -1;
  }
  return fd;
}

// One SMTP reply (its lines up to the last "NNN "), within the timeout.
std::string reply(int fd, std::chrono::milliseconds timeout) {
  std::string got;
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (got.size() < 8192) {
    // Done at a line whose code is followed by a space.
    for (std::size_t at = 0; at < got.size();) {
      const auto nl = got.find('\n', at);
      if (nl == std::string::npos) break;
      if (nl - at >= 4 && got[at + 3] == ' ') return got.substr(0, nl);
      at = nl + 1;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[1024];
    const auto n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    got.append(buffer, static_cast<std::size_t>(n));
  }
  return got;
}

bool say(int fd, const std::string& line) {
  const auto text = line + "\r\n";
  return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

int codeOf(const std::string& reply) {
  if (reply.size() < 3) return 0;
  return (reply[0] - '0') * 100 + (reply[1] - '0') * 10 + (reply[2] - '0');
}

std::string firstLine(const std::string& text) {
  auto line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return util::escapeForTerminal(line.substr(0, 200));
}

}  // namespace

CheckOutcome NetworkChecks::run(const TestCheck& check) {
  try {
    switch (check.kind) {
      case TestCheck::Kind::Port: return port(check);
      case TestCheck::Kind::Http: return http(check);
      case TestCheck::Kind::SmtpGreeting:
      case TestCheck::Kind::SmtpRelay: return smtp(check);
      case TestCheck::Kind::State: return state(check);
      case TestCheck::Kind::Process:
      case TestCheck::Kind::File:
      case TestCheck::Kind::Command: return {false, check.line + ": a check only the machine's agent runs"};
    }
  } catch (const std::exception& e) {
    return {false, check.line + ": " + e.what()};
  }
  return {false, "unknown check"};
}

CheckOutcome NetworkChecks::port(const TestCheck& c) {
  std::string why;
  const int fd = connectTo(c.target, c.port, timeout_, why);
  const bool open = fd >= 0;
  if (open) ::close(fd);
  const auto where = c.target + ":" + std::to_string(c.port);
  const auto seen = open ? "port " + where + " open" : "port " + where + " closed (" + why + ")";
  return {open == c.expectOpen, seen + (open == c.expectOpen ? "" : std::string(", wanted ") + (c.expectOpen ? "open" : "closed"))};
}

CheckOutcome NetworkChecks::http(const TestCheck& c) {
  const Poco::URI uri(c.target);
  Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
  session.setTimeout(Poco::Timespan(static_cast<long>(timeout_.count() / 1000), static_cast<long>(timeout_.count() % 1000) * 1000));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, uri.getPathEtc().empty() ? "/" : uri.getPathEtc(),
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("User-Agent", "portcullis-runbook-check");
  Poco::Net::HTTPResponse response;
  std::string body;
  try {
    session.sendRequest(request);
    auto& in = session.receiveResponse(response);
    char buffer[8192];
    while (body.size() < (1 << 20) && in.read(buffer, sizeof buffer).gcount() > 0)
      body.append(buffer, static_cast<std::size_t>(in.gcount()));
  } catch (const Poco::Exception& e) {
    return {false, "GET " + c.target + ": " + e.displayText()};
  }
  const int status = static_cast<int>(response.getStatus());
  std::string seen = "GET " + c.target + ": " + std::to_string(status);
  bool passed = status == c.status;
  if (!passed) seen += ", wanted " + std::to_string(c.status);
  if (!c.text.empty()) {
    const bool found = body.find(c.text) != std::string::npos;
    seen += std::string(found ? ", the page holds \"" : ", the page lacks \"") + util::escapeForTerminal(c.text) + "\"";
    passed = passed && found == c.textWanted;
  }
  return {passed, seen};
}

CheckOutcome NetworkChecks::smtp(const TestCheck& c) {
  std::string why;
  const auto where = c.target + ":" + std::to_string(c.port);
  const int fd = connectTo(c.target, c.port, timeout_, why);
  if (fd < 0) return {false, "smtp " + where + ": " + why};
  const auto greeting = reply(fd, timeout_);
  CheckOutcome out;
  if (c.kind == TestCheck::Kind::SmtpGreeting) {
    out.passed = codeOf(greeting) == 220 && greeting.find(c.text) != std::string::npos;
    out.detail = "smtp " + where + " greets \"" + firstLine(greeting) + "\"" +
                 (out.passed ? "" : ", wanted 220 with \"" + util::escapeForTerminal(c.text) + "\"");
  } else {
    // A stranger sending to a stranger: accepted at RCPT TO is relaying.
    int rcpt = 0;
    std::string last;
    if (codeOf(greeting) == 220 && say(fd, "EHLO portcullis.invalid") && codeOf(reply(fd, timeout_)) == 250 &&
        say(fd, "MAIL FROM:<probe@portcullis.invalid>") && codeOf(last = reply(fd, timeout_)) == 250 &&
        say(fd, "RCPT TO:<probe@relay-test.invalid>")) {
      last = reply(fd, timeout_);
      rcpt = codeOf(last);
    }
    say(fd, "RSET");
    say(fd, "QUIT");
    const bool relays = rcpt >= 200 && rcpt < 300;
    out.passed = relays == c.expectOpen;
    out.detail = "smtp " + where + (relays ? " relays for strangers" : " refuses to relay") + " (\"" + firstLine(last) +
                 "\")" + (out.passed ? "" : c.expectOpen ? ", wanted it to relay" : ", wanted a refusal");
  }
  say(fd, "QUIT");
  ::close(fd);
  return out;
}

CheckOutcome NetworkChecks::state(const TestCheck& c) {
  const auto s = machines_.machineState(c.target);
  if (!s) return {false, "machine " + util::escapeForTerminal(c.target) + " is not known"};
  const std::string name = admission::admissionName(*s);
  return {name == c.state, "machine " + util::escapeForTerminal(c.target) + " is " + name +
                               (name == c.state ? "" : ", wanted " + c.state)};
}

}  // namespace portcullis::runbooks
