#include "agent/actions/filter_rules.h"
#include "common/util/text.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "common/net/ipv4.h"
#include "common/util/digest.h"

namespace portcullis::agent::actions {

using Poco::JSON::Array;
using Poco::JSON::Object;

bool validIpv4Cidr(std::string_view s) { return net::parseIpv4Net(s).ok(); }

Status checkDrop(const FlowDrop& d) {
  if (d.protocol != 6 && d.protocol != 17) return fail("protocol " + std::to_string(d.protocol) + " is neither TCP nor UDP");
  if (d.port == 0) return fail("a dropped flow needs its port");
  if (!d.address.empty() && !validIpv4Cidr(d.address)) return fail("'" + d.address + "' is not an IPv4 address or CIDR block");
  if (d.payloadOffset >= 0 && (d.payload.empty() || d.payload.size() > 64 || d.payloadOffset > 1400))
    return fail("a payload to drop is 1 to 64 bytes at a payload byte up to 1400");
  if (d.payloadOffset < 0 && !d.payload.empty()) return fail("a payload to drop needs its payload byte");
  return done();
}

Status checkSegment(const SegmentIsolation& g) {
  if (!validIpv4Cidr(g.segment)) return fail("'" + g.segment + "' is not an IPv4 network");
  for (const auto& a : g.allow)
    if (!validIpv4Cidr(a)) return fail("'" + a + "' is not an IPv4 address or CIDR block");
  if (g.allow.size() > 256) return fail("a segment keeps 256 peers at most");
  return done();
}

Status checkIsolation(const HostIsolation& h) {
  for (const auto& a : h.allow)
    if (!validIpv4Cidr(a)) return fail("'" + a + "' is not an IPv4 address or CIDR block");
  if (h.mode == IsolationMode::Drop) {
    if (h.drops.empty()) return fail("isolation by drop names nothing to drop");
    if (h.drops.size() > 256) return fail("isolation by drop names more than 256 flows");
    for (const auto& d : h.drops)
      if (auto ok = checkDrop(d); !ok) return ok;
  }
  if (h.mode == IsolationMode::Limit && (h.limitBytesPerSecond < 1000 || h.limitBytesPerSecond > 10'000'000'000ULL))
    return fail("isolation by limit needs a rate of 1000 to 10000000000 bytes a second");
  return done();
}

std::string describeDrop(const FlowDrop& d) {
  const std::string proto = d.protocol == 17 ? "udp" : "tcp";
  const std::string peer = d.address.empty() ? "any" : d.address;
  auto what = d.onSourcePort ? proto + " from port " + std::to_string(d.port) + " to " + peer
                             : proto + " to " + peer + " port " + std::to_string(d.port);
  if (d.payloadOffset >= 0)
    what += " carrying " + std::to_string(d.payload.size()) + " bytes at payload byte " + std::to_string(d.payloadOffset);
  return what;
}

namespace {

// Hex back to bytes; nullopt for an odd length or a non-hex digit.
std::optional<std::string> fromHex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = util::hexDigitValue(hex[i]), lo = util::hexDigitValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// The state files' pieces: a list of strings each way, a document as text,
// and a parse whose every failure reads "not a WHAT state: why".
Array::Ptr stringArray(const std::vector<std::string>& items) {
  Array::Ptr a = new Array;
  for (const auto& x : items) a->add(x);
  return a;
}

std::vector<std::string> stringsAt(const Object::Ptr& o, const char* key) {
  std::vector<std::string> out;
  if (auto a = o->getArray(key))
    for (std::size_t k = 0; k < a->size(); ++k) out.push_back(a->getElement<std::string>(static_cast<unsigned>(k)));
  return out;
}

template <typename Json>
std::string stateText(const Json& document) {
  std::ostringstream out;
  document->stringify(out, 2);
  out << "\n";
  return out.str();
}

template <typename T, typename Read>
Result<T> readState(std::string_view json, const char* what, Read read) {
  try {
    return read(Poco::JSON::Parser().parse(std::string(json)));
  } catch (const Poco::Exception& e) {
    return fail(std::string("not ") + what + " state: " + e.displayText());
  } catch (const std::exception& e) {
    return fail(std::string("not ") + what + " state: " + e.what());
  }
}

// Each object of a state's list through `read`; the first failure with its place.
template <typename T, typename Read>
Result<std::vector<T>> readStateList(std::string_view json, const char* what, const char* item, Read read) {
  return readState<std::vector<T>>(json, what, [&](const Poco::Dynamic::Var& parsed) -> Result<std::vector<T>> {
    const auto a = parsed.extract<Array::Ptr>();
    std::vector<T> out;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const auto o = a->getObject(static_cast<unsigned>(i));
      if (!o) return fail(std::string(item) + " " + std::to_string(i) + " is not an object");
      auto one = read(o);
      if (!one) return fail(std::string(item) + " " + std::to_string(i) + ": " + one.error());
      out.push_back(std::move(*one));
    }
    return out;
  });
}

Status check(const FilterRule& r) {
  if (!util::isPlainName(r.advisory)) return fail("advisory id '" + r.advisory + "' has characters a rule cannot carry");
  if (!util::isPlainName(r.package)) return fail("package name '" + r.package + "' is not a package name");
  for (const auto& p : r.ports)
    if (p.port == 0 || p.port > 65535) return fail("port " + std::to_string(p.port) + " is out of range");
  for (const auto& a : r.allow)
    if (!validIpv4Cidr(a)) return fail("'" + a + "' is not an IPv4 address or CIDR block");
  return done();
}
}  // namespace

namespace {

// What the router forwards from or to a cut segment is dropped, but to and
// from its kept peers; its own traffic (input, output) is not touched.
void segmentChain(std::ostringstream& s, const std::vector<SegmentIsolation>& segments) {
  for (std::size_t i = 0; i < segments.size(); ++i) {
    std::string peers;
    for (const auto& a : segments[i].allow) peers += (peers.empty() ? "" : ", ") + a;
    s << "  set segment_peers_" << i << " {\n    type ipv4_addr\n    flags interval\n    auto-merge\n";
    if (!peers.empty()) s << "    elements = { " << peers << " }\n";
    s << "  }\n";
  }
  s << "  chain isolate_segments {\n"
    << "    type filter hook forward priority filter - 5; policy accept;\n";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& g = segments[i];
    const auto set = "@segment_peers_" + std::to_string(i);
    s << "    ip saddr " << g.segment << " ip daddr " << set << " accept\n"
      << "    ip daddr " << g.segment << " ip saddr " << set << " accept\n"
      << "    ip saddr " << g.segment << " counter drop comment \"portcullis: segment " << g.segment << " cut off\"\n"
      << "    ip daddr " << g.segment << " counter drop comment \"portcullis: segment " << g.segment << " cut off\"\n";
  }
  s << "  }\n";
}

}  // namespace

Result<std::string> nftScript(const std::vector<FilterRule>& rules, const HostIsolation& isolation,
                              const std::vector<SegmentIsolation>& segments) {
  std::ostringstream s;
  // Declaring the table first makes the delete succeed when it does not exist yet.
  s << "table inet portcullis\ndelete table inet portcullis\n";
  bool any = false;
  for (const auto& r : rules) {
    auto ok = check(r);
    if (!ok) return fail(ok.error());
    any = any || !r.ports.empty();
  }
  if (isolation.active)
    if (auto ok = checkIsolation(isolation); !ok) return fail(ok.error());
  for (const auto& g : segments)
    if (auto ok = checkSegment(g); !ok) return fail(ok.error());
  if (!any && !isolation.active && segments.empty()) return s.str();
  s << "table inet portcullis {\n";
  if (!segments.empty()) segmentChain(s, segments);
  if (isolation.active) {
    std::string peers;
    for (const auto& a : isolation.allow) peers += (peers.empty() ? "" : ", ") + a;
    s << "  set isolation_peers {\n    type ipv4_addr\n    flags interval\n    auto-merge\n";
    if (!peers.empty()) s << "    elements = { " << peers << " }\n";
    s << "  }\n";
  }
  if (isolation.active && isolation.mode == IsolationMode::Drop) {
    // Only what the host sends in the bad conversations; the rest flows.
    s << "  chain isolate_out {\n"
      << "    type filter hook output priority filter - 5; policy accept;\n"
      << "    oifname \"lo\" accept\n"
      << "    ip daddr @isolation_peers accept\n";
    for (const auto& d : isolation.drops) {
      s << "    meta l4proto " << (d.protocol == 17 ? "udp" : "tcp");
      if (!d.address.empty()) s << " ip daddr " << d.address;
      s << " th " << (d.onSourcePort ? "sport " : "dport ") << d.port;
      // The bytes at their place, in pieces of 16 (nft compares a register's worth at a time).
      for (std::size_t at = 0; d.payloadOffset >= 0 && at < d.payload.size(); at += 16) {
        const auto piece = d.payload.substr(at, 16);
        s << " @ih," << (static_cast<std::size_t>(d.payloadOffset) + at) * 8 << "," << piece.size() * 8 << " 0x"
          << util::hexEncode(piece);
      }
      s << " counter drop comment \"portcullis: " << describeDrop(d) << "\"\n";
    }
    s << "  }\n";
  } else if (isolation.active && isolation.mode == IsolationMode::Limit) {
    // Past the rate each way packets are dropped: TCP slows to it.
    const auto rate = std::to_string(isolation.limitBytesPerSecond);
    const auto burst = std::to_string(std::max<std::uint64_t>(isolation.limitBytesPerSecond / 10, 16'384));
    for (const char* way : {"in", "out"}) {
      const bool in = way[0] == 'i';
      s << "  chain isolate_" << way << " {\n"
        << "    type filter hook " << (in ? "input" : "output") << " priority filter - 5; policy accept;\n"
        << "    " << (in ? "iifname" : "oifname") << " \"lo\" accept\n"
        << "    ip " << (in ? "saddr" : "daddr") << " @isolation_peers accept\n"
        << "    udp sport " << (in ? "67 udp dport 68" : "68 udp dport 67") << " accept comment \"DHCP\"\n"
        << "    limit rate over " << rate << " bytes/second burst " << burst
        << " bytes counter drop comment \"portcullis: host limited\"\n"
        << "  }\n";
    }
  } else if (isolation.active) {
    s << "  chain isolate_in {\n"
      << "    type filter hook input priority filter - 5; policy drop;\n"
      << "    iifname \"lo\" accept\n"
      << "    ip saddr @isolation_peers accept\n"
      << "    udp sport 67 udp dport 68 accept comment \"DHCP\"\n"
      << "    counter comment \"portcullis: host isolated\"\n"
      << "  }\n"
      << "  chain isolate_out {\n"
      << "    type filter hook output priority filter - 5; policy drop;\n"
      << "    oifname \"lo\" accept\n"
      << "    ip daddr @isolation_peers accept\n"
      << "    udp sport 68 udp dport 67 accept comment \"DHCP\"\n"
      << "    counter comment \"portcullis: host isolated\"\n"
      << "  }\n";
  }
  if (!any) {
    s << "}\n";
    return s.str();
  }
  s << "  chain input {\n"
    << "    type filter hook input priority filter - 10; policy accept;\n"
    // Local clients (the operation checks among them) are not the network.
    << "    iifname \"lo\" accept\n";
  for (const auto& r : rules)
    for (const auto& p : r.ports) {
      const std::string match = std::string(p.udp ? "udp" : "tcp") + " dport " + std::to_string(p.port);
      const std::string comment = " comment \"" + r.advisory + " " + r.package + "\"";
      if (!r.allow.empty()) {
        s << "    " << match << " ip saddr { ";
        for (std::size_t i = 0; i < r.allow.size(); ++i) s << (i ? ", " : "") << r.allow[i];
        s << " } accept" << comment << "\n";
      }
      s << "    " << match << " drop" << comment << "\n";
    }
  s << "  }\n}\n";
  return s.str();
}

std::string filterStateJson(const std::vector<FilterRule>& rules) {
  Array::Ptr a = new Array;
  for (const auto& r : rules) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("advisory", r.advisory);
    o->set("package", r.package);
    Array::Ptr ports = new Array;
    for (const auto& p : r.ports) {
      Object::Ptr x = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      x->set("port", p.port);
      x->set("protocol", p.udp ? "udp" : "tcp");
      ports->add(x);
    }
    o->set("ports", ports);
    o->set("allow", stringArray(r.allow));
    a->add(o);
  }
  return stateText(a);
}

std::string isolationStateJson(const HostIsolation& isolation) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("active", isolation.active);
  o->set("reason", isolation.reason);
  o->set("allow", stringArray(isolation.allow));
  o->set("mode", isolationModeName(isolation.mode));
  Array::Ptr drops = new Array;
  for (const auto& d : isolation.drops) {
    Object::Ptr x = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    x->set("protocol", d.protocol == 17 ? "udp" : "tcp");
    x->set("address", d.address);
    x->set("port", d.port);
    x->set("on_source_port", d.onSourcePort);
    if (d.payloadOffset >= 0) {
      x->set("payload_offset", d.payloadOffset);
      x->set("payload_hex", util::hexEncode(d.payload));
    }
    drops->add(x);
  }
  o->set("drops", drops);
  o->set("limit_bytes_per_second", isolation.limitBytesPerSecond);
  return stateText(o);
}

Result<HostIsolation> parseIsolationState(std::string_view json) {
  return readState<HostIsolation>(json, "an isolation", [](const Poco::Dynamic::Var& parsed) -> Result<HostIsolation> {
    const auto o = parsed.extract<Object::Ptr>();
    HostIsolation h;
    h.active = o->optValue<bool>("active", false);
    h.reason = o->optValue<std::string>("reason", "");
    h.allow = stringsAt(o, "allow");
    for (const auto& a : h.allow)
      if (!validIpv4Cidr(a)) return fail("'" + a + "' is not an IPv4 address or CIDR block");
    // A state written before the modes is a complete isolation.
    const auto mode = isolationModeNamed(o->optValue<std::string>("mode", "complete"));
    if (!mode) return fail("'" + o->optValue<std::string>("mode", "") + "' is not an isolation mode");
    h.mode = *mode;
    if (auto drops = o->getArray("drops"))
      for (std::size_t k = 0; k < drops->size(); ++k) {
        auto x = drops->getObject(static_cast<unsigned>(k));
        if (!x) return fail("a dropped flow is not an object");
        FlowDrop d;
        d.protocol = x->optValue<std::string>("protocol", "tcp") == "udp" ? 17 : 6;
        d.address = x->optValue<std::string>("address", "");
        d.port = static_cast<std::uint16_t>(std::clamp(x->optValue<int>("port", 0), 0, 65535));
        d.onSourcePort = x->optValue<bool>("on_source_port", false);
        d.payloadOffset = std::clamp(x->optValue<int>("payload_offset", -1), -1, 65'535);
        if (d.payloadOffset >= 0) {
          auto bytes = fromHex(x->optValue<std::string>("payload_hex", ""));
          if (!bytes) return fail("a dropped payload is not hex");
          d.payload = std::move(*bytes);
        }
        h.drops.push_back(std::move(d));
      }
    h.limitBytesPerSecond = o->optValue<std::uint64_t>("limit_bytes_per_second", 0);
    if (h.active)
      if (auto ok = checkIsolation(h); !ok) return fail(ok.error());
    return h;
  });
}

std::string segmentStateJson(const std::vector<SegmentIsolation>& segments) {
  Array::Ptr a = new Array;
  for (const auto& g : segments) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("segment", g.segment);
    o->set("reason", g.reason);
    o->set("allow", stringArray(g.allow));
    a->add(o);
  }
  return stateText(a);
}

Result<std::vector<SegmentIsolation>> parseSegmentState(std::string_view json) {
  return readStateList<SegmentIsolation>(json, "a segment", "segment", [](const Object::Ptr& o) -> Result<SegmentIsolation> {
    SegmentIsolation g{o->optValue<std::string>("segment", ""), stringsAt(o, "allow"), o->optValue<std::string>("reason", "")};
    if (auto ok = checkSegment(g); !ok) return fail(ok.error());
    return g;
  });
}

Result<std::vector<FilterRule>> parseFilterState(std::string_view json) {
  return readStateList<FilterRule>(json, "a filter", "rule", [](const Object::Ptr& o) -> Result<FilterRule> {
    FilterRule r;
    r.advisory = o->optValue<std::string>("advisory", "");
    r.package = o->optValue<std::string>("package", "");
    if (auto ports = o->getArray("ports"))
      for (std::size_t p = 0; p < ports->size(); ++p) {
        auto x = ports->getObject(static_cast<unsigned>(p));
        if (!x) return fail("a port is not an object");
        r.ports.push_back({x->optValue<std::uint32_t>("port", 0), x->optValue<std::string>("protocol", "tcp") == "udp"});
      }
    r.allow = stringsAt(o, "allow");
    if (auto ok = check(r); !ok) return fail(ok.error());
    return r;
  });
}

}  // namespace portcullis::agent::actions
