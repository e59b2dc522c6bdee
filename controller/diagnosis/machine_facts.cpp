#include "controller/diagnosis/machine_facts.h"

#include <algorithm>

namespace portcullis::diagnosis {

MachineFacts factsFrom(const ::portcullis::v1::MachineInfo& info, const std::string& machineId) {
  MachineFacts f;
  f.identity.id = machineId;
  f.identity.hostname = info.hostname();
  for (const auto& i : info.interfaces())
    for (const auto& a : i.ipv4()) f.identity.ipv4.push_back(a);
  f.ecosystem = ecosystemFor(info.os().id(), info.os().version_id());
  f.packages.reserve(static_cast<std::size_t>(info.packages_size()));
  for (const auto& p : info.packages()) {
    InstalledPackage ip;
    ip.name = p.name();
    ip.version = p.version();
    ip.source = p.source().empty() ? p.name() : p.source();
    ip.sourceVersion = p.source_version().empty() ? p.version() : p.source_version();
    f.packages.push_back(std::move(ip));
  }
  for (const auto& l : info.listening()) {
    if (l.package().empty()) continue;
    ListeningService s{l.package(), l.process(), l.port(),
                       l.protocol() == ::portcullis::v1::ListeningSocket::UDP};
    // One entry per (package, port, protocol): v4 and v6 sockets are one service.
    if (std::none_of(f.listening.begin(), f.listening.end(), [&](const ListeningService& x) {
          return x.package == s.package && x.port == s.port && x.udp == s.udp;
        }))
      f.listening.push_back(std::move(s));
  }
  return f;
}

}  // namespace portcullis::diagnosis
