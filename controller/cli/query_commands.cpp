// Read-only views of the store: machines, one machine, the command outbox.
#include <cstdio>
#include <iostream>
#include <map>

#include "controller/cli/command_support.h"
#include "controller/cli/commands.h"
#include "controller/cli/diagnosis_support.h"
#include "controller/views/machine_json.h"
#include "controller/views/machine_damage_view.h"
#include "controller/diagnosis/damage.h"
#include "controller/diagnosis/machine_facts.h"

namespace portcullis::controller::cli {

int machinesCommand(const Words& words) {
  auto args = parseOrReport(words, {{"config"}, {"json"}, {}, 0, 0},
                            "portcullis-controller machines --config FILE [--json]");
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    const auto machines = openStore(*config)->machines();
    if (args->flag("json")) {
      std::cout << machinesJson(machines);
      return 0;
    }
    std::printf("%-36s  %-24s  %-14s  %-8s  %8s  %-11s  %s\n", "ID", "HOSTNAME", "OS", "ARCH",
                "PACKAGES", "STATE", "LAST SEEN");
    for (const auto& m : machines)
      std::printf("%-36s  %-24s  %-14s  %-8s  %8lld  %-11s  %s\n", shown(m.id).c_str(), shown(m.hostname).c_str(),
                  shown(m.osId + " " + m.osVersion).c_str(), shown(m.arch).c_str(),
                  static_cast<long long>(m.packageCount), admission::admissionName(m.state), isoTime(m.lastSeen).c_str());
    if (machines.empty()) std::cout << "(no machines have reported yet)\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

int machineCommand(const Words& words) {
  static const char* usage = "portcullis-controller machine show ID_OR_HOSTNAME --config FILE [--json]";
  auto args = parseOrReport(words, {{"config"}, {"json"}, {}, 2, 2}, usage);
  if (!args) return 2;
  if (args->positional()[0] != "show")
    return usageError("unknown machine command '" + args->positional()[0] + "' (usage: " + usage + ")");
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    auto store = openStore(*config);
    const auto id = machineIdFor(*store, args->positional()[1], exitCode);
    if (!id) return exitCode;
    auto m = store->machine(*id);
    if (!m) return runtimeError("machine " + *id + " is no longer stored");
    const auto transitions = store->transitions(m->summary.id);
    auto policy = policyFor(*config);
    if (!policy) return runtimeError(policy.error());
    diagnosis::AdvisoryIndex index;
    std::size_t skipped = 0;
    loadIndex(*store, index, skipped);
    const auto facts = diagnosis::factsFrom(m->info, m->summary.id);
    const auto diagnosed = diagnosis::diagnose(facts, index, *policy, unixNow());
    // The damage range: other machines whose last reports show the same signs.
    std::vector<std::string> range;
    if (const auto signs = diagnosis::damageSigns(m->info); !signs.empty()) {
      std::map<std::string, std::vector<diagnosis::DamageSign>> fleet;
      for (const auto& other : store->machines())
        if (other.id != m->summary.id)
          if (auto record = store->machine(other.id)) fleet[other.id] = diagnosis::damageSigns(record->info);
      range = diagnosis::damageRange(m->summary.id, signs, fleet);
    }
    const auto damage = loadDamageView(*store, m->summary.id, unixNow());
    if (args->flag("json")) {
      std::cout << machineJson(*m, transitions,
                               diagnosisJson({m->summary.id, m->summary.hostname, facts.ecosystem}, diagnosed), range,
                               &damage);
      return 0;
    }
    // Every text below that an agent, a feed or the store gave is shown
    // escaped: it cannot act on the terminal or start a line of its own.
    const auto& s = m->summary;
    const auto& info = m->info;
    std::cout << "Machine " << shown(s.id) << "\n"
              << "  host name:   " << shown(s.hostname) << "\n"
              << "  machine id:  " << shown(info.machine_id()) << "\n"
              << "  OS:          " << shown(info.os().pretty_name()) << " (" << shown(s.osId + " " + s.osVersion) << ")\n"
              << "  kernel:      " << shown(s.kernel) << " (" << shown(s.arch) << ")\n"
              << "  state:       " << admission::admissionName(s.state) << "\n"
              << "  first seen:  " << isoTime(s.firstSeen) << "\n"
              << "  last seen:   " << isoTime(s.lastSeen) << "\n"
              << "  interfaces:\n";
    for (const auto& i : info.interfaces()) {
      std::cout << "    " << shown(i.name()) << "  " << shown(i.mac()) << (i.up() ? "  up" : "  down");
      for (const auto& a : i.ipv4()) std::cout << "  " << shown(a);
      for (const auto& a : i.ipv6()) std::cout << "  " << shown(a);
      std::cout << "\n";
    }
    std::cout << "  listening:\n";
    for (const auto& l : info.listening())
      std::cout << "    " << (l.protocol() == v1::ListeningSocket::UDP ? "udp " : "tcp ") << shown(l.address())
                << ":" << l.port() << "  " << (l.process().empty() ? "-" : shown(l.process()))
                << (l.package().empty() ? "" : "  (" + shown(l.package()) + ")") << "\n";
    std::cout << "  hardware:\n";
    for (const auto& d : info.hardware())
      std::cout << "    " << shown(d.kind()) << "  " << shown(d.name())
                << (d.vendor_id().empty() ? "" : "  " + shown(d.vendor_id()) + ":" + shown(d.product_id()))
                << (d.description().empty() ? "" : "  " + shown(d.description()))
                << (d.serial().empty() ? "" : "  serial " + shown(d.serial())) << (d.removable() ? "  removable" : "")
                << (d.mass_storage() ? "  mass-storage" : "") << "\n";
    if (info.has_antivirus()) {
      const auto& av = info.antivirus();
      std::cout << "  antivirus:   " << (av.engine().empty() ? "-" : shown(av.engine()))
                << (av.signature_version().empty() ? "" : " database " + shown(av.signature_version())) << " via "
                << (av.via().empty() ? "-" : shown(av.via())) << ", last full scan "
                << (av.last_full_scan_unix() ? isoTime(av.last_full_scan_unix()) : std::string("never"))
                << (av.error().empty() ? "" : ", last scan failed: " + shown(av.error())) << "\n";
      for (const auto& f : av.findings())
        std::cout << "    FOUND " << shown(f.signature()) << "  " << shown(f.path()) << "  sha256 "
                  << (f.sha256().empty() ? "-" : shown(f.sha256())) << "  " << isoTime(f.detected_at_unix()) << "\n";
      if (av.findings_size() > 0) {
        std::cout << "    damage range: " << range.size() << " other machine" << (range.size() == 1 ? "" : "s");
        for (std::size_t i = 0; i < range.size(); ++i) std::cout << (i ? ", " : ": ") << shown(range[i]);
        std::cout << "\n";
      }
    }
    printDamageView(std::cout, damage);
    printDiagnosis(std::cout, diagnosed, "  ");
    std::cout << "  processes:   " << info.processes_size() << "\n"
              << "  packages:    " << s.packageCount << " installed\n";
    for (const auto& p : info.packages())
      std::cout << "    " << shown(p.name()) << " " << shown(p.version()) << " " << shown(p.arch()) << "\n";
    std::cout << "  history:\n";
    for (const auto& t : transitions)
      std::cout << "    " << isoTime(t.at) << "  " << admission::admissionName(t.fromState) << " -> "
                << admission::admissionName(t.toState) << "  (" << shown(t.cause) << ")\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

int commandsCommand(const Words& words) {
  auto args = parseOrReport(words, {{"config"}, {"json"}, {}, 0, 0},
                            "portcullis-controller commands --config FILE [--json]");
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    const auto commands = openStore(*config)->commands();
    if (args->flag("json")) {
      std::cout << commandsJson(commands);
      return 0;
    }
    for (const auto& c : commands)
      std::cout << shown(c.id) << "  " << shown(c.machineId) << "  " << shown(c.kind) << "  "
                << store::stateName(c.state) << "  " << isoTime(c.createdAt) << "  " << shown(c.resultDetail) << "\n";
    if (commands.empty()) std::cout << "(no commands)\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

}  // namespace portcullis::controller::cli
