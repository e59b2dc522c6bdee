#include "controller/runbooks/runbook_library.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "common/packet/ip_address.h"
#include "common/util/text.h"
#include "controller/runbooks/commented_lines.h"

namespace portcullis::runbooks {
namespace {

// Every line as written, numbered from 1.
template <typename F>
void eachRawLine(std::string_view text, F&& each) {
  std::size_t number = 0;
  util::eachLineOf(text, [&](std::string_view line) { each(++number, line); });
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string joinWords(const std::vector<std::string_view>& words, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < words.size(); ++i) out += (out.empty() ? "" : " ") + std::string(words[i]);
  return out;
}

// The facts a text names that are not known facts.
std::vector<std::string> unknownFacts(std::string_view text) {
  std::vector<std::string> out;
  const auto& known = knownFacts();
  for (std::size_t open = text.find('{'); open != std::string_view::npos; open = text.find('{', open + 1)) {
    const auto close = text.find('}', open);
    if (close == std::string_view::npos) break;
    const std::string name(text.substr(open + 1, close - open - 1));
    if (std::find(known.begin(), known.end(), name) == known.end()) out.push_back(name);
  }
  return out;
}

std::optional<std::uint16_t> portOf(std::string_view word) {
  unsigned v = 0;
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (error != std::errc() || end != word.data() + word.size() || v == 0 || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

bool isFact(std::string_view word) { return word.size() > 2 && word.front() == '{' && word.back() == '}'; }

// A header "[KEY] TITLE": the key and title, or nullopt.
std::optional<std::pair<std::string, std::string>> headerOf(std::string_view line) {
  if (line.empty() || line.front() != '[') return std::nullopt;
  const auto close = line.find(']');
  if (close == std::string_view::npos) return std::nullopt;
  return std::pair{std::string(line.substr(1, close - 1)), trimmed(line.substr(close + 1))};
}

Result<TestCheck> checkOf(const std::vector<std::string_view>& w) {
  TestCheck c;
  c.line = joinWords(w, 0);
  // A machine as written: a fact, a machine's id or an address.
  const auto machineWord = [](std::string_view m) { return isFact(m) || util::isPlainName(m) || packet::IpAddress::parse(m); };
  const auto port = [&](std::size_t i) -> Result<std::uint16_t> {
    if (i >= w.size()) return fail("a port is missing");
    if (isFact(w[i])) return std::uint16_t{0};  // filled later: {port}
    const auto p = portOf(w[i]);
    if (!p) return fail("'" + std::string(w[i]) + "' is not a port");
    return *p;
  };
  if (w[0] == "port") {
    if ((w.size() != 4 && (w.size() != 6 || w[4] != "from")) || (w[3] != "open" && w[3] != "closed"))
      return fail("written port ADDRESS PORT open|closed [from MACHINE]");
    c.kind = TestCheck::Kind::Port;
    if (w.size() == 6) {
      if (!machineWord(w[5])) return fail("'" + std::string(w[5]) + "' is not a machine (its id, an address, or a fact)");
      c.machine = std::string(w[5]);
    }
    c.target = std::string(w[1]);
    auto p = port(2);
    if (!p) return fail(p.error());
    c.port = *p;
    c.text = isFact(w[2]) ? std::string(w[2]) : "";
    c.expectOpen = w[3] == "open";
    return c;
  }
  if (w[0] == "http") {
    if (w.size() < 4 || w[2] != "status" || (w.size() > 4 && w.size() < 6) ||
        (w.size() > 4 && w[4] != "contains" && w[4] != "lacks"))
      return fail("written http URL status CODE [contains|lacks TEXT]");
    if (w[1].rfind("http://", 0) != 0) return fail("'" + std::string(w[1]) + "' is not an http:// URL");
    int status = 0;
    const auto [end, error] = std::from_chars(w[3].data(), w[3].data() + w[3].size(), status);
    if (error != std::errc() || end != w[3].data() + w[3].size() || status < 100 || status > 599)
      return fail("'" + std::string(w[3]) + "' is not an HTTP status");
    c.kind = TestCheck::Kind::Http;
    c.target = std::string(w[1]);
    c.status = status;
    if (w.size() > 4) {
      c.textWanted = w[4] == "contains";
      c.text = joinWords(w, 5);
    }
    return c;
  }
  if (w[0] == "smtp") {
    if (w.size() >= 5 && w[3] == "greeting") {
      c.kind = TestCheck::Kind::SmtpGreeting;
      c.text = joinWords(w, 4);
    } else if (w.size() == 5 && w[3] == "relay" && (w[4] == "refused" || w[4] == "accepted")) {
      c.kind = TestCheck::Kind::SmtpRelay;
      c.expectOpen = w[4] == "accepted";
    } else {
      return fail("written smtp ADDRESS PORT greeting TEXT, or smtp ADDRESS PORT relay refused|accepted");
    }
    c.target = std::string(w[1]);
    auto p = port(2);
    if (!p) return fail(p.error());
    c.port = *p;
    if (isFact(w[2])) return fail("an smtp check names its port");
    return c;
  }
  if (w[0] == "state") {
    if (w.size() != 3 || (w[2] != "admitted" && w[2] != "quarantined")) return fail("written state MACHINE admitted|quarantined");
    c.kind = TestCheck::Kind::State;
    c.target = std::string(w[1]);
    c.state = std::string(w[2]);
    return c;
  }
  if (w[0] == "process") {
    if (w.size() != 4 || (w[3] != "running" && w[3] != "stopped")) return fail("written process MACHINE NAME running|stopped");
    if (!machineWord(w[1])) return fail("'" + std::string(w[1]) + "' is not a machine (its id, an address, or a fact)");
    if (!isFact(w[2]) && !util::isPlainName(w[2])) return fail("'" + std::string(w[2]) + "' is not a process name");
    c.kind = TestCheck::Kind::Process;
    c.machine = std::string(w[1]);
    c.name = std::string(w[2]);
    c.expectOpen = w[3] == "running";
    return c;
  }
  if (w[0] == "file") {
    if (w.size() != 5 || w[3] != "sha256") return fail("written file MACHINE PATH sha256 HEX|absent");
    if (!machineWord(w[1])) return fail("'" + std::string(w[1]) + "' is not a machine (its id, an address, or a fact)");
    if (!util::isNormalAbsolutePath(w[2])) return fail("'" + std::string(w[2]) + "' is not an absolute, normalised path");
    if (w[2].find_first_of("{}") != std::string_view::npos) return fail("a path is written whole: no fact is filled in it");
    if (!util::isSha256Hex(w[4]) && w[4] != "absent") return fail("'" + std::string(w[4]) + "' is not a SHA-256 in lower-case hex, nor absent");
    c.kind = TestCheck::Kind::File;
    c.machine = std::string(w[1]);
    c.path = std::string(w[2]);
    c.sha256 = std::string(w[4]);
    return c;
  }
  if (w[0] == "command") {
    if (w.size() != 5 || w[3] != "exit") return fail("written command MACHINE NAME exit CODE");
    if (!machineWord(w[1])) return fail("'" + std::string(w[1]) + "' is not a machine (its id, an address, or a fact)");
    if (!util::isPlainName(w[2])) return fail("'" + std::string(w[2]) + "' is not a command's name (letters, digits, . _ : + -)");
    int code = -1;
    const auto [end, error] = std::from_chars(w[4].data(), w[4].data() + w[4].size(), code);
    if (error != std::errc() || end != w[4].data() + w[4].size() || code < 0 || code > 255)
      return fail("'" + std::string(w[4]) + "' is not an exit status (0 to 255)");
    c.kind = TestCheck::Kind::Command;
    c.machine = std::string(w[1]);
    c.name = std::string(w[2]);
    c.exitCode = code;
    return c;
  }
  return fail("'" + std::string(w[0]) + "' is not a check (port, http, smtp, state, process, file, command)");
}

void readEntries(const LibraryText& layer, RunbookLibrary& lib, std::vector<std::string>& problems) {
  ManualEntry* open = nullptr;
  std::set<std::string> seen;
  eachRawLine(layer.manual, [&](std::size_t number, std::string_view line) {
    const auto origin = layer.origin + "/manual.txt:" + std::to_string(number);
    if (const auto header = headerOf(line)) {
      if (!validEntryKey(header->first)) {
        problems.push_back(origin + ": '" + header->first + "' is not a key (a word and three digits: apache-001)");
        open = nullptr;
        return;
      }
      if (!seen.insert(header->first).second) problems.push_back(origin + ": [" + header->first + "] twice");
      auto& e = lib.entries[header->first];
      e = ManualEntry{header->first, header->second, "", origin};
      open = &e;
      return;
    }
    if (!open) {
      if (!trimmed(line).empty() && line.front() != '#') problems.push_back(origin + ": text before the first [KEY]");
      return;
    }
    for (const auto& f : unknownFacts(line)) problems.push_back(origin + ": {" + f + "} is not a fact");
    open->text += std::string(line) + "\n";
  });
  for (auto& [key, e] : lib.entries) {
    while (!e.text.empty() && (e.text.back() == '\n' || e.text.back() == ' ')) e.text.pop_back();
    while (e.text.size() > 1 && e.text.front() == '\n') e.text.erase(0, 1);
  }
}

void readTests(const LibraryText& layer, RunbookLibrary& lib, std::vector<std::string>& problems) {
  TestPattern* open = nullptr;
  std::set<std::string> seen;
  eachRawLine(layer.tests, [&](std::size_t number, std::string_view raw) {
    const auto origin = layer.origin + "/tests.txt:" + std::to_string(number);
    if (const auto header = headerOf(raw)) {
      if (!validEntryKey(header->first)) {
        problems.push_back(origin + ": '" + header->first + "' is not a key (a word and three digits: apache-104)");
        open = nullptr;
        return;
      }
      if (!seen.insert(header->first).second) problems.push_back(origin + ": [" + header->first + "] twice");
      auto& t = lib.tests[header->first];
      t = TestPattern{header->first, header->second, {}, origin};
      open = &t;
      return;
    }
    auto line = raw.substr(0, raw.find('#'));
    const auto words = wordsOf(line);
    if (words.empty()) return;
    if (!open) return problems.push_back(origin + ": a check before the first [KEY]");
    for (const auto& f : unknownFacts(line)) problems.push_back(origin + ": {" + f + "} is not a fact");
    auto check = checkOf(words);
    if (!check) return problems.push_back(origin + ": " + check.error());
    open->checks.push_back(std::move(*check));
  });
  for (const auto& [key, t] : lib.tests) {
    if (t.checks.empty()) problems.push_back(t.origin + ": [" + key + "] has no check");
    // What one run_checks carries to an agent.
    if (std::count_if(t.checks.begin(), t.checks.end(), [](const TestCheck& c) { return c.byAgent(); }) > 32)
      problems.push_back(t.origin + ": [" + key + "] has more than 32 checks an agent runs");
  }
}

}  // namespace

const std::vector<std::string>& knownFacts() {
  static const std::vector<std::string> facts = {"host",  "address", "machine", "service", "port", "process",
                                                 "standby", "standby_address", "source", "signature", "incident"};
  return facts;
}

std::string fillFacts(std::string_view text, const Facts& facts) {
  std::string out;
  while (!text.empty()) {
    const auto open = text.find('{');
    const auto close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) {
      out += text;
      break;
    }
    out += text.substr(0, open);
    const std::string name(text.substr(open + 1, close - open - 1));
    const auto it = facts.find(name);
    if (it != facts.end() && !it->second.empty()) out += it->second;
    else if (std::find(knownFacts().begin(), knownFacts().end(), name) != knownFacts().end()) out += "(unknown " + name + ")";
    else out += text.substr(open, close - open + 1);
    text.remove_prefix(close + 1);
  }
  return out;
}

Result<TestCheck> filledCheck(const TestCheck& check, const Facts& given) {
  TestCheck c = check;
  // In a URL an IPv6 address goes in brackets.
  Facts facts = given;
  if (check.kind == TestCheck::Kind::Http)
    for (const char* key : {"address", "standby_address"})
      if (auto it = facts.find(key); it != facts.end() && it->second.find(':') != std::string::npos && it->second.front() != '[')
        it->second = "[" + it->second + "]";
  const auto unknown = [](const std::string& filled) {
    const auto at = filled.find("(unknown ");
    return fail("the incident's " + filled.substr(at + 9, filled.find(')', at) - at - 9) + " is not known: nothing is probed");
  };
  c.target = fillFacts(check.target, facts);
  if (c.target.find("(unknown ") != std::string::npos) return unknown(c.target);
  if (check.byAgent()) {
    c.machine = fillFacts(check.machine, facts);
    if (c.machine.find("(unknown ") != std::string::npos) return unknown(c.machine);
    if (!util::isPlainName(c.machine) && !packet::IpAddress::parse(c.machine))
      return fail("'" + c.machine + "' is not a machine's id or address: nothing is run");
  }
  if (check.kind == TestCheck::Kind::Process) {
    c.name = fillFacts(check.name, facts);
    if (c.name.find("(unknown ") != std::string::npos) return unknown(c.name);
    if (!util::isPlainName(c.name)) return fail("'" + c.name + "' is not a process name: nothing is run");
  }
  if (check.kind == TestCheck::Kind::Port && !check.text.empty()) {  // a port named by a fact
    const auto p = portOf(fillFacts(check.text, facts));
    if (!p) return fail("the incident's " + check.text + " is not a port: nothing is probed");
    c.port = *p;
    c.text.clear();
  }
  if (c.kind == TestCheck::Kind::Process || c.kind == TestCheck::Kind::File || c.kind == TestCheck::Kind::Command) {
    // Names and paths were checked as written.
  } else if (c.kind == TestCheck::Kind::Port || c.kind == TestCheck::Kind::SmtpGreeting || c.kind == TestCheck::Kind::SmtpRelay) {
    if (!packet::IpAddress::parse(c.target)) return fail("'" + c.target + "' is not an IP address: nothing is probed");
  } else if (c.kind == TestCheck::Kind::Http) {
    // http://ADDRESS[:PORT]/PATH with ADDRESS an IP literal ([v6] in brackets).
    auto rest = std::string_view(c.target).substr(7);
    const auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    std::string_view host = authority;
    if (!authority.empty() && authority.front() == '[') {
      const auto close = authority.find(']');
      host = close == std::string_view::npos ? std::string_view() : authority.substr(1, close - 1);
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
    }
    if (!packet::IpAddress::parse(host)) return fail("'" + c.target + "' does not name an IP address: nothing is probed");
  }
  c.text = fillFacts(c.text, facts);
  return c;
}

LibraryText libraryPartFor(const RunbookLibrary& library, const Scenario& scenario) {
  LibraryText out;
  std::set<std::string> done;
  for (const auto& step : scenario.steps) {
    if (!done.insert(std::to_string(static_cast<int>(step.kind)) + " " + step.argument).second) continue;
    if (step.kind == StepKind::Include) {
      if (const auto it = library.entries.find(step.argument); it != library.entries.end())
        out.manual += "[" + it->first + "] " + it->second.title + "\n" + it->second.text + "\n";
    } else if (step.kind == StepKind::Execute) {
      if (const auto it = library.tests.find(step.argument); it != library.tests.end()) {
        out.tests += "[" + it->first + "] " + it->second.title + "\n";
        for (const auto& c : it->second.checks) out.tests += c.line + "\n";
      }
    } else if (step.kind == StepKind::Import) {
      if (const auto it = library.files.find(step.argument); it != library.files.end()) out.files[it->first] = it->second;
    }
  }
  return out;
}

std::string RunbookLibrary::scenarioFor(const std::string& problem, const std::string& service) const {
  for (const auto& c : catalogue)
    if (c.problem == problem && c.service == service) return c.scenario;
  for (const auto& c : catalogue)
    if (c.problem == problem && c.service == "*") return c.scenario;
  return "";
}

Result<RunbookLibrary> buildLibrary(const std::vector<LibraryText>& layers) {
  RunbookLibrary lib;
  std::vector<std::string> problems;
  std::vector<CatalogueChoice> catalogue;
  for (const auto& layer : layers) {
    readEntries(layer, lib, problems);
    readTests(layer, lib, problems);
    for (const auto& [name, text] : layer.scenarios) {
      auto parsed = parseScenario(text);
      const auto origin = layer.origin + "/" + name + ".scenario";
      if (!parsed) {
        std::string e = parsed.error();
        for (std::size_t at = 0; at != std::string::npos;) {  // each problem with the file's name
          const auto end = e.find('\n', at);
          problems.push_back(origin + ": " + e.substr(at, end == std::string::npos ? end : end - at));
          at = end == std::string::npos ? end : end + 1;
        }
        continue;
      }
      lib.scenarios[name] = ScenarioEntry{name, text, std::move(*parsed), origin};
    }
    for (const auto& [name, text] : layer.files) lib.files[name] = text;
    std::vector<CatalogueChoice> mine;
    eachCommentedLine(layer.catalogue, [&](std::size_t number, const std::vector<std::string_view>& w) {
      if (w.size() != 3) {
        problems.push_back(layer.origin + "/catalogue.txt:" + std::to_string(number) + ": written PROBLEM SERVICE SCENARIO");
        return true;
      }
      mine.push_back({std::string(w[0]), std::string(w[1]), std::string(w[2])});
      return true;
    });
    // A later layer's choices come first.
    mine.insert(mine.end(), catalogue.begin(), catalogue.end());
    catalogue = std::move(mine);
  }
  lib.catalogue = std::move(catalogue);
  // Every reference resolves.
  for (const auto& [name, s] : lib.scenarios)
    for (const auto& step : s.scenario.steps) {
      const auto where = s.origin + ": line " + std::to_string(step.line) + ": ";
      if (step.kind == StepKind::Include && !lib.entries.count(step.argument))
        problems.push_back(where + "no manual entry [" + step.argument + "]");
      if (step.kind == StepKind::Execute && !lib.tests.count(step.argument))
        problems.push_back(where + "no test pattern [" + step.argument + "]");
      if (step.kind == StepKind::Import && !lib.files.count(step.argument))
        problems.push_back(where + "no file '" + step.argument + "' in the library");
    }
  for (const auto& c : lib.catalogue)
    if (!lib.scenarios.count(c.scenario)) problems.push_back("catalogue: " + c.problem + " " + c.service + " names no scenario '" + c.scenario + "'");
  if (!problems.empty()) return fail(joinProblems(problems));
  return lib;
}

}  // namespace portcullis::runbooks
