// The console's incidents and runbooks: the incidents IDS alerts opened;
// one incident with its alerts, its questionnaire (pre-filled: the stored
// answers, or the guess from its alert and the machine's inventory) and
// its runbooks; a runbook one step at a time (its work, OK, YES and NO, the
// tests' findings, a failed test showing the work again), its damage drawn
// on the dependency graph, its steps readable before it runs with why each
// added one was added, and the record of every click; the graph itself.
// Every page asks the API as the signed-in operator, as the others do.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "common/util/text.h"
#include "controller/runbooks/questionnaire.h"
#include "controller/views/html_text.h"
#include "controller/web_edge/console_pages.h"
#include "controller/web_edge/page_parts.h"

namespace portcullis::web_edge {
namespace {

namespace views = portcullis::controller::views;
using namespace parts;
using views::html;

std::string formField(const std::map<std::string, std::string>& form, const std::string& key) {
  const auto it = form.find(key);
  return it == form.end() ? std::string() : it->second;
}

// "/incidents/7" -> 7 and "", "/runbooks/7/ok" -> 7 and "ok"; nullopt when
// the path is not of that prefix or its id is not a number.
std::optional<std::pair<std::string, std::string>> split(const std::string& path, const std::string& prefix) {
  if (path.rfind(prefix, 0) != 0) return std::nullopt;
  const auto rest = path.substr(prefix.size());
  const auto slash = rest.find('/');
  const auto id = rest.substr(0, slash);
  if (!util::recordNumber(id)) return std::nullopt;
  return std::pair{id, slash == std::string::npos ? std::string() : rest.substr(slash + 1)};
}

std::string select(const std::string& name, const std::vector<std::string>& options, const std::string& chosen) {
  std::string out = "<select name=\"" + name + "\" id=\"answer-" + name + "\">";
  for (const auto& o : options)
    out += "<option value=\"" + html(o) + "\"" + (o == chosen ? " selected" : "") + ">" + html(o) + "</option>";
  return out + "</select>";
}

std::string input(const std::string& name, const std::string& label, const std::string& value) {
  return "<label>" + html(label) + "<input name=\"" + name + "\" id=\"answer-" + name + "\" value=\"" + html(value) +
         "\"></label>";
}

std::string button(const std::string& action, const std::string& id, const std::string& label, const Caller& caller,
                   const std::string& back) {
  return "<form class=\"inline act\" method=\"post\" action=\"" + html(action) +
         "\"><input type=\"hidden\" name=\"csrf\" value=\"" + html(caller.csrf) +
         "\"><input type=\"hidden\" name=\"back\" value=\"" + html(back) + "\"><button id=\"" + id + "\">" + html(label) +
         "</button></form>";
}

// A runbook's answer the page may sign: with the operator's key loaded
// (console.js), the text GET confirmationUrl gives is signed in the page
// and the signature and certificate go with the form. Without one, the
// answer goes unsigned; `required` (the whole runbook's confirmation)
// refuses to go without.
std::string signableButton(const std::string& action, const std::string& id, const std::string& label, const Caller& caller,
                           const std::string& back, const std::string& confirmationUrl, bool required = false) {
  return "<form class=\"inline act signable" + std::string(required ? " signature-required" : "") +
         "\" method=\"post\" action=\"" + html(action) + "\" data-confirmation=\"" + html(confirmationUrl) +
         "\"><input type=\"hidden\" name=\"csrf\" value=\"" + html(caller.csrf) +
         "\"><input type=\"hidden\" name=\"back\" value=\"" + html(back) +
         "\"><input type=\"hidden\" name=\"signature\" value=\"\"><input type=\"hidden\" name=\"certificate\" value=\"\">"
         "<button id=\"" + id + "\">" + html(label) + "</button></form>";
}

std::string incidentRow(const Object::Ptr& i) {
  std::string hosts;
  const auto list = parts::list(i, "hosts");
  for (std::size_t k = 0; k < list->size() && k < 4; ++k) {
    const auto h = list->getObject(k);
    hosts += (hosts.empty() ? "" : ", ") + html(text(h, "address")) +
             (text(h, "machine").empty() ? "" : " (" + machineLink(text(h, "machine"), text(h, "machine")) + ")");
  }
  const auto id = std::to_string(number(i, "id"));
  const auto sigs = parts::list(i, "signatures");
  return "<tr><td><a href=\"/incidents/" + id + "\">#" + id + "</a></td><td>" + when(text(i, "opened")) + "</td><td>" +
         badge(text(i, "state")) + "</td><td>" + html(text(i, "rule")) + " " +
         html(sigs->size() ? sigs->getElement<std::string>(0) : "") + "</td><td>" + std::to_string(number(i, "severity")) +
         "</td><td>" + std::to_string(number(i, "alerts")) + "</td><td>" + hosts + "</td></tr>";
}

}  // namespace

std::optional<ApiResponse> ConsolePages::incidentPage(const ApiRequest& request, const Caller& caller) {
  const auto& path = request.path;
  const auto failed = [&](const Fetched& f, const std::string& title) {
    return layout({title, "/incidents", "", f.status}, caller, errorNotice(f.error));
  };
  const bool mayRun = web::roleAllows(caller.role, web::Permission::RunRunbooks);

  if (path == "/incidents") {
    const bool all = param(request, "all") == "1";
    const auto f = fetch(request, "/api/v1/incidents", all ? std::map<std::string, std::string>{{"all", "1"}}
                                                            : std::map<std::string, std::string>{});
    if (f.status != 200) return failed(f, "Incidents");
    std::string body = "<section class=\"card\" id=\"incidents\" data-live><p>" +
                       std::string(all ? "<a href=\"/incidents\">Open ones only</a>"
                                       : "<a href=\"/incidents?all=1\">Closed ones too</a>") +
                       " · <a href=\"/graph\">The service dependency graph</a></p>" +
                       tableOf("<th>Incident</th><th>Opened</th><th>State</th><th>Alert</th><th>Severity</th><th>Alerts</th>"
                               "<th>Hosts</th>",
                               list(f.body, "items"), incidentRow, all ? "No incidents." : "No open incidents.") +
                       "</section>";
    return layout({"Incidents", "/incidents", body}, caller);
  }

  if (const auto target = split(path, "/incidents/"); target && target->second.empty()) {
    const auto& id = target->first;
    const auto f = fetch(request, "/api/v1/incidents/" + id);
    if (f.status != 200) return failed(f, "Incident #" + id);
    const auto incident = f.body->getObject("incident");
    std::string body = "<section class=\"card\" id=\"incident\"><table><tbody>" + incidentRow(incident) +
                       "</tbody></table>";
    if (mayRun && text(incident, "state") == "open")
      body += button("/incidents/" + id + "/close", "incident-close", "Close the incident", caller, "/incidents/" + id);
    body += "</section><section class=\"card\" id=\"alerts\"><h2>Alerts</h2><table><thead><tr><th>When</th><th>From</th>"
            "<th>To</th><th>Signature</th><th>Category</th><th>Action</th></tr></thead><tbody>";
    const auto alerts = list(f.body, "alerts");
    for (std::size_t i = 0; i < alerts->size(); ++i) {
      const auto a = alerts->getObject(i);
      const auto alert = a->getObject("alert");
      body += "<tr><td>" + html(text(a, "timestamp")) + "</td><td>" + html(text(a, "src_ip")) + ":" +
              std::to_string(number(a, "src_port")) + "</td><td>" + html(text(a, "dest_ip")) + ":" +
              std::to_string(number(a, "dest_port")) + "</td><td>" + html(text(alert, "signature")) + " (" +
              std::to_string(number(alert, "gid")) + ":" + std::to_string(number(alert, "signature_id")) + ":" +
              std::to_string(number(alert, "rev")) + ")</td><td>" + html(text(alert, "category")) + "</td><td>" +
              html(text(alert, "action")) + "</td></tr>";
    }
    body += "</tbody></table></section>";
    if (f.body->has("answers")) {
      const auto a = f.body->getObject("answers");
      const bool guessed = f.body->getValue<bool>("answers_guessed");
      body += "<section class=\"card\" id=\"questionnaire\"><h2>The damage questionnaire</h2><p class=\"muted\">" +
              std::string(guessed ? "Guessed from the alert and the machine's inventory: correct what is wrong."
                                  : "As answered by " + html(text(a, "answered_by")) + ", " + when(text(a, "answered")) +
                                        ".") +
              "</p>";
      if (mayRun) {
        body += "<form class=\"stack\" method=\"post\" action=\"/incidents/" + id +
                "/answers\"><input type=\"hidden\" name=\"csrf\" value=\"" + html(caller.csrf) +
                "\"><label>Problem" + select("problem", runbooks::problemKinds(), text(a, "problem")) + "</label>" +
                input("host", "Host name", text(a, "host")) + input("address", "Address", text(a, "address")) +
                input("machine", "Machine", text(a, "machine")) + input("service", "Service (http, smtp, ssh...)", text(a, "service")) +
                input("process", "Process", text(a, "process")) +
                input("port", "Port", number(a, "port") ? std::to_string(number(a, "port")) : "") +
                "<label>Countermeasure policy" + select("policy", runbooks::policies(), text(a, "policy")) +
                "</label><label>Start" + select("start", runbooks::startTimes(), text(a, "start")) +
                "</label><button id=\"answers-submit\">Make the runbook</button></form>";
      } else {
        body += "<p>" + html(text(a, "problem")) + " on " + html(text(a, "host")) + " (" + html(text(a, "address")) + "), " +
                html(text(a, "service")) + ", policy " + html(text(a, "policy")) + ", start " + html(text(a, "start")) + "</p>";
      }
      body += "</section>";
    }
    body += "<section class=\"card\" id=\"runbooks\"><h2>Runbooks</h2>";
    const auto books = list(f.body, "runbooks");
    if (books->size() == 0) body += "<p class=\"muted\">None made yet.</p>";
    for (std::size_t i = 0; i < books->size(); ++i) {
      const auto r = books->getObject(i);
      const auto rid = std::to_string(number(r, "id"));
      body += "<p><a href=\"/runbooks/" + rid + "\">Runbook #" + rid + "</a> version " + std::to_string(number(r, "version")) +
              ", " + html(text(r, "scenario")) + ", " + badge(text(r, "state")) + "</p>";
    }
    body += "</section>";
    return layout({"Incident #" + id, "/incidents", body}, caller);
  }

  if (const auto target = split(path, "/runbooks/"); target && target->second.empty()) {
    const auto& id = target->first;
    const auto f = fetch(request, "/api/v1/runbooks/" + id);
    if (f.status != 200) return failed(f, "Runbook #" + id);
    const auto& r = f.body;
    const auto back = "/runbooks/" + id;
    const auto state = text(r, "state");
    std::string body = "<section class=\"card\" id=\"runbook\" data-live><p>For <a href=\"/incidents/" +
                       std::to_string(number(r, "incident")) + "\">incident #" + std::to_string(number(r, "incident")) +
                       "</a>: version " + std::to_string(number(r, "version")) + " of scenario " + html(text(r, "scenario")) +
                       ", made by " + html(text(r, "created_by")) + " " + when(text(r, "created")) + "; starts " +
                       when(text(r, "start")) + ". " + badge(state) + "</p>";
    for (const auto& n : *list(r, "notes")) body += "<p class=\"muted\">" + html(n.convert<std::string>()) + "</p>";
    body += "</section>";

    // The step that waits, with its work and the buttons that answer it.
    body += "<section class=\"card runbook-step\" id=\"runbook-step\" data-live>";
    const auto added = list(r, "added");
    const auto confirmation = "/api/v1/runbooks/" + id + "/confirmation?answer=";
    if (state == "scheduled") {
      body += "<h2>Not begun</h2><p>Read the steps below first.</p>";
      if (mayRun) body += signableButton(back + "/step", "step-begin", "Begin", caller, back, confirmation + "begin");
    } else if (r->isObject("waiting")) {
      const auto waiting = r->getObject("waiting");
      const auto waits = text(waiting, "waits_for");
      for (const auto& s : *list(r, "shown")) {
        const auto e = s.extract<Object::Ptr>();
        body += "<h2 id=\"entry-" + html(text(e, "key")) + "\">" + html(text(e, "title")) + " <span class=\"muted\">[" +
                html(text(e, "key")) + "]</span></h2><pre>" + html(text(e, "text")) + "</pre>";
      }
      // The reason for an added item, shown with its work.
      const auto shownFrom = number(r, "shown_from");
      for (std::size_t i = 0; i < added->size(); ++i) {
        const auto a = added->getObject(i);
        if (number(a, "line") == shownFrom) {
          body += "<p class=\"muted\" id=\"added-reason\">Added: " + html(text(a, "why")) + "</p>";
          break;
        }
      }
      if (waits == "nothing") {
        body += "<p id=\"runbook-finished\">The runbook is finished.</p>";
        const auto record = list(r, "record");
        bool confirmed = false;
        for (std::size_t i = 0; i < record->size(); ++i) confirmed = confirmed || text(record->getObject(i), "kind") == "confirmed";
        if (confirmed) body += "<p id=\"runbook-confirmed\">Confirmed and signed.</p>";
        else if (mayRun)
          body += signableButton(back + "/confirm", "runbook-confirm", "Confirm the whole runbook (signed)", caller, back,
                                 confirmation + "confirm", true);
      } else if (waits == "test") {
        // A test sent to agents: this section refreshes by itself when they answer.
        body += "<p id=\"agents-awaited\">Waiting for the agents' checks (" +
                std::to_string(waiting->has("agent_commands") ? list(waiting, "agent_commands")->size() : 0) +
                " commands), at most until " + when(text(waiting, "agents_until")) + ".</p>";
      } else if (mayRun && waits == "ok") {
        body += signableButton(back + "/ok", "step-ok", "OK: done", caller, back, confirmation + "ok");
      } else if (mayRun && waits == "yesno") {
        body += signableButton(back + "/yes", "step-yes", "Yes", caller, back, confirmation + "yes") + " " +
                signableButton(back + "/no", "step-no", "No", caller, back, confirmation + "no");
      }
    }
    // The tests since the last click, with what they saw.
    const auto record = list(r, "record");
    std::size_t from = record->size();
    while (from > 0) {
      const auto kind = text(record->getObject(from - 1), "kind");
      if (kind != "test" && kind != "test sent" && kind != "finished") break;
      --from;
    }
    std::string tests;
    for (std::size_t i = from; i < record->size(); ++i) {
      const auto e = record->getObject(i);
      if (text(e, "kind") != "test") continue;
      const bool passed = e->getValue<bool>("passed");
      tests += "<li class=\"" + std::string(passed ? "test-passed" : "test-failed") + "\">" +
               (passed ? "Passed: " : "Failed, shown again: ") + html(text(e, "detail")) + "</li>";
    }
    if (!tests.empty()) body += "<ul id=\"tests\">" + tests + "</ul>";
    body += "</section>";

    // Signing in the page: the key is read by the page's script and never
    // leaves the browser; only each signature and the certificate are sent.
    // Not live: a refresh of the parts above keeps what was loaded.
    if (mayRun && state != "superseded")
      body += "<section class=\"card\" id=\"signing\"><h2>Sign your answers</h2><p class=\"muted\">With your operator key "
              "and certificate loaded here, each answer and the confirmation of the whole runbook are signed in this "
              "page; the key is never sent. <code>portcullis-controller operator cert</code> gives them as PKCS#12: "
              "<code>openssl pkcs12 -in FILE.p12 -nocerts -nodes</code> takes out the key, <code>-clcerts -nokeys</code> "
              "the certificate.</p>"
              "<label>Key (PEM)<input type=\"file\" id=\"sign-key\" accept=\".pem,.key\"></label> "
              "<label>Certificate (PEM)<input type=\"file\" id=\"sign-cert\" accept=\".pem,.crt\"></label>"
              "<p id=\"sign-status\" class=\"muted\">No key loaded: answers go unsigned.</p></section>";

    // The damage, listed and drawn.
    const auto damage = r->getObject("damage");
    if (!text(damage, "failed").empty()) {
      body += "<section class=\"card\" id=\"damage\"><h2>Damage</h2><p>From " + html(text(damage, "failed")) + ": " +
              std::to_string(list(damage, "range")->size()) + " elements, " +
              std::to_string(static_cast<long long>(damage->getValue<double>("cost_per_hour") + 0.5)) +
              " an hour. Fix in this order:</p><ol>";
      for (const auto& e : *list(damage, "fix_order")) body += "<li>" + html(e.convert<std::string>()) + "</li>";
      body += "</ol>";
      const auto svg = fetchRaw(request, "/api/v1/runbooks/" + id + "/damage.svg");
      if (svg.status == 200) body += svg.body;
      body += "</section>";
    }
    // Readable before it runs, and the record.
    body += "<section class=\"card\" id=\"runbook-text\"><h2>The steps</h2><pre class=\"runbook-text\">" +
            html(text(r, "text")) + "</pre></section>";
    body += "<section class=\"card\" id=\"record\" data-live><h2>Record</h2><table><thead><tr><th>When</th><th>Operator</th>"
            "<th>From</th><th>What</th><th>Line</th><th>Detail</th></tr></thead><tbody>";
    for (std::size_t i = 0; i < record->size(); ++i) {
      const auto e = record->getObject(i);
      const auto kind = text(e, "kind");
      body += "<tr><td>" + when(text(e, "at")) + "</td><td>" + html(text(e, "operator")) + "</td><td>" +
              html(text(e, "address")) + "</td><td>" + html(kind == "test" ? (e->getValue<bool>("passed") ? "test passed" : "test failed") : kind) +
              "</td><td>" + std::to_string(number(e, "line")) + "</td><td>" + html(text(e, "detail")) + "</td></tr>";
    }
    body += "</tbody></table></section>";
    return layout({"Runbook #" + id, "/incidents", body}, caller);
  }

  if (path == "/graph") {
    const auto f = fetch(request, "/api/v1/graph");
    if (f.status != 200) return failed(f, "Service dependency graph");
    std::string body = "<section class=\"card\" id=\"graph\"><p>" + std::to_string(number(f.body, "elements")) +
                       " elements. One a line: <code>KIND NAME COST_PER_HOUR [needs NAME...] [standby NAME] [address IP]"
                       "</code>; <code>portcullis-controller graph seed</code> makes a first one from the inventory.</p>";
    if (web::roleAllows(caller.role, web::Permission::ManageGraph))
      body += "<form class=\"stack\" method=\"post\" action=\"/graph\"><input type=\"hidden\" name=\"csrf\" value=\"" +
              html(caller.csrf) + "\"><textarea name=\"graph\" id=\"graph-text\" rows=\"20\">" + html(text(f.body, "text")) +
              "</textarea><button id=\"graph-import\">Import</button></form>";
    else
      body += "<pre>" + html(text(f.body, "text")) + "</pre>";
    return layout({"Service dependency graph", "/incidents", body + "</section>"}, caller);
  }
  return std::nullopt;
}

std::optional<ApiResponse> ConsolePages::incidentForm(const ApiRequest& request, const Caller& caller,
                                                      const std::map<std::string, std::string>& form) {
  const auto& path = request.path;
  if (path == "/graph") {
    const auto done = send(request, "/api/v1/graph", form, formField(form, "graph"), "PUT");
    if (done.status >= 300) return notDone(caller, "/incidents", "/graph", done);
    ApiResponse r;
    r.status = 303;
    r.headers.emplace_back("Location", "/graph");
    return r;
  }
  if (const auto target = split(path, "/runbooks/")) {
    const auto& action = target->second;
    if (action != "step" && action != "ok" && action != "yes" && action != "no" && action != "confirm") return std::nullopt;
    // Signed in the page: the signature and certificate go on to the API as they came.
    std::string signedBody;
    if (!formField(form, "signature").empty() || !formField(form, "certificate").empty()) {
      Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      o->set("signature", formField(form, "signature"));
      o->set("certificate", formField(form, "certificate"));
      std::ostringstream out;
      Poco::JSON::Stringifier::stringify(o, out);
      signedBody = out.str();
    }
    const auto done = send(request, "/api/v1/runbooks/" + target->first + "/" + action, form, signedBody);
    if (done.status >= 300) return notDone(caller, "/incidents", "/runbooks/" + target->first, done);
    ApiResponse r;
    r.status = 303;
    r.headers.emplace_back("Location", "/runbooks/" + target->first);
    return r;
  }
  if (const auto target = split(path, "/incidents/")) {
    const auto& id = target->first;
    if (target->second == "close") {
      const auto done = send(request, "/api/v1/incidents/" + id + "/close", form);
      if (done.status >= 300) return notDone(caller, "/incidents", "/incidents/" + id, done);
      ApiResponse r;
      r.status = 303;
      r.headers.emplace_back("Location", "/incidents/" + id);
      return r;
    }
    if (target->second != "answers") return std::nullopt;
    Object::Ptr answers = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const char* key : {"problem", "host", "address", "machine", "service", "process", "policy", "start"})
      answers->set(key, formField(form, key));
    const auto port = formField(form, "port");
    if (!port.empty()) {
      if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
        return notDone(caller, "/incidents", "/incidents/" + id, {400, nullptr, "the port is a number"});
      answers->set("port", std::stoi(port));
    }
    std::ostringstream body;
    Poco::JSON::Stringifier::stringify(answers, body);
    const auto made = send(request, "/api/v1/incidents/" + id + "/answers", form, body.str());
    if (made.status >= 300) return notDone(caller, "/incidents", "/incidents/" + id, made);
    ApiResponse r;
    r.status = 303;
    r.headers.emplace_back("Location", "/runbooks/" + std::to_string(number(made.body->getObject("runbook"), "id")));
    return r;
  }
  return std::nullopt;
}

}  // namespace portcullis::web_edge
