#include "controller/web_edge/console_api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "common/log/logging.h"
#include "common/util/digest.h"
#include "common/util/text.h"
#include "controller/enforcement/operator_hold.h"
#include "controller/web/password_hash.h"
#include "controller/views/lease_json.h"
#include "controller/views/machine_damage_view.h"
#include "controller/views/machine_json.h"
#include "controller/views/operator_json.h"
#include "controller/web_edge/openapi_document.h"

namespace portcullis::web_edge {
namespace {

namespace views = portcullis::controller::views;

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string text(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(value, out, 0, -1, Poco::JSON_PRESERVE_KEY_ORDER);
  return out.str();
}

Object::Ptr object() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

// Always valid JSON: what a DHCP client or a request put in a text may be
// any bytes, and a byte that is not UTF-8 becomes U+FFFD (the same writer
// as every --json output, which also escapes what could act on a terminal).
ApiResponse json(int status, const Poco::Dynamic::Var& value) {
  ApiResponse r;
  r.status = status;
  r.body = util::terminalSafeJson(text(value));
  return r;
}

// A count from the query, within [0, max]; nullopt when it is not a number.
std::optional<std::int64_t> queryNumber(const ApiRequest& r, const std::string& key, std::int64_t fallback,
                                        std::int64_t max) {
  auto it = r.query.find(key);
  if (it == r.query.end()) return fallback;
  std::int64_t value = 0;
  const auto* end = it->second.data() + it->second.size();
  auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
  if (ec != std::errc() || ptr != end || value < 0 || value > max) return std::nullopt;
  return value;
}

std::string header(const ApiRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

// A query parameter, "" when absent.
std::string param(const ApiRequest& r, const std::string& key) {
  auto it = r.query.find(key);
  return it == r.query.end() ? std::string() : it->second;
}

std::string cookie(const ApiRequest& r, const std::string& name) {
  const std::string all = header(r, "cookie");
  std::size_t at = 0;
  while (at < all.size()) {
    std::size_t end = all.find(';', at);
    if (end == std::string::npos) end = all.size();
    std::string pair = all.substr(at, end - at);
    pair.erase(0, pair.find_first_not_of(' '));
    if (pair.size() > name.size() && pair.compare(0, name.size(), name) == 0 && pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
    at = end + 1;
  }
  return "";
}

// A machine as `machines --json` shows it, and whether an operator holds it.
Object::Ptr machineSummary(const store::MachineSummary& m) {
  auto o = views::machineSummaryObject(m);
  o->set("operator_hold", m.operatorHold);
  return o;
}

// Polled lists: an unchanged page costs the client nothing to fetch again.
ApiResponse withEtag(const ApiRequest& request, ApiResponse r) {
  const std::string etag = "\"" + util::sha256Hex(r.body).substr(0, 32) + "\"";
  r.headers.emplace_back("ETag", etag);
  if (header(request, "if-none-match") == etag) {
    r.status = 304;
    r.body.clear();
  }
  return r;
}

struct PageBounds {
  std::int64_t offset = 0;
  std::int64_t limit = 0;
};

// A page's offset and limit from the query, or the refusal to send.
std::variant<PageBounds, ApiResponse> pageBounds(const ApiRequest& request) {
  const auto limit = queryNumber(request, "limit", 100, ConsoleApi::kMaxPageSize);
  const auto offset = queryNumber(request, "offset", 0, 100'000'000);
  if (!limit || !offset || *limit == 0)
    return apiError(400, "bad_request",
                    "limit is 1-" + std::to_string(ConsoleApi::kMaxPageSize) + ", offset 0 or more");
  return PageBounds{*offset, *limit};
}

// {"items", "total", "offset", "limit"}, with its ETag.
ApiResponse pageAnswer(const ApiRequest& request, Array::Ptr items, std::size_t total, const PageBounds& bounds) {
  auto body = object();
  body->set("items", items);
  body->set("total", static_cast<std::int64_t>(total));
  body->set("offset", bounds.offset);
  body->set("limit", bounds.limit);
  return withEtag(request, json(200, body));
}

// A page of a list held whole, in its order.
template <typename T, typename Make>
ApiResponse page(const ApiRequest& request, const std::vector<T>& all, Make make) {
  const auto bounds = pageBounds(request);
  if (const auto* refusal = std::get_if<ApiResponse>(&bounds)) return *refusal;
  const auto& b = std::get<PageBounds>(bounds);
  Array::Ptr items = new Array;
  for (auto i = static_cast<std::size_t>(b.offset); i < all.size() && i < static_cast<std::size_t>(b.offset + b.limit);
       ++i)
    items->add(make(all[i]));
  return pageAnswer(request, items, all.size(), b);
}

// "ID" and "ACTION" of "ID/ACTION" (no action: ""); nullopt for an empty id.
std::optional<std::pair<std::string, std::string>> resource(const std::string& rest) {
  const auto slash = rest.find('/');
  std::string id = rest.substr(0, slash);
  if (id.empty()) return std::nullopt;
  return std::pair{std::move(id), slash == std::string::npos ? std::string() : rest.substr(slash + 1)};
}

// The session cookie, set to a session's id or cleared (maxAgeSeconds 0).
// The role of an operator as the store has it now; nullopt when the
// operator is gone (or its role is not one this program knows).
std::optional<web::Role> roleOf(const std::optional<store::OperatorRecord>& op) {
  return op ? web::parseRole(op->role) : std::nullopt;
}

std::string sessionCookie(const std::string& value, std::int64_t maxAgeSeconds) {
  return std::string(ConsoleApi::kSessionCookie) + "=" + value + "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(maxAgeSeconds);
}

// A request body as JSON, nested at most a few levels: the parser recurses
// once a level, and a 64 KiB body of '[' would otherwise run a worker
// thread out of stack (a crash of the whole controller, not an exception).
Object::Ptr jsonBody(const std::string& body) {
  Poco::JSON::Parser parser;
  parser.setDepth(8);
  return parser.parse(body).extract<Object::Ptr>();
}

// The host an enroll line names: the console's own host name as the
// operator's browser sent it, when it is a plain name or address.
std::string hostOnly(const std::string& hostHeader) {
  std::string host = hostHeader;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    host = close == std::string::npos ? "" : host.substr(0, close + 1);
  } else if (const auto colon = host.find(':'); colon != std::string::npos) {
    host.erase(colon);
  }
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
      return "";
  return host;
}

ApiResponse notAllowed(const char* method) {
  auto r = apiError(405, "method_not_allowed", std::string("use ") + method);
  r.headers.emplace_back("Allow", method);
  return r;
}

bool changes(const std::string& method) { return method != "GET" && method != "HEAD"; }

// A hash to compare against when the name is unknown, so that an unknown
// name costs the same scrypt as a wrong password: the time of a refusal
// does not tell a stranger which names exist.
const std::string& decoyHash() {
  static const std::string hash = web::hashPassword("decoy password, never set");
  return hash;
}

}  // namespace

ApiResponse apiError(int status, const std::string& code, const std::string& message) {
  auto error = object();
  error->set("code", code);
  error->set("message", message);
  auto body = object();
  body->set("error", error);
  return json(status, body);
}

ConsoleApi::ConsoleApi(store::Store& store, ConsoleSettings settings, Poco::Logger& audit, Clock clock,
                       MsClock msClock)
    : store_(store),
      settings_(settings),
      audit_(audit),
      log_(log::get("controller.console")),
      clock_(std::move(clock)),
      msClock_(std::move(msClock)),
      sessions_(settings.idleMs, settings.lifetimeMs, settings.maxSessions) {
  decoyHash();
}

ApiResponse ConsoleApi::handle(const ApiRequest& request) {
  try {
    if (request.path == "/metrics") {
      if (request.method != "GET") return notAllowed("GET");
      return metrics(request);
    }
    const std::string prefix = "/api/v1/";
    if (request.path.rfind(prefix, 0) != 0) return apiError(404, "not_found", "no such resource");
    if (request.body.size() > settings_.maxBody) return apiError(413, "too_large", "the request body is too large");
    const std::string route = request.path.substr(prefix.size());
    if (route == "openapi.json") {
      if (request.method != "GET") return notAllowed("GET");
      ApiResponse r;
      r.body = std::string(openApiDocument());
      return r;
    }
    if (route == "login") {
      if (request.method != "POST") return notAllowed("POST");
      return login(request);
    }
    auto who = authenticate(request);
    if (auto* refusal = std::get_if<ApiResponse>(&who)) return *refusal;
    const Caller& caller = std::get<Caller>(who);
    auto need = [&](web::Permission p) -> std::optional<ApiResponse> {
      if (web::roleAllows(caller.role, p)) return std::nullopt;
      ++refusedForbidden_;
      log_.warning("CONSOLE_REFUSED operator=%s role=%s from=%s request=%s %s reason=may not %s", caller.name,
                   std::string(web::roleName(caller.role)), request.peer, request.method, request.path,
                   std::string(web::permissionName(p)));
      return apiError(403, "forbidden",
                      std::string("a ") + web::roleName(caller.role) + " may not " + web::permissionName(p));
    };
    auto only = [&](const char* method) -> std::optional<ApiResponse> {
      if (request.method == method) return std::nullopt;
      return notAllowed(method);
    };
    if (route == "session") {
      if (auto no = only("GET")) return *no;
      auto body = object();
      body->set("operator", caller.name);
      body->set("role", std::string(web::roleName(caller.role)));
      body->set("csrf", caller.csrf);
      return json(200, body);
    }
    if (route == "logout") {
      if (auto no = only("POST")) return *no;
      return logout(request, caller);
    }
    if (route == "machines") {
      if (auto no = only("GET")) return *no;
      return machines(request);
    }
    if (route.rfind("machines/", 0) == 0) {
      const auto target = resource(route.substr(9));
      if (!target) return apiError(404, "not_found", "no such resource");
      const auto& [id, action] = *target;
      if (action.empty()) {
        if (auto no = only("GET")) return *no;
        return machine(id);
      }
      if (action != "release" && action != "quarantine") return apiError(404, "not_found", "no such resource");
      if (auto no = only("POST")) return *no;
      if (auto no = need(web::Permission::ActOnMachines)) return *no;
      return hold(request, caller, id, action == "release");
    }
    if (route == "commands") {
      if (auto no = only("GET")) return *no;
      return commands(request);
    }
    if (route.rfind("commands/", 0) == 0) {
      const auto target = resource(route.substr(9));
      if (!target || (target->second != "approve" && target->second != "cancel"))
        return apiError(404, "not_found", "no such resource");
      if (auto no = only("POST")) return *no;
      if (auto no = need(web::Permission::ActOnCommands)) return *no;
      return commandAction(request, caller, target->first, target->second == "approve");
    }
    if (route == "leases") {
      if (auto no = only("GET")) return *no;
      return leases(request);
    }
    if (route == "operators") {
      if (auto no = only("GET")) return *no;
      if (auto no = need(web::Permission::ManageOperators)) return *no;
      return operatorsList();
    }
    if (route == "enrollment-tokens") {
      if (auto no = only("POST")) return *no;
      if (auto no = need(web::Permission::ManageTokens)) return *no;
      return enrollmentTokens(request, caller);
    }
    if (route == "audit") {
      if (auto no = only("GET")) return *no;
      return audit(request);
    }
    return apiError(404, "not_found", "no such resource");
  } catch (const std::exception& e) {
    log_.error("CONSOLE_REQUEST_FAILED request=%s %s from=%s reason=%s", request.method, request.path, request.peer,
               std::string(e.what()));
    return apiError(500, "internal", "the request failed; the controller's log says why");
  }
}

std::variant<ConsoleApi::Caller, ApiResponse> ConsoleApi::authenticate(const ApiRequest& request) {
  auto refuse = [&](const std::string& reason) {
    ++refusedUnauthenticated_;
    log_.information("CONSOLE_UNAUTHENTICATED request=%s %s from=%s reason=%s", request.method, request.path,
                     request.peer, reason);
    return apiError(401, "unauthenticated", "sign in first (" + reason + ")");
  };
  const std::string authorization = header(request, "authorization");
  if (!authorization.empty()) {
    if (authorization.rfind("Bearer ", 0) != 0) return refuse("Authorization is not a Bearer token");
    const auto name = store_.operators().operatorForToken(util::sha256Hex(authorization.substr(7)));
    if (!name) return refuse("unknown API token");
    const auto role = roleOf(store_.operators().operatorNamed(*name));
    if (!role) return refuse("the token's operator has no role");
    return Caller{*name, *role, "", ""};
  }
  const std::string id = cookie(request, kSessionCookie);
  if (id.empty()) return refuse("no session");
  std::optional<web::Session> session;
  {
    std::lock_guard lock(mutex_);
    session = sessions_.find(id, msClock_());
  }
  if (!session) return refuse("the session is over or unknown");
  const auto op = store_.operators().operatorNamed(session->operatorName);
  const auto role = roleOf(op);
  if (!role || web::outlivedPassword(*session, op->passwordChangedAt)) {
    std::lock_guard lock(mutex_);
    sessions_.close(id);
    return refuse(!role ? "the operator was removed" : "the password changed since sign-in");
  }
  if (changes(request.method) && !util::equalConstantTime(header(request, "x-csrf-token"), session->csrf)) {
    ++refusedCsrf_;
    log_.warning("CONSOLE_REFUSED operator=%s from=%s request=%s %s reason=missing or wrong CSRF token",
                 session->operatorName, request.peer, request.method, request.path);
    return apiError(403, "csrf", "a change needs the session's token in X-CSRF-Token");
  }
  return Caller{session->operatorName, *role, session->csrf, id};
}

ApiResponse ConsoleApi::login(const ApiRequest& request) {
  // A form on another site can post text/plain shaped as JSON (and sign the
  // operator's browser in as someone else); it cannot send this type
  // without the browser asking first.
  if (header(request, "content-type").rfind("application/json", 0) != 0)
    return apiError(415, "unsupported_media_type", "a sign-in is sent as application/json");
  std::string name, password;
  try {
    const auto body = jsonBody(request.body);
    if (!body || !body->has("name") || !body->has("password") || !body->get("name").isString() ||
        !body->get("password").isString())
      return apiError(400, "bad_request", "a sign-in is {\"name\": ..., \"password\": ...}");
    name = body->getValue<std::string>("name");
    password = body->getValue<std::string>("password");
  } catch (const std::exception&) {
    return apiError(400, "bad_request", "the body is not JSON: a sign-in is {\"name\": ..., \"password\": ...}");
  }
  if (!web::validOperatorName(name) || password.size() > web::kMaxPasswordLength)
    return apiError(401, "unauthenticated", "wrong name or password");
  std::int64_t wait = 0;
  {
    // Counted against the name before the check runs, so that guesses
    // arriving together cannot all pass the same wait.
    std::lock_guard lock(mutex_);
    wait = throttle_.waitMs(name, request.peer, msClock_());
    if (wait == 0) throttle_.attempt(name, msClock_());
  }
  if (wait > 0) {
    ++loginsThrottled_;
    log_.warning("LOGIN_THROTTLED operator=%s from=%s wait_ms=%Ld", name, request.peer, static_cast<Poco::Int64>(wait));
    auto r = apiError(429, "too_many_attempts", "too many wrong passwords: try again in " +
                                                     std::to_string((wait + 999) / 1000) + " s");
    r.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
    return r;
  }
  const auto op = store_.operators().operatorNamed(name);
  const bool right = web::verifyPassword(password, op && !op->passwordHash.empty() ? op->passwordHash : decoyHash()) &&
                     op && !op->passwordHash.empty();
  const auto role = roleOf(op);
  if (!right || !role) {
    {
      std::lock_guard lock(mutex_);
      throttle_.missed(request.peer, msClock_());
    }
    ++loginsRefused_;
    log_.warning("LOGIN_FAILED operator=%s from=%s reason=%s", name, request.peer,
                 std::string(!op ? "no such operator" : "wrong password"));
    return apiError(401, "unauthenticated", "wrong name or password");
  }
  web::Session s;
  s.id = util::randomToken();
  s.csrf = util::randomToken();
  s.operatorName = name;
  s.address = request.peer;
  s.startedMs = s.lastSeenMs = msClock_();
  s.startedUnix = clock_();
  s.passwordChangedAt = op->passwordChangedAt;  // as checked: a later change ends the session
  {
    std::lock_guard lock(mutex_);
    throttle_.succeeded(name);
    sessions_.open(s, s.startedMs);
  }
  ++loginsAccepted_;
  record({name, *role, s.csrf, s.id}, request, "LOGIN", "operator", name, "");
  auto body = object();
  body->set("operator", name);
  body->set("role", std::string(web::roleName(*role)));
  body->set("csrf", s.csrf);
  auto r = json(200, body);
  r.headers.emplace_back("Set-Cookie", sessionCookie(s.id, settings_.lifetimeMs / 1000));
  return r;
}

ApiResponse ConsoleApi::logout(const ApiRequest& request, const Caller& caller) {
  if (caller.sessionId.empty()) return apiError(400, "bad_request", "an API token has no session to end");
  {
    std::lock_guard lock(mutex_);
    sessions_.close(caller.sessionId);
  }
  record(caller, request, "LOGOUT", "operator", caller.name, "");
  ApiResponse r;
  r.status = 204;
  r.headers.emplace_back("Set-Cookie", sessionCookie("", 0));
  return r;
}

ApiResponse ConsoleApi::machines(const ApiRequest& request) {
  const auto bounds = pageBounds(request);
  if (const auto* refusal = std::get_if<ApiResponse>(&bounds)) return *refusal;
  const auto& b = std::get<PageBounds>(bounds);
  store::MachineQuery query;
  if (auto it = request.query.find("state"); it != request.query.end()) {
    query.state = admission::admissionNamed(it->second);
    if (!query.state)
      return apiError(400, "bad_request", "state is one of unknown, pending, admitted, quarantined, denied");
  }
  query.search = param(request, "q");
  query.offset = static_cast<std::size_t>(b.offset);
  query.limit = static_cast<std::size_t>(b.limit);
  // Filtered and paged in SQL, in a stable order (host name, then id), so
  // that pages neither overlap nor skip as machines report.
  const auto found = store_.machinePage(query);
  Array::Ptr items = new Array;
  for (const auto& m : found.machines) items->add(machineSummary(m));
  return pageAnswer(request, items, found.total, b);
}

ApiResponse ConsoleApi::machine(const std::string& id) {
  const auto record = store_.machine(id);
  if (!record || record->summary.id != id) return apiError(404, "not_found", "no machine with id " + id);
  // As `machine show --json` gives it: inventory, hardware, antivirus,
  // admission history, diagnosis, files and damage, audit, owner notices.
  const auto damage = views::loadDamageView(store_, id, clock_());
  std::set<std::string> range;
  for (const auto& sign : damage.signs)
    for (const auto& seen : sign.all)
      if (seen.machineId != id) range.insert(seen.machineId);
  const std::string diagnosis = diagnoses_ ? diagnoses_(*record).value_or("") : "";
  auto o = views::machineObject(*record, store_.transitions(id), diagnosis, {range.begin(), range.end()}, &damage);
  o->set("operator_hold", record->summary.operatorHold);
  Array::Ptr macs = new Array;
  for (const auto& mac : store_.machineMacs(id)) macs->add(mac);
  o->set("macs", macs);
  o->set("diagnosed", !diagnosis.empty());
  return json(200, o);
}

ApiResponse ConsoleApi::hold(const ApiRequest& request, const Caller& caller, const std::string& id, bool release) {
  if (!store_.machineState(id)) return apiError(404, "not_found", "no machine with id " + id);
  const auto outcome = enforcement::holdMachine(
      store_, id, release,
      "operator " + caller.name + ": " + (release ? "released" : "quarantined") + " in the console",
      settings_.renewLeases, clock_());
  record(caller, request, release ? "MACHINE_RELEASED" : "MACHINE_QUARANTINED", "machine", id,
         std::string("from=") + admission::admissionName(outcome.before));
  auto body = object();
  body->set("machine", id);
  body->set("before", std::string(admission::admissionName(outcome.before)));
  body->set("state", std::string(admission::admissionName(outcome.after)));
  body->set("changed", outcome.changed());
  return json(200, body);
}

ApiResponse ConsoleApi::commands(const ApiRequest& request) {
  auto all = store_.commands();  // newest first
  const auto state = param(request, "state");
  const auto machine = param(request, "machine");
  std::erase_if(all, [&](const store::OutboxCommand& c) {
    return (!state.empty() && state != store::stateName(c.state)) || (!machine.empty() && machine != c.machineId);
  });
  return page(request, all, [](const store::OutboxCommand& c) { return views::commandObject(c); });
}

ApiResponse ConsoleApi::commandAction(const ApiRequest& request, const Caller& caller, const std::string& id,
                                      bool approve) {
  const auto c = store_.command(id);
  if (!c) return apiError(404, "not_found", "no command with id " + id);
  const bool done = approve ? store_.approveCommand(id, clock_()) : store_.cancelCommand(id, clock_());
  if (!done)
    return apiError(409, "conflict",
                    "command " + id + " is " + store::stateName(c->state) +
                        (approve ? ", not awaiting approval" : ": only a command not yet sent can be cancelled"));
  record(caller, request, approve ? "COMMAND_APPROVED" : "COMMAND_CANCELLED", "command", id,
         "machine=" + c->machineId + " kind=" + c->kind);
  const auto now = store_.command(id);
  return now ? json(200, views::commandObject(*now)) : apiError(404, "not_found", "no command with id " + id);
}

ApiResponse ConsoleApi::leases(const ApiRequest& request) {
  const auto now = clock_();
  auto all = store_.leases();
  const auto pool = param(request, "pool");
  const auto state = param(request, "state");
  std::erase_if(all, [&](const dhcp::Lease& l) {
    return (!pool.empty() && pool != dhcp::poolKindName(l.pool)) ||
           (!state.empty() && state != views::shownLeaseState(l, now));
  });
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.address < b.address; });
  return page(request, all, [now](const dhcp::Lease& l) { return views::leaseObject(l, now); });
}

ApiResponse ConsoleApi::operatorsList() {
  Array::Ptr items = new Array;
  for (const auto& op : store_.operators().operators()) items->add(views::operatorObject(op));
  auto body = object();
  body->set("items", items);
  return json(200, body);
}

ApiResponse ConsoleApi::enrollmentTokens(const ApiRequest& request, const Caller& caller) {
  std::int64_t count = 1, ttl = settings_.tokenTtlSeconds;
  if (!request.body.empty()) {
    try {
      const auto body = jsonBody(request.body);
      if (!body) throw std::invalid_argument("not an object");
      if (body->has("count")) count = body->getValue<std::int64_t>("count");
      if (body->has("ttl_seconds")) ttl = body->getValue<std::int64_t>("ttl_seconds");
    } catch (const std::exception&) {
      return apiError(400, "bad_request", "the body is {\"count\": N, \"ttl_seconds\": S}, both optional");
    }
  }
  if (count < 1 || count > kMaxTokensAtOnce)
    return apiError(400, "bad_request", "count is 1-" + std::to_string(kMaxTokensAtOnce));
  if (ttl < 60 || ttl > 30 * 86400) return apiError(400, "bad_request", "ttl_seconds is 60 to 30 days");
  std::vector<std::string> tokens, hashes;
  for (std::int64_t i = 0; i < count; ++i) {
    tokens.push_back(util::randomToken());
    hashes.push_back(util::sha256Hex(tokens.back()));
  }
  const auto now = clock_();
  store_.addEnrollTokens(hashes, now, now + ttl);
  record(caller, request, "ENROLL_TOKENS_MADE", "count", std::to_string(count), "expires=" + views::isoTime(now + ttl));
  // The host the agents reach: the listener's, or, when it listens on every
  // address, the name this console was reached at (the same server).
  std::string host = settings_.agentHost;
  if (host.empty() || host == "0.0.0.0" || host == "::") host = hostOnly(header(request, "host"));
  if (host.empty()) host = "CONTROLLER";  // no usable name came: the operator puts it in
  Array::Ptr list = new Array;
  for (const auto& t : tokens) list->add(t);
  auto body = object();
  body->set("tokens", list);
  body->set("expires", views::isoTime(now + ttl));
  body->set("command", "portcullis-agent enroll --controller " + host + ":" + std::to_string(settings_.agentPort) +
                           " --token TOKEN --ca-sha256 " + settings_.caFingerprint +
                           " --config /etc/portcullis/agent.conf");
  return json(201, body);
}

ApiResponse ConsoleApi::audit(const ApiRequest& request) {
  const auto limit = queryNumber(request, "limit", 100, kMaxPageSize);
  const auto before = queryNumber(request, "before", 0, INT64_MAX);
  if (!limit || !before || *limit == 0)
    return apiError(400, "bad_request", "limit is 1-" + std::to_string(kMaxPageSize) + ", before an entry's id");
  const auto search = param(request, "search");
  Array::Ptr items = new Array;
  std::int64_t last = 0;
  for (const auto& e : store_.operators().operatorAudit(search, *before, static_cast<std::size_t>(*limit))) {
    items->add(views::auditEntryObject(e));
    last = e.id;
  }
  auto body = object();
  body->set("items", items);
  // The next page: entries before the last one shown.
  body->set("next_before", items->size() == static_cast<std::size_t>(*limit) ? Poco::Dynamic::Var(last)
                                                                              : Poco::Dynamic::Var());
  return json(200, body);
}

ApiResponse ConsoleApi::metrics(const ApiRequest& request) {
  if (!settings_.metricsToken.empty()) {
    const std::string authorization = header(request, "authorization");
    if (!util::equalConstantTime(authorization, "Bearer " + settings_.metricsToken)) {
      log_.information("METRICS_REFUSED from=%s reason=missing or wrong metrics token", request.peer);
      return apiError(401, "unauthenticated", "the metrics need the metrics token as a Bearer token");
    }
  } else if (!(request.peer.rfind("127.", 0) == 0 || request.peer == "::1" || request.peer.rfind("::ffff:127.", 0) == 0)) {
    log_.information("METRICS_REFUSED from=%s reason=loopback only (no [console] metrics_token_file)", request.peer);
    return apiError(403, "forbidden", "the metrics are for loopback only unless a metrics token is configured");
  }
  std::vector<web::MetricFamily> families = metrics_ ? metrics_() : std::vector<web::MetricFamily>{};
  std::size_t open = 0;
  {
    std::lock_guard lock(mutex_);
    open = sessions_.size();
  }
  families.push_back({"portcullis_console_sessions", "Console sessions open.", "gauge",
                      {{{}, static_cast<double>(open)}}});
  families.push_back({"portcullis_console_logins_total", "Console sign-ins by outcome.", "counter",
                      {{{{"outcome", "accepted"}}, static_cast<double>(loginsAccepted_.load())},
                       {{{"outcome", "refused"}}, static_cast<double>(loginsRefused_.load())},
                       {{{"outcome", "throttled"}}, static_cast<double>(loginsThrottled_.load())}}});
  families.push_back({"portcullis_console_refusals_total", "Console requests refused, by reason.", "counter",
                      {{{{"reason", "unauthenticated"}}, static_cast<double>(refusedUnauthenticated_.load())},
                       {{{"reason", "forbidden"}}, static_cast<double>(refusedForbidden_.load())},
                       {{{"reason", "csrf"}}, static_cast<double>(refusedCsrf_.load())}}});
  ApiResponse r;
  r.contentType = "text/plain; version=0.0.4";
  r.body = web::prometheusText(families);
  return r;
}

void ConsoleApi::record(const Caller& caller, const ApiRequest& request, const std::string& action,
                        const std::string& kind, const std::string& target, const std::string& detail) {
  store_.operators().recordOperatorAction({0, clock_(), caller.name, request.peer, action, target, detail});
  audit_.notice("%s %s=%s%s by=%s from=%s via=console", action, kind, target,
                detail.empty() ? std::string() : " " + detail, caller.name, request.peer);
}

}  // namespace portcullis::web_edge
