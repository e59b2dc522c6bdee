#include "controller/web_edge/console_pages.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <ostream>
#include <sstream>

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "common/log/logging.h"
#include "common/util/digest.h"
#include "common/util/text.h"
#include "controller/views/html_text.h"
#include "controller/web_edge/console_assets.h"
#include "controller/web_edge/multipart_form.h"
#include "controller/web_edge/page_parts.h"

namespace portcullis::web_edge {
namespace {

using namespace parts;

namespace views = portcullis::controller::views;
using Poco::JSON::Array;
using Poco::JSON::Object;
using views::html;

using Form = std::map<std::string, std::string>;

// The live stamp's shape: 16 lower-case hex digits.
bool isStamp(const std::string& s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'); });
}

std::string formDecode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() + 0 && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// application/x-www-form-urlencoded, as a browser sends a form.
Form parseForm(const std::string& body) {
  Form form;
  std::size_t at = 0;
  while (at <= body.size()) {
    std::size_t end = body.find('&', at);
    if (end == std::string::npos) end = body.size();
    const std::string pair = body.substr(at, end - at);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      form[formDecode(pair.substr(0, eq))] = eq == std::string::npos ? "" : formDecode(pair.substr(eq + 1));
    }
    at = end + 1;
  }
  return form;
}

std::string field(const Form& form, const std::string& key) {
  auto it = form.find(key);
  return it == form.end() ? std::string() : it->second;
}

// A path of this console to go back to, never another site's ("//host",
// "/\host") nor anything a header could be split with.
std::string localPath(const std::string& path) {
  if (path.empty() || path[0] != '/' || (path.size() > 1 && (path[1] == '/' || path[1] == '\\'))) return "/";
  for (unsigned char c : path)
    if (c < 0x21 || c == 0x7F || c == '\\') return "/";
  return path;
}

// The API call a form stands for: the same caller, the form's csrf field as
// the API's X-CSRF-Token.
ApiRequest apiCall(const ApiRequest& from, const std::string& apiPath, const Form& form, const std::string& body,
                   const std::string& method) {
  auto call = from;
  call.method = method;
  call.path = apiPath;
  call.query.clear();
  call.headers["x-csrf-token"] = field(form, "csrf");
  call.headers["content-type"] = "application/json";
  call.body = body;
  return call;
}

// The request names this console's own pages as its origin.
bool fromThisConsole(const ApiRequest& request) {
  return ConsoleApi::header(request, "origin") == "https://" + ConsoleApi::header(request, "host");
}

// A GET by the same caller (its cookies, its address), to ask who it is.
ApiRequest sameCaller(const ApiRequest& request) {
  ApiRequest r = request;
  r.method = "GET";
  r.query.clear();
  r.body.clear();
  return r;
}

}  // namespace

ConsolePages::ConsolePages(ConsoleApi& api, store::Store& store, PagesSettings settings)
    : api_(api), store_(store), settings_(settings), log_(log::get("controller.console")) {}

ConsolePages::~ConsolePages() { stop(); }

void ConsolePages::stop() {
  {
    std::lock_guard lock(stopMutex_);
    stopping_ = true;
  }
  stopped_.notify_all();
}

bool ConsolePages::isPage(const std::string& path) {
  return path.rfind("/api/", 0) != 0 && path != "/api" && path != "/metrics";
}

ApiResponse ConsolePages::fetchRaw(const ApiRequest& from, const std::string& apiPath) {
  ApiRequest r;
  r.method = "GET";
  r.path = apiPath;
  r.peer = from.peer;
  if (auto it = from.headers.find("cookie"); it != from.headers.end()) r.headers["cookie"] = it->second;
  if (auto it = from.headers.find("host"); it != from.headers.end()) r.headers["host"] = it->second;
  return api_.handle(r);
}

ConsolePages::Fetched ConsolePages::fetch(const ApiRequest& from, const std::string& apiPath,
                                          std::map<std::string, std::string> query) {
  ApiRequest r;
  r.method = "GET";
  r.path = apiPath;
  r.query = std::move(query);
  r.peer = from.peer;
  if (auto it = from.headers.find("cookie"); it != from.headers.end()) r.headers["cookie"] = it->second;
  if (auto it = from.headers.find("host"); it != from.headers.end()) r.headers["host"] = it->second;
  if (auto it = from.headers.find(ConsoleApi::kRefreshHeader); it != from.headers.end())
    r.headers[ConsoleApi::kRefreshHeader] = it->second;
  return answerOf(api_.handle(r));
}

ConsolePages::Fetched ConsolePages::answerOf(const ApiResponse& answer) {
  Fetched f;
  f.status = answer.status;
  try {
    f.body = Poco::JSON::Parser().parse(answer.body).extract<Object::Ptr>();
  } catch (const std::exception&) {
    f.body = new Object;  // 204, or not JSON
  }
  if (!f.body) f.body = new Object;
  if (f.status >= 300) {
    const auto error = f.body->has("error") ? f.body->getObject("error") : nullptr;
    f.error = error ? text(error, "message") : "the request failed";
  }
  return f;
}

ApiResponse ConsolePages::handle(const ApiRequest& request) {
  try {
    if (request.path == "/static/console.css" || request.path == "/static/console.js") {
      ApiResponse r;
      const bool css = request.path.back() == 's' && request.path.find(".css") != std::string::npos;
      r.contentType = css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
      r.body = std::string(css ? consoleCss() : consoleJs());
      r.headers.emplace_back("Cache-Control", "private, max-age=300");
      return r;
    }
    if (request.body.size() > maxBodyFor(request)) return htmlAnswer(413, head("Too large") + "<body><p>Too large.</p></body></html>");
    const bool post = request.method == "POST";
    if (!post && request.method != "GET" && request.method != "HEAD") {
      auto r = htmlAnswer(405, head("Not allowed") + "<body><p>Use GET or POST.</p></body></html>");
      r.headers.emplace_back("Allow", "GET, POST");
      return r;
    }
    if (post) {
      // A form sent from a page of another site: refused before anything
      // else (the cookies are SameSite=Strict too; this is the second lock).
      const auto origin = ConsoleApi::header(request, "origin");
      if (!origin.empty() && !fromThisConsole(request)) {
        log_.warning("CONSOLE_REFUSED from=%s request=POST %s reason=a form from another origin (%s)", request.peer,
                     request.path, origin);
        return htmlAnswer(403, head("Refused") + "<body><p>A form from another site is refused.</p></body></html>");
      }
    }
    if (request.path == "/login") return post ? signIn(request) : signInForm(request, "", 200);
    if (request.path == "/login/certificate" && post) return signIn(request, true);

    // A form's token is checked by the API call it makes; a live stream is
    // not the operator at work (its session still idles out).
    auto asked = sameCaller(request);
    if (request.path == "/events") asked.headers[ConsoleApi::kRefreshHeader] = "1";
    const auto who = api_.authenticate(asked);
    if (std::holds_alternative<ApiResponse>(who)) {
      if (post) return signInForm(request, "Your session is over: sign in again.", 401);
      ApiResponse r;
      r.status = 303;
      r.headers.emplace_back("Location", "/login" + views::queryString({{"next", localPath(pathWithQuery(request))}}));
      return r;
    }
    const auto& caller = std::get<Caller>(who);
    if (caller.mustChangePassword && request.path != "/account" && request.path != "/logout") {
      if (post) return layout({"Change your password", "", "", 403}, caller,
                              errorNotice("You signed in with a one-time password: change it first."));
      ApiResponse r;
      r.status = 303;
      r.headers.emplace_back("Location", "/account");
      return r;
    }
    if (!post) {
      if (request.path == "/events") return events(request, caller);
      // The fleet's stamp read before the page is: its stream then starts
      // from what the page shows, and a change made while the page was on
      // its way (or before the stream opened) is sent at once, not missed.
      const auto stamp = liveStamp();
      auto answer = page(request, caller);
      const std::string plain = "data-events=\"/events\"";
      if (const auto at = answer.body.find(plain); at != std::string::npos)
        answer.body.replace(at, plain.size(), "data-events=\"/events?since=" + stamp + "\"");
      return answer;
    }
    if (request.path == "/feeds/import") return feedUploaded(request, caller);
    const auto form = parseForm(request.body);
    if (request.path == "/logout") return signOut(request, form);
    if (request.path == "/enroll") return enrollMade(request, caller, form);
    if (request.path == "/policy") return policyChecked(request, caller, form);
    if (request.path == "/feeds/sync") return act(request, "/api/v1/feeds/sync", form);
    if (request.path == "/account") return passwordChanged(request, caller, form);
    if (request.path.rfind("/operators", 0) == 0) return operatorAction(request, caller, form);
    if (auto answer = incidentForm(request, caller, form)) return *answer;
    // /machines/ID/release|quarantine, /commands/ID/approve|cancel: the API's own paths.
    for (const std::string prefix : {"/machines/", "/commands/"}) {
      if (request.path.rfind(prefix, 0) != 0) continue;
      const auto rest = request.path.substr(prefix.size());
      const auto slash = rest.find('/');
      if (slash == std::string::npos || slash == 0) break;
      const auto action = rest.substr(slash + 1);
      const bool known = prefix == "/machines/" ? (action == "release" || action == "quarantine")
                                                 : (action == "approve" || action == "cancel");
      if (!known) break;
      return act(request, "/api/v1" + request.path, form);
    }
    return layout({"Not found", "", errorNotice("There is no such page."), 404}, caller);
  } catch (const std::exception& e) {
    log_.error("CONSOLE_REQUEST_FAILED request=%s %s from=%s reason=%s", request.method, request.path, request.peer,
               std::string(e.what()));
    return htmlAnswer(500, head("Failed") + "<body><p>The request failed; the controller's log says why.</p></body></html>");
  }
}

std::size_t ConsolePages::maxBodyFor(const ApiRequest& headers) {
  constexpr std::size_t kFormSlack = 256 << 10;  // the signature and the other fields around the file
  if (headers.method != "POST" || headers.path != "/feeds/import") return api_.maxBody();
  // Only a form of this console's own pages (a browser always names the
  // origin of a POST), from a session that may import.
  if (!fromThisConsole(headers)) return api_.maxBody();
  const auto who = api_.authenticate(sameCaller(headers));
  const auto* caller = std::get_if<Caller>(&who);
  return caller && ConsoleApi::mayImport(*caller) ? ConsoleApi::kMaxImportBytes + kFormSlack : api_.maxBody();
}

ApiResponse ConsolePages::feedUploaded(const ApiRequest& request, const Caller& caller) {
  const auto back = "<p><a href=\"/feeds\">Back to the feeds</a></p>";
  const auto parsed = parseMultipartForm(ConsoleApi::header(request, "content-type"), request.body);
  if (!parsed) {
    log_.warning("CONSOLE_REFUSED from=%s request=POST %s reason=%s", request.peer, request.path, parsed.error());
    return layout({"Not imported", "/feeds", back, 400}, caller, errorNotice("The upload was not read: " + parsed.error()));
  }
  const auto& form = parsed->fields;
  const auto kind = field(form, "kind");
  if (kind != "advisories" && kind != "known-bad")
    return layout({"Not imported", "/feeds", back, 400}, caller, errorNotice("Choose advisories or a known-bad list."));
  // The API's own import: the same checks (role, CSRF, signature, publisher).
  auto call = apiCall(request, kind == "advisories" ? "/api/v1/advisories/import" : "/api/v1/known-bad/import", form,
                      field(form, "file"), "POST");
  call.headers["content-type"] = "application/octet-stream";
  std::ostringstream signature;
  {
    Poco::Base64Encoder encoder(signature);
    encoder.rdbuf()->setLineLength(0);  // one line: a header value
    encoder << field(form, "signature");
    encoder.close();
  }
  call.headers["x-signature"] = signature.str();
  for (const char* key : {"publisher", "source"})
    if (!field(form, key).empty()) call.query[key] = field(form, key);
  if (const auto name = parsed->fileNames.find("file"); name != parsed->fileNames.end() && !name->second.empty())
    call.query["name"] = name->second;
  const auto answer = answerOf(api_.handle(call));
  if (answer.status >= 300) return notDone(caller, "/feeds", "/feeds", answer);
  std::string summary;
  if (kind == "advisories") {
    summary = std::to_string(number(answer.body, "records")) + " advisories read: " +
              std::to_string(number(answer.body, "added")) + " added, " +
              std::to_string(number(answer.body, "replaced")) + " replaced, " +
              std::to_string(number(answer.body, "unchanged")) + " unchanged.";
    if (const auto skipped = list(answer.body, "unparsable"); skipped->size() > 0)
      summary += " " + std::to_string(skipped->size()) + " unreadable and skipped.";
  } else {
    summary = std::to_string(number(answer.body, "entries")) + " hashes read: " +
              std::to_string(number(answer.body, "added")) + " new.";
  }
  return layout({"Imported", "/feeds", "<section class=\"card\" id=\"imported\"><h2>Imported</h2><p>" + html(summary) +
                                           "</p>" + back + "</section>"},
                caller);
}

ApiResponse ConsolePages::signInForm(const ApiRequest& request, const std::string& message, int status) {
  // The form's own token, kept in a cookie only this host's pages can set.
  // Only a token of this console's making (64 lower-case hex digits) is
  // kept; anything else in the cookie is replaced, never copied into the page.
  std::string token = ConsoleApi::cookie(request, kSigninCookie);
  if (token.size() != 64 || token.find_first_not_of("0123456789abcdef") != std::string::npos)
    token = util::randomToken();
  const std::string next = localPath(param(request, "next").empty() ? "/" : param(request, "next"));
  std::string body = head("Sign in") + "<body><main class=\"login\"><section class=\"card\"><h1>Portcullis</h1>" +
                     (message.empty() ? "" : errorNotice(message)) +
                     "<form class=\"stack\" method=\"post\" action=\"/login" +
                     html(views::queryString({{"next", next == "/" ? "" : next}})) +
                     "\"><input type=\"hidden\" name=\"signin\" value=\"" + html(token) +
                     "\"><label>Operator<input type=\"text\" name=\"name\" autocomplete=\"username\" required "
                     "autofocus></label><label>Password<input type=\"password\" name=\"password\" "
                     "autocomplete=\"current-password\" required></label><button>Sign in</button></form>" +
                     // The browser presented a certificate of this controller's CA: it may be an operator's.
                     (request.clientCertificate.empty()
                          ? std::string()
                          : "<form class=\"stack\" method=\"post\" action=\"/login/certificate" +
                                html(views::queryString({{"next", next == "/" ? "" : next}})) +
                                "\"><input type=\"hidden\" name=\"signin\" value=\"" + html(token) +
                                "\"><button class=\"quiet\" id=\"certificate-signin\">Sign in with a "
                                "certificate</button></form>") +
                     "</section></main></body></html>";
  auto r = htmlAnswer(status, body);
  r.headers.emplace_back("Set-Cookie", std::string(kSigninCookie) + "=" + token +
                                           "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600");
  return r;
}

ApiResponse ConsolePages::signIn(const ApiRequest& request, bool byCertificate) {
  const auto form = parseForm(request.body);
  const auto expected = ConsoleApi::cookie(request, kSigninCookie);
  if (expected.size() != 64 || !util::equalConstantTime(field(form, "signin"), expected)) {
    log_.warning("LOGIN_REFUSED from=%s reason=the sign-in form's token is missing or wrong", request.peer);
    return signInForm(request, "The sign-in form had expired: try again.", 403);
  }
  const auto in = byCertificate
                      ? api_.sessions().signInByCertificate(request.clientCertificate, request.peer)
                      : api_.sessions().signIn(field(form, "name"), field(form, "password"), request.peer);
  if (const auto* refusal = std::get_if<Refusal>(&in)) {
    auto r = signInForm(request, refusal->message, refusal->status);
    if (refusal->retryAfterSeconds > 0)
      r.headers.emplace_back("Retry-After", std::to_string(refusal->retryAfterSeconds));
    return r;
  }
  const auto& signedIn = std::get<SignedIn>(in);
  api_.recordSignIn(request, signedIn);
  ApiResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", localPath(param(request, "next").empty() ? "/" : param(request, "next")));
  r.headers.emplace_back("Set-Cookie",
                         ConsoleApi::sessionCookie(signedIn.session.id, api_.sessions().lifetimeMs() / 1000));
  r.headers.emplace_back("Set-Cookie", std::string(kSigninCookie) + "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
  return r;
}

ApiResponse ConsolePages::signOut(const ApiRequest& request, const Form& form) {
  send(request, "/api/v1/logout", form);
  ApiResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", "/login");
  r.headers.emplace_back("Set-Cookie", ConsoleApi::sessionCookie("", 0));
  return r;
}

ApiResponse ConsolePages::act(const ApiRequest& request, const std::string& apiPath, const Form& form) {
  const auto answer = send(request, apiPath, form);
  if (answer.status < 300) {
    ApiResponse r;
    r.status = 303;
    r.headers.emplace_back("Location", localPath(field(form, "back")));
    return r;
  }
  const auto who = api_.authenticate(sameCaller(request));
  if (!std::holds_alternative<Caller>(who)) return signInForm(request, "Your session is over: sign in again.", 401);
  return notDone(std::get<Caller>(who), "", localPath(field(form, "back")), answer);
}

ApiResponse ConsolePages::enrollMade(const ApiRequest& request, const Caller& caller, const Form& form) {
  std::int64_t count = 1, hours = 1;
  try {
    if (!field(form, "count").empty()) count = std::stoll(field(form, "count"));
    if (!field(form, "hours").empty()) hours = std::stoll(field(form, "hours"));
  } catch (const std::exception&) {
    count = 0;  // refused by the API as out of range
  }
  const auto made = send(request, "/api/v1/enrollment-tokens", form,
                         "{\"count\": " + std::to_string(count) + ", \"ttl_seconds\": " +
                             std::to_string(std::clamp<std::int64_t>(hours, 0, 1'000'000) * 3600) + "}");
  if (made.status >= 300) return notDone(caller, "/enroll", "/enroll", made);
  // One token: the command with it in place, ready to paste.
  std::string command = text(made.body, "command");
  const auto tokens = list(made.body, "tokens");
  if (tokens->size() == 1 && command.find("TOKEN") != std::string::npos)
    command.replace(command.find("TOKEN"), 5, tokens->get(0).convert<std::string>());
  std::string body = "<section class=\"card\"><h2>Run this on each endpoint, as root</h2><p>Each token enrolls one "
                     "machine once, until " +
                     when(text(made.body, "expires")) +
                     " UTC. This page is the only time the tokens are shown.</p><pre class=\"command\" id=\"enroll-command\">" +
                     html(command) + "</pre><table><thead><tr><th>Token</th></tr></thead><tbody>";
  for (const auto& t : *tokens) body += "<tr><td class=\"mono token\">" + html(t.convert<std::string>()) + "</td></tr>";
  body += "</tbody></table></section>";
  return layout({"Enroll machines", "/enroll", body, 201}, caller);
}

ApiResponse ConsolePages::operatorAction(const ApiRequest& request, const Caller& caller, const Form& form) {
  const auto& path = request.path;
  if (path == "/operators") {
    Poco::JSON::Object::Ptr ask = new Object;
    for (const char* key : {"name", "role", "password"}) ask->set(key, field(form, key));
    std::ostringstream body;
    Poco::JSON::Stringifier::stringify(ask, body);
    const auto added = send(request, "/api/v1/operators", form, body.str());
    if (added.status >= 300) return notDone(caller, "/operators", "/operators", added);
    ApiResponse r;
    r.status = 303;
    r.headers.emplace_back("Location", "/operators");
    return r;
  }
  // /operators/NAME/remove, /operators/NAME/token
  const auto rest = path.substr(std::string("/operators/").size());
  const auto slash = rest.find('/');
  const auto name = slash == std::string::npos ? "" : rest.substr(0, slash);
  const auto action = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (name.empty() || (action != "remove" && action != "token"))
    return layout({"Not found", "", "", 404}, caller, errorNotice("There is no such page."));
  if (action == "remove") {
    const auto removed = send(request, "/api/v1/operators/" + name, form, "", "DELETE");
    if (removed.status >= 300) return notDone(caller, "/operators", "/operators", removed);
    ApiResponse r;
    r.status = 303;
    r.headers.emplace_back("Location", "/operators");
    return r;
  }
  const auto made = send(request, "/api/v1/operators/" + name + "/tokens", form);
  if (made.status >= 300) return notDone(caller, "/operators", "/operators", made);
  std::string body = "<section class=\"card\"><h2>API token for " + html(name) +
                     "</h2><p>Shown this once: only its hash is kept. Send it as <code>Authorization: Bearer "
                     "TOKEN</code>; it acts with " + html(name) + "'s role until the operator is removed.</p>"
                     "<pre class=\"command\" id=\"new-token\">" + html(text(made.body, "token")) +
                     "</pre><p><a href=\"/operators\">Back to the operators</a></p></section>";
  return layout({"New API token", "/operators", body, 201}, caller);
}

ApiResponse ConsolePages::passwordChanged(const ApiRequest& request, const Caller& caller, const Form& form) {
  Poco::JSON::Object::Ptr ask = new Object;
  ask->set("current", field(form, "current"));
  ask->set("password", field(form, "password"));
  std::ostringstream body;
  Poco::JSON::Stringifier::stringify(ask, body);
  // Whole: its new session cookie goes to the browser.
  const auto answer = api_.handle(apiCall(request, "/api/v1/session/password", form, body.str(), "POST"));
  if (answer.status >= 300) return notDone(caller, "", "/account", answerOf(answer));
  ApiResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", "/");
  for (const auto& h : answer.headers)
    if (h.first == "Set-Cookie") r.headers.push_back(h);
  return r;
}

ApiResponse ConsolePages::policyChecked(const ApiRequest& request, const Caller& caller, const Form& form) {
  Poco::JSON::Object::Ptr ask = new Object;
  ask->set("text", field(form, "text"));
  std::ostringstream body;
  Poco::JSON::Stringifier::stringify(ask, body);
  const auto checked = send(request, "/api/v1/policy/validate", form, body.str());
  if (checked.status >= 300) return notDone(caller, "/policy", "/policy", checked);
  std::string page = policySummary(checked.body) +
                     "<section class=\"card\"><h2>Check a change</h2><form method=\"post\" action=\"/policy\" "
                     "class=\"stack wide\"><input type=\"hidden\" name=\"csrf\" value=\"" + html(caller.csrf) +
                     "\"><textarea name=\"text\" rows=\"14\">" + html(field(form, "text")) +
                     "</textarea><button>Check</button></form></section>";
  return layout({"Policy check", "/policy", page}, caller);
}

ConsolePages::Fetched ConsolePages::send(const ApiRequest& from, const std::string& apiPath, const Form& form,
                                         const std::string& body, const std::string& method) {
  return answerOf(api_.handle(apiCall(from, apiPath, form, body, method)));
}

ApiResponse ConsolePages::notDone(const Caller& caller, const std::string& here, const std::string& back,
                                  const Fetched& answer) {
  return layout({"Not done", here, "<p><a href=\"" + html(back) + "\">Back</a></p>", answer.status}, caller,
                errorNotice("Not done: " + answer.error));
}

std::string ConsolePages::liveStamp() {
  const auto nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
  std::lock_guard lock(stampMutex_);
  if (stampReadMs_ >= 0 && nowMs - stampReadMs_ < settings_.pollMs) return stamp_;
  std::string s;
  for (const auto& [state, n] : store_.stateCounts()) s += std::to_string(static_cast<int>(state)) + ":" + std::to_string(n) + ",";
  s += "|";
  for (const auto& [state, n] : store_.commandCounts()) s += std::to_string(static_cast<int>(state)) + ":" + std::to_string(n) + ",";
  s += "|";
  for (const auto& t : store_.recentTransitions(0, 1)) s += t.machineId + "@" + std::to_string(t.at) + t.cause;
  s += "|";
  for (const auto& e : store_.operators().operatorAudit("", 0, 1)) s += std::to_string(e.id);
  s += "|" + std::to_string(store_.runbooks().latestRunbookEvent());  // a test's result comes in with no click
  stamp_ = util::sha256Hex(s).substr(0, 16);
  stampReadMs_ = nowMs;
  return stamp_;
}

ApiResponse ConsolePages::events(const ApiRequest& request, const Caller& caller) {
  // A slot of the console's and one of the session's (or token's), given
  // back when the stream ends or, should it never start, with the answer.
  const std::string owner = caller.sessionId.empty() ? "token:" + caller.name : caller.sessionId;
  std::string why;
  {
    std::lock_guard lock(streamsMutex_);
    if (streams_ >= settings_.maxStreams) why = std::to_string(settings_.maxStreams) + " live streams open already";
    else if (streamsOf_[owner] >= kStreamsPerSession) why = "this session has its live streams open already";
    else {
      ++streams_;
      ++streamsOf_[owner];
    }
  }
  if (!why.empty()) {
    log_.information("CONSOLE_STREAM_REFUSED operator=%s from=%s reason=%s", caller.name, request.peer, why);
    ApiResponse r;
    r.status = 503;
    r.contentType = "text/plain";
    r.body = "too many live pages open; this one is not live\n";
    r.headers.emplace_back("Retry-After", "30");
    return r;
  }
  const std::shared_ptr<void> slot(nullptr, [this, owner](void*) {
    std::lock_guard lock(streamsMutex_);
    --streams_;
    if (--streamsOf_[owner] <= 0) streamsOf_.erase(owner);
  });
  ApiResponse r;
  r.contentType = "text/event-stream";
  r.headers.emplace_back("X-Accel-Buffering", "no");
  auto sessionRequest = sameCaller(request);
  sessionRequest.headers[ConsoleApi::kRefreshHeader] = "1";
  // Where the page (or the stream before this one) left off; anything but a
  // stamp's own shape is ignored.
  auto since = ConsoleApi::header(request, "last-event-id");
  if (since.empty())
    if (const auto q = request.query.find("since"); q != request.query.end()) since = q->second;
  if (!isStamp(since)) since.clear();
  r.stream = [this, sessionRequest, slot, since](std::ostream& out, const std::function<bool()>& clientGone) {
    const auto start = std::chrono::steady_clock::now();
    const auto end = start + std::chrono::seconds(settings_.streamSeconds);
    std::string last = since.empty() ? liveStamp() : since;
    out << "retry: 2000\n: live\n\n" << std::flush;
    auto lastWrite = start;
    while (out && std::chrono::steady_clock::now() < end) {
      {
        std::unique_lock lock(stopMutex_);
        if (stopped_.wait_for(lock, std::chrono::milliseconds(settings_.pollMs), [&] { return stopping_; })) return;
      }
      if (clientGone()) return;  // the page was left: the slot is free at once
      // The operator may have signed out, been removed or changed password.
      if (!std::holds_alternative<Caller>(api_.authenticate(sessionRequest))) {
        out << "event: signed-out\ndata: \n\n" << std::flush;
        return;
      }
      const auto now = liveStamp();
      if (now != last) {
        last = now;
        // The id comes back as Last-Event-ID when the browser reconnects.
        out << "event: change\nid: " << now << "\ndata: " << now << "\n\n" << std::flush;
        lastWrite = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - lastWrite > std::chrono::seconds(15)) {
        out << ": still here\n\n" << std::flush;  // through proxies that close idle connections
        lastWrite = std::chrono::steady_clock::now();
      }
    }
  };
  return r;
}

}  // namespace portcullis::web_edge
