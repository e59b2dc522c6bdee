// diagnose: which advisories affect a machine and what the policy does about
// them. A stored machine by id or host name, every machine, or an inventory
// file (agentless use; nothing is stored).
#include <cstdio>
#include <iostream>

#include "common/io/files.h"
#include "controller/cli/command_support.h"
#include "controller/cli/commands.h"
#include "controller/cli/diagnosis_support.h"
#include "controller/diagnosis/inventory_file.h"
#include "controller/diagnosis/machine_facts.h"

namespace portcullis::controller::cli {

namespace dx = portcullis::diagnosis;

int diagnoseCommand(const Words& words) {
  static const char* usage = "portcullis-controller diagnose [ID_OR_HOSTNAME | --inventory FILE] --config FILE [--json]";
  auto args = parseOrReport(words, {{"config", "inventory"}, {"json"}, {}, 0, 1}, usage);
  if (!args) return 2;
  const auto inventory = args->value("inventory");
  if (inventory && !args->positional().empty())
    return usageError("give a machine or --inventory, not both (usage: " + std::string(usage) + ")");
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  auto policy = policyFor(*config);
  if (!policy) return runtimeError(policy.error());
  const bool json = args->flag("json");
  try {
    auto store = openStore(*config);
    dx::AdvisoryIndex index;
    std::size_t skipped = 0;
    loadIndex(*store, index, skipped);
    if (skipped) std::cerr << "portcullis-controller: warning: " << skipped << " stored advisories no longer parse\n";
    const auto now = unixNow();

    auto show = [&](const DiagnosedMachine& who, const dx::Diagnosis& d) {
      if (json) {
        std::cout << diagnosisJson(who, d) << "\n";
        return;
      }
      std::cout << "Machine " << shown(who.hostname) << " (" << shown(who.id) << "), " << shown(who.ecosystem)
                << ", " << index.size() << " advisories known\n";
      printDiagnosis(std::cout, d, "  ");
    };

    if (inventory) {
      auto text = io::readFile(*inventory);
      if (!text) return runtimeError("cannot read inventory file " + *inventory);
      const auto parsed = dx::parseInventory(*text);
      if (!parsed)
        return runtimeError(*inventory + " is not an inventory (portcullis-agent inventory --json): " +
                            parsed.error());
      const auto& info = *parsed;
      const std::string id = info.machine_id().empty() ? "(inventory)" : info.machine_id();
      const auto facts = dx::factsFrom(info, id);
      show({id, info.hostname(), facts.ecosystem}, dx::diagnose(facts, index, *policy, now));
      return 0;
    }

    if (!args->positional().empty()) {
      const auto id = machineIdFor(*store, args->positional()[0], exitCode);
      if (!id) return exitCode;
      auto m = store->machine(*id);
      if (!m) return runtimeError("machine " + *id + " is no longer stored");
      const auto facts = dx::factsFrom(m->info, m->summary.id);
      show({m->summary.id, m->summary.hostname, facts.ecosystem}, dx::diagnose(facts, index, *policy, now));
      return 0;
    }

    // Every machine: one line each (or a JSON array of full diagnoses).
    const auto machines = store->machines();
    if (json) std::cout << "[";
    bool first = true;
    if (!json)
      std::printf("%-36s  %-24s  %-14s  %6s  %5s  %6s  %6s  %s\n", "ID", "HOSTNAME", "GROUP", "VULNS", "PATCH",
                  "FILTER", "QUAR", "WAITING");
    for (const auto& s : machines) {
      auto m = store->machine(s.id);
      if (!m) continue;
      const auto facts = dx::factsFrom(m->info, s.id);
      const auto d = dx::diagnose(facts, index, *policy, now);
      if (json) {
        std::cout << (first ? "" : ",") << "\n" << diagnosisJson({s.id, s.hostname, facts.ecosystem}, d);
        first = false;
        continue;
      }
      int patch = 0, filter = 0, quarantine = 0, waiting = 0;
      for (const auto& x : d.measures) {
        if (x.kind == dx::Measure::Kind::Patch) ++(x.waitsFor.empty() ? patch : waiting);
        if (x.kind == dx::Measure::Kind::Filter || x.kind == dx::Measure::Kind::StopService) ++filter;
        if (x.kind == dx::Measure::Kind::Quarantine) ++quarantine;
      }
      std::printf("%-36s  %-24s  %-14s  %6zu  %5d  %6d  %6d  %d\n", shown(s.id).c_str(), shown(s.hostname).c_str(),
                  shown(d.group).c_str(), d.vulnerabilities.size(), patch, filter, quarantine, waiting);
    }
    if (json) std::cout << (first ? "]\n" : "\n]\n");
    else if (machines.empty()) std::cout << "(no machines have reported yet)\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

}  // namespace portcullis::controller::cli
