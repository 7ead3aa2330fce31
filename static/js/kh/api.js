/* Calls to the JSON API: CSRF, the request budget after a 429, session expiry. Every endpoint
   answers one shape, and its caller reads that shape (see docs/frontend.md). */
import { _, config, has, url } from "./page.js";
import { h } from "./dom.js";
import { num } from "./format.js";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.message)) || ("HTTP " + status));
    this.status = status;
    this.body = body;
  }
}

export function cookie(name) {
  const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
  return match ? decodeURIComponent(match[1]) : "";
}

/* --- session expiry ------------------------------------------------------------------ */
let expiredShown = false;
export function sessionExpired(text) {
  if (expiredShown) return;
  expiredShown = true;
  const banner = document.getElementById("session-banner");
  if (!banner) return;
  const next = encodeURIComponent(location.pathname + location.search);
  const login = (config.urls || {}).login || "/accounts/login/";
  banner.replaceChildren(
    h("span", { text: text || _("Your session has expired.") }), " ",
    h("a", { href: login + "?next=" + next, class: "button", text: _("Sign in again") })
  );
  banner.hidden = false;
  document.body.classList.add("session-expired");
}

/* --- request budget ----------------------------------------------------------------------
   After a 429 every request waits for the server's Retry-After, and the page says so: it
   must never keep hammering the user's own quota (which other tabs share). */
let pausedUntil = 0, pauseTimer = null;
function throttled(response) {
  let seconds = parseInt(response.headers.get("Retry-After") || "", 10);
  if (!(seconds > 0)) seconds = 30;
  pausedUntil = Math.max(pausedUntil, Date.now() + seconds * 1000);
  let banner = document.getElementById("throttle-banner");
  if (!banner) {
    banner = h("div", { id: "throttle-banner", class: "banner throttled", role: "status" });
    document.body.insertBefore(banner, document.getElementById("main"));
  }
  banner.textContent = _("Too many requests: updates are paused for %(n)s s.", { n: num(Math.ceil((pausedUntil - Date.now()) / 1000)) });
  banner.hidden = false;
  clearTimeout(pauseTimer);
  pauseTimer = setTimeout(() => { banner.hidden = true; }, pausedUntil - Date.now());
}
function whenAllowed() {
  const wait = pausedUntil - Date.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}

function send(method, target, body) {
  const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") {
    options.headers["X-CSRFToken"] = cookie("csrftoken");
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body || {});
  }
  return fetch(target, options).then((response) => {
    const type = response.headers.get("Content-Type") || "";
    const parse = type.indexOf("json") >= 0 ? response.json() : Promise.resolve(null);
    return parse.then((data) => {
      if (response.ok) return data;
      if (response.status === 429) throttled(response);
      if (response.status === 401 || (response.status === 403 && data && /credentials/i.test(data.detail || ""))) {
        sessionExpired();
      }
      throw new ApiError(response.status, data);
    });
  });
}

export function api(method, target, body) {
  return whenAllowed().then(() => send(method, target, body));
}

/* GET a URL of the page config by name (with an id for a detail URL, and a query). A URL
   this deployment does not route answers like a 404 without asking. */
export function get(name, query, id) {
  if (!has(name)) return Promise.reject(new ApiError(404, { detail: _("Not available yet.") }));
  const q = query === undefined || query === null ? "" : String(query);
  return api("GET", url(name, id) + (q ? "?" + q : ""));
}
export function post(name, id, body) { return api("POST", url(name, id), body); }
