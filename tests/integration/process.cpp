#include "tests/integration/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace portcullis::testing {
namespace {

std::vector<char*> cArgs(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// Before any test runs: the namespace holds loopback and nothing else.
[[maybe_unused]] const bool kLoopbackOnly = [] {
  const auto links = nonLoopbackLinks();
  if (links.empty()) return true;
  std::string names;
  for (const auto& l : links) names += " " + l;
  std::fprintf(stderr,
               "\n*** REFUSED: this test harness runs in a network namespace with real links (%s ).\n"
               "*** Packets of the programs it starts could leave the machine. Run it in a namespace of its\n"
               "*** own with loopback only: tests/support/in-loopback-netns PROGRAM [ARG...] (ctest does).\n\n",
               names.c_str());
  std::_Exit(1);
}();

}  // namespace

std::vector<std::string> nonLoopbackLinks() {
  std::vector<std::string> out;
  if (struct if_nameindex* links = if_nameindex()) {
    for (auto* l = links; l->if_index != 0; ++l)
      if (std::string(l->if_name) != "lo") out.push_back(l->if_name);
    if_freenameindex(links);
  } else {
    out.push_back("(the links cannot be listed)");
  }
  return out;
}

Outcome run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  int outPipe[2], errPipe[2];
  if (pipe2(outPipe, O_CLOEXEC) != 0 || pipe2(errPipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(outPipe[1], 1);
    dup2(errPipe[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    auto args = cArgs(argv);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(outPipe[1]);
  close(errPipe[1]);
  Outcome o;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  int open = 2;
  bool timedOut = false;
  while (open > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[65536];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? o.out : o.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  o.exitCode = (!timedOut && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return o;
}

Background::Background(const std::vector<std::string>& argv, const std::string& logFile) {
  pid_ = fork();
  if (pid_ == 0) {
    // A test that crashes must not leave a daemon behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int log = open(logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(log, 2);
    auto args = cArgs(argv);
    execvp(args[0], args.data());
    _exit(127);
  }
}

Background::~Background() {
  if (!reaped_ && pid_ > 0) stop(SIGKILL, std::chrono::seconds(5));
}

bool Background::running() {
  if (reaped_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

int Background::stop(int sig, std::chrono::milliseconds timeout) {
  if (!reaped_) {
    kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!reaped_ && std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
      else std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      reaped_ = true;
      return -1000;
    }
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  return -WTERMSIG(status_);
}

std::uint16_t freePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool waitForPort(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string binaryDir() {
  const char* dir = std::getenv("PORTCULLIS_BINARY_DIR");
  if (!dir) throw std::runtime_error("PORTCULLIS_BINARY_DIR is not set (run the tests through ctest)");
  return dir;
}

std::string controllerBinary() { return binaryDir() + "/controller/main/portcullis-controller"; }
std::string agentBinary() { return binaryDir() + "/agent/main/portcullis-agent"; }

TempDir::TempDir() {
  path = (std::filesystem::temp_directory_path() /
          ("portcullis-it-" + std::to_string(getpid()) + "-" + std::to_string(std::random_device{}())))
             .string();
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeText(const std::string& path, const std::string& text) {
  if (const auto dir = std::filesystem::path(path).parent_path(); !dir.empty()) std::filesystem::create_directories(dir);
  std::ofstream(path) << text;
}

}  // namespace portcullis::testing
