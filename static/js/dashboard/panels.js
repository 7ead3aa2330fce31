/* Every panel and layer that loads data registers here with the triggers it follows:
   "filters" (the filter bar changed), "move" (the map moved), or a live event kind
   ("incidents", "alerts", "tasks"). Live events only mark panels stale; a scheduler reloads
   each stale panel at most once per PANEL_GAP_MS, one request at a time per panel, so a busy
   feed or a reconnect never turns into a burst against the user's request quota. */

const PANEL_GAP_MS = 5000;
const panels = {};
const stale = {}, running = {}, lastRun = {}, planned = {};

/* load(reason) → promise; reason is "initial", "filters", "move", "live" or "changed". */
export function addPanel(name, load, on) { panels[name] = { load, on: on || [] }; }

export function load(name, reason) {
  return Promise.resolve().then(() => panels[name].load(reason || "initial"));
}
function following(trigger) { return Object.keys(panels).filter((name) => panels[name].on.indexOf(trigger) >= 0); }

/* Reload at once every panel that follows a trigger (the user's own action). */
export function reloadFor(trigger) {
  return Promise.all(following(trigger).map((name) => load(name, trigger).catch(() => {})));
}
/* Panels a user's own action changed (kinds such as "tasks", "alerts"): reloaded at once. */
export function changed(kinds) {
  const names = new Set();
  kinds.forEach((kind) => following(kind).forEach((name) => names.add(name)));
  names.forEach((name) => load(name, "changed").catch(() => {}));
}

/* Live: mark the panels following these kinds stale (after `wait` ms at the earliest). */
export function markStale(kinds, wait) {
  const names = new Set();
  kinds.forEach((kind) => following(kind).forEach((name) => names.add(name)));
  names.forEach((name) => { stale[name] = true; plan(name, wait); });
}
function plan(name, wait) {
  if (planned[name] || running[name]) return;
  const gap = Math.max(wait || 0, (lastRun[name] || 0) + PANEL_GAP_MS - Date.now());
  planned[name] = setTimeout(() => { planned[name] = null; run(name); }, Math.max(0, gap));
}
function run(name) {
  if (!stale[name]) return;
  stale[name] = false;
  running[name] = true;
  lastRun[name] = Date.now();
  load(name, "live").catch(() => {}).then(() => {
    running[name] = false;
    if (stale[name]) plan(name);
    document.body.dataset.reloads = (+document.body.dataset.reloads || 0) + 1;
  });
}

export function names() { return Object.keys(panels); }
