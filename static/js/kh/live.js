/* The live socket with reconnect.
   The server numbers each kind of event (incidents, alerts, tasks). After a reconnect the
   page compares the numbers in the new "hello" with the last ones it saw and is told only
   which kinds changed meanwhile ({kind: "reconnected", changed: [...]}), so it reloads
   those panels and nothing else. */
import { _ } from "./page.js";
import { sessionExpired } from "./api.js";

const LIVE_PATH = "/ws/live/";

export function live(onEvent) {
  const indicator = document.getElementById("live-status");
  const STATES = { connecting: _("Connecting…"), on: _("Live"), off: _("Offline: reconnecting") };
  let socket = null, attempt = 0, pingTimer = null, stopped = false, seen = null, opens = 0;

  function status(state) {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.dataset.opens = opens;
    indicator.textContent = STATES[state];
  }
  function remember(seq) {
    if (!seq) return;
    seen = seen || {};
    Object.keys(seq).forEach((kind) => { seen[kind] = seq[kind]; });
  }
  function hello(event) {
    if (seen === null) { remember(event.seq); return; }
    const changed = Object.keys(event.seq || {}).filter((kind) => event.seq[kind] !== seen[kind]);
    remember(event.seq);
    if (onEvent) onEvent({ kind: "reconnected", changed });
  }
  function refused(kind) {
    stopped = true;
    status("off");
    if (kind === "account_disabled") sessionExpired(_("Your account has been disabled."));
    else sessionExpired();
  }
  function connect() {
    if (stopped) return;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    status("connecting");
    socket = new WebSocket(scheme + location.host + LIVE_PATH);
    socket.onopen = () => {
      attempt = 0;
      opens += 1;
      status("on");
      clearInterval(pingTimer);
      pingTimer = setInterval(() => {
        if (socket.readyState === 1) socket.send(JSON.stringify({ kind: "ping" }));
      }, 60000);
    };
    socket.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.kind === "session_expired" || event.kind === "account_disabled") { refused(event.kind); return; }
      if (event.kind === "hello") { hello(event); return; }
      remember(event.seq);
      if (onEvent) onEvent(event);
    };
    socket.onclose = (closeEvent) => {
      clearInterval(pingTimer);
      if (closeEvent.code === 4401) { refused("session_expired"); return; }
      if (closeEvent.code === 4403) { refused("account_disabled"); return; }
      status("off");
      attempt += 1;
      const delay = Math.min(60000, 1000 * Math.pow(2, Math.min(attempt, 6))) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }
  window.addEventListener("online", () => {
    if (socket && socket.readyState > 1) { attempt = 0; connect(); }
  });
  connect();
  return {
    close() { stopped = true; if (socket) socket.close(); },
    socket() { return socket; },
  };
}
