/* Khareetaty shared page script: config, strings, API calls, formatting, live socket.
   No dependencies; every page that needs it loads it before its own script. */
(function () {
  "use strict";

  function readJSON(id, fallback) {
    var el = document.getElementById(id);
    if (!el) return fallback;
    try { return JSON.parse(el.textContent); } catch (e) { return fallback; }
  }

  var config = readJSON("kh-config", {});
  var strings = readJSON("kh-strings", {});
  var lang = config.lang || document.documentElement.lang || "en";
  var timeZone = config.timeZone || "Asia/Kuwait";
  var locale = lang === "ar" ? "ar-KW" : "en-GB";

  /* One digit system per language: digits written inside translated strings ("24 h") follow
     the page's numbers (Arabic-Indic in Arabic), like every number formatted below. */
  var localDigits = new Intl.NumberFormat(locale, { useGrouping: false });
  function digits(text) {
    return String(text).replace(/[0-9]/g, function (d) { return localDigits.format(+d); });
  }
  function t(key, values) {
    var text = strings[key] ? digits(strings[key]) : key;
    if (values) {
      Object.keys(values).forEach(function (name) {
        text = text.split("%(" + name + ")s").join(String(values[name]));
      });
    }
    return text;
  }

  var numberFormat = new Intl.NumberFormat(locale);
  var percentFormat = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  var dateTimeFormat = new Intl.DateTimeFormat(locale, {
    timeZone: timeZone, dateStyle: "medium", timeStyle: "short",
  });
  var dateFormat = new Intl.DateTimeFormat(locale, { timeZone: timeZone, day: "numeric", month: "short" });

  function num(value, digits) {
    if (value === null || value === undefined || value === "" || isNaN(Number(value))) return "—";
    if (digits !== undefined) {
      return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(Number(value));
    }
    return numberFormat.format(Number(value));
  }
  function pct(value) {
    if (value === null || value === undefined || isNaN(Number(value))) return "—";
    return percentFormat.format(Number(value));
  }
  function dateTime(value) {
    if (!value) return "—";
    var d = new Date(value);
    return isNaN(d) ? String(value) : dateTimeFormat.format(d);
  }
  function shortDate(value) {
    var d = new Date(value);
    return isNaN(d) ? String(value) : dateFormat.format(d);
  }

  /* An id or a count without grouping, in the page's digits (Arabic-Indic in Arabic). */
  var idFormat = new Intl.NumberFormat(locale, { useGrouping: false });
  function id(value) { return value === null || value === undefined ? "" : idFormat.format(Number(value)); }
  /* "%(n)s runs" / "%(n)s run": the key with the plural category's suffix when there is one. */
  var plurals = new Intl.PluralRules(locale);
  function plural(key, n) {
    var forms = (strings.plurals || {})[key];
    var form = forms && forms[plurals.select(Number(n))];
    if (form) return digits(form).split("%(n)s").join(num(n));
    return t(key, { n: num(n) });
  }

  /* --- date and time typed by a person ------------------------------------------------------
     Typed as dd/mm/yyyy hh:mm in the page's digits (Latin or Arabic-Indic both accepted), in
     the deployment's time zone; never the browser's mm/dd/yyyy picker. */
  var ARABIC_DIGITS = /[\u0660-\u0669\u06F0-\u06F9]/g;
  function latinDigits(text) {
    return String(text).replace(ARABIC_DIGITS, function (c) {
      var code = c.charCodeAt(0);
      return String(code >= 0x06F0 ? code - 0x06F0 : code - 0x0660);
    });
  }
  var zoneParts = new Intl.DateTimeFormat("en-US", {
    timeZone: timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  function zoneOffset(ms) {
    var v = {};
    zoneParts.formatToParts(new Date(ms)).forEach(function (p) { v[p.type] = p.value; });
    return Date.UTC(+v.year, +v.month - 1, +v.day, +v.hour % 24, +v.minute, +v.second) - Math.floor(ms / 1000) * 1000;
  }
  /* "" → null (no time), unreadable → false, else the ISO instant. */
  function parseDateTime(text) {
    var value = latinDigits(text || "").trim();
    if (!value) return null;
    var m = value.match(/^(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})(?:[ T,]+(\d{1,2})[:.](\d{2}))?$/);
    if (!m) return false;
    var day = +m[1], month = +m[2], year = +m[3], hour = m[4] === undefined ? 23 : +m[4], minute = m[5] === undefined ? 59 : +m[5];
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return false;
    var guess = Date.UTC(year, month - 1, day, hour, minute);
    var instant = guess - zoneOffset(guess);
    instant = guess - zoneOffset(instant);
    var check = new Date(instant + zoneOffset(instant));
    if (check.getUTCDate() !== day) return false; // 31/02 and the like
    return new Date(instant).toISOString();
  }
  var inputFormat = new Intl.DateTimeFormat(locale, {
    timeZone: timeZone, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  function formatDateTimeInput(value) {
    var v = {};
    inputFormat.formatToParts(new Date(value)).forEach(function (p) { v[p.type] = p.value; });
    return v.day + "/" + v.month + "/" + v.year + " " + v.hour + ":" + v.minute;
  }
  function dueExample() {
    var tomorrow = new Date(Date.now() + 86400000);
    tomorrow.setUTCMinutes(0);
    return formatDateTimeInput(tomorrow);
  }
  function dueHint(input) {
    input.type = "text";
    input.dir = "ltr";
    input.autocomplete = "off";
    input.placeholder = t("date_format_hint", { example: dueExample() });
    input.title = input.placeholder;
  }

  /* A short message that leaves by itself and lets clicks through (it never blocks a form). */
  function toast(text) {
    var box = document.getElementById("flash");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, 4000);
  }

  /* Build DOM without innerHTML so API text can never inject markup. */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") el.textContent = value;
        else if (key === "class") el.className = value;
        else if (key === "style") el.style.cssText = value; // CSSOM: allowed by the CSP, unlike a style attribute
        else if (key.slice(0, 2) === "on") el.addEventListener(key.slice(2), value);
        else el.setAttribute(key, value === true ? "" : value);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) child.forEach(function (c) { if (c) el.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
      else el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return el;
  }

  /* Leaflet writes a string tooltip or popup with innerHTML: give it a text node instead,
     made fresh each time it opens, so server text is shown and never parsed as markup. */
  function textContent(text) {
    return function () { return document.createTextNode(text === null || text === undefined ? "" : String(text)); };
  }
  /* For the few Leaflet APIs that only take a string (layer control names): escaped text. */
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* --- session expiry ------------------------------------------------------------------ */
  var expiredShown = false;
  function sessionExpired(text) {
    if (expiredShown) return;
    expiredShown = true;
    var banner = document.getElementById("session-banner");
    if (!banner) return;
    var next = encodeURIComponent(location.pathname + location.search);
    banner.replaceChildren(
      h("span", { text: text || t("session_expired") }), " ",
      h("a", { href: "/accounts/login/?next=" + next, class: "button", text: t("sign_in_again") })
    );
    banner.hidden = false;
    document.body.classList.add("session-expired");
  }

  /* --- API -------------------------------------------------------------------------------- */
  function ApiError(status, body) {
    this.status = status;
    this.body = body;
    this.message = (body && (body.detail || body.message)) || ("HTTP " + status);
  }

  /* A panel source this deployment does not route: answer like a 404 without asking. */
  function has(source) { return !config.sources || config.sources[source] !== false; }
  function missing() { return Promise.reject(new ApiError(404, { detail: t("not_available") })); }

  /* --- request budget ----------------------------------------------------------------------
     After a 429 every request waits for the server's Retry-After, and the page says so: it
     must never keep hammering the user's own quota (which other tabs share). */
  var pausedUntil = 0, pauseTimer = null;
  function throttled(response) {
    var seconds = parseInt(response.headers.get("Retry-After") || "", 10);
    if (!(seconds > 0)) seconds = 30;
    pausedUntil = Math.max(pausedUntil, Date.now() + seconds * 1000);
    var banner = document.getElementById("throttle-banner");
    if (!banner) {
      banner = h("div", { id: "throttle-banner", class: "banner throttled", role: "status" });
      document.body.insertBefore(banner, document.getElementById("main"));
    }
    banner.textContent = t("throttled", { n: num(Math.ceil((pausedUntil - Date.now()) / 1000)) });
    banner.hidden = false;
    clearTimeout(pauseTimer);
    pauseTimer = setTimeout(function () { banner.hidden = true; }, pausedUntil - Date.now());
  }
  function whenAllowed() {
    var wait = pausedUntil - Date.now();
    return wait > 0 ? new Promise(function (resolve) { setTimeout(resolve, wait); }) : Promise.resolve();
  }

  function api(method, url, body) {
    return whenAllowed().then(function () { return send(method, url, body); });
  }
  function send(method, url, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    };
    if (method !== "GET") {
      options.headers["X-CSRFToken"] = cookie("csrftoken");
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    return fetch(url, options).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      var parse = type.indexOf("json") >= 0 ? response.json() : Promise.resolve(null);
      return parse.then(function (data) {
        if (response.ok) return data;
        if (response.status === 429) throttled(response);
        if (response.status === 401 || (response.status === 403 && data && /credentials/i.test(data.detail || ""))) {
          sessionExpired();
        }
        throw new ApiError(response.status, data);
      });
    });
  }

  /* DRF lists may be plain arrays, pages ({results}) or GeoJSON pages ({results: {features}}). */
  function rows(data) {
    if (!data) return [];
    if (Array.isArray(data)) return data;
    if (Array.isArray(data.results)) return data.results;
    if (data.results && Array.isArray(data.results.features)) return data.results.features;
    if (Array.isArray(data.features)) return data.features;
    return [];
  }
  function featureCollection(data) {
    return { type: "FeatureCollection", features: rows(data).filter(function (f) { return f && f.geometry; }) };
  }

  function unavailable(container, error) {
    var text = error && error.status === 404 ? t("not_available") : t("load_failed");
    container.replaceChildren(h("p", { class: "muted unavailable", text: text }));
  }

  /* --- live socket with reconnect --------------------------------------------------------
     The server numbers each kind of event (incidents, alerts, tasks). After a reconnect the
     page compares the numbers in the new "hello" with the last ones it saw and is told only
     which kinds changed meanwhile ({kind: "reconnected", changed: [...]}), so it reloads
     those panels and nothing else. */
  function live(onEvent) {
    var indicator = document.getElementById("live-status");
    var socket = null, attempt = 0, pingTimer = null, stopped = false, seen = null;
    var opens = 0;

    function status(state) {
      if (!indicator) return;
      indicator.dataset.state = state;
      indicator.dataset.opens = opens;
      indicator.textContent = t("live_" + state);
    }
    function remember(seq) {
      if (!seq) return;
      seen = seen || {};
      Object.keys(seq).forEach(function (kind) { seen[kind] = seq[kind]; });
    }
    function hello(event) {
      if (seen === null) { remember(event.seq); return; }
      var changed = Object.keys(event.seq || {}).filter(function (kind) { return event.seq[kind] !== seen[kind]; });
      remember(event.seq);
      if (onEvent) onEvent({ kind: "reconnected", changed: changed });
    }
    function refused(kind) {
      stopped = true;
      status("off");
      if (kind === "account_disabled") sessionExpired(t("account_disabled"));
      else sessionExpired();
    }
    function connect() {
      if (stopped) return;
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      status("connecting");
      socket = new WebSocket(scheme + location.host + "/ws/live/");
      socket.onopen = function () {
        attempt = 0;
        opens += 1;
        status("on");
        clearInterval(pingTimer);
        pingTimer = setInterval(function () {
          if (socket.readyState === 1) socket.send(JSON.stringify({ kind: "ping" }));
        }, 60000);
      };
      socket.onmessage = function (message) {
        var event;
        try { event = JSON.parse(message.data); } catch (e) { return; }
        if (event.kind === "session_expired" || event.kind === "account_disabled") { refused(event.kind); return; }
        if (event.kind === "hello") { hello(event); return; }
        remember(event.seq);
        if (onEvent) onEvent(event);
      };
      socket.onclose = function (closeEvent) {
        clearInterval(pingTimer);
        if (closeEvent.code === 4401) { refused("session_expired"); return; }
        if (closeEvent.code === 4403) { refused("account_disabled"); return; }
        status("off");
        attempt += 1;
        var delay = Math.min(60000, 1000 * Math.pow(2, Math.min(attempt, 6))) * (0.5 + Math.random() / 2);
        setTimeout(connect, delay);
      };
    }
    window.addEventListener("online", function () {
      if (socket && socket.readyState > 1) { attempt = 0; connect(); }
    });
    connect();
    return {
      close: function () { stopped = true; if (socket) socket.close(); },
      socket: function () { return socket; },
    };
  }

  window.KH = {
    config: config, strings: strings, lang: lang, rtl: !!config.rtl, t: t,
    num: num, pct: pct, dateTime: dateTime, shortDate: shortDate, h: h,
    api: api, has: has, missing: missing, rows: rows, featureCollection: featureCollection, unavailable: unavailable,
    live: live, sessionExpired: sessionExpired, cookie: cookie, textContent: textContent, escapeHtml: escapeHtml,
    id: id, plural: plural, toast: toast, parseDateTime: parseDateTime, formatDateTimeInput: formatDateTimeInput,
    dueHint: dueHint, dueExample: dueExample, latinDigits: latinDigits,
  };
})();
