// The console's only script, and optional: every page works without it.
// With it, (1) forms marked "act" are sent in the background and the page's
// live parts are replaced from the answer, so an action shows its effect
// without a reload; (2) the page listens to /events (server-sent events)
// and refreshes its live parts whenever the fleet changes; (3) a runbook's
// answers are signed in the page with the operator's key, which is read
// from a file the operator picks and never leaves the browser.
'use strict';
(function () {
  var pending = null;

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, 'text/html');
    document.querySelectorAll('[data-live]').forEach(function (old) {
      var now = fresh.getElementById(old.id);
      if (now) old.replaceWith(document.importNode(now, true));
    });
  }

  // One refresh at a time; a change that comes while one is under way asks
  // for one more after it (its answer may predate the change).
  var again = false;
  function refresh() {
    if (pending) {
      again = true;
      return pending;
    }
    // Marked as the page's own refresh: an open tab does not keep the
    // operator's session from idling out.
    pending = fetch(location.pathname + location.search,
                    { credentials: 'same-origin', headers: { 'X-Console-Refresh': '1' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) { if (text) swap(text); })
      .catch(function () {})
      .then(function () {
        pending = null;
        if (again) {
          again = false;
          refresh();
        }
      });
    return pending;
  }

  function notify(text) {
    var notice = document.getElementById('notice');
    if (notice) notice.textContent = text;
  }

  // The operator's signing key: imported so that the page cannot export
  // it, kept only in this page's memory. Null until both files are loaded.
  var signer = null;
  function say(text) {
    var status = document.getElementById('sign-status');
    if (status) status.textContent = text;
  }
  function pemBytes(pem, label) {
    var found = new RegExp('-----BEGIN ' + label + '-----([\\s\\S]*?)-----END ' + label + '-----').exec(pem);
    if (!found) return null;
    var raw = atob(found[1].replace(/\s+/g, ''));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; ++i) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function fileText(input) {
    return input && input.files && input.files[0] ? input.files[0].text() : Promise.resolve(null);
  }
  // The certificate block alone is sent: never a file's other parts.
  function certificateBlock(pem) {
    var found = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem);
    return found ? found[0] + '\n' : null;
  }
  var loading = 0;  // the latest choice of files wins over a slower earlier one
  function loadSigner() {
    signer = null;
    var mine = ++loading;
    Promise.all([fileText(document.getElementById('sign-key')), fileText(document.getElementById('sign-cert'))])
      .then(function (texts) {
        if (!texts[0] || !texts[1]) return say('Load both your key and your certificate.');
        var key = pemBytes(texts[0], 'PRIVATE KEY');
        if (!key) return say('The key is not a PEM "PRIVATE KEY" (openssl pkcs12 -nocerts -nodes gives one).');
        if (texts[1].indexOf('PRIVATE KEY') >= 0)
          return say('The certificate file holds a private key too: take the certificate alone (openssl pkcs12 -clcerts -nokeys).');
        var certificate = certificateBlock(texts[1]);
        if (!certificate) return say('The certificate is not a PEM certificate.');
        return crypto.subtle.importKey('pkcs8', key, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
          .then(function (imported) {
            if (mine !== loading) return;
            signer = { key: imported, certificate: certificate };
            say('Key loaded: your answers are signed in this page.');
          });
      })
      .catch(function (e) {
        if (mine === loading) say('The key cannot sign (an ECDSA P-256 key is needed): ' + e.message);
      });
  }
  document.addEventListener('change', function (event) {
    if (event.target.id === 'sign-key' || event.target.id === 'sign-cert') loadSigner();
  });
  function base64(buffer) {
    var bytes = new Uint8Array(buffer), text = '';
    for (var i = 0; i < bytes.length; ++i) text += String.fromCharCode(bytes[i]);
    return btoa(text);
  }
  // A signable form gets the signature over the text the controller gives
  // for this answer now, and the certificate. Resolves false when the form
  // must be signed and no key is loaded.
  function signed(form) {
    if (!form.classList.contains('signable') || !signer) return Promise.resolve(!form.classList.contains('signature-required'));
    var notSigned = function (why) {
      var e = new Error(why);
      e.signing = true;
      throw e;
    };
    return fetch(form.dataset.confirmation, { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : notSigned('the controller gave no text to sign'); },
            function () { notSigned('the controller could not be reached for the text to sign'); })
      .then(function (body) {
        return crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer.key, new TextEncoder().encode(body.text))
          .catch(function (e) { notSigned('the browser could not sign (' + e.message + ')'); });
      })
      .then(function (signature) {
        form.elements.namedItem('signature').value = base64(signature);
        form.elements.namedItem('certificate').value = signer.certificate;
        return true;
      });
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains('act')) return;
    event.preventDefault();
    var buttons = form.querySelectorAll('button');
    buttons.forEach(function (b) { b.disabled = true; });
    signed(form).then(function (ready) {
      if (!ready) return notify('Load your key and certificate under "Sign your answers" first.');
      return fetch(form.action, {
        method: 'POST',
        body: new URLSearchParams(new FormData(form)),
        credentials: 'same-origin'
      }).then(function (r) {
        return r.text().then(function (text) { swap(text); });
      });
    }).catch(function (e) {
      notify(e && e.signing ? 'Not signed: ' + e.message + '; nothing was changed.'
                            : 'The console could not be reached; nothing was changed here.');
    }).then(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    });
  });

  // A stream refused (every slot taken, the page before this one not yet
  // let go) is not retried by the browser itself: it is asked for again a
  // few seconds later, and what changed meanwhile is fetched once it opens.
  function listen() {
    var source = new EventSource(document.body.dataset.events);
    source.addEventListener('open', function () {
      if (document.body.dataset.live === 'off') refresh();
      document.body.dataset.live = 'on';
    });
    source.addEventListener('error', function () {
      document.body.dataset.live = 'off';
      if (source.readyState === EventSource.CLOSED) setTimeout(listen, 3000);
    });
    source.addEventListener('change', function () { refresh(); });
  }
  if (document.body.dataset.events && window.EventSource) listen();
})();
