// Outside input: a command's bytes as the agent receives them. Decoding never
// throws or crashes, and what it accepts holds what the actions rely on.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/actions/command_decoder.h"
#include "common/wire/envelope_codec.h"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

// Absolute, and no component that climbs or is empty: "/etc/a..b" is a file
// name like any other, "/etc/../x" is not a path the actions may be given.
bool absolute(const std::string& p) {
  if (p.size() < 2 || p.front() != '/' || p.find('\0') != std::string::npos) return false;
  for (std::size_t start = 1; start <= p.size();) {
    const auto end = std::min(p.find('/', start), p.size());
    const auto part = std::string_view(p).substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

// What goes into the nft script for an address: digits, dots, one slash.
bool addresses(const std::vector<std::string>& list) {
  return std::all_of(list.begin(), list.end(), [](const std::string& a) {
    return !a.empty() && std::count(a.begin(), a.end(), '/') <= 1 &&
           std::all_of(a.begin(), a.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '/'; });
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace portcullis::agent::actions;
  portcullis::wire::quietProtobufParseLogs();
  const auto decoded = decodeCommand(std::string_view(reinterpret_cast<const char*>(data), size));
  if (const auto* refused = std::get_if<CommandRefusal>(&decoded)) {
    require(!refused->reason.empty());
    require(!refusedResult("x", "", *refused).ok());
    return 0;
  }
  const auto& order = std::get<AgentCommand>(decoded).order;
  if (const auto* p = std::get_if<PatchOrder>(&order)) require(!p->packages.empty());
  if (const auto* r = std::get_if<RestoreFileOrder>(&order)) require(absolute(r->path) && r->sha256.size() == 64);
  if (const auto* r = std::get_if<RemoveFileOrder>(&order)) require(absolute(r->path) && r->sha256.size() == 64);
  if (const auto* s = std::get_if<ServiceOrder>(&order)) require(!s->package.empty());
  if (const auto* f = std::get_if<FilterAddOrder>(&order)) require(addresses(f->allow));
  if (const auto* i = std::get_if<IsolateOrder>(&order)) require(addresses(i->allow));
  if (const auto* c = std::get_if<RunChecksOrder>(&order)) {
    // A runbook's checks: bounded, a command only by a plain name, a file only by a path the agent may read.
    require(!c->checks.empty() && c->checks.size() <= 32);
    for (const auto& check : c->checks) {
      if (check.type == "command")
        require(!check.command.empty() && check.command.find_first_of(" /;|&$`\n") == std::string::npos &&
                check.expectExit >= 0 && check.expectExit <= 255);
      if (check.type == "file") require(absolute(check.target) && (check.sha256 == "absent" || check.sha256.size() == 64));
      if (check.type == "process" || check.type == "stopped") require(!check.process.empty());
      require(check.timeoutMs >= 100 && check.timeoutMs <= 120000);
    }
  }
  return 0;
}
