#include "agent/actions/command_decoder.h"
#include "common/util/text.h"

#include <algorithm>
#include <cctype>

#include "agent/actions/filter_rules.h"
#include "agent/sensors/state_text.h"
#include "common/net/ipv4.h"
#include "common/packet/signature_set.h"
#include "common/util/digest.h"
#include "common/wire/command_kind.h"

namespace portcullis::agent::actions {
namespace {

namespace pb = ::portcullis::v1;
using Code = CommandRefusal::Code;

CommandRefusal bad(std::string reason) { return {Code::BadField, std::move(reason)}; }

bool packageVersion(const std::string& v) {
  return v.size() <= 100 && std::all_of(v.begin(), v.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '.' || c == '+' || c == '-' || c == '~' || c == ':';
         });
}

// A one-line, printable text (names, reasons) of bounded size.
bool plainText(const std::string& s, std::size_t max) {
  return s.size() <= max && std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
}

std::optional<CommandRefusal> addresses(const google::protobuf::RepeatedPtrField<std::string>& list,
                                        std::vector<std::string>& out) {
  if (list.size() > 256) return bad("more than 256 addresses to let through");
  for (const auto& a : list) {
    if (auto network = net::parseIpv4Net(a); !network) return bad(network.error());
    out.push_back(a);
  }
  return std::nullopt;
}

std::optional<CommandRefusal> fileTarget(const std::string& path, const std::string& sha256) {
  if (!util::isNormalAbsolutePath(path)) return bad("'" + path + "' is not an absolute, normalised path");
  if (!util::isSha256Hex(sha256)) return bad("'" + sha256 + "' is not a SHA-256 in lower-case hex");
  return std::nullopt;
}

std::optional<CommandRefusal> packageName(const std::string& package) {
  if (!util::isPlainName(package)) return bad("'" + package + "' is not a package name");
  return std::nullopt;
}

std::variant<CheckSpec, CommandRefusal> check(const pb::OperationCheck& c, int index) {
  CheckSpec s;
  s.name = c.name().empty() ? "check" + std::to_string(index) : c.name();
  if (!plainText(s.name, 100)) return bad("check " + std::to_string(index) + " has a name that is not one short line");
  switch (c.type()) {
    case pb::OperationCheck::PROCESS: s.type = "process"; break;
    case pb::OperationCheck::TCP: s.type = "tcp"; break;
    case pb::OperationCheck::HTTP: s.type = "http"; break;
    case pb::OperationCheck::SMTP: s.type = "smtp"; break;
    case pb::OperationCheck::REJECTED: s.type = "rejected"; break;
    case pb::OperationCheck::STOPPED: s.type = "stopped"; break;
    case pb::OperationCheck::COMMAND: s.type = "command"; break;
    case pb::OperationCheck::FILE: s.type = "file"; break;
    default: return bad("check " + s.name + " has no type this agent knows");
  }
  s.process = c.process();
  s.target = c.target();
  s.expectStatus = c.expect_status() == 0 ? 200 : c.expect_status();
  s.expectText = c.expect_text();
  s.relayDomain = c.relay_domain().empty() ? "example.net" : c.relay_domain();
  s.timeoutMs = std::clamp(c.timeout_ms() == 0 ? (s.type == "command" ? 30000 : 5000) : c.timeout_ms(), 100, 120000);
  s.command = c.command();
  s.expectExit = c.expect_exit();
  s.sha256 = c.sha256();
  if (!plainText(s.process, 100) || !plainText(s.target, 2000) || !plainText(s.expectText, 2000) ||
      !plainText(s.relayDomain, 255))
    return bad("check " + s.name + " has a field that is not one line of text");
  if ((s.type == "process" || s.type == "stopped") && s.process.empty()) return bad("check " + s.name + " names no process");
  if (s.type == "command" && !util::isPlainName(s.command)) return bad("check " + s.name + ": '" + s.command.substr(0, 40) + "' is not a command's name");
  if (s.type == "command" && (s.expectExit < 0 || s.expectExit > 255))
    return bad("check " + s.name + " expects exit " + std::to_string(s.expectExit) + ", not 0 to 255");
  if (s.type == "file") {
    if (!util::isNormalAbsolutePath(s.target)) return bad("check " + s.name + ": '" + s.target.substr(0, 100) + "' is not an absolute, normalised path");
    if (s.sha256 != "absent" && !util::isSha256Hex(s.sha256))
      return bad("check " + s.name + ": '" + s.sha256.substr(0, 70) + "' is not a SHA-256 in lower-case hex, nor absent");
  }
  return s;
}

std::variant<Order, CommandRefusal> patch(const pb::Patch& p) {
  PatchOrder o;
  o.advisory = p.advisory();
  if (!util::isPlainName(o.advisory)) return bad("advisory id '" + o.advisory + "' is not one word");
  if (p.packages().empty()) return bad("the patch names no packages");
  for (const auto& t : p.packages()) {
    if (!util::isPlainName(t.name()) || !packageVersion(t.target()))
      return bad("'" + t.name() + "=" + t.target() + "' is not a package and version");
    o.packages.push_back({t.name(), t.target()});
  }
  int index = 0;
  for (const auto& c : p.checks()) {
    auto spec = check(c, index++);
    if (auto* refused = std::get_if<CommandRefusal>(&spec)) return *refused;
    o.checks.push_back(std::get<CheckSpec>(std::move(spec)));
  }
  return o;
}

std::variant<Order, CommandRefusal> order(const pb::Command& c) {
  switch (c.action_case()) {
    case pb::Command::kPatch: return patch(c.patch());
    case pb::Command::kFilterAdd: {
      FilterAddOrder o{c.filter_add().advisory(), c.filter_add().package(), {}};
      if (!util::isPlainName(o.advisory)) return bad("advisory id '" + o.advisory + "' has characters a rule cannot carry");
      if (auto r = packageName(o.package)) return *r;
      if (auto r = addresses(c.filter_add().allow(), o.allow)) return *r;
      return o;
    }
    case pb::Command::kFilterRemove: {
      FilterRemoveOrder o{c.filter_remove().advisory()};
      if (!util::isPlainName(o.advisory)) return bad("advisory id '" + o.advisory + "' has characters a rule cannot carry");
      return o;
    }
    case pb::Command::kStopService: {
      ServiceOrder o{c.stop_service().package(), false};
      if (auto r = packageName(o.package)) return *r;
      return o;
    }
    case pb::Command::kRestartService: {
      ServiceOrder o{c.restart_service().package(), true};
      if (auto r = packageName(o.package)) return *r;
      return o;
    }
    case pb::Command::kIsolate: {
      const auto& i = c.isolate();
      IsolateOrder o;
      o.reason = i.reason();
      if (!plainText(o.reason, 4000)) return bad("the isolation's reason is not one line of text");
      if (auto r = addresses(i.allow(), o.allow)) return *r;
      const auto mode = isolationModeNamed(i.mode());
      if (!mode) return bad("'" + i.mode().substr(0, 40) + "' is not an isolation mode (complete, drop, limit)");
      o.mode = *mode;
      if (i.drop_size() > 256) return bad("an isolation drops 256 flows at most");
      for (const auto& d : i.drop()) {
        if (d.port() > 65535) return bad("port " + std::to_string(d.port()) + " is out of range");
        if (d.protocol() > 255) return bad("protocol " + std::to_string(d.protocol()) + " is out of range");
        FlowDrop f{static_cast<std::uint8_t>(d.protocol()), d.address(), static_cast<std::uint16_t>(d.port()),
                   d.on_source_port()};
        if (!d.payload().empty()) {
          if (d.payload_offset() > 1400) return bad("a dropped payload's byte is past 1400");
          f.payloadOffset = static_cast<std::int32_t>(d.payload_offset());
          f.payload = d.payload();
        }
        if (auto ok = checkDrop(f); !ok) return bad("a dropped flow: " + ok.error());
        o.drops.push_back(std::move(f));
      }
      o.limitBytesPerSecond = i.limit_bytes_per_second();
      HostIsolation shape{true, o.reason, o.allow, o.mode, o.drops, o.limitBytesPerSecond};
      if (auto ok = checkIsolation(shape); !ok) return bad(ok.error());
      return o;
    }
    case pb::Command::kReleaseIsolation: return ReleaseIsolationOrder{};
    case pb::Command::kIsolateSegment: {
      const auto& g = c.isolate_segment();
      IsolateSegmentOrder o;
      o.segment.segment = g.segment();
      o.segment.reason = g.reason();
      if (!plainText(o.segment.reason, 4000)) return bad("the segment isolation's reason is not one line of text");
      if (auto r = addresses(g.allow(), o.segment.allow)) return *r;
      if (auto ok = checkSegment(o.segment); !ok) return bad(ok.error());
      return o;
    }
    case pb::Command::kReleaseSegment: {
      ReleaseSegmentOrder o{c.release_segment().segment()};
      if (!validIpv4Cidr(o.segment)) return bad("'" + o.segment.substr(0, 40) + "' is not an IPv4 network");
      return o;
    }
    case pb::Command::kRestoreFile: {
      const auto& f = c.restore_file();
      RestoreFileOrder o{f.path(), f.sha256(), f.package(), f.version()};
      if (auto r = fileTarget(o.path, o.sha256)) return *r;
      if (!o.package.empty())
        if (auto r = packageName(o.package)) return *r;
      if (!packageVersion(o.version)) return bad("'" + o.version + "' is not a package version");
      return o;
    }
    case pb::Command::kRemoveFile: {
      RemoveFileOrder o{c.remove_file().path(), c.remove_file().sha256()};
      if (auto r = fileTarget(o.path, o.sha256)) return *r;
      return o;
    }
    case pb::Command::kSendFileList: return SendFileListOrder{};
    case pb::Command::kRunChecks: {
      const auto& r = c.run_checks();
      RunChecksOrder o;
      o.reason = r.reason();
      if (!plainText(o.reason, 200)) return bad("the checks' reason is not one short line");
      if (r.checks().empty() || r.checks_size() > 32) return bad("run_checks carries 1 to 32 checks");
      int index = 0;
      for (const auto& one : r.checks()) {
        auto spec = check(one, index++);
        if (auto* refused = std::get_if<CommandRefusal>(&spec)) return *refused;
        o.checks.push_back(std::get<CheckSpec>(std::move(spec)));
      }
      return o;
    }
    case pb::Command::kRenewLease: {
      RenewLeaseOrder o{c.renew_lease().state()};
      if (!util::isPlainName(o.state) && !o.state.empty()) return bad("the lease's new state is not one word");
      return o;
    }
    case pb::Command::kSetSignatures: {
      const auto& set = c.set_signatures();
      if (util::sha256Hex(set.text()) != set.digest()) return bad("the signature set's digest does not match its text");
      auto parsed = packet::parseSignatures(set.text());
      if (!parsed) return bad("the signature set does not read: " + parsed.error().substr(0, parsed.error().find('\n')));
      return SetSignaturesOrder{set.text(), set.digest(), parsed->signatures.size()};
    }
    case pb::Command::ACTION_NOT_SET: break;
  }
  // An action with a field number this agent does not know lands in the
  // unknown fields: the controller is newer than this agent. With no action
  // set, any byte beyond the id and time is such a field (counted, not looked
  // up by reflection, which would build protobuf's descriptor pool).
  pb::Command known;
  known.set_command_id(c.command_id());
  known.set_issued_at_unix(c.issued_at_unix());
  if (c.ByteSizeLong() > known.ByteSizeLong())
    return CommandRefusal{Code::UnknownAction, "an action agent " PORTCULLIS_VERSION " does not know"};
  return CommandRefusal{Code::NoAction, "the command carries no action"};
}

}  // namespace

const char* refusalName(CommandRefusal::Code code) {
  switch (code) {
    case Code::Unreadable: return "unreadable";
    case Code::NoAction: return "no_action";
    case Code::UnknownAction: return "unknown_action";
    case Code::BadField: return "bad_field";
  }
  return "bad_field";
}

DecodedCommand decodeCommand(std::string_view bytes) {
  pb::Command command;
  if (bytes.size() > std::numeric_limits<int>::max() ||
      !command.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return CommandRefusal{Code::Unreadable, "the bytes are not a command"};
  return decodeCommand(command);
}

DecodedCommand decodeCommand(const pb::Command& command) {
  auto decoded = order(command);
  if (auto* refused = std::get_if<CommandRefusal>(&decoded)) return *refused;
  return AgentCommand{command.command_id(), wire::commandKind(command), command.issued_at_unix(),
                      std::get<Order>(std::move(decoded))};
}

pb::CommandResult refusedResult(const std::string& commandId, const std::string& kind, const CommandRefusal& refusal) {
  pb::CommandResult r;
  r.set_command_id(commandId);
  r.set_ok(false);
  r.set_refused(refusalName(refusal.code));
  r.set_detail("refused " + (kind.empty() ? std::string("the command") : kind) + ": " + refusal.reason);
  return r;
}

}  // namespace portcullis::agent::actions
