/* Dashboard layer: the current published patrol plan's places, coloured by unit, with
   each place's visit windows in its detail. While it is shown, a "Patrol" card in the side
   column has the plan's window timeline per unit, adherence per unit and shift, the latest
   check-ins and the shift-summary export; check-ins arrive live ("patrol.visit" events
   mark the layer stale, so it and the card reload).
   GET urls.patrol_layer (a FeatureCollection with "plan"), urls.patrol_adherence {id},
   urls.patrol_visits; link urls.patrol_summary {id} (CSV). */
import * as KH from "/static/js/kh/index.js";
import { canvas } from "/static/js/dashboard/map.js";
import { showDetail } from "/static/js/dashboard/detail.js";

const PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"];
const colour = (unit) => PALETTE[unit % PALETTE.length];

const layer = L.geoJSON(null, {
  renderer: canvas,
  style: (f) => ({ color: colour(f.properties.unit), weight: 2, fillOpacity: 0.35 }),
  onEachFeature: (f, drawn) => drawn.on("click", () => showDetail(
    KH._("Patrol %(unit)s", { unit: f.properties.call_sign }),
    KH.facts([
      [KH._("Planned minutes"), KH.num(f.properties.planned_minutes)],
      [KH._("Visits"), f.properties.windows.map((w) => KH.dateTime(w.start) + " (" + w.minutes + ")").join(", ")],
    ]),
  )),
});

document.head.append(KH.h("link", { rel: "stylesheet", href: "/static/patrol/css/patrol.css" }));

/* --- the side card: timeline, adherence, latest check-ins, export ------------------------ */
const card = KH.h("section", { class: "card", id: "patrol-card", hidden: true },
  KH.h("h2", { text: KH._("Patrol plan") }));
const timeline = KH.h("div", { id: "patrol-timeline", class: "patrol-timeline", dir: "ltr" });
const adherence = KH.h("div", { id: "patrol-adherence" });
const checkins = KH.h("ol", { id: "patrol-checkins", class: "timeline" });
const exportLink = KH.h("a", { id: "patrol-summary", class: "button", text: KH._("Export the shift summary (CSV)") });
card.append(KH.h("h3", { text: KH._("Visit windows") }), timeline,
  KH.h("h3", { text: KH._("Adherence per unit and shift") }), adherence,
  KH.h("h3", { text: KH._("Latest check-ins") }), checkins, KH.h("p", null, exportLink));
(document.querySelector(".side") || document.getElementById("main")).append(card);

function drawTimeline(features) {
  const windows = features.flatMap((f) => f.properties.windows.map((w) => ({ unit: f.properties.unit, sign: f.properties.call_sign, start: Date.parse(w.start), minutes: w.minutes })));
  if (!windows.length) { timeline.replaceChildren(KH.h("p", { class: "muted", text: KH._("No visit windows.") })); return; }
  const t0 = Math.min(...windows.map((w) => w.start));
  const t1 = Math.max(...windows.map((w) => w.start + w.minutes * 60000));
  const span = Math.max(t1 - t0, 60000);
  const units = [...new Set(windows.map((w) => w.sign))].sort();
  timeline.replaceChildren(
    KH.h("p", { class: "muted", text: KH.dateTime(new Date(t0).toISOString()) + " – " + KH.dateTime(new Date(t1).toISOString()) }),
    ...units.map((sign) => KH.h("div", { class: "timeline-row" },
      KH.h("span", { class: "timeline-label", text: sign }),
      KH.h("div", { class: "timeline-track" }, ...windows.filter((w) => w.sign === sign).map((w) => KH.h("span", {
        class: "timeline-bar",
        title: KH.dateTime(new Date(w.start).toISOString()) + " · " + w.minutes + " min",
        style: `left:${((w.start - t0) / span * 100).toFixed(2)}%;width:${Math.max(0.8, w.minutes * 60000 / span * 100).toFixed(2)}%;background:${colour(w.unit)}`,
      }))))));
  timeline.dataset.bars = windows.length;
}

function drawAdherence(rows) {
  adherence.replaceChildren(rows.length ? KH.table(
    [KH._("Unit"), KH._("Shift"), KH._("Planned minutes"), KH._("Delivered minutes"), KH._("Adherence")],
    rows.map((r) => [r.call_sign, r.shift === null ? "—" : "#" + KH.id(r.shift), KH.num(r.planned_minutes), KH.num(r.delivered_minutes, 1), KH.pct(r.adherence)]))
    : KH.h("p", { class: "muted", text: KH._("Nothing planned.") }));
}

function drawCheckins(page) {
  const latest = page.results.slice(0, 8);
  checkins.replaceChildren(...(latest.length ? latest.map((v) => KH.h("li", { "data-visit-id": v.id,
    text: [KH.dateTime(v.arrival), KH._("Place %(id)s", { id: KH.id(v.place) }), v.departure ? KH._("checked out") : KH._("on site")].join(" · ") }))
    : [KH.h("li", { class: "muted", text: KH._("No check-ins yet.") })]));
  checkins.dataset.count = page.results.length;
}

function drawCard(collection) {
  card.hidden = collection.plan === null || collection.plan === undefined;
  if (card.hidden) return Promise.resolve();
  drawTimeline(collection.features);
  if (KH.has("patrol_summary")) exportLink.href = KH.url("patrol_summary", collection.plan);
  return Promise.all([
    KH.get("patrol_adherence", null, collection.plan).then((answer) => drawAdherence(answer.results || answer), (e) => KH.unavailable(adherence, e)),
    KH.get("patrol_visits").then(drawCheckins, (e) => KH.unavailable(checkins, e)),
  ]);
}

export default {
  key: "patrol",
  label: KH._("Patrol plan"),
  layer,
  shown: false,
  on: ["patrol"],
  load(drawn) {
    return KH.get("patrol_layer").then((collection) => {
      drawn.clearLayers();
      drawn.addData(collection);
      return drawCard(collection).then(() => drawn.getLayers().length);
    });
  },
};
