// Verdicts on replies (pure), then the checks against servers this test runs
// on loopback: a listening socket, a closed port, a small HTTP responder and
// a scripted SMTP dialogue.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "agent/actions/operation_checks.h"

using namespace portcullis::agent::actions;

namespace {

// A loopback listener that answers each connection with `serve` (bounded: a
// few connections, then it closes).
struct LoopbackServer {
  int fd = -1;
  int port = 0;
  std::thread thread;
  explicit LoopbackServer(std::function<void(int)> serve, int connections = 1) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    listen(fd, 4);
    thread = std::thread([this, serve, connections] {
      for (int i = 0; i < connections; ++i) {
        const int c = accept(fd, nullptr, nullptr);
        if (c < 0) return;
        serve(c);
        close(c);
      }
    });
  }
  ~LoopbackServer() {
    shutdown(fd, SHUT_RDWR);
    close(fd);
    thread.join();
  }
  std::string target() const { return "127.0.0.1:" + std::to_string(port); }
};

std::string readLine(int fd) {
  std::string line;
  char ch;
  while (read(fd, &ch, 1) == 1) {
    line += ch;
    if (line.size() >= 2 && line.substr(line.size() - 2) == "\r\n") break;
  }
  return line;
}

void say(int fd, const std::string& text) { (void)!write(fd, text.data(), text.size()); }

CheckSpec spec(const std::string& name, const std::string& type, const std::string& target, int timeoutMs = 5000) {
  CheckSpec s;
  s.name = name;
  s.type = type;
  (type == "process" || type == "stopped" ? s.process : s.target) = target;
  s.timeoutMs = timeoutMs;
  return s;
}

CheckSpec http(const std::string& url, const std::string& text = "") {
  CheckSpec s = spec("web", "http", url);
  s.expectText = text;
  return s;
}

int closedPort() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);  // bound then closed: nothing listens there now
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("reply parsing") {
  CHECK(httpStatus("HTTP/1.1 204 No Content\r\n\r\n") == 204);
  CHECK(httpStatus("SSH-2.0-OpenSSH") == -1);
  CHECK(smtpCode("250-mail.example.org\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n") == 250);
  CHECK(smtpCode("554 5.7.1 Relay access denied\r\n") == 554);
  CHECK(smtpCode("") == -1);
  HttpUrl u;
  REQUIRE(parseHttpUrl("http://127.0.0.1:8080/health?x=1", u));
  CHECK(u.host == "127.0.0.1");
  CHECK(u.port == 8080);
  CHECK(u.path == "/health?x=1");
  REQUIRE(parseHttpUrl("http://web.example", u));
  CHECK(u.port == 80);
  CHECK(u.path == "/");
  CHECK_FALSE(parseHttpUrl("https://x/", u));
  std::string host;
  int port = 0;
  CHECK(splitHostPort("[::1]:25", host, port));
  CHECK(host == "::1");
  CHECK_FALSE(splitHostPort("nohost", host, port));
}

TEST_CASE("only checks that passed before and fail after are regressions") {
  const std::vector<CheckOutcome> before{{"web", true, ""}, {"smtp", false, ""}, {"db", true, ""}};
  const std::vector<CheckOutcome> after{{"web", false, ""}, {"smtp", false, ""}, {"db", true, ""}};
  CHECK(regressions(before, after) == std::vector<std::string>{"web"});
}

TEST_CASE("tcp and rejected checks against a listening socket and a closed port") {
  LoopbackServer server([](int) {});
  CHECK(runCheck(spec("up", "tcp", server.target()), CheckPlace{}).ok);
  const std::string closed = "127.0.0.1:" + std::to_string(closedPort());
  CHECK_FALSE(runCheck(spec("up", "tcp", closed, 1000), CheckPlace{}).ok);
  const auto rejected = runCheck(spec("fw", "rejected", closed, 1000), CheckPlace{});
  CHECK(rejected.ok);
  CHECK(rejected.detail.find("rejected") != std::string::npos);
}

TEST_CASE("http checks the status and the text") {
  auto respond = [](const std::string& answer) {
    return [answer](int c) {
      while (readLine(c) != "\r\n") {
      }
      say(c, answer);
    };
  };
  {
    LoopbackServer server(respond("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nservice ok\n"), 2);
    CHECK(runCheck(http("http://" + server.target() + "/", "ok"), CheckPlace{}).ok);
    const auto wrongText = runCheck(http("http://" + server.target() + "/", "healthy"), CheckPlace{});
    CHECK_FALSE(wrongText.ok);
    CHECK(wrongText.detail.find("without 'healthy'") != std::string::npos);
  }
  LoopbackServer broken(respond("HTTP/1.0 503 Service Unavailable\r\n\r\n"));
  const auto down = runCheck(http("http://" + broken.target() + "/"), CheckPlace{});
  CHECK_FALSE(down.ok);
  CHECK(down.detail.find("503") != std::string::npos);
}

TEST_CASE("smtp: a greeting and a refused relay pass; an open relay fails") {
  auto dialogue = [](const std::string& rcptAnswer) {
    return [rcptAnswer](int c) {
      say(c, "220 mx.test ESMTP\r\n");
      readLine(c);
      say(c, "250-mx.test\r\n250 PIPELINING\r\n");
      readLine(c);
      say(c, "250 2.1.0 Ok\r\n");
      readLine(c);
      say(c, rcptAnswer);
      readLine(c);
      say(c, "221 Bye\r\n");
    };
  };
  {
    LoopbackServer refusing(dialogue("554 5.7.1 Relay access denied\r\n"));
    CHECK(runCheck(spec("mail", "smtp", refusing.target()), CheckPlace{}).ok);
  }
  LoopbackServer open(dialogue("250 2.1.5 Ok\r\n"));
  const auto relay = runCheck(spec("mail", "smtp", open.target()), CheckPlace{});
  CHECK_FALSE(relay.ok);
  CHECK(relay.detail.find("open relay") != std::string::npos);
}

TEST_CASE("a process check finds this test by its name") {
  std::string comm;
  FILE* f = std::fopen("/proc/self/comm", "r");
  char buf[64] = {};
  if (f) {
    (void)!std::fgets(buf, sizeof buf, f);
    std::fclose(f);
  }
  comm = buf;
  if (!comm.empty() && comm.back() == '\n') comm.pop_back();
  CHECK(runCheck(spec("me", "process", comm), CheckPlace{}).ok);
  CHECK_FALSE(runCheck(spec("ghost", "process", "no-such-process-name"), CheckPlace{}).ok);
  // The kernel keeps 15 bytes of a name: a longer one is found by them.
  if (comm.size() == 15) CHECK(runCheck(spec("long", "process", comm + "-and-more"), CheckPlace{}).ok);
}

TEST_CASE("a stopped check passes only when no process of that name runs") {
  CHECK(runCheck(spec("ghost", "stopped", "no-such-process-name"), CheckPlace{}).ok);
  std::string comm;
  if (FILE* f = std::fopen("/proc/self/comm", "r")) {
    char buf[64] = {};
    (void)!std::fgets(buf, sizeof buf, f);
    std::fclose(f);
    comm = buf;
  }
  if (!comm.empty() && comm.back() == '\n') comm.pop_back();
  const auto running = runCheck(spec("me", "stopped", comm), CheckPlace{});
  CHECK_FALSE(running.ok);
  CHECK(running.detail.find("runs (pid") != std::string::npos);
}

TEST_CASE("a file check reads the file below the agent's root: its hash, or that it is absent") {
  const auto root = std::filesystem::temp_directory_path() / ("portcullis-file-check-" + std::to_string(getpid()));
  std::filesystem::create_directories(root / "etc");
  { std::ofstream(root / "etc/app.conf") << "hello\n"; }
  CheckPlace place;
  place.root = root;
  const std::string helloSha = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";  // sha256("hello\n")
  auto file = [](const std::string& path, const std::string& sha) {
    CheckSpec s;
    s.name = "f";
    s.type = "file";
    s.target = path;
    s.sha256 = sha;
    return s;
  };
  CHECK(runCheck(file("/etc/app.conf", helloSha), place).ok);
  const auto changed = runCheck(file("/etc/app.conf", std::string(64, 'a')), place);
  CHECK_FALSE(changed.ok);
  CHECK(changed.detail == "/etc/app.conf has sha256 " + helloSha + ", not " + std::string(64, 'a'));
  CHECK(runCheck(file("/etc/gone.php", "absent"), place).ok);
  CHECK_FALSE(runCheck(file("/etc/app.conf", "absent"), place).ok);
  CHECK_FALSE(runCheck(file("/etc/gone.php", helloSha), place).ok);
  // Not the machine's own /etc: the root is where the agent reads.
  CHECK(runCheck(file("/etc/app.conf", "absent"), CheckPlace{}).ok == !std::filesystem::exists("/etc/app.conf"));
  std::filesystem::remove_all(root);
}

TEST_CASE("a command check runs only a program the agent's own list names, and judges its exit status") {
  CheckPlace place;
  place.commands["says-yes"] = {"/bin/sh", "-c", "echo fine; exit 0"};
  place.commands["says-three"] = {"/bin/sh", "-c", "echo broken >&2; exit 3"};
  place.commands["sleeps"] = {"/bin/sleep", "5"};
  auto command = [](const std::string& name, int exit, int timeoutMs = 5000) {
    CheckSpec s;
    s.name = name;
    s.type = "command";
    s.command = name;
    s.expectExit = exit;
    s.timeoutMs = timeoutMs;
    return s;
  };
  const auto yes = runCheck(command("says-yes", 0), place);
  CHECK(yes.ok);
  CHECK(yes.detail == "says-yes: exit 0 (fine )");
  const auto three = runCheck(command("says-three", 0), place);
  CHECK_FALSE(three.ok);
  CHECK(three.detail == "says-three: exit 3 (broken ), expected exit 0");
  CHECK(runCheck(command("says-three", 3), place).ok);
  const auto slow = runCheck(command("sleeps", 0, 300), place);
  CHECK_FALSE(slow.ok);
  CHECK(slow.detail.find("timed out") != std::string::npos);
  const auto unknown = runCheck(command("rm", 0), place);
  CHECK_FALSE(unknown.ok);
  CHECK(unknown.detail == "'rm' is not in this agent's [check_commands]");
}
