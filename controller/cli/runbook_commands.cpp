// `runbook`: an incident's runbook without a browser: the questionnaire
// answered (each answer an option, the rest as guessed or stored), the
// runbook made, listed and shown, and run a step at a time; `graph`: the
// site's service dependency graph imported (checked whole), shown, and a
// first one seeded from the inventory.
#include <unistd.h>

#include <iostream>
#include <pwd.h>


#include <algorithm>
#include <sstream>

#include "common/io/files.h"
#include "common/pki/pki.h"
#include "common/util/text.h"
#include "controller/cli/command_support.h"
#include "controller/cli/commands.h"
#include "controller/cli/runbook_support.h"
#include "controller/runbooks/service_graph.h"
#include "controller/views/runbook_json.h"

namespace portcullis::controller::cli {
namespace {

constexpr const char* kRunbookUsage =
    "portcullis-controller runbook list [INCIDENT] --config FILE [--json]\n"
    "       portcullis-controller runbook show ID --config FILE [--json]\n"
    "       portcullis-controller runbook answer INCIDENT [--problem P] [--host H] [--address A] [--machine M]\n"
    "                                    [--service S] [--process P] [--port N] [--policy P] [--start S] --config FILE\n"
    "       portcullis-controller runbook step|ok|yes|no ID [--sign-key KEY.pem --sign-cert CERT.pem] --config FILE [--json]\n"
    "       portcullis-controller runbook confirm ID --sign-key KEY.pem --sign-cert CERT.pem --config FILE\n"
    "       portcullis-controller runbook verify ID --config FILE";
constexpr const char* kGraphUsage =
    "portcullis-controller graph import FILE --config FILE\n"
    "       portcullis-controller graph show --config FILE\n"
    "       portcullis-controller graph seed --config FILE";

// Who acts from the command line: the login's name, from this host.
runbooks::Actor cliActor() {
  const auto* pw = ::getpwuid(::geteuid());
  return {std::string("cli:") + (pw ? pw->pw_name : std::to_string(::geteuid())), "local"};
}

// A signed answer from the command line: the operator is the one the
// certificate was issued to (`operator cert`), the signature theirs over the
// text the runbook gives for that operator now.
struct Signing {
  runbooks::Actor who;
  runbooks::Confirmation confirmation;
};

// nullopt without --sign-key and --sign-cert; an error when one comes
// without the other, or they do not read.
Result<std::optional<Signing>> signingOf(const portcullis::cli::Arguments& args,
                                         const std::function<Result<std::string>(const std::string&)>& textFor) {
  const auto key = args.value("sign-key"), cert = args.value("sign-cert");
  if (!key && !cert) return std::optional<Signing>();
  if (!key || !cert) return fail("--sign-key and --sign-cert go together");
  const auto keyPem = io::readTextFile(*key, "operator's key");
  if (!keyPem) return fail(keyPem.error());
  const auto certPem = io::readTextFile(*cert, "operator's certificate");
  if (!certPem) return fail(certPem.error());
  const auto info = pki::inspectCertificate(*certPem);
  const std::string prefix = "portcullis operator ";
  if (!info || info->commonName.rfind(prefix, 0) != 0) return fail(*cert + " is not an operator's certificate (operator cert)");
  const auto name = info->commonName.substr(prefix.size());
  const auto text = textFor(name);
  if (!text) return fail(text.error());
  try {
    return std::optional<Signing>(Signing{{name, "local"}, {*certPem, base64Line(pki::signData(*keyPem, *text))}});
  } catch (const std::exception& e) {
    return fail(std::string("cannot sign with ") + *key + ": " + e.what());
  }
}

int printView(const Result<runbooks::RunbookView>& v, bool json) {
  if (!v) return runtimeError(v.error());
  std::cout << (json ? views::runbookViewJson(*v) : views::runbookViewText(*v));
  return 0;
}

int answer(const portcullis::cli::Arguments& args, const ControllerConfig& config) {
  const auto& w = args.positional();
  if (w.size() != 2) return usageError(kRunbookUsage);
  const auto incident = util::recordNumber(w[1]);
  if (!incident) return usageError("'" + w[1] + "' is not an incident's number");
  auto store = openStore(config);
  auto parts = runbookPartsOf(config, *store);
  if (!parts) return runtimeError(parts.error());
  auto& service = *parts->service;
  auto current = service.answersFor(*incident);
  if (!current) return runtimeError(current.error());
  auto a = current->answers;
  for (const auto& [option, field] : {std::pair{"problem", &a.problem}, std::pair{"host", &a.host}, std::pair{"address", &a.address},
                                      std::pair{"machine", &a.machine}, std::pair{"service", &a.service},
                                      std::pair{"process", &a.process}, std::pair{"policy", &a.policy}, std::pair{"start", &a.start}})
    if (auto v = args.value(option)) *field = *v;
  if (auto p = args.value("port")) {
    const auto n = util::recordNumber(*p);
    if (!n || *n == 0 || *n > 65535) return usageError("--port '" + *p + "' is not a port");
    a.port = static_cast<std::uint16_t>(*n);
  }
  const auto made = service.answer(*incident, a, cliActor());
  if (!made) return runtimeError(made.error());
  recordOperatorAction(config, *store, "RUNBOOK_MADE", "incident", w[1],
                       "runbook #" + std::to_string(made->id) + " v" + std::to_string(made->version) + " " + made->scenario);
  std::cout << "runbook " << views::runbookLine(*made) << "\n";
  for (const auto& n : made->notes) std::cout << "  note: " << n << "\n";
  std::cout << "\n" << made->text;
  return 0;
}

}  // namespace

int runbookCommand(const Words& words) {
  auto args = parseOrReport(words,
                            {{"config", "problem", "host", "address", "machine", "service", "process", "port", "policy", "start",
                              "sign-key", "sign-cert"},
                             {"json"}, {}, 1, 2},
                            kRunbookUsage);
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    const auto& w = args->positional();
    const auto& verb = w[0];
    if (verb == "answer") return answer(*args, *config);
    if (verb == "list") {
      std::int64_t incident = 0;
      if (w.size() == 2) {
        const auto n = util::recordNumber(w[1]);
        if (!n) return usageError("'" + w[1] + "' is not an incident's number");
        incident = *n;
      }
      auto store = openStore(*config);
      return printListing(args->flag("json"), store->runbooks().runbooks(incident, 200), views::runbooksJson,
                          views::runbookLine, "(no runbooks)");
    }
    using Action = runbooks::RunbookService::Action;
    static const std::map<std::string, Action> actions = {
        {"step", Action::Step}, {"ok", Action::Ok}, {"yes", Action::Yes}, {"no", Action::No}};
    const auto action = actions.find(verb);
    if (verb != "show" && verb != "verify" && verb != "confirm" && action == actions.end())
      return usageError("unknown runbook command '" + verb + "' (usage: " + kRunbookUsage + ")");
    if (w.size() != 2) return usageError(kRunbookUsage);
    const auto id = util::recordNumber(w[1]);
    if (!id) return usageError("'" + w[1] + "' is not a runbook's number");
    auto store = openStore(*config);
    auto parts = runbookPartsOf(*config, *store);
    if (!parts) return runtimeError(parts.error());
    auto& service = *parts->service;
    const auto who = cliActor();
    if (verb == "show") {
      // A test whose agents have answered (or whose time is up) goes on first.
      if (auto moved = service.collectAgentTests(*id); !moved) return runtimeError(moved.error());
      return printView(service.view(*id), args->flag("json"));
    }
    if (verb == "verify") {
      const auto checked = service.verify(*id);
      if (!checked) return runtimeError(checked.error());
      for (const auto& line : checked->lines) std::cout << line << "\n";
      std::cout << (checked->valid ? "runbook #" + w[1] + ": the record holds\n" : "runbook #" + w[1] + ": the record does NOT hold\n");
      return checked->valid ? 0 : 1;
    }
    if (verb == "confirm") {
      const auto signing = signingOf(*args, [&](const std::string& name) { return service.wholeConfirmationFor(*id, name); });
      if (!signing) return runtimeError(signing.error());
      if (!signing->has_value()) return usageError("runbook confirm needs --sign-key and --sign-cert");
      const auto& s = **signing;
      const auto confirmed = service.confirm(*id, s.who, s.confirmation);
      if (!confirmed) return runtimeError(confirmed.error());
      recordOperatorAction(*config, *store, "RUNBOOK_CONFIRMED", "runbook", w[1], "signed by " + s.who.operatorName);
      std::cout << "runbook #" << *id << " confirmed and signed by " << s.who.operatorName << "\n";
      return 0;
    }
    const auto signing =
        signingOf(*args, [&](const std::string& name) { return service.confirmationFor(*id, action->second, name); });
    if (!signing) return runtimeError(signing.error());
    if (signing->has_value())
      return printView(service.act(*id, action->second, (*signing)->who, (*signing)->confirmation), args->flag("json"));
    return printView(service.act(*id, action->second, who), args->flag("json"));
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

int graphCommand(const Words& words) {
  auto args = parseOrReport(words, {{"config"}, {}, {}, 1, 2}, kGraphUsage);
  if (!args) return 2;
  int exitCode = 0;
  auto config = configFrom(*args, exitCode);
  if (!config) return exitCode;
  try {
    const auto& w = args->positional();
    auto store = openStore(*config);
    if (w[0] == "import" && w.size() == 2) {
      const auto text = io::readTextFile(w[1], "dependency graph");
      if (!text) return runtimeError(text.error());
      const auto graph = runbooks::ServiceGraph::parse(*text);
      if (!graph) {
        std::cerr << "portcullis-controller: " << w[1] << " does not read; nothing imported:\n" << graph.error() << "\n";
        return 1;
      }
      store->runbooks().putServiceGraph(*text, unixNow(), cliActor().operatorName);
      recordOperatorAction(*config, *store, "GRAPH_IMPORTED", "file", w[1],
                           std::to_string(graph->elements().size()) + " elements");
      std::cout << "imported " << graph->elements().size() << " elements from " << w[1] << "\n";
      return 0;
    }
    if (w[0] == "show" && w.size() == 1) {
      const auto text = store->runbooks().serviceGraph();
      std::cout << (text.empty() ? "(no dependency graph imported)\n" : text);
      return 0;
    }
    if (w[0] == "seed" && w.size() == 1) {
      std::vector<runbooks::SeedHost> hosts;
      for (const auto& m : store->machines()) {
        const auto record = store->machine(m.id);
        if (!record) continue;
        runbooks::SeedHost h{m.hostname, "", {}};
        for (const auto& i : record->info.interfaces())
          for (const auto& a : i.ipv4()) {
            const auto slash = a.find('/');
            if (h.address.empty() && a.rfind("127.", 0) != 0) h.address = a.substr(0, slash);
          }
        for (const auto& l : record->info.listening()) {
          if (l.address().rfind("127.", 0) == 0 || l.address() == "::1") continue;  // not offered to others
          auto service = runbooks::serviceOfPort(static_cast<std::uint16_t>(l.port()));
          h.services.push_back(service.empty() ? "port-" + std::to_string(l.port()) : service);
        }
        hosts.push_back(std::move(h));
      }
      std::cout << runbooks::seedServiceGraph(hosts);
      return 0;
    }
    return usageError(kGraphUsage);
  } catch (const std::exception& e) {
    return runtimeError(e.what());
  }
}

}  // namespace portcullis::controller::cli
