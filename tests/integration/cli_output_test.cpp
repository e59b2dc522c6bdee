// What the controller's command line prints of text it did not write: host
// names, packages, versions, interfaces... chosen by whoever runs an agent (or
// a DHCP client, or a feed's author). In text output it is escaped, so it
// cannot act on the operator's terminal (clear the screen, set the title,
// forge a line of output); JSON carries it exactly. And a host name two
// machines share names neither of them.
#include <doctest/doctest.h>

#include <signal.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "tests/integration/controller_fixture.h"

using namespace portcullis;
using namespace portcullis::testing;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// Clear the screen, go home, set the window title; then a forged line.
const std::string kEsc = "\x1b[2J\x1b[H\x1b]0;owned\x07";
const std::string kC1 = "\xc2\x9b" "31m";   // CSI as one C1 character (U+009B)
const std::string kRlo = "\xe2\x80\xae";     // right-to-left override
const std::string kHost = "evil" + kEsc + "\nFORGED host admitted\r" + kC1 + kRlo;
const std::string kIface = "eth0" + kEsc + "\nFORGED interface";
const std::string kPackage = "evilpkg" + kEsc + "\nFORGED package";
const std::string kVersion = "1.0\x07\nFORGED version";
const std::string kProcess = "evild\x1b[5m\nFORGED process";
const std::string kAdvisory = "EVIL-" + kEsc + "-1";
const std::string kSummary = "summary" + kEsc + "\nFORGED advisory";
const std::string kResult = "done" + kEsc + "\nFORGED result";
const std::string kMalware = "Eicar" + kEsc + "\nFORGED malware";
// A DHCP client's option 12 is bytes: here not even UTF-8.
const std::string kLeaseHost = "dhcp" + kEsc + "\xff\xc3\nFORGED lease";

// The first byte of out a terminal would act on (other than the output's
// own line ends), or "" when there is none. Independent of the escaping
// code: it looks for exactly what the test put in.
std::string rawControl(const std::string& out) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto b = static_cast<unsigned char>(out[i]);
    const auto next = i + 1 < out.size() ? static_cast<unsigned char>(out[i + 1]) : 0;
    if ((b < 0x20 && b != '\n') || b == 0x7f || b == 0xff || (b == 0xc2 && next >= 0x80 && next <= 0x9f) ||
        out.compare(i, kRlo.size(), kRlo) == 0 || (b == 0xc3 && (next < 0x80 || next > 0xbf)))
      return "byte " + std::to_string(b) + " at " + std::to_string(i) + " near '" +
             out.substr(i > 20 ? i - 20 : 0, 40) + "'";
  }
  return "";
}

// A line of text has these words in this order.
bool lineHas(const std::string& text, const std::vector<std::string>& words) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::size_t at = 0;
    bool all = true;
    for (const auto& w : words) {
      at = line.find(w, at);
      if (at == std::string::npos) {
        all = false;
        break;
      }
      at += w.size();
    }
    if (all) return true;
  }
  return false;
}

// A line of output that text from outside started.
bool forgedLine(const std::string& out) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.find_first_not_of(' ') != std::string::npos && line.substr(line.find_first_not_of(' ')).rfind("FORGED", 0) == 0)
      return true;
  return false;
}

void checkText(const Outcome& o, const std::string& what) {
  CAPTURE(what);
  CHECK_MESSAGE(o.exitCode == 0, o.err);
  CHECK_MESSAGE(rawControl(o.out) == "", o.out);
  CHECK_MESSAGE(rawControl(o.err) == "", o.err);
  CHECK_MESSAGE(!forgedLine(o.out), o.out);
}

// JSON is parsed as it is; raw controls may not appear in it either (RFC
// 8259 requires C0 escaped; DEL, C1 and the layout characters are escaped too).
Poco::Dynamic::Var checkJson(const Outcome& o, const std::string& what) {
  CAPTURE(what);
  REQUIRE_MESSAGE(o.exitCode == 0, o.err);
  CHECK_MESSAGE(rawControl(o.out) == "", o.out);
  try {
    return Poco::JSON::Parser().parse(o.out);
  } catch (const std::exception& e) {
    FAIL("not JSON: " << std::string(e.what()) << "\n" << o.out);
  }
  return {};
}

v1::MachineInfo hostileMachine() {
  v1::MachineInfo info;
  info.set_hostname(kHost);
  info.set_machine_id(std::string(32, 'e'));
  info.set_arch("x86_64");
  info.set_kernel_release("6.1.0" + kEsc);
  info.mutable_os()->set_id("debian");
  info.mutable_os()->set_version_id("12");
  info.mutable_os()->set_pretty_name("Debian" + kEsc + "\nFORGED os");
  auto* nic = info.add_interfaces();
  nic->set_name(kIface);
  nic->set_mac("02:00:00:00:00:0e");
  nic->add_ipv4("192.0.2.14/24");
  auto* p = info.add_packages();
  p->set_name(kPackage);
  p->set_version("1.0-1");
  p->set_arch("amd64");
  p->set_source(kPackage);
  p->set_source_version("1.0-1");
  auto* v = info.add_packages();
  v->set_name("plain");
  v->set_version(kVersion);
  v->set_arch("amd64");
  auto* l = info.add_listening();
  l->set_protocol(v1::ListeningSocket::TCP);
  l->set_address("0.0.0.0");
  l->set_port(8080);
  l->set_process(kProcess);
  l->set_package(kPackage);
  auto* d = info.add_hardware();
  d->set_kind("usb");
  d->set_name("usb" + kEsc);
  d->set_description("stick\nFORGED hardware");
  d->set_serial("\x07\x07");
  auto* av = info.mutable_antivirus();
  av->set_engine("clam" + kEsc);
  av->set_error("failed\nFORGED antivirus");
  auto* f = av->add_findings();
  f->set_signature(kMalware);
  f->set_path("/tmp/x\nFORGED path");
  f->set_detected_at_unix(1700000000);
  return info;
}

// One advisory for the hostile package, written as a feed file (OSV JSON).
std::string feedFor(const std::string& dir) {
  Object::Ptr event0 = new Object, event1 = new Object;
  event0->set("introduced", "0");
  event1->set("fixed", "1.0-2");
  Array::Ptr events = new Array;
  events->add(event0);
  events->add(event1);
  Object::Ptr range = new Object;
  range->set("type", "ECOSYSTEM");
  range->set("events", events);
  Array::Ptr ranges = new Array;
  ranges->add(range);
  Object::Ptr package = new Object;
  package->set("ecosystem", "Debian:12");
  package->set("name", kPackage);
  Object::Ptr affected = new Object;
  affected->set("package", package);
  affected->set("ranges", ranges);
  Array::Ptr affectedList = new Array;
  affectedList->add(affected);
  Object::Ptr advisory = new Object;
  advisory->set("id", kAdvisory);
  advisory->set("modified", "2024-01-20T09:27:07Z");
  advisory->set("published", "2024-01-20T09:27:07Z");
  advisory->set("summary", kSummary);
  advisory->set("affected", affectedList);
  Array::Ptr feed = new Array;
  feed->add(advisory);
  const std::string path = dir + "/hostile-feed.json";
  std::ofstream out(path);
  feed->stringify(out);
  return path;
}

store::ReportWrite reportOf(const std::string& agentId, const v1::MachineInfo& info, std::int64_t at) {
  return store::ReportWrite{agentId, "digest-" + agentId, at, info};
}

}  // namespace

TEST_CASE("text output escapes what agents, DHCP clients and feeds wrote; JSON carries it exactly") {
  ControllerFixture c;
  c.stop(SIGTERM);  // the command line reads the store alone; nothing else changes it meanwhile
  const std::string id = "hostile-agent";
  {
    auto store = c.openStore();
    store->addAgent({id, kHost, "01", std::string(64, 'a'), 1700000000, 0});
    store->writeReports({reportOf(id, hostileMachine(), 1700000000)});
    v1::Command renew;
    renew.mutable_renew_lease()->set_state("admitted");
    const auto command = store->enqueueCommand(id, renew, 1700000000);
    v1::CommandResult result;
    result.set_command_id(command);
    result.set_detail(kResult);
    store->markFinished(command, result, 1700000001);
    dhcp::Lease lease;
    lease.address = 0xc000020e;
    lease.mac = "02:00:00:00:00:0e";
    lease.hostname = kLeaseHost;
    lease.subnet = "lab";
    lease.state = dhcp::LeaseState::Bound;
    lease.start = 1700000000;
    lease.expires = 1700003600;
    store->putLeases({lease});
    store->sensors().addKnownBad({{std::string(64, 'b'), kMalware, "list" + kEsc, 0, 1700000000}});
  }
  const auto imported = c.cli({"feed", "import", feedFor(c.root()), "--insecure"});
  REQUIRE_MESSAGE(imported.exitCode == 0, imported.err);

  SUBCASE("text") {
    const auto machines = c.cli({"machines"});
    checkText(machines, "machines");
    CHECK(machines.out.find("evil\\x1b[2J\\x1b[H\\x1b]0;owned\\x07\\nFORGED host admitted\\r\\u009b31m\\u202e") !=
          std::string::npos);

    const auto show = c.cli({"machine", "show", id});
    checkText(show, "machine show");
    CHECK(show.out.find("eth0\\x1b[2J") != std::string::npos);
    CHECK(show.out.find("evilpkg\\x1b[2J\\x1b[H\\x1b]0;owned\\x07\\nFORGED package") != std::string::npos);
    CHECK(show.out.find("1.0\\x07\\nFORGED version") != std::string::npos);
    CHECK(show.out.find("EVIL-\\x1b[2J") != std::string::npos);  // its diagnosis

    const auto one = c.cli({"diagnose", id});
    checkText(one, "diagnose ID");
    CHECK(one.out.find("EVIL-\\x1b[2J") != std::string::npos);
    CHECK(one.out.find("evilpkg\\x1b[2J") != std::string::npos);
    checkText(c.cli({"diagnose"}), "diagnose");

    checkText(c.cli({"agents"}), "agents");
    const auto commands = c.cli({"commands"});
    checkText(commands, "commands");
    CHECK(commands.out.find("done\\x1b[2J") != std::string::npos);
    const auto leases = c.cli({"leases"});
    checkText(leases, "leases");
    CHECK(leases.out.find("dhcp\\x1b[2J\\x1b[H\\x1b]0;owned\\x07\\xff\\xc3\\nFORGED lease") != std::string::npos);
    checkText(c.cli({"advisories"}), "advisories");
    checkText(c.cli({"known-bad"}), "known-bad");

    // What the operator typed comes back in an error line, escaped too.
    const auto missing = c.cli({"machine", "show", "no" + kEsc + "\nFORGED"});
    CHECK(missing.exitCode == 1);
    CHECK_MESSAGE(rawControl(missing.err) == "", missing.err);
  }

  SUBCASE("JSON") {
    auto machines = checkJson(c.cli({"machines", "--json"}), "machines --json").extract<Array::Ptr>();
    REQUIRE(machines->size() == 1);
    CHECK(machines->getObject(0)->getValue<std::string>("hostname") == kHost);

    auto show = checkJson(c.cli({"machine", "show", id, "--json"}), "machine show --json").extract<Object::Ptr>();
    CHECK(show->getValue<std::string>("hostname") == kHost);
    CHECK(show->getArray("interfaces")->getObject(0)->getValue<std::string>("name") == kIface);
    CHECK(show->getArray("packages")->getObject(0)->getValue<std::string>("name") == kPackage);
    CHECK(show->getArray("packages")->getObject(1)->getValue<std::string>("version") == kVersion);
    CHECK(show->getArray("listening")->getObject(0)->getValue<std::string>("process") == kProcess);

    auto one = checkJson(c.cli({"diagnose", id, "--json"}), "diagnose ID --json").extract<Object::Ptr>();
    CHECK(one->getValue<std::string>("hostname") == kHost);
    REQUIRE(one->getArray("vulnerabilities")->size() == 1);
    CHECK(one->getArray("vulnerabilities")->getObject(0)->getValue<std::string>("package") == kPackage);
    CHECK(one->getArray("vulnerabilities")->getObject(0)->getValue<std::string>("advisory") == kAdvisory);
    auto all = checkJson(c.cli({"diagnose", "--json"}), "diagnose --json").extract<Array::Ptr>();
    CHECK(all->getObject(0)->getValue<std::string>("hostname") == kHost);

    auto agents = checkJson(c.cli({"agents", "--json"}), "agents --json").extract<Array::Ptr>();
    CHECK(agents->getObject(0)->getValue<std::string>("hostname") == kHost);
    auto commands = checkJson(c.cli({"commands", "--json"}), "commands --json").extract<Array::Ptr>();
    CHECK(commands->getObject(0)->getValue<std::string>("result") == kResult);
    auto advisories = checkJson(c.cli({"advisories", "--json"}), "advisories --json").extract<Array::Ptr>();
    CHECK(advisories->getObject(0)->getValue<std::string>("summary") == kSummary);
    auto knownBad = checkJson(c.cli({"known-bad", "--json"}), "known-bad --json").extract<Array::Ptr>();
    CHECK(knownBad->getObject(0)->getValue<std::string>("name") == kMalware);
    // Bytes that are not UTF-8 cannot be carried by JSON: each is U+FFFD.
    auto leases = checkJson(c.cli({"leases", "--json"}), "leases --json").extract<Array::Ptr>();
    CHECK(leases->getObject(0)->getValue<std::string>("hostname") ==
          "dhcp" + kEsc + "\xef\xbf\xbd\xef\xbf\xbd\nFORGED lease");
  }
}

TEST_CASE("a host name two machines share names neither: the command lists both and asks for an id") {
  ControllerFixture c;
  c.stop(SIGTERM);
  {
    auto store = c.openStore();
    v1::MachineInfo twin;
    twin.set_hostname("twin");
    twin.mutable_os()->set_id("debian");
    twin.mutable_os()->set_version_id("12");
    store->writeReports({reportOf("twin-older", twin, 1700000000), reportOf("twin-newer", twin, 1700000600)});
    v1::MachineInfo single;
    single.set_hostname("single");
    store->writeReports({reportOf("single-id", single, 1700000000)});
  }
  const auto stateOf = [&](const std::string& id) {
    return std::string(admission::admissionName(c.openStore()->machineState(id).value()));
  };
  const auto olderState = stateOf("twin-older"), newerState = stateOf("twin-newer");
  const auto transitions = [&] {
    return c.openStore()->transitions("twin-older").size() + c.openStore()->transitions("twin-newer").size();
  };
  const auto transitionsBefore = transitions();
  for (std::vector<std::string> command : {std::vector<std::string>{"machine", "show", "twin"},
                                           {"machine", "show", "twin", "--json"},
                                           {"diagnose", "twin"},
                                           {"quarantine", "twin"},
                                           {"release", "twin"}}) {
    const auto o = c.cli(command);
    CAPTURE(command[0] + " " + command[1]);
    CHECK(o.exitCode == 1);
    CHECK(o.out == "");
    CHECK_MESSAGE(o.err.find("2 machines have the host name 'twin': name one by its id\n") != std::string::npos, o.err);
    // Each of them, most recently seen first: id, host name, last report and state.
    CHECK_MESSAGE(lineHas(o.err, {"ID", "HOSTNAME", "LAST REPORT", "STATE"}), o.err);
    CHECK_MESSAGE(lineHas(o.err, {"twin-newer", "twin", "2023-11-14T22:23:20Z", newerState}), o.err);
    CHECK_MESSAGE(lineHas(o.err, {"twin-older", "twin", "2023-11-14T22:13:20Z", olderState}), o.err);
    CHECK(o.err.find("twin-newer") < o.err.find("twin-older"));
  }
  // The refused quarantine and release changed nothing.
  CHECK(transitions() == transitionsBefore);
  CHECK(stateOf("twin-older") == olderState);
  CHECK(stateOf("twin-newer") == newerState);

  const auto byId = c.cli({"machine", "show", "twin-older"});
  CHECK_MESSAGE(byId.exitCode == 0, byId.err);
  CHECK(byId.out.rfind("Machine twin-older\n", 0) == 0);
  const auto single = c.cli({"machine", "show", "single"});
  CHECK_MESSAGE(single.exitCode == 0, single.err);
  CHECK(single.out.rfind("Machine single-id\n", 0) == 0);
  CHECK(c.cli({"diagnose", "twin-newer"}).exitCode == 0);
}
