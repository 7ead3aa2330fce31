/* The time slider over the filter bar's range: hour steps for the last 24 hours, day steps
   (the profile's calendar days) otherwise. Play steps through the range (each step once the
   map has drawn it), Pause holds the step, "Whole range" leaves the slider. The incident
   layer shows the chosen step (timeWindow() adds since/until to its request).
   "Compare with the previous period": the step (or the whole range) against the period of
   the same length just before it: both counts (GET urls.mapCompare) and a change map
   (cells redder where incidents rose, bluer where they fell).
   The URL keeps the step (t=start instant) and the comparison (compare=1). */
import * as KH from "../kh/index.js";
import { addLayer, canvas, loadLayer, map } from "./map.js";
import { addUrlState, filterParams, form, syncUrl } from "./filters.js";
import { reloadFor } from "./panels.js";
import { addLegend, keyList, keyRow, swatch } from "./legend.js";

const HOUR = 3600e3, DAY = 24 * HOUR;
const SPANS = { "24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY, "90d": 90 * DAY, "365d": 365 * DAY };
const STEP_MS = 1200;
const query = new URLSearchParams(location.search);

let firstDay = null;           // the first day with incidents (for "All time")
let step = null;               // index of the chosen step; null: the whole range
let playing = false, timer = null;
let wantedStart = query.get("t") ? Date.parse(query.get("t")) : null;

/* --- the range and its steps ---------------------------------------------------------- */
const zoneParts = new Intl.DateTimeFormat("en-US", {
  timeZone: KH.timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
});
function zoneOffset(ms) {
  const v = {};
  zoneParts.formatToParts(new Date(ms)).forEach((p) => { v[p.type] = p.value; });
  return Date.UTC(+v.year, +v.month - 1, +v.day, +v.hour % 24, +v.minute, +v.second) - Math.floor(ms / 1000) * 1000;
}
/* The end of the current hour, or of today in the profile's zone. */
function stepEnd(now, unit) {
  const offset = unit === DAY ? zoneOffset(now) : 0;
  return Math.ceil((now + offset + 1) / unit) * unit - offset;
}
export function range() {
  const period = form.elements.period.value;
  const unit = period === "24h" ? HOUR : DAY;
  const end = stepEnd(Date.now(), unit);
  const span = SPANS[period] || (firstDay !== null ? end - firstDay : 365 * DAY);
  const count = Math.max(1, Math.ceil(span / unit));
  return { start: end - count * unit, end, unit, count };
}
function windowOf(i) {
  const r = range();
  return i === null ? { since: r.start, until: r.end } : { since: r.start + i * r.unit, until: r.start + (i + 1) * r.unit };
}
const iso = (ms) => new Date(ms).toISOString();

/* Add the chosen step to a layer request's parameters. */
export function timeWindow(params) {
  if (step === null) return params;
  const w = windowOf(step);
  params.set("since", iso(w.since));
  params.set("until", iso(w.until));
  return params;
}

/* Hotspots by run: the newest usable hotspot run finished by the end of the chosen step
   (GET urls.runs: chains with their steps, and standalone runs). Resolves to the run id,
   null without a step (the layer shows the latest run), -1 when no run had finished yet. */
let runs = null;
function usable(run) { return run.kind === "hotspots" && run.finished_at && (run.status === "succeeded" || run.status === "partial"); }
function hotspotRuns() {
  if (!runs) {
    runs = KH.get("runs", "page_size=200").then((answer) => {
      const found = [];
      (answer.results || []).forEach((run) => [run].concat(run.steps || []).filter(usable).forEach((r) => found.push(r)));
      return found.sort((a, b) => Date.parse(a.finished_at) - Date.parse(b.finished_at));
    }).catch(() => []);
  }
  return runs;
}
export function hotspotRunFor() {
  if (step === null) return Promise.resolve(null);
  const until = windowOf(step).until;
  return hotspotRuns().then((list) => {
    const done = list.filter((r) => Date.parse(r.finished_at) <= until);
    return done.length ? done[done.length - 1].id : -1;
  });
}

/* --- the control ---------------------------------------------------------------------- */
const play = KH.h("button", { type: "button", class: "time-play", "aria-pressed": "false", text: KH._("Play") });
const slider = KH.h("input", { id: "time-slider", type: "range", min: "0", value: "0", step: "1", "aria-label": KH._("Time step") });
const label = KH.h("output", { class: "time-label", for: "time-slider", "aria-live": "polite" });
const whole = KH.h("button", { type: "button", class: "time-whole link", text: KH._("Whole range") });
const compare = KH.h("input", { type: "checkbox", id: "time-compare" });
const counts = KH.h("p", { class: "compare-counts", role: "status", "aria-live": "polite", hidden: true });
const box = KH.h("div", { class: "time-slider leaflet-control", role: "group", "aria-label": KH._("Time slider") },
  KH.h("div", { class: "time-row" }, play, slider, whole),
  label,
  KH.h("label", { class: "check time-compare" }, compare, " ", KH._("Compare with the previous period")),
  counts);

const dayFormat = new Intl.DateTimeFormat(KH.locale, { timeZone: KH.timeZone, weekday: "short", day: "numeric", month: "short" });
const hourFormat = new Intl.DateTimeFormat(KH.locale, { timeZone: KH.timeZone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
function stepText(i) {
  const r = range(), w = windowOf(i);
  return r.unit === DAY ? dayFormat.format(new Date(w.since)) : hourFormat.format(new Date(w.since)) + " – " + KH.digits(new Date(w.until).toLocaleTimeString(KH.locale, { timeZone: KH.timeZone, hour: "2-digit", minute: "2-digit" }));
}
function paint() {
  const r = range();
  slider.max = String(r.count - 1);
  slider.value = String(step === null ? r.count - 1 : step);
  const text = step === null ? KH._("Whole range") : stepText(step);
  label.textContent = text;
  slider.setAttribute("aria-valuetext", text);
  box.dataset.step = step === null ? "" : String(step);
  whole.disabled = step === null;
  play.textContent = playing ? KH._("Pause") : KH._("Play");
  play.setAttribute("aria-pressed", playing ? "true" : "false");
}

function go(i) {
  step = i;
  paint();
  syncUrl();
  return reloadFor("time");
}
function stop() { playing = false; clearTimeout(timer); paint(); }
function tick() {
  if (!playing) return;
  const r = range();
  if (step === null || step >= r.count - 1) { stop(); return; }
  go(step + 1).then(() => { if (playing) timer = setTimeout(tick, STEP_MS); });
}
play.addEventListener("click", () => {
  if (playing) { stop(); return; }
  playing = true;
  const r = range();
  const first = step === null || step >= r.count - 1 ? 0 : step;
  go(first).then(() => { if (playing) timer = setTimeout(tick, STEP_MS); });
});
slider.addEventListener("input", () => { const chosen = +slider.value; stop(); go(chosen); });
whole.addEventListener("click", () => { stop(); go(null); });

/* The filter bar changed the range: back to the whole range (a kept step may not exist). */
form.addEventListener("change", (e) => {
  if (e.target && e.target.name === "period") { stop(); step = null; loadFirstDay().then(paint); }
});
function loadFirstDay() {
  if (form.elements.period.value !== "all") return Promise.resolve();
  return KH.get("mapDaily", filterParams()).then((answer) => {
    firstDay = answer.days.length ? Date.parse(answer.days[0][0] + "T00:00:00Z") - zoneOffset(Date.now()) : null;
  }).catch(() => {});
}

/* --- compare with the previous period ------------------------------------------------- */
const change = L.featureGroup();
const MORE = "#c92a2a", FEWER = "#1c7ed6";
function compareLoad(group) {
  const w = windowOf(step);
  const params = filterParams();
  params.delete("period");
  params.set("since", iso(w.since));
  params.set("until", iso(w.until));
  const b = map.getBounds();
  params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(","));
  params.set("zoom", map.getZoom());
  return KH.get("mapCompare", params).then((answer) => {
    group.clearLayers();
    const size = answer.cell;
    const most = Math.max(1, ...answer.cells.map((c) => Math.abs(c[2] - c[3])));
    answer.cells.forEach((c) => {
      const diff = c[2] - c[3];
      group.addLayer(L.rectangle([[c[1] * size, c[0] * size], [(c[1] + 1) * size, (c[0] + 1) * size]], {
        renderer: canvas, interactive: false, weight: 0.5, color: diff ? (diff > 0 ? MORE : FEWER) : "#868e96",
        fillColor: diff ? (diff > 0 ? MORE : FEWER) : "#868e96", fillOpacity: 0.12 + 0.5 * Math.abs(diff) / most,
      }));
    });
    showCounts(answer.current.total, answer.previous.total);
    return group.getLayers().length;
  });
}
function showCounts(now, before) {
  const change = before ? (now - before) / before : null;
  counts.dataset.current = now;
  counts.dataset.previous = before;
  counts.replaceChildren(
    KH.h("span", { class: "count-now", text: KH._("This period") + ": " + KH.num(now) }), " · ",
    KH.h("span", { class: "count-before", text: KH._("Previous period") + ": " + KH.num(before) }), " · ",
    KH.h("b", { class: "count-change", text: change === null ? "—" : (change > 0 ? "+" : "") + KH.pct(change) }));
  counts.hidden = false;
}
addLayer({ key: "change", layer: change, shown: false, on: ["filters", "move", "time"], load: compareLoad });
addLegend("change", () => keyList([
  keyRow(swatch(MORE), KH._("More than the previous period")),
  keyRow(swatch(FEWER), KH._("Fewer than the previous period")),
]), KH._("Change map"));

compare.addEventListener("change", () => {
  if (compare.checked) { map.addLayer(change); loadLayer("change").catch(() => {}); } else { map.removeLayer(change); counts.hidden = true; }
  syncUrl();
});
addUrlState((params) => {
  if (step !== null) params.set("t", iso(windowOf(step).since));
  if (compare.checked) params.set("compare", "1");
});

const Slider = L.Control.extend({
  onAdd() {
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  },
});
new Slider({ position: KH.rtl ? "bottomright" : "bottomleft" }).addTo(map);

/* A shared link's step and comparison, once the first day is known ("All time"). */
export const restored = loadFirstDay().then(() => {
  const r = range();
  if (wantedStart !== null && wantedStart >= r.start && wantedStart < r.end) step = Math.floor((wantedStart - r.start) / r.unit);
  wantedStart = null;
  paint();
  if (query.get("compare") === "1") { compare.checked = true; map.addLayer(change); }
  if (step !== null || compare.checked) reloadFor("time");
});
paint();
