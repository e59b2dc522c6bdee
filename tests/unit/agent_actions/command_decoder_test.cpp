// decodeCommand: bytes from the controller to a typed order or a named
// refusal. Every action decodes to its order with its fields; every field
// that reaches a shell, nft or the file system is checked first.
#include "agent/actions/command_decoder.h"

#include <doctest/doctest.h>

#include "common/util/digest.h"
#include "common/wire/command_kind.h"
#include "tests/support/typed_command.h"

using namespace portcullis::agent::actions;
using portcullis::testing::typedCommand;
namespace pb = ::portcullis::v1;

namespace {

template <typename T>
T orderOf(const DecodedCommand& d) {
  REQUIRE_MESSAGE(std::holds_alternative<AgentCommand>(d), std::get<CommandRefusal>(d).reason);
  const auto& order = std::get<AgentCommand>(d).order;
  REQUIRE(std::holds_alternative<T>(order));
  return std::get<T>(order);
}

CommandRefusal refusalOf(const DecodedCommand& d) {
  REQUIRE(std::holds_alternative<CommandRefusal>(d));
  return std::get<CommandRefusal>(d);
}

DecodedCommand decoded(const std::string& kind, const std::string& json) {
  return decodeCommand(typedCommand(kind, json).SerializeAsString());
}

}  // namespace

TEST_CASE("bytes that are not a command, and a command with no action, are refused by name") {
  CHECK(refusalOf(decodeCommand(std::string("\xff\xff\xff", 3))).code == CommandRefusal::Code::Unreadable);
  pb::Command empty;
  empty.set_command_id("c1");
  CHECK(refusalOf(decodeCommand(empty.SerializeAsString())).code == CommandRefusal::Code::NoAction);
  CHECK(std::string(refusalName(CommandRefusal::Code::NoAction)) == "no_action");
  pb::Command newer;
  newer.GetReflection()->MutableUnknownFields(&newer)->AddLengthDelimited(99, "x");
  CHECK(refusalOf(decodeCommand(newer)).code == CommandRefusal::Code::UnknownAction);
}

TEST_CASE("each action decodes to its order, with id, kind and time") {
  auto c = typedCommand("patch", R"({"advisory": "DSA-5532-1", "source": "openssl", "fixed": "3.0.11-1~deb12u2",
    "packages": [{"name": "libssl3", "target": "3.0.11-1~deb12u2"}, {"name": "openssl", "target": ""}],
    "checks": [{"name": "web", "type": "HTTP", "target": "http://127.0.0.1/", "expect_text": "ok"},
               {"type": "PROCESS", "process": "nginx"}]})",
                        "id-7");
  c.set_issued_at_unix(1700000000);
  const auto d = decodeCommand(c.SerializeAsString());
  const auto patch = orderOf<PatchOrder>(d);
  CHECK(std::get<AgentCommand>(d).id == "id-7");
  CHECK(std::get<AgentCommand>(d).kind == "patch");
  CHECK(std::get<AgentCommand>(d).issuedAt == 1700000000);
  CHECK(patch.advisory == "DSA-5532-1");
  REQUIRE(patch.packages.size() == 2);
  CHECK(patch.packages[0].name == "libssl3");
  CHECK(patch.packages[0].version == "3.0.11-1~deb12u2");
  CHECK(patch.packages[1].version.empty());
  REQUIRE(patch.checks.size() == 2);
  CHECK(patch.checks[0].type == "http");
  CHECK(patch.checks[0].expectStatus == 200);  // unset: the default
  CHECK(patch.checks[0].timeoutMs == 5000);
  CHECK(patch.checks[1].name == "check1");
  CHECK(patch.checks[1].process == "nginx");

  const auto filter = orderOf<FilterAddOrder>(decoded("filter_add", R"({"advisory": "DSA-1", "package": "nginx", "allow": ["10.0.0.0/8"]})"));
  CHECK(filter.allow == std::vector<std::string>{"10.0.0.0/8"});
  CHECK(orderOf<FilterRemoveOrder>(decoded("filter_remove", R"({"advisory": "DSA-1"})")).advisory == "DSA-1");
  CHECK_FALSE(orderOf<ServiceOrder>(decoded("stop_service", R"({"package": "nginx"})")).restart);
  CHECK(orderOf<ServiceOrder>(decoded("restart_service", R"({"package": "nginx"})")).restart);
  const auto isolate = orderOf<IsolateOrder>(decoded("isolate", R"({"reason": "Win.Test.EICAR", "allow": ["10.66.0.53"]})"));
  CHECK(isolate.reason == "Win.Test.EICAR");
  orderOf<ReleaseIsolationOrder>(decoded("release_isolation", "{}"));
  CHECK(isolate.mode == IsolationMode::Complete);
  const auto drop = orderOf<IsolateOrder>(decoded(
      "isolate", R"({"reason": "web-cmd", "mode": "drop", "drop": [{"protocol": 6, "address": "10.78.0.3", "port": 8080}]})"));
  CHECK(drop.mode == IsolationMode::Drop);
  REQUIRE(drop.drops.size() == 1);
  CHECK(drop.drops[0] == FlowDrop{6, "10.78.0.3", 8080, false});
  const auto limit = orderOf<IsolateOrder>(decoded("isolate", R"({"mode": "limit", "limitBytesPerSecond": "131072"})"));
  CHECK(limit.mode == IsolationMode::Limit);
  CHECK(limit.limitBytesPerSecond == 131072);
  const std::string sha(64, 'a');
  const auto restore = orderOf<RestoreFileOrder>(
      decoded("restore_file", R"({"path": "/etc/app.conf", "sha256": ")" + sha + R"(", "package": "app", "version": "1:2.0-1"})"));
  CHECK(restore.version == "1:2.0-1");
  CHECK(orderOf<RemoveFileOrder>(decoded("remove_file", R"({"path": "/tmp/x", "sha256": ")" + sha + R"("})")).path == "/tmp/x");
  orderOf<SendFileListOrder>(decoded("send_file_list", "{}"));
  CHECK(orderOf<RenewLeaseOrder>(decoded("renew_lease", R"({"state": "quarantined"})")).state == "quarantined");
}

TEST_CASE("every action of the proto has a decoder") {
  const auto* oneof = pb::Command::descriptor()->FindOneofByName("action");
  REQUIRE(oneof->field_count() >= 11);
  const std::string sha(64, 'a');
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto kind = oneof->field(i)->name();
    // The smallest valid fields of each.
    std::string json = "{}";
    if (kind == "patch") json = R"({"advisory": "A", "packages": [{"name": "p"}]})";
    if (kind == "filter_add" || kind == "stop_service" || kind == "restart_service") json = R"({"advisory": "A", "package": "p"})";
    if (kind == "restart_service") json = R"({"package": "p"})";
    if (kind == "filter_remove") json = R"({"advisory": "A"})";
    if (kind == "restore_file" || kind == "remove_file") json = R"({"path": "/a", "sha256": ")" + sha + R"("})";
    if (kind == "set_signatures") json = R"({"digest": ")" + portcullis::util::sha256Hex("") + R"("})";
    if (kind == "isolate_segment" || kind == "release_segment") json = R"({"segment": "10.80.1.0/24"})";
    if (kind == "run_checks") json = R"({"checks": [{"type": "PROCESS", "process": "sshd"}]})";
    const auto d = decoded(kind, json);
    CHECK_MESSAGE(std::holds_alternative<AgentCommand>(d), kind);
    if (std::holds_alternative<AgentCommand>(d)) CHECK(std::get<AgentCommand>(d).kind == kind);
  }
}

TEST_CASE("paths, hashes, packages, versions, addresses and texts are checked before anything runs") {
  const std::string sha(64, 'a');
  for (const char* path : {"etc/passwd", "/etc/../etc/passwd", "/etc//passwd", "/etc/", "/", "/etc/./x", ""})
    CHECK(refusalOf(decoded("remove_file", std::string(R"({"path": ")") + path + R"(", "sha256": ")" + sha + R"("})"))
              .reason.find("is not an absolute, normalised path") != std::string::npos);
  CHECK(refusalOf(decoded("remove_file", R"({"path": "/tmp/x", "sha256": "ABC"})")).reason == "'ABC' is not a SHA-256 in lower-case hex");
  CHECK(refusalOf(decoded("restore_file", R"({"path": "/x", "sha256": ")" + sha + R"(", "package": "pkg; rm -rf /"})"))
            .reason == "'pkg; rm -rf /' is not a package name");
  CHECK(refusalOf(decoded("restore_file", R"({"path": "/x", "sha256": ")" + sha + R"(", "package": "pkg", "version": "1 && reboot"})"))
            .reason == "'1 && reboot' is not a package version");
  CHECK(refusalOf(decoded("restart_service", "{}")).reason == "'' is not a package name");
  CHECK(refusalOf(decoded("isolate", R"({"allow": ["10.0.0.0/33"]})")).reason.find("has a prefix outside 0..32") != std::string::npos);
  CHECK(refusalOf(decoded("isolate", R"({"reason": "line\nforged"})")).reason.find("not one line") != std::string::npos);
  CHECK(refusalOf(decoded("isolate", R"({"mode": "sideways"})")).reason.find("not an isolation mode") != std::string::npos);
  CHECK(refusalOf(decoded("isolate", R"({"mode": "drop"})")).reason.find("names nothing to drop") != std::string::npos);
  CHECK(refusalOf(decoded("isolate", R"({"mode": "drop", "drop": [{"protocol": 6, "port": 70000}]})"))
            .reason.find("out of range") != std::string::npos);
  CHECK(refusalOf(decoded("isolate", R"({"mode": "drop", "drop": [{"protocol": 6, "address": "x; flush ruleset", "port": 80}]})"))
            .reason.find("not an IPv4 address") != std::string::npos);
  CHECK(refusalOf(decoded("isolate", R"({"mode": "limit"})")).reason.find("needs a rate") != std::string::npos);
  CHECK(refusalOf(decoded("isolate_segment", R"({"segment": "10.80.1.0/24; flush ruleset"})")).reason.find("not an IPv4 network") !=
        std::string::npos);
  CHECK(refusalOf(decoded("isolate_segment", R"({"segment": "10.80.1.0/24", "allow": ["10.0.0.0/40"]})"))
            .reason.find("prefix outside 0..32") != std::string::npos);
  CHECK(refusalOf(decoded("release_segment", R"({"segment": ""})")).reason.find("not an IPv4 network") != std::string::npos);
  CHECK(refusalOf(decoded("patch", R"({"advisory": "A", "packages": [{"name": "p"}], "checks": [{"name": "c"}]})"))
            .reason == "check c has no type this agent knows");
  CHECK(refusalOf(decoded("patch", R"({"advisory": "A B", "packages": [{"name": "p"}]})")).reason.find("advisory") == 0);
}

TEST_CASE("a runbook's checks decode whole, and a check that could run anything else is refused") {
  const std::string sha(64, 'b');
  const auto o = orderOf<RunChecksOrder>(decoded("run_checks", R"({"reason": "runbook 3, line 7", "checks": [
      {"name": "stopped", "type": "STOPPED", "process": "apache2"},
      {"name": "conf", "type": "FILE", "target": "/etc/apache2/apache2.conf", "sha256": ")" + sha + R"("},
      {"name": "gone", "type": "FILE", "target": "/var/www/x.php", "sha256": "absent"},
      {"name": "syntax", "type": "COMMAND", "command": "apache-config", "expect_exit": 0},
      {"name": "db", "type": "TCP", "target": "10.0.0.5:5432"}]})"));
  CHECK(o.reason == "runbook 3, line 7");
  REQUIRE(o.checks.size() == 5);
  CHECK(o.checks[0].type == "stopped");
  CHECK(o.checks[1].sha256 == sha);
  CHECK(o.checks[2].sha256 == "absent");
  CHECK(o.checks[3].type == "command");
  CHECK(o.checks[3].command == "apache-config");
  CHECK(o.checks[3].timeoutMs == 30000);  // a command's default
  CHECK(o.checks[4].timeoutMs == 5000);

  CHECK(refusalOf(decoded("run_checks", "{}")).reason == "run_checks carries 1 to 32 checks");
  std::string many = R"({"checks": [)";
  for (int i = 0; i < 33; ++i) many += std::string(i ? "," : "") + R"({"type": "PROCESS", "process": "x"})";
  CHECK(refusalOf(decoded("run_checks", many + "]}")).reason == "run_checks carries 1 to 32 checks");
  CHECK(refusalOf(decoded("run_checks", R"({"checks": [{"name": "c", "type": "COMMAND", "command": "rm -rf /"}]})"))
            .reason.find("is not a command's name") != std::string::npos);
  CHECK(refusalOf(decoded("run_checks", R"({"checks": [{"name": "c", "type": "COMMAND", "command": "t", "expect_exit": 300}]})"))
            .reason.find("not 0 to 255") != std::string::npos);
  CHECK(refusalOf(decoded("run_checks", R"({"checks": [{"name": "f", "type": "FILE", "target": "/etc/../root/x", "sha256": "absent"}]})"))
            .reason.find("not an absolute, normalised path") != std::string::npos);
  CHECK(refusalOf(decoded("run_checks", R"({"checks": [{"name": "f", "type": "FILE", "target": "/etc/x", "sha256": "ABC"}]})"))
            .reason.find("nor absent") != std::string::npos);
  CHECK(refusalOf(decoded("run_checks", R"({"checks": [{"name": "p", "type": "STOPPED"}]})")).reason == "check p names no process");
  CHECK(refusalOf(decoded("run_checks", R"({"reason": "a\nforged", "checks": [{"type": "PROCESS", "process": "x"}]})"))
            .reason.find("not one short line") != std::string::npos);
}

TEST_CASE("a refusal answers the command with its id, its name and why") {
  const auto r = refusedResult("c9", "remove_file", {CommandRefusal::Code::BadField, "'x' is not a path"});
  CHECK(r.command_id() == "c9");
  CHECK_FALSE(r.ok());
  CHECK(r.refused() == "bad_field");
  CHECK(r.detail() == "refused remove_file: 'x' is not a path");
}

TEST_CASE("a signature set is taken only whole: its digest matches its text and the text reads") {
  const std::string text = "signature a\n name x\n pattern \"abcdef\"\nend\n";
  pb::Command c;
  c.set_command_id("c9");
  c.mutable_set_signatures()->set_text(text);
  c.mutable_set_signatures()->set_digest(portcullis::util::sha256Hex(text));
  const auto order = orderOf<SetSignaturesOrder>(decodeCommand(c.SerializeAsString()));
  CHECK(order.signatures == 1);
  CHECK(order.text == text);
  c.mutable_set_signatures()->set_digest(std::string(64, '0'));
  CHECK(refusalOf(decodeCommand(c.SerializeAsString())).reason.find("digest does not match") != std::string::npos);
  const std::string bad = "signature a\n pattern \"ab\"\nend\n";
  c.mutable_set_signatures()->set_text(bad);
  c.mutable_set_signatures()->set_digest(portcullis::util::sha256Hex(bad));
  CHECK(refusalOf(decodeCommand(c.SerializeAsString())).reason.find("does not read: line 2") != std::string::npos);
}
