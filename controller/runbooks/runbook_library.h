#pragma once
// The runbook library: manual entries (detailed instructions for one small
// item), test patterns (how to confirm it), scenarios (the base procedure
// for a kind of problem), the catalogue choosing a scenario by problem and
// service, and the files scenarios import. Built in layers: the product's
// own, then a site's directory, whose entries replace the product's by key.
// A library whose scenarios name an entry, test or file it does not hold is
// refused whole, with the file and line. Pure.
//
// manual.txt    [KEY] TITLE, then the entry's text up to the next [KEY]
// tests.txt     [KEY] TITLE, then one check a line (all must pass):
//                 port ADDRESS PORT open|closed       (from the controller)
//                 port ADDRESS PORT open|closed from MACHINE  (tried by that machine's agent)
//                 http URL status CODE [contains|lacks TEXT]
//                 smtp ADDRESS PORT greeting TEXT
//                 smtp ADDRESS PORT relay refused|accepted
//                 state MACHINE admitted|quarantined  (the machine's admission)
//                 process MACHINE NAME running|stopped  (by its agent)
//                 file MACHINE PATH sha256 HEX|absent   (by its agent)
//                 command MACHINE NAME exit CODE        (its agent runs what its
//                                                        [check_commands] names NAME)
//               MACHINE is a machine's id or an IP address ({machine}, {address}).
// catalogue.txt PROBLEM SERVICE SCENARIO   (SERVICE * for any)
// NAME.scenario the step language (controller/runbooks/scenario.h)
//
// Text may name facts of the incident in braces, filled when the runbook is
// made: {host} {address} {machine} {service} {port} {process} {standby}
// {standby_address} {source} {signature} {incident}. A fact not known reads
// "(unknown host)" in an entry; a test whose address or machine is not
// known fails with that reason rather than probe anything else.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.h"
#include "controller/runbooks/scenario.h"

namespace portcullis::runbooks {

using Facts = std::map<std::string, std::string>;

struct ManualEntry {
  std::string key, title, text;
  std::string origin;  // "manual.txt:12"
};

struct TestCheck {
  enum class Kind { Port, Http, SmtpGreeting, SmtpRelay, State, Process, File, Command } kind = Kind::Port;
  std::string target;    // ADDRESS, URL or MACHINE, facts unfilled
  std::uint16_t port = 0;
  bool expectOpen = true;      // port: open; smtp relay: accepted; state: the wanted state below
  int status = 0;              // http
  std::string text;            // http contains/lacks, smtp greeting
  bool textWanted = true;      // http: contains (true) or lacks
  std::string state;           // state: admitted, quarantined
  // Where an agent runs it (process, file, command, port ... from): a
  // machine's id or address; "" for the controller.
  std::string machine;
  std::string name;            // process: its name; command: the agent's name for it
  std::string path;            // file: absolute
  std::string sha256;          // file: lower-case hex, or "absent"
  int exitCode = 0;            // command
  std::string line;            // as written
  bool byAgent() const { return !machine.empty(); }
};

struct TestPattern {
  std::string key, title;
  std::vector<TestCheck> checks;
  std::string origin;
};

struct ScenarioEntry {
  std::string name, text;
  Scenario scenario;
  std::string origin;
};

struct CatalogueChoice {
  std::string problem, service, scenario;
};

// The files of one layer, as read.
struct LibraryText {
  std::string origin;  // "built-in", a directory
  std::string manual, tests, catalogue;
  std::map<std::string, std::string> scenarios;  // by name, without .scenario
  std::map<std::string, std::string> files;      // what import shows, by name
};

struct RunbookLibrary {
  std::map<std::string, ManualEntry> entries;
  std::map<std::string, TestPattern> tests;
  std::map<std::string, ScenarioEntry> scenarios;
  std::vector<CatalogueChoice> catalogue;  // the site's first, then the product's
  std::map<std::string, std::string> files;

  // The scenario for a problem and service ("" when none fits): an exact
  // service first, then one for any.
  std::string scenarioFor(const std::string& problem, const std::string& service) const;
};

Result<RunbookLibrary> buildLibrary(const std::vector<LibraryText>& layers);

// The product's own library, compiled in from controller/runbooks/library/.
LibraryText builtinLibrary();

// The entries, test patterns and files a scenario uses, in the library's
// own file forms: kept with a runbook as it is made, so that a library
// changed later changes no runbook made before. buildLibrary reads it back.
LibraryText libraryPartFor(const RunbookLibrary& library, const Scenario& scenario);

// Text with its {facts} filled; a fact not known reads "(unknown NAME)".
std::string fillFacts(std::string_view text, const Facts& facts);
// A check with its facts filled; an error when one it needs is not known,
// or when its address is not an IP address (no name is looked up: a
// test never goes where the incident's facts did not say).
Result<TestCheck> filledCheck(const TestCheck& check, const Facts& facts);

// The facts text may name.
const std::vector<std::string>& knownFacts();

}  // namespace portcullis::runbooks
