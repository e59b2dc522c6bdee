#include "agent/actions/operation_checks.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "agent/sensors/file_hasher.h"
#include "common/io/subprocess.h"

namespace portcullis::agent::actions {
namespace {

using Clock = std::chrono::steady_clock;

// A connected TCP socket with a deadline for everything done on it.
class Connection {
 public:
  Connection(const std::string& host, int port, int timeoutMs)
      : deadline_(Clock::now() + std::chrono::milliseconds(timeoutMs)) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
      error_ = "cannot resolve " + host + ": " + gai_strerror(rc);
      return;
    }
    fd_ = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && connect(fd_, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS) {
      error_ = std::string("connect: ") + std::strerror(errno);
    } else if (fd_ >= 0 && wait(POLLOUT)) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) error_ = std::string("connect: ") + std::strerror(err);
      else connected_ = true;
    } else if (error_.empty()) {
      error_ = "no connection within " + std::to_string(timeoutMs) + " ms";
    }
    freeaddrinfo(res);
  }
  ~Connection() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      if (!wait(POLLOUT)) return false;
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Reads until `done` says the text is complete, the peer closes, or time runs out.
  template <class Done>
  std::string receive(Done done, std::size_t limit = 64 * 1024) {
    std::string text;
    char buf[4096];
    while (text.size() < limit && !done(text) && wait(POLLIN)) {
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    return text;
  }

 private:
  bool wait(short events) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    return poll(&p, 1, static_cast<int>(left)) == 1;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string error_;
  Clock::time_point deadline_;
};

// An SMTP reply is complete at a line "NNN text" (no dash after the code).
bool smtpReplyComplete(const std::string& text) {
  std::size_t start = 0;
  while (true) {
    const auto end = text.find("\r\n", start);
    if (end == std::string::npos) return false;
    if (end - start >= 4 && text[start + 3] == ' ') return true;
    if (end - start == 3) return true;
    start = end + 2;
  }
}

CheckOutcome result(const CheckSpec& spec, bool ok, std::string detail) { return {spec.name, ok, std::move(detail)}; }

}  // namespace

bool splitHostPort(std::string_view target, std::string& host, int& port) {
  const auto colon = target.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  host = std::string(target.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string p(target.substr(colon + 1));
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  port = std::stoi(p);
  return port > 0 && port < 65536;
}

bool parseHttpUrl(std::string_view url, HttpUrl& out) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) return false;
  url.remove_prefix(scheme.size());
  const auto slash = url.find('/');
  const auto authority = url.substr(0, slash);
  out.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.find(':') == std::string_view::npos) {
    out.host = std::string(authority);
    out.port = 80;
    return !out.host.empty();
  }
  return splitHostPort(authority, out.host, out.port);
}

int httpStatus(std::string_view response) {
  if (response.substr(0, 5) != "HTTP/") return -1;
  const auto space = response.find(' ');
  if (space == std::string_view::npos || response.size() < space + 4) return -1;
  const auto code = response.substr(space + 1, 3);
  if (code.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  return std::stoi(std::string(code));
}

int smtpCode(std::string_view reply) {
  // The code of the last line of a (possibly multi-line) reply.
  std::size_t start = 0, last = std::string_view::npos;
  while (start < reply.size()) {
    auto end = reply.find("\r\n", start);
    if (end == std::string_view::npos) end = reply.size();
    if (end - start >= 3) last = start;
    start = end + 2;
  }
  if (last == std::string_view::npos) return -1;
  const auto code = reply.substr(last, 3);
  if (code.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  return std::stoi(std::string(code));
}

std::vector<std::string> regressions(const std::vector<CheckOutcome>& before, const std::vector<CheckOutcome>& after) {
  std::vector<std::string> out;
  for (const auto& b : before) {
    if (!b.ok) continue;
    for (const auto& a : after)
      if (a.name == b.name && !a.ok) out.push_back(a.name);
  }
  return out;
}

CheckOutcome runCheck(const CheckSpec& spec, const CheckPlace& place) {
  if (spec.type == "process" || spec.type == "stopped") {
    const bool wanted = spec.type == "process";
    // The kernel keeps a process's name to 15 bytes (/proc/PID/comm): a longer one is compared as it shows there.
    const auto name = spec.process.substr(0, 15);
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(place.procRoot, ec)) {
      if (e.path().filename().string().find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream comm(e.path() / "comm");
      std::string line;
      if (std::getline(comm, line) && line == name)
        return result(spec, wanted, "process " + spec.process + " runs (pid " + e.path().filename().string() + ")");
    }
    if (ec) return result(spec, false, "cannot list " + place.procRoot.string() + ": " + ec.message());
    return result(spec, !wanted, "no process named " + spec.process);
  }
  if (spec.type == "file") {
    // spec.target is absolute and normal (the decoder's word); below root.
    const auto path = (place.root / spec.target.substr(1)).string();
    std::error_code ec;
    const auto status = std::filesystem::symlink_status(path, ec);
    if (ec || status.type() == std::filesystem::file_type::not_found) {
      if (ec && ec != std::errc::no_such_file_or_directory) return result(spec, false, spec.target + ": " + ec.message());
      return result(spec, spec.sha256 == "absent", spec.target + " is absent");
    }
    const auto hashed = sensors::sha256OfFile(path);
    if (!hashed) return result(spec, false, spec.target + ": " + hashed.error());
    if (spec.sha256 == "absent") return result(spec, false, spec.target + " exists (sha256 " + hashed->sha256 + ")");
    return hashed->sha256 == spec.sha256 ? result(spec, true, spec.target + " has sha256 " + hashed->sha256)
                                         : result(spec, false, spec.target + " has sha256 " + hashed->sha256 +
                                                                   ", not " + spec.sha256);
  }
  if (spec.type == "command") {
    const auto it = place.commands.find(spec.command);
    if (it == place.commands.end())
      return result(spec, false, "'" + spec.command + "' is not in this agent's [check_commands]");
    const auto ran = io::runProcess(it->second, "", std::chrono::milliseconds(spec.timeoutMs), {}, 4096);
    std::string tail = ran.output.substr(ran.output.size() > 200 ? ran.output.size() - 200 : 0);
    // One line of plain ASCII: the detail is a protobuf string (UTF-8 only) and a log field.
    for (auto& c : tail)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = ' ';
    const auto said = spec.command + ": " + ran.describe() + (tail.empty() ? "" : " (" + tail + ")");
    if (ran.timedOut || ran.exitCode < 0) return result(spec, false, said);
    return result(spec, ran.exitCode == spec.expectExit,
                  ran.exitCode == spec.expectExit ? said : said + ", expected exit " + std::to_string(spec.expectExit));
  }
  if (spec.type == "http") {
    HttpUrl url;
    if (!parseHttpUrl(spec.target, url)) return result(spec, false, "'" + spec.target + "' is not an http:// URL this agent can check");
    Connection c(url.host, url.port, spec.timeoutMs);
    if (!c.connected()) return result(spec, false, spec.target + ": " + c.error());
    c.send("GET " + url.path + " HTTP/1.0\r\nHost: " + url.host + "\r\nUser-Agent: portcullis-agent\r\nConnection: close\r\n\r\n");
    const std::string response = c.receive([](const std::string&) { return false; });
    const int status = httpStatus(response);
    if (status < 0) return result(spec, false, spec.target + ": no HTTP answer");
    if (status != spec.expectStatus)
      return result(spec, false, spec.target + " answered " + std::to_string(status) + ", expected " + std::to_string(spec.expectStatus));
    const auto body = response.find("\r\n\r\n");
    if (!spec.expectText.empty() && (body == std::string::npos || response.find(spec.expectText, body) == std::string::npos))
      return result(spec, false, spec.target + " answered " + std::to_string(status) + " without '" + spec.expectText + "'");
    return result(spec, true, spec.target + " answered " + std::to_string(status));
  }
  std::string host;
  int port = 0;
  if (!splitHostPort(spec.target, host, port)) return result(spec, false, "'" + spec.target + "' is not HOST:PORT");
  if (spec.type == "tcp") {
    Connection c(host, port, spec.timeoutMs);
    return c.connected() ? result(spec, true, spec.target + " accepts connections")
                         : result(spec, false, spec.target + ": " + c.error());
  }
  if (spec.type == "rejected") {
    Connection c(host, port, spec.timeoutMs);
    return c.connected() ? result(spec, false, spec.target + " accepted a connection it must reject")
                         : result(spec, true, spec.target + " rejected (" + c.error() + ")");
  }
  if (spec.type == "smtp") {
    Connection c(host, port, spec.timeoutMs);
    if (!c.connected()) return result(spec, false, spec.target + ": " + c.error());
    auto exchange = [&](const std::string& line) {
      if (!line.empty() && !c.send(line + "\r\n")) return -1;
      return smtpCode(c.receive(smtpReplyComplete));
    };
    const int greeting = exchange("");
    if (greeting != 220) return result(spec, false, spec.target + " greeted with " + std::to_string(greeting) + ", not 220");
    if (exchange("EHLO portcullis-check.invalid") != 250) return result(spec, false, spec.target + " refused EHLO");
    if (exchange("MAIL FROM:<portcullis-check@portcullis-check.invalid>") != 250)
      return result(spec, false, spec.target + " refused MAIL FROM");
    const int rcpt = exchange("RCPT TO:<relay-test@" + spec.relayDomain + ">");
    exchange("QUIT");
    if (rcpt >= 400) return result(spec, true, spec.target + " greets and refuses to relay for " + spec.relayDomain + " (" + std::to_string(rcpt) + ")");
    return result(spec, false, spec.target + " accepts mail for " + spec.relayDomain + " (" + std::to_string(rcpt) + "): an open relay");
  }
  return result(spec, false, "unknown check type '" + spec.type + "'");
}

std::vector<CheckOutcome> runChecks(const std::vector<CheckSpec>& specs, const CheckPlace& place) {
  std::vector<CheckOutcome> out;
  for (const auto& s : specs) out.push_back(runCheck(s, place));
  return out;
}

}  // namespace portcullis::agent::actions
